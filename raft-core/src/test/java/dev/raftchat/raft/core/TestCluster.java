package dev.raftchat.raft.core;

import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.model.Check;
import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.EntryType;
import dev.raftchat.raft.model.LogPosition;
import dev.raftchat.raft.model.ReadState;
import dev.raftchat.raft.model.SnapshotChunk;
import dev.raftchat.raft.model.SnapshotMeta;
import dev.raftchat.raft.storage.MemoryLogStorage;
import dev.raftchat.raft.storage.SnapshotSource;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A synchronous, single-threaded cluster of pure {@link RaftNode}s for unit and interaction tests:
 * messages wait in one FIFO queue until a test delivers them, so every interleaving is explicit.
 */
final class TestCluster {

    final Map<Long, RaftNode> nodes = new TreeMap<>();
    final Map<Long, MemoryLogStorage> storages = new TreeMap<>();
    final Map<Long, List<Entry>> applied = new TreeMap<>();
    final Map<Long, List<ReadState>> readStates = new TreeMap<>();
    final Map<Long, MemorySnapshots> snapshots = new TreeMap<>();
    /** Per node: the commands its state machine holds from an installed snapshot. */
    final Map<Long, List<String>> restored = new TreeMap<>();

    final Map<Long, ByteArrayOutputStream> staging = new TreeMap<>();
    int snapshotsInstalled;
    final ArrayDeque<Message> inFlight = new ArrayDeque<>();
    /** Nodes whose Readies the test handles itself ({@link #processReady} leaves them alone). */
    final Set<Long> manual = new HashSet<>();
    /** Directed links that drop everything: "from->to". */
    final Set<String> cut = new HashSet<>();

    final List<String> trace = new ArrayList<>();
    private final Function<NodeConfig, NodeConfig> configure;
    private final ConfState conf;

    TestCluster(int size) {
        this(size, c -> c);
    }

    TestCluster(int size, Function<NodeConfig, NodeConfig> configure) {
        this.configure = configure;
        long[] ids = new long[size];
        for (int i = 0; i < size; i++) {
            ids[i] = i + 1L;
        }
        this.conf = ConfState.ofVoters(ids);
        for (long id : ids) {
            storages.put(id, new MemoryLogStorage());
            snapshots.put(id, new MemorySnapshots());
            start(id);
        }
    }

    /** (Re)starts node {@code id} from what its storage holds. */
    void start(long id) {
        start(id, conf);
    }

    /** Crashes node {@code id} (messages to and from it are lost) and starts it again from its storage. */
    void restart(long id) {
        inFlight.removeIf(m -> m.to() == id || m.from() == id);
        start(id);
    }

    /** Starts a new, empty node {@code id} that knows the cluster only as {@code initialConf}. */
    void join(long id) {
        storages.put(id, new MemoryLogStorage());
        snapshots.put(id, new MemorySnapshots());
        start(id, conf);
    }

    void start(long id, ConfState initialConf) {
        NodeConfig config = configure.apply(NodeConfig.defaults(id, 1000 + id));
        MemorySnapshots snaps = snapshots.get(id);
        SnapshotMeta latest = snaps.latest();
        // Restart like a real runtime: the state machine comes back from the latest snapshot.
        restored.put(id, latest == null ? new ArrayList<>() : decode(snaps.data(latest)));
        nodes.put(
                id,
                new RaftNode(
                        config,
                        storages.get(id),
                        snaps,
                        latest == null ? initialConf : latest.conf(),
                        latest == null ? 0 : latest.index()));
        staging.remove(id);
        applied.put(id, new ArrayList<>());
        readStates.put(id, new ArrayList<>());
    }

    RaftNode node(long id) {
        return nodes.get(id);
    }

    /** Runs every node's Ready loop; returns true if anything happened. */
    boolean processReady() {
        boolean any = false;
        for (Map.Entry<Long, RaftNode> e : nodes.entrySet()) {
            if (manual.contains(e.getKey())) {
                continue;
            }
            RaftNode n = e.getValue();
            MemoryLogStorage storage = storages.get(e.getKey());
            while (n.hasReady()) {
                any = true;
                Ready rd = n.ready();
                inFlight.addAll(rd.messages());
                for (SnapshotChunk chunk : rd.snapshotChunks()) {
                    if (chunk.offset() == 0) {
                        staging.put(e.getKey(), new ByteArrayOutputStream());
                    }
                    Check.that(staging.get(e.getKey()).size() == chunk.offset(), "chunk out of order");
                    staging.get(e.getKey()).writeBytes(chunk.data());
                }
                if (rd.snapshot() != null) {
                    byte[] data = staging.remove(e.getKey()).toByteArray();
                    snapshots.get(e.getKey()).put(rd.snapshot(), data);
                    restored.put(e.getKey(), decode(data));
                    applied.get(e.getKey()).clear();
                    storage.compact(rd.snapshot().position());
                    snapshotsInstalled++;
                }
                storage.append(rd.entries());
                if (rd.hardState() != null) {
                    storage.saveHardState(rd.hardState());
                }
                storage.sync();
                inFlight.addAll(rd.messagesAfterSync());
                applied.get(e.getKey()).addAll(rd.committedEntries());
                readStates.get(e.getKey()).addAll(rd.readStates());
                n.advance(rd);
            }
        }
        return any;
    }

