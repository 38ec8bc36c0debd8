package dev.raftchat.it;

import static org.awaitility.Awaitility.await;

import dev.raftchat.raft.core.NodeConfig;
import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.runtime.RaftMetrics;
import dev.raftchat.raft.runtime.RaftServer;
import dev.raftchat.raft.runtime.RaftServerConfig;
import dev.raftchat.raft.storage.file.FileLogStorage;
import dev.raftchat.raft.storage.file.FileLogStorageConfig;
import dev.raftchat.raft.storage.file.FileSnapshotStorage;
import dev.raftchat.raft.storage.file.FileSnapshotStore;
import dev.raftchat.raft.storage.file.FileSnapshotStoreConfig;
import dev.raftchat.raft.transport.netty.NettyTransport;
import dev.raftchat.raft.transport.netty.NettyTransportConfig;
import dev.raftchat.raft.transport.netty.PeerAddress;
import dev.raftchat.testsupport.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Nodes in this JVM, each a {@link RaftServer} over {@link NettyTransport} on loopback, a
 * {@link FileLogStorage} and a {@link FileSnapshotStorage} in its own directory. Addresses are allocated
 * for {@code maxNodes} ids up front, so nodes beyond the initial voters can join later.
 */
final class NettyFileCluster implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(30);

    private final Path directory;
    private final ConfState initialConf;
    private final TreeMap<Long, PeerAddress> addresses = new TreeMap<>();
    private final TreeMap<Long, RaftServer> servers = new TreeMap<>();
    private final TreeMap<Long, ListStateMachine> machines = new TreeMap<>();
    private final UnaryOperator<RaftServerConfig.Builder> customize;

    NettyFileCluster(Path directory, int voters, int maxNodes, UnaryOperator<RaftServerConfig.Builder> customize) {
        this.directory = directory;
        this.customize = customize;
        long[] ids = new long[voters];
        for (int i = 0; i < voters; i++) {
            ids[i] = i + 1L;
        }
        this.initialConf = ConfState.ofVoters(ids);
        for (long id = 1; id <= maxNodes; id++) {
            addresses.put(id, new PeerAddress("127.0.0.1", FreePorts.loopback()));
        }
    }

    synchronized RaftServer start(long id) {
        Map<Long, PeerAddress> peers = new TreeMap<>(addresses);
        PeerAddress self = peers.remove(id);
        NettyTransport transport = new NettyTransport(
                NettyTransportConfig.builder("it", id, self)
                        .reconnectBackoffMillis(10, 200)
                        .ioThreads(1)
                        .build(),
                peers);
        Path home = directory.resolve("node-" + id);
        FileLogStorage log = FileLogStorage.open(home.resolve("log"), FileLogStorageConfig.defaults());
        FileSnapshotStorage snapshots = new FileSnapshotStorage(
                FileSnapshotStore.open(home.resolve("snapshots"), FileSnapshotStoreConfig.defaults()));
        RaftServerConfig config = customize
                .apply(RaftServerConfig.builder(NodeConfig.defaults(id, 977 * id), initialConf)
                        .tickMillis(25)
                        .proposalTimeoutMillis(10_000))
                .build();
        ListStateMachine machine = new ListStateMachine();
        RaftServer server = new RaftServer(config, log, snapshots, transport, machine, RaftMetrics.NOOP).start();
        servers.put(id, server);
        machines.put(id, machine);
        return server;
    }

    synchronized void kill(long id) {
        servers.remove(id).close();
    }

    /** Deletes everything node {@code id} had on disk (it must be stopped). */
    void wipe(long id) {
        Path home = directory.resolve("node-" + id);
        try (Stream<Path> paths = Files.walk(home)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    synchronized RaftServer server(long id) {
        return servers.get(id);
    }

    synchronized ListStateMachine machine(long id) {
        return machines.get(id);
    }

    synchronized List<Long> running() {
        return List.copyOf(servers.keySet());
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

    static String call(RaftServer server, String command) {
        try {
            return new String(
                    server.propose(command.getBytes(StandardCharsets.UTF_8)).get(15, TimeUnit.SECONDS),
                    StandardCharsets.UTF_8);
        } catch (Exception e) {
            throw new IllegalStateException("propose " + command + " on node " + server.id() + " failed", e);
        }
    }

    static String query(RaftServer server, String query) {
        try {
            return new String(
                    server.read(query.getBytes(StandardCharsets.UTF_8)).get(15, TimeUnit.SECONDS),
                    StandardCharsets.UTF_8);
        } catch (Exception e) {
            throw new IllegalStateException("read " + query + " on node " + server.id() + " failed", e);
        }
    }

    @Override
    public synchronized void close() {
        servers.values().forEach(RaftServer::close);
        servers.clear();
    }
}
