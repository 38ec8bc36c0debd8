package dev.raftchat.raft.runtime;

import static org.awaitility.Awaitility.await;

import dev.raftchat.raft.core.NodeConfig;
import dev.raftchat.raft.core.Role;
import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.transport.InMemoryNetwork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * Real {@link RaftServer}s, each on its own threads, over one {@link InMemoryNetwork} and
 * {@link InstrumentedLogStorage}s that survive a restart. Waits use Awaitility, never sleeps.
 */
final class ServerCluster implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(20);
    /** Fast enough for short tests, slow enough for a loaded 2-core machine: elections take 200-400 ms. */
    static final long TEST_TICK_MILLIS = 20;

    final InMemoryNetwork network = new InMemoryNetwork();
    final Map<Long, RaftServer> servers = new TreeMap<>();
    final Map<Long, InstrumentedLogStorage> storages = new TreeMap<>();
    final Map<Long, CounterStateMachine> machines = new TreeMap<>();
    private final ConfState conf;
    private final UnaryOperator<RaftServerConfig.Builder> customize;

    ServerCluster(int size) {
        this(size, builder -> builder);
    }

    ServerCluster(int size, UnaryOperator<RaftServerConfig.Builder> customize) {
        this.customize = customize;
        long[] ids = new long[size];
        for (int i = 0; i < size; i++) {
            ids[i] = i + 1L;
        }
        this.conf = ConfState.ofVoters(ids);
        for (long id : ids) {
            storages.put(id, new InstrumentedLogStorage());
            start(id);
        }
    }

    static RaftServerConfig.Builder baseConfig(long id, ConfState conf) {
        return RaftServerConfig.builder(NodeConfig.defaults(id, 7919 * id), conf)
                .tickMillis(TEST_TICK_MILLIS)
                .proposalTimeoutMillis(5_000)
                .shutdownTimeoutMillis(5_000);
    }

    /**
     * (Re)starts node {@code id} from its storage, with a fresh state machine that replays the log. A new
     * id gets empty storage and the cluster's initial configuration, which does not list it: it joins
     * only when the leader adds it.
     */
    RaftServer start(long id) {
        storages.computeIfAbsent(id, newId -> new InstrumentedLogStorage());
        RaftServerConfig config = customize.apply(baseConfig(id, conf)).build();
        CounterStateMachine machine = new CounterStateMachine();
        RaftServer server = RaftServer.builder(config, storages.get(id), network.transport(id), machine)
                .build();
        servers.put(id, server);
        machines.put(id, machine);
        return server.start();
    }

    RaftServer server(long id) {
        return servers.get(id);
    }

    CounterStateMachine machine(long id) {
        return machines.get(id);
    }

    Set<Long> ids() {
        return new TreeSet<>(servers.keySet());
    }

    List<RaftServer> running() {
        List<RaftServer> result = new ArrayList<>();
        for (RaftServer server : servers.values()) {
            if (server.status().state() == ServerStatus.State.RUNNING) {
                result.add(server);
            }
        }
        return result;
    }

    /** Waits until all running servers agree on one leader, which they then return. */
    RaftServer awaitLeader() {
        List<Long> ids = new ArrayList<>();
        for (RaftServer server : running()) {
            ids.add(server.id());
        }
        return awaitLeaderAmong(ids);
    }

    /**
     * Waits until the servers {@code ids} agree on a leader among them, in one term, and that leader
     * has committed an entry of its term (so proposals to it are not rejected for want of a leader).
     */
    RaftServer awaitLeaderAmong(Collection<Long> ids) {
        AtomicReference<RaftServer> leader = new AtomicReference<>();
        await().atMost(WAIT).pollInterval(Duration.ofMillis(10)).until(() -> {
            long leaderId = 0;
            long term = -1;
            for (long id : ids) {
                ServerStatus status = servers.get(id).status();
                if (status.state() != ServerStatus.State.RUNNING || status.leaderId() == 0) {
                    return false;
                }
                if (leaderId != 0 && (status.leaderId() != leaderId || status.term() != term)) {
                    return false;
                }
                leaderId = status.leaderId();
                term = status.term();
            }
            if (!ids.contains(leaderId)) {
                return false;
            }
            ServerStatus leaderStatus = servers.get(leaderId).status();
            if (leaderStatus.role() != Role.LEADER || leaderStatus.appliedIndex() < 1) {
                return false;
            }
            leader.set(servers.get(leaderId));
            return true;
        });
        return leader.get();
    }

    /** A running server other than {@code notThis}. */
    RaftServer anotherThan(RaftServer notThis) {
        for (RaftServer server : running()) {
            if (server != notThis) {
                return server;
            }
        }
        throw new IllegalStateException("no other running server");
    }

    /** Waits until the given nodes have applied the same commands, at least {@code minCommands} of them. */
    void awaitSameAppliedCommands(Collection<Long> ids, int minCommands) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(10)).until(() -> {
            List<String> reference = null;
            for (long id : ids) {
                List<String> applied = machines.get(id).appliedCommands();
                if (applied.size() < minCommands || (reference != null && !reference.equals(applied))) {
                    return false;
                }
                reference = applied;
            }
            return true;
        });
    }

    @Override
    public void close() {
        for (RaftServer server : servers.values()) {
            server.close();
        }
    }
}
