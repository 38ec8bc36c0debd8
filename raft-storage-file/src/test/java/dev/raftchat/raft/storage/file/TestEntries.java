package dev.raftchat.raft.storage.file;

import dev.raftchat.raft.model.Entry;
import java.util.ArrayList;
import java.util.List;

/** Entries for the file log's crash and power-loss tests: small, of varied sizes, and distinct by term and index. */
final class TestEntries {

    private TestEntries() {}

    /** A NORMAL entry of 10..16 bytes whose content depends on its term and index. */
    static Entry entry(long term, long index) {
        byte[] data = new byte[10 + (int) (index % 7)];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (index * 31 + term + i);
        }
        return Entry.normal(term, index, data);
    }

    /** The entries {@code from..toInclusive} of term {@code term}. */
    static List<Entry> range(long term, long from, long toInclusive) {
        List<Entry> list = new ArrayList<>();
        for (long i = from; i <= toInclusive; i++) {
            list.add(entry(term, i));
        }
        return list;
    }
}
