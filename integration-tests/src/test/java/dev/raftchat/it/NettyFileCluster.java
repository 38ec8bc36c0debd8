package dev.raftchat.it;

import static org.awaitility.Awaitility.await;

import dev.raftchat.raft.core.NodeConfig;
import dev.raftchat.raft.core.Role;
import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.runtime.RaftServer;
import dev.raftchat.raft.runtime.RaftServerConfig;
import dev.raftchat.raft.runtime.ServerStatus;
import dev.raftchat.raft.storage.file.FileLogStorage;
import dev.raftchat.raft.storage.file.FileLogStorageConfig;
import dev.raftchat.raft.storage.file.FileSnapshotStorage;
import dev.raftchat.raft.storage.file.FileSnapshotStore;
import dev.raftchat.raft.storage.file.FileSnapshotStoreConfig;
import dev.raftchat.raft.testing.RecordingStateMachine;
import dev.raftchat.raft.transport.netty.ClusterSecrets;
import dev.raftchat.raft.transport.netty.NettyTransport;
import dev.raftchat.raft.transport.netty.NettyTransportConfig;
import dev.raftchat.raft.transport.netty.PeerAddress;
import dev.raftchat.raft.transport.netty.TransportTls;
import dev.raftchat.testsupport.FileTrees;
import dev.raftchat.testsupport.FreePorts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import java.util.function.UnaryOperator;

/**
 * The in-JVM cluster of the library's tests (the only one: raft-transport-netty's cluster tests moved here):
 * nodes in this JVM, each a {@link RaftServer} over a real {@link NettyTransport} on loopback (behind a
 * {@link PartitionableTransport}), a {@link FileLogStorage} and a {@link FileSnapshotStorage} in its own
 * directory, and a {@link RecordingStateMachine}. Nodes can be killed (closed) and restarted from their files,
 * wiped, cut off from each other, and added at runtime. Addresses are allocated for {@code maxNodes} ids up
 * front, so nodes beyond the initial voters can join later; {@link #addNode()} adds one no node knew.
 */
