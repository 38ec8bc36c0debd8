package dev.raftchat.examples;

import dev.raftchat.raft.statemachine.StateMachine;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * The replicated key-value store of the README: the whole state machine. Commands are
 * {@code "put key value"}, {@code "get key"} and {@code "cas key expected value"} (sets the key only if it
 * holds {@code expected}; {@code -} expects the key to be absent). {@code put} and {@code get} answer with the
 * key's value before the command (or the empty string); {@code cas} answers {@code "ok"} when it swapped, else
 * the value it found. Reads go through the log too, which makes them linearizable; {@link #query} serves the
 * same {@code get} without the log, for {@code RaftServer.read} (linearizable by ReadIndex).
 *
 * <p>Snapshots hold every key and value, so a restarted node restores the newest one and replays the log after
 * it, and a follower far behind installs it from the leader.
 */
public final class KvStore implements StateMachine {
    /** The value {@code cas} expects for an absent key. */
    public static final String ABSENT = "-";

    private final TreeMap<String, String> values = new TreeMap<>();

    @Override
    public byte[] apply(long index, byte[] command) {
        String[] words = new String(command, StandardCharsets.UTF_8).split(" ", 4);
        String answer = switch (words[0]) {
            case "put" ->
                words.length >= 3
                        ? values.put(words[1], words.length == 3 ? words[2] : words[2] + " " + words[3])
                        : "error: usage: put KEY VALUE";
            case "get" -> words.length >= 2 ? values.get(words[1]) : "error: usage: get KEY";
            case "cas" ->
                words.length == 4
                        ? compareAndSet(words[1], words[2], words[3])
                        : "error: usage: cas KEY EXPECTED VALUE";
            default -> "error: unknown command " + words[0];
        };
        return (answer == null ? "" : answer).getBytes(StandardCharsets.UTF_8);
    }

    private String compareAndSet(String key, String expected, String value) {
        String current = values.get(key);
        boolean matches = expected.equals(ABSENT) ? current == null : expected.equals(current);
        if (matches) {
            values.put(key, value);
            return "ok";
        }
        return current == null ? ABSENT : current;
    }

    /** {@code "get key"} without the log: the key's value, or the empty string. */
    @Override
    public byte[] query(byte[] query) {
        String[] words = new String(query, StandardCharsets.UTF_8).split(" ", 2);
        if (words.length != 2 || !words[0].equals("get")) {
            return "error: usage: get KEY".getBytes(StandardCharsets.UTF_8);
        }
        return values.getOrDefault(words[1], "").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public Snapshot snapshot() {
        // A copy now, on the Raft thread; serialized later on the snapshot thread while apply goes on.
        Map<String, String> copy = new TreeMap<>(values);
        return out -> {
            DataOutputStream data = new DataOutputStream(out);
            data.writeInt(copy.size());
            for (Map.Entry<String, String> entry : copy.entrySet()) {
                writeString(data, entry.getKey());
                writeString(data, entry.getValue());
            }
            data.flush();
        };
    }

    @Override
    public void restore(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        TreeMap<String, String> restored = new TreeMap<>();
        int count = data.readInt();
        if (count < 0) {
            throw new IOException("corrupt snapshot: " + count + " keys");
        }
        for (int i = 0; i < count; i++) {
            restored.put(readString(data), readString(data));
        }
        values.clear();
        values.putAll(restored);
    }

    // Not writeUTF: it refuses strings over 64 KiB, and a value may be as large as a command.
    private static void writeString(DataOutputStream out, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static String readString(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > STRING_BYTES_MAX) {
            throw new IOException("corrupt snapshot: a string of " + length + " bytes");
        }
        return new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    /** No key or value is longer than a command, which the runtime bounds well below this. */
    private static final int STRING_BYTES_MAX = 64 * 1024 * 1024;
}
