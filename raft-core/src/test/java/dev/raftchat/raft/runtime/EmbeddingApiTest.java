package dev.raftchat.raft.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.raftchat.raft.confchange.ConfChange;
import dev.raftchat.raft.core.NodeConfig;
import dev.raftchat.raft.core.NotLeaderException;
import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.statemachine.StateMachine;
import dev.raftchat.raft.storage.MemoryLogStorage;
import dev.raftchat.raft.transport.InMemoryNetwork;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The embedder's API of issue 22: {@link RaftServer#builder}, {@link NodeConfig#defaults(long)},
 * {@link RaftServer#proposeWithIndex}, membership changes with a context every node sees, and
 * {@link NotLeaderException#leaderAddress()}.
 */
class EmbeddingApiTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final ConfState VOTERS = ConfState.ofVoters(1, 2, 3);

    private final InMemoryNetwork network = new InMemoryNetwork();
    private final List<RaftServer> servers = new ArrayList<>();
    private final Map<Long, Members> machines = new ConcurrentHashMap<>();

    /** Counts commands and records every membership change's context by the index it was applied at. */
    static final class Members implements StateMachine {
        final Map<Long, String> contexts = new ConcurrentHashMap<>();
        long commands;

        @Override
        public synchronized byte[] apply(long index, byte[] command) {
            commands++;
            return Long.toString(commands).getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public void applyMembershipChange(long index, ConfChange change) {
            contexts.put(index, change.ops() + " " + new String(change.context(), StandardCharsets.UTF_8));
        }
    }

    @AfterEach
    void close() {
        servers.forEach(RaftServer::close);
    }

    private RaftServer start(long id, ConfState conf, boolean forward) {
        Members machine = new Members();
        machines.put(id, machine);
        RaftServerConfig config = RaftServerConfig.builder(
                        NodeConfig.builder(id).forwardProposals(forward).build(), conf)
                .tickMillis(20)
                .build();
        RaftServer server = RaftServer.builder(config, new MemoryLogStorage(), network.transport(id), machine)
                .leaderAddresses(node -> Optional.of("app-" + node + ".example:8080"))
                .start();
        servers.add(server);
        return server;
    }

    /** Starts nodes 1, 2 and 3, the voters, and answers their leader once there is one. */
    private RaftServer startVotersAndAwaitLeader(boolean forward) {
        for (long id = 1; id <= 3; id++) {
            start(id, VOTERS, forward);
        }
        return awaitLeader();
    }

    private RaftServer aFollowerOf(RaftServer leader) {
        return servers.stream().filter(s -> s != leader).findFirst().orElseThrow();
    }

    private RaftServer awaitLeader() {
        await().atMost(WAIT).until(() -> servers.stream().anyMatch(RaftServer::isLeader));
        return servers.stream().filter(RaftServer::isLeader).findFirst().orElseThrow();
    }

    @Test
    void defaultsDrawADifferentSecureSeedEachTime() {
        assertThat(NodeConfig.defaults(1).randomSeed())
                .isNotEqualTo(NodeConfig.defaults(1).randomSeed());
        NodeConfig config = NodeConfig.builder(3).electionTimeoutTicks(20).build();
        assertThat(config.electionTimeoutTicks()).isEqualTo(20);
        assertThat(config.toBuilder().build()).isEqualTo(config).hasSameHashCodeAs(config);
        assertThatThrownBy(() -> NodeConfig.builder(3).heartbeatIntervalTicks(0).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("heartbeatIntervalTicks");
    }

    @Test
    void proposalsAnswerTheirIndexAndMembershipContextsReachEveryNode() throws Exception {
        RaftServer leader = startVotersAndAwaitLeader(true);
        RaftServer follower = aFollowerOf(leader);

        ProposalResult first = follower.proposeWithIndex(new byte[] {1}).get(20, TimeUnit.SECONDS);
        ProposalResult second = leader.proposeWithIndex(new byte[] {2}).get(20, TimeUnit.SECONDS);
        assertThat(new String(first.result(), StandardCharsets.UTF_8)).isEqualTo("1");
        assertThat(second.index()).isGreaterThan(first.index());
        assertThat(follower.status().appliedIndex()).isGreaterThanOrEqualTo(first.index());

        RaftServer newcomer = start(4, VOTERS, true);
        leader.addLearner(4, "10.0.0.4:7000".getBytes(StandardCharsets.UTF_8)).get(20, TimeUnit.SECONDS);
        await().atMost(WAIT)
                .until(() -> newcomer.status().appliedIndex() >= leader.status().appliedIndex());
        Map<Long, String> expected = machines.get(leader.id()).contexts;
        assertThat(expected).containsValue("[Op[type=ADD_LEARNER, nodeId=4]] 10.0.0.4:7000");
        for (long id = 1; id <= 4; id++) {
            long node = id;
            await().atMost(WAIT)
                    .untilAsserted(() -> assertThat(machines.get(node).contexts).isEqualTo(expected));
        }
    }

    @Test
    void aFollowerThatDoesNotForwardNamesTheLeadersAddress() throws Exception {
        RaftServer leader = startVotersAndAwaitLeader(false);
        RaftServer follower = aFollowerOf(leader);
        await().atMost(WAIT).until(() -> follower.status().leaderId() == leader.id());

        assertThatThrownBy(() -> follower.propose(new byte[] {1}).get(20, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOfSatisfying(NotLeaderException.class, e -> {
                    assertThat(e.leaderHint()).isEqualTo(leader.id());
                    assertThat(e.leaderAddress()).contains("app-" + leader.id() + ".example:8080");
                    assertThat(e.nodeId()).isEqualTo(follower.id());
                })
                .hasMessageContaining("at app-" + leader.id());
    }
}
