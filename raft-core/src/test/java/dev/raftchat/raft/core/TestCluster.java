package dev.raftchat.raft.core;

import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.storage.MemoryLogStorage;
import java.util.ArrayDeque;
import java.util.ArrayList;
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
    final ArrayDeque<Message> inFlight = new ArrayDeque<>();
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
            ids[i] = i + 1;
        }
        this.conf = ConfState.ofVoters(ids);
        for (long id : ids) {
            storages.put(id, new MemoryLogStorage());
            start(id);
        }
    }

    /** (Re)starts node {@code id} from what its storage holds. */
    void start(long id) {
        start(id, conf);
    }

    /** Starts a new, empty node {@code id} that knows the cluster only as {@code initialConf}. */
    void join(long id) {
        storages.put(id, new MemoryLogStorage());
        start(id, conf);
    }

    void start(long id, ConfState initialConf) {
        NodeConfig config = configure.apply(NodeConfig.defaults(id, 1000 + id));
        nodes.put(id, new RaftNode(config, storages.get(id), initialConf));
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
            RaftNode n = e.getValue();
            MemoryLogStorage storage = storages.get(e.getKey());
            while (n.hasReady()) {
                any = true;
                Ready rd = n.ready();
                inFlight.addAll(rd.messages());
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
            list.add(v.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return list;
    }

    /** The NORMAL entries node {@code id} applied, as strings. */
    List<String> appliedCommands(long id) {
        List<String> result = new ArrayList<>();
        for (Entry e : applied.get(id)) {
            if (e.type() == EntryType.NORMAL) {
                result.add(new String(e.data(), java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        return result;
    }
}
