package dev.raftchat.bench.jmh;

import dev.raftchat.raft.model.Entry;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Deterministic inputs shared by the benchmarks: payloads of a given size and runs of entries. Public for the
 * benchmarks that live in the transport's package to reach its package-private classes.
 */
public final class Fixtures {
    private Fixtures() {}

    /** {@code bytes} pseudo-random bytes (not compressible, not all zero) from a fixed seed. */
    public static byte[] payload(int bytes, long seed) {
        byte[] data = new byte[bytes];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < bytes; i++) {
            data[i] = (byte) random.nextInt(256);
        }
        return data;
    }

    /** {@code count} NORMAL entries of term {@code term} from {@code firstIndex} on, each with its own payload array. */
    public static List<Entry> entries(long term, long firstIndex, int count, int payloadBytes) {
        List<Entry> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            entries.add(Entry.normal(term, firstIndex + i, payload(payloadBytes, firstIndex + i)));
        }
        return entries;
    }

    /** The same entries renumbered to start at {@code firstIndex}, sharing the payload arrays (which entries never mutate). */
    public static List<Entry> renumber(List<Entry> template, long term, long firstIndex) {
        List<Entry> entries = new ArrayList<>(template.size());
        for (int i = 0; i < template.size(); i++) {
            entries.add(Entry.normal(term, firstIndex + i, template.get(i).data()));
        }
        return entries;
    }
}
