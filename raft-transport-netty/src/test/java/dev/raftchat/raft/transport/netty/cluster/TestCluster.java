package dev.raftchat.raft.transport.netty.cluster;

import dev.raftchat.raft.core.NodeConfig;
import dev.raftchat.raft.core.Role;
import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.runtime.RaftServer;
import dev.raftchat.raft.runtime.RaftServerConfig;
import dev.raftchat.raft.runtime.ServerStatus;
import dev.raftchat.raft.storage.file.FileLogStorage;
import dev.raftchat.raft.storage.file.FileLogStorageConfig;
import dev.raftchat.raft.transport.netty.ClusterSecrets;
import dev.raftchat.raft.transport.netty.NettyTransport;
import dev.raftchat.raft.transport.netty.NettyTransportConfig;
import dev.raftchat.raft.transport.netty.PeerAddress;
import dev.raftchat.raft.transport.netty.TransportTls;
import dev.raftchat.testsupport.FreePorts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongFunction;

/**
 * Nodes of one cluster in this JVM: each a {@link RaftServer} over real Netty on loopback and a real
 * {@link FileLogStorage} in its own directory. Nodes can be killed (closed) and restarted from their
 * files, and cut off from each other.
 */
final class TestCluster implements AutoCloseable {
    static final long TICK_MILLIS = 25;

    private final Path directory;
    private final TreeMap<Long, PeerAddress> addresses = new TreeMap<>();
    private final long[] ids;
    private final TreeMap<Long, RaftServer> servers = new TreeMap<>();
    private final TreeMap<Long, RecordingStateMachine> machines = new TreeMap<>();
    private final TreeMap<Long, PartitionableTransport> transports = new TreeMap<>();
    private final TreeMap<Long, NettyTransport> nettyTransports = new TreeMap<>();
    private final LongFunction<TransportTls> tlsOfNode;
    private long seed = 1;

    TestCluster(int size, Path directory) {
        this(size, directory, id -> null);
    }

    /** A cluster whose node {@code id} uses {@code tlsOfNode.apply(id)} (null for plain TCP). */
    TestCluster(int size, Path directory, LongFunction<TransportTls> tlsOfNode) {
        this.directory = directory;
        this.tlsOfNode = tlsOfNode;
        this.ids = new long[size];
        for (int i = 0; i < size; i++) {
            ids[i] = i + 1L;
            addresses.put(ids[i], new PeerAddress("127.0.0.1", FreePorts.loopback()));
        }
    }

    TestCluster startAll() {
        for (long id : ids) {
            start(id);
        }
        return this;
    }

    /** Starts node {@code id} from whatever its directory holds, with a fresh state machine. */
    synchronized void start(long id) {
        if (servers.containsKey(id)) {
            throw new IllegalStateException("node " + id + " is running");
        }
        Map<Long, PeerAddress> peers = new TreeMap<>(addresses);
        PeerAddress self = peers.remove(id);
        NettyTransportConfig transportConfig = NettyTransportConfig.builder("cluster-test", id, self)
                .clusterSecrets(ClusterSecrets.of("cluster-test secret, 32 bytes..".getBytes(StandardCharsets.UTF_8)))
                .reconnectBackoffMillis(10, 200)
                .ioThreads(1)
                .build();
        NettyTransport netty = new NettyTransport(transportConfig, peers, tlsOfNode.apply(id));
        PartitionableTransport transport = new PartitionableTransport(netty);
        FileLogStorage storage = FileLogStorage.open(directory.resolve("node-" + id), FileLogStorageConfig.defaults());
        RaftServerConfig config = RaftServerConfig.builder(NodeConfig.defaults(id, seed++), ConfState.ofVoters(ids))
                .tickMillis(TICK_MILLIS)
                .proposalTimeoutMillis(5_000)
                .build();
        RecordingStateMachine machine = new RecordingStateMachine();
        servers.put(id, new RaftServer(config, storage, transport, machine).start());
        machines.put(id, machine);
        transports.put(id, transport);
        nettyTransports.put(id, netty);
    }

    /**
     * Starts one more node, outside the initial configuration (it waits to be added), and tells every
     * running node its address, as an application does before a membership change.
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

    synchronized RaftServer server(long id) {
        return servers.get(id);
    }

    synchronized List<Long> running() {
        return new ArrayList<>(servers.keySet());
    }

    synchronized List<String> applied(long id) {
        return machines.get(id).applied();
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

    synchronized long term(long id) {
        return servers.get(id).status().term();
    }

    synchronized CompletableFuture<byte[]> propose(long id, String command) {
        return servers.get(id).propose(command.getBytes(StandardCharsets.UTF_8));
    }

    /** Cuts {@code id} off from every other node, both ways. */
    synchronized void isolate(long id) {
        List<Long> others = new ArrayList<>();
        for (long other : ids) {
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

    @Override
    public synchronized void close() {
        for (RaftServer server : servers.values()) {
            server.close();
        }
        servers.clear();
    }
}