final class NettyFileCluster implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(30);
    private static final ClusterSecrets SECRETS =
            ClusterSecrets.of("integration-test secret, 32 bytes".getBytes(StandardCharsets.UTF_8));

    private final Path directory;
    private final ConfState initialConf;
    private final TreeMap<Long, PeerAddress> addresses = new TreeMap<>();
    private final TreeMap<Long, RaftServer> servers = new TreeMap<>();
    private final TreeMap<Long, RecordingStateMachine> machines = new TreeMap<>();
    private final TreeMap<Long, PartitionableTransport> transports = new TreeMap<>();
    private final TreeMap<Long, NettyTransport> nettyTransports = new TreeMap<>();
    private final UnaryOperator<RaftServerConfig.Builder> customize;
    private final LongFunction<TransportTls> tlsOfNode;

    /** {@code voters} nodes, no more, with the default configuration and plain TCP. */
    NettyFileCluster(Path directory, int voters) {
        this(directory, voters, voters, b -> b, id -> null);
    }

    NettyFileCluster(Path directory, int voters, int maxNodes, UnaryOperator<RaftServerConfig.Builder> customize) {
        this(directory, voters, maxNodes, customize, id -> null);
    }

    /** A cluster whose node {@code id} uses {@code tlsOfNode.apply(id)} (null for plain TCP). */
    NettyFileCluster(
            Path directory,
            int voters,
            int maxNodes,
            UnaryOperator<RaftServerConfig.Builder> customize,
            LongFunction<TransportTls> tlsOfNode) {
        this.directory = directory;
        this.customize = customize;
        this.tlsOfNode = tlsOfNode;
        long[] ids = new long[voters];
        for (int i = 0; i < voters; i++) {
            ids[i] = i + 1L;
        }
        this.initialConf = ConfState.ofVoters(ids);
        for (long id = 1; id <= maxNodes; id++) {
            addresses.put(id, new PeerAddress("127.0.0.1", FreePorts.loopback()));
        }
    }

    /** Starts the initial voters. */
    NettyFileCluster startAll() {
        for (long id : initialConf.voters()) {
            start(id);
        }
        return this;
    }

    /** Starts node {@code id} from whatever its directory holds, with a fresh state machine. */
    synchronized RaftServer start(long id) {
        if (servers.containsKey(id)) {
            throw new IllegalStateException("node " + id + " is running");
        }
        Map<Long, PeerAddress> peers = new TreeMap<>(addresses);
        PeerAddress self = peers.remove(id);
        NettyTransport netty = new NettyTransport(
                NettyTransportConfig.builder("it", id, self)
                        .clusterSecrets(SECRETS)
                        .reconnectBackoffMillis(10, 200)
                        .ioThreads(1)
                        .build(),
                peers,
                tlsOfNode.apply(id));
        PartitionableTransport transport = new PartitionableTransport(netty);
        Path home = directory.resolve("node-" + id);
        FileLogStorage log = FileLogStorage.open(home.resolve("log"), FileLogStorageConfig.defaults());
        FileSnapshotStorage snapshots = new FileSnapshotStorage(
                FileSnapshotStore.open(home.resolve("snapshots"), FileSnapshotStoreConfig.defaults()));
        RaftServerConfig config = customize
                .apply(RaftServerConfig.builder(NodeConfig.defaults(id, 977 * id), initialConf)
                        .tickMillis(25)
                        .proposalTimeoutMillis(10_000))
                .build();
        RecordingStateMachine machine = new RecordingStateMachine();
        RaftServer server = RaftServer.builder(config, log, transport, machine)
                .snapshots(snapshots)
                .start();
        servers.put(id, server);
        machines.put(id, machine);
        transports.put(id, transport);
        nettyTransports.put(id, netty);
        return server;
    }

    /**
     * Starts one more node with an address no node knew (it waits to be added), and tells every running
     * node that address, as an application does before a membership change.
     */
    synchronized long addNode() {
        long id = addresses.lastKey() + 1;
        addresses.put(id, new PeerAddress("127.0.0.1", FreePorts.loopback()));
        start(id);
        for (Map.Entry<Long, NettyTransport> running : nettyTransports.entrySet()) {
            if (running.getKey() != id) {
                running.getValue().updatePeer(id, addresses.get(id));
            }
        }
        return id;
    }

    /** Closes node {@code id} (its server, transport and storage), as if its process stopped. */
    synchronized void kill(long id) {
        RaftServer server = servers.remove(id);
        if (server == null) {
            throw new IllegalStateException("node " + id + " is not running");
        }
        transports.remove(id);
        nettyTransports.remove(id);
        server.close();
    }

    /** Deletes everything node {@code id} had on disk (it must be stopped). */
    void wipe(long id) {
        FileTrees.delete(directory.resolve("node-" + id));
    }

    synchronized RaftServer server(long id) {
        return servers.get(id);
    }

    synchronized RecordingStateMachine machine(long id) {
        return machines.get(id);
    }

    /** The commands node {@code id} applied, in log order. */
    synchronized List<String> applied(long id) {
        return machines.get(id).items();
    }

    synchronized List<Long> running() {
        return List.copyOf(servers.keySet());
    }

    /** The running node that leads with the highest term, if any. */
    synchronized Optional<Long> leader() {
        long leader = 0;
        long term = -1;
        for (Map.Entry<Long, RaftServer> entry : servers.entrySet()) {
            ServerStatus status = entry.getValue().status();
            if (status.isLeader() && status.term() > term) {
                leader = entry.getKey();
                term = status.term();
            }
        }
        return leader == 0 ? Optional.empty() : Optional.of(leader);
    }

    /** True when exactly one running node leads and every running node follows it in its term. */
    synchronized boolean hasStableLeader() {
        Optional<Long> leader = leader();
        if (leader.isEmpty()) {
            return false;
        }
        long term = servers.get(leader.get()).status().term();
        long leaders = 0;
        for (RaftServer server : servers.values()) {
            ServerStatus status = server.status();
            if (status.role() == Role.LEADER) {
                leaders++;
            }
            if (status.leaderId() != leader.get() || status.term() != term) {
                return false;
            }
        }
        return leaders == 1;
    }

    /** Waits for a leader that all running nodes among {@code ids} follow, and returns it. */
    RaftServer awaitLeader(List<Long> ids) {
        long[] leader = new long[1];
        await().atMost(WAIT).until(() -> {
            long seen = 0;
            for (long id : ids) {
                RaftServer server = server(id);
                long l = server == null ? 0 : server.status().leaderId();
                if (l == 0 || (seen != 0 && l != seen)) {
                    return false;
                }
                seen = l;
            }
            RaftServer candidate = server(seen);
            if (candidate == null
                    || !candidate.status().isLeader()
                    || candidate.status().appliedIndex() < 1) {
                return false;
            }
            leader[0] = seen;
            return true;
        });
        return server(leader[0]);
    }

    synchronized long term(long id) {
        return servers.get(id).status().term();
    }

    synchronized CompletableFuture<byte[]> propose(long id, String command) {
        return servers.get(id).propose(command.getBytes(StandardCharsets.UTF_8));
    }

    /** Cuts {@code id} off from every other node, both ways. */
    synchronized void isolate(long id) {
        List<Long> others = new ArrayList<>();
        for (long other : addresses.keySet()) {
            if (other != id) {
                others.add(other);
                PartitionableTransport transport = transports.get(other);
                if (transport != null) {
                    transport.cutOffFrom(List.of(id));
                }
            }
        }
        transports.get(id).cutOffFrom(others);
    }

    synchronized void heal() {
        transports.values().forEach(PartitionableTransport::heal);
    }

    static String call(RaftServer server, String command) {
        return answer(server.propose(command.getBytes(StandardCharsets.UTF_8)), "propose " + command, server);
    }

    static String query(RaftServer server, String query) {
        return answer(server.read(query.getBytes(StandardCharsets.UTF_8)), "read " + query, server);
    }

    private static String answer(CompletableFuture<byte[]> pending, String what, RaftServer server) {
        try {
            return new String(pending.get(15, TimeUnit.SECONDS), StandardCharsets.UTF_8);
        } catch (Exception e) {
            throw new IllegalStateException(what + " on node " + server.id() + " failed", e);
        }
    }

    @Override
    public synchronized void close() {
        servers.values().forEach(RaftServer::close);
        servers.clear();
    }
}
