package dev.raftchat.examples.guide;

import dev.raftchat.raft.confchange.ConfChange;
import dev.raftchat.raft.statemachine.StateMachine;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.BiConsumer;

/**
 * The replicated settings service of docs/embedding.md: a map of settings, and the directory of members'
 * addresses, learned from the context of each membership change. Both are in every snapshot, so a node that
 * restarts from a snapshot, or installs one from its leader, knows every member the compacted log named.
 *
 * <p>Commands: {@code set NAME VALUE} answers the previous value (or ""); {@code get NAME} answers the value.
 */
// tag::state-machine[]
public final class SettingsStore implements StateMachine {
    /** A limit, named and checked: values must fit {@code writeUTF} (64 KiB) in the snapshot. */
    public static final int VALUE_CHARS_MAX = 16_384;

    private final TreeMap<String, String> settings = new TreeMap<>();
    // Read by other threads (to route clients), written on the Raft thread: a concurrent map.
    private final ConcurrentSkipListMap<Long, String> members = new ConcurrentSkipListMap<>();
    private final BiConsumer<Long, String> onMember;

    /** @param onMember told of each member address applied or restored (to update the transport's peers) */
    public SettingsStore(BiConsumer<Long, String> onMember) {
        this.onMember = onMember;
    }

    @Override
    public byte[] apply(long index, byte[] command) {
        String[] words = new String(command, StandardCharsets.UTF_8).split(" ", 3);
        String answer = switch (words[0]) {
            case "set" ->
                words.length != 3
                        ? "error: set NAME VALUE"
                        : words[2].length() > VALUE_CHARS_MAX
                                ? "error: a value has at most " + VALUE_CHARS_MAX + " characters"
                                : settings.put(words[1], words[2]);
            case "get" -> words.length == 2 ? settings.get(words[1]) : "error: get NAME";
            default -> "error: unknown command " + words[0]; // never throw: it would stop the node
        };
        return (answer == null ? "" : answer).getBytes(StandardCharsets.UTF_8);
    }

    /** {@code get NAME} without the log, for {@code RaftServer.read} (linearizable by ReadIndex, on any node). */
    @Override
    public byte[] query(byte[] query) {
        String[] words = new String(query, StandardCharsets.UTF_8).split(" ", 2);
        String value = words.length == 2 && words[0].equals("get") ? settings.get(words[1]) : "error: get NAME";
        return (value == null ? "" : value).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void applyMembershipChange(long index, ConfChange change) {
        String address = new String(change.context(), StandardCharsets.UTF_8);
        for (ConfChange.Op op : change.ops()) {
            if (op.type() == ConfChange.OpType.REMOVE) {
                members.remove(op.nodeId());
            } else if (!address.isEmpty()) {
                members.put(op.nodeId(), address);
                onMember.accept(op.nodeId(), address);
            }
        }
    }

    @Override
    public Snapshot snapshot() {
        // Copies now, on the Raft thread (cheap); written later on the snapshot thread.
        Map<String, String> settingsNow = new TreeMap<>(settings);
        Map<Long, String> membersNow = new TreeMap<>(members);
        return out -> write(new DataOutputStream(out), settingsNow, membersNow);
    }

    @Override
    public void restore(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        settings.clear();
        members.clear();
        for (int i = data.readInt(); i > 0; i--) {
            settings.put(data.readUTF(), data.readUTF());
        }
        for (int i = data.readInt(); i > 0; i--) {
            members.put(data.readLong(), data.readUTF());
        }
        members.forEach(onMember);
    }
    // end::state-machine[]

    private static void write(DataOutputStream out, Map<String, String> settings, Map<Long, String> members)
            throws IOException {
        out.writeInt(settings.size());
        for (Map.Entry<String, String> e : settings.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeUTF(e.getValue());
        }
        out.writeInt(members.size());
        for (Map.Entry<Long, String> e : members.entrySet()) {
            out.writeLong(e.getKey());
            out.writeUTF(e.getValue());
        }
        out.flush();
    }

    /** The address member {@code id} joined with, if it joined through a membership change. Any thread. */
    public Optional<String> memberAddress(long id) {
        return Optional.ofNullable(members.get(id));
    }
}
