package dev.raftchat.it;

import dev.raftchat.raft.statemachine.StateMachine;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * An append-only list of strings with snapshots. Queries: {@code "size"} and {@code "contains X"}.
 * Counts applications per index, so a test can prove nothing was applied twice.
 */
final class ListStateMachine implements StateMachine {
    private final List<String> items = new ArrayList<>();
    private final TreeMap<Long, Integer> appliedCount = new TreeMap<>();

    @Override
    public synchronized byte[] apply(long index, byte[] command) {
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
        return out -> {
            DataOutputStream data = new DataOutputStream(out);
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
        items.clear();
        int count = data.readInt();
        for (int i = 0; i < count; i++) {
            items.add(data.readUTF());
        }
    }

    synchronized List<String> items() {
        return List.copyOf(items);
    }

    /** The lowest log index applied here (0 if none): above 1 when the state came from a snapshot. */
    synchronized long firstAppliedIndex() {
        return appliedCount.isEmpty() ? 0 : appliedCount.firstKey();
    }

    synchronized boolean nothingAppliedTwice() {
        return appliedCount.values().stream().allMatch(count -> count == 1);
    }
}