    /** Delivers messages (and runs Ready loops) until the network is quiet. */
    void stabilize() {
        processReady();
        int guard = 0;
        while (!inFlight.isEmpty()) {
            Check.that(guard++ < 100_000, "cluster did not stabilize");
            Message m = inFlight.poll();
            if (cut.contains(m.from() + "->" + m.to()) || !nodes.containsKey(m.to())) {
                trace.add("drop " + m);
                continue;
            }
            trace.add(m.toString());
            nodes.get(m.to()).step(m);
            processReady();
        }
    }

    void dropMatching(Predicate<Message> filter) {
        inFlight.removeIf(filter);
    }

    void isolate(long id) {
        for (long other : nodes.keySet()) {
            if (other != id) {
                cut.add(id + "->" + other);
                cut.add(other + "->" + id);
            }
        }
    }

    void heal() {
        cut.clear();
    }

    void tick(long id, int ticks) {
        for (int i = 0; i < ticks; i++) {
            nodes.get(id).tick();
        }
        processReady();
    }

    void tickAll(int ticks) {
        for (int i = 0; i < ticks; i++) {
            for (RaftNode n : nodes.values()) {
                n.tick();
            }
            stabilize();
        }
    }

    /** Makes {@code id} campaign and delivers everything; returns it for chaining. */
    RaftNode elect(long id) {
        nodes.get(id).campaign();
        stabilize();
        return nodes.get(id);
    }

    long leader() {
        long leader = 0;
        for (RaftNode n : nodes.values()) {
            if (n.role() == Role.LEADER) {
                Check.that(leader == 0 || nodes.get(leader).term() != n.term(), "two leaders in one term");
                if (leader == 0 || n.term() > nodes.get(leader).term()) {
                    leader = n.id();
                }
            }
        }
        return leader;
    }

    static List<byte[]> commands(String... values) {
        List<byte[]> list = new ArrayList<>();
        for (String v : values) {
            list.add(v.getBytes(StandardCharsets.UTF_8));
        }
        return list;
    }

    /**
     * Takes a snapshot of node {@code id}'s state machine at its applied index and compacts its log,
     * keeping {@code keepEntries} entries before the snapshot for slow followers.
     */
    SnapshotMeta takeSnapshot(long id, long keepEntries) {
        RaftNode n = nodes.get(id);
        Status s = n.status();
        MemoryLogStorage storage = storages.get(id);
        long index = s.appliedIndex();
        SnapshotMeta meta = new SnapshotMeta(index, storage.term(index), s.conf());
        snapshots.get(id).put(meta, String.join("\n", appliedCommands(id)).getBytes(StandardCharsets.UTF_8));
        long keepFrom = Math.max(storage.firstIndex() - 1, index - keepEntries);
        storage.compact(new LogPosition(storage.term(keepFrom), keepFrom));
        return meta;
    }

    private static List<String> decode(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        return text.isEmpty() ? new ArrayList<>() : new ArrayList<>(List.of(text.split("\n", -1)));
    }

    /** The commands node {@code id}'s state machine holds: restored from a snapshot, then applied. */
    List<String> appliedCommands(long id) {
        List<String> result = new ArrayList<>(restored.get(id));
        for (Entry e : applied.get(id)) {
            if (e.type() == EntryType.NORMAL) {
                result.add(new String(e.data(), StandardCharsets.UTF_8));
            }
        }
        return result;
    }
}

/** Snapshots held in memory: the latest one wins, older ones are kept (a transfer may be reading them). */
final class MemorySnapshots implements SnapshotSource {
    private final TreeMap<Long, Object[]> byIndex = new TreeMap<>();

    void put(SnapshotMeta meta, byte[] data) {
        byIndex.put(meta.index(), new Object[] {meta, data});
    }

    byte[] data(SnapshotMeta meta) {
        Object[] entry = byIndex.get(meta.index());
        return entry == null || !entry[0].equals(meta) ? null : (byte[]) entry[1];
    }

    @Override
    public SnapshotMeta latest() {
        return byIndex.isEmpty() ? null : (SnapshotMeta) byIndex.lastEntry().getValue()[0];
    }

    @Override
    public long sizeBytes(SnapshotMeta meta) {
        byte[] data = data(meta);
        return data == null ? -1 : data.length;
    }

    @Override
    public byte[] read(SnapshotMeta meta, long offset, int maxBytes) {
        byte[] data = data(meta);
        if (data == null) {
            return null;
        }
        int from = (int) Math.min(offset, data.length);
        return Arrays.copyOfRange(data, from, (int) Math.min(data.length, (long) from + maxBytes));
    }
}
