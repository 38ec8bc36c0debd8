package dev.raftchat.raft.testing;

import dev.raftchat.raft.statemachine.StateMachine;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The test state machine of the library's runtime and cluster tests: it records every command it applies,
 * as text, in log order, with snapshots. It counts applications per log index, so a test can prove that
 * nothing was applied twice and that entries below an installed snapshot were not replayed, and it refuses
 * (throws, which stops the node) an index that does not grow. Each command answers the number of commands
 * applied so far; the queries are {@code "size"} and {@code "contains X"}.
 *
 * <p>Shared with the other modules' tests through raft-core's test jar.
 */
public final class RecordingStateMachine implements StateMachine {
    private final List<String> items = new ArrayList<>();
    private final TreeMap<Long, Integer> appliedCount = new TreeMap<>();
    /** The index of the last command applied or restored: what the next one must exceed. */
    private long lastIndex;

    @Override
    public synchronized byte[] apply(long index, byte[] command) {
        if (index <= lastIndex) {
            throw new IllegalStateException("applied index " + index + " after " + lastIndex);
        }
        lastIndex = index;
        appliedCount.merge(index, 1, Integer::sum);
        items.add(new String(command, StandardCharsets.UTF_8));
        return String.valueOf(items.size()).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public synchronized byte[] query(byte[] query) {
        String q = new String(query, StandardCharsets.UTF_8);
        String answer = q.equals("size")
                ? String.valueOf(items.size())
                : q.startsWith("contains ") ? String.valueOf(items.contains(q.substring(9))) : "bad query";
        return answer.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public synchronized Snapshot snapshot() {
        List<String> view = List.copyOf(items);
        long through = lastIndex;
        return out -> {
            DataOutputStream data = new DataOutputStream(out);
            data.writeLong(through);
            data.writeInt(view.size());
            for (String item : view) {
                data.writeUTF(item);
            }
            data.flush();
        };
    }

    @Override
    public synchronized void restore(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        lastIndex = data.readLong();
        items.clear();
        int count = data.readInt();
        for (int i = 0; i < count; i++) {
            items.add(data.readUTF());
        }
    }

    /** The commands applied (or restored from a snapshot), in log order. */
    public synchronized List<String> items() {
        return List.copyOf(items);
    }

    /** The log indexes applied here since this object was made (not those a snapshot restored). */
    public synchronized NavigableSet<Long> appliedIndexes() {
        return new TreeSet<>(appliedCount.keySet());
    }

    /** The lowest log index applied here (0 if none): above 1 when the state came from a snapshot. */
    public synchronized long firstAppliedIndex() {
        return appliedCount.isEmpty() ? 0 : appliedCount.firstKey();
    }

    public synchronized boolean nothingAppliedTwice() {
        return appliedCount.values().stream().allMatch(count -> count == 1);
    }
}
