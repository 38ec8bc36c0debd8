package dev.raftchat.raft.runtime;

import static dev.raftchat.raft.runtime.CounterStateMachine.add;
import static dev.raftchat.raft.runtime.CounterStateMachine.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.raftchat.raft.core.NotLeaderException;
import dev.raftchat.raft.core.Role;
import dev.raftchat.raft.model.ConfState;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Membership changes and leadership transfer through the {@link RaftServer} API. */
class MembershipAndTransferTest {

    private static final long WAIT_SECONDS = 20;

    @Test
    void aNewNodeJoinsAsALearnerIsPromotedAndAnOldOneIsRemoved() throws Exception {
        try (ServerCluster cluster = new ServerCluster(3)) {
            RaftServer leader = cluster.awaitLeader();
            leader.propose(add("m", 1)).get(WAIT_SECONDS, TimeUnit.SECONDS);
            RaftServer newcomer = cluster.start(4);

            ConfState withLearner = leader.addLearner(4).get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(withLearner.learners()).containsExactly(4L);
            assertThat(withLearner.voters()).containsExactly(1L, 2L, 3L);
            // The learner receives the whole log, including what was written before it joined.
            cluster.awaitSameAppliedCommands(List.of(leader.id(), 4L), 1);
            assertThat(newcomer.status().role()).isEqualTo(Role.FOLLOWER);

            ConfState promoted = leader.addVoter(4).get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(promoted.voters()).containsExactly(1L, 2L, 3L, 4L);
            assertThat(promoted.isJoint()).isFalse();
            assertThat(promoted.learners()).isEmpty();

            long removed = cluster.anotherThan(leader).id();
            ConfState afterRemoval = leader.removeMember(removed).get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(afterRemoval.voters()).hasSize(3).doesNotContain(removed).contains(4L);

            await().atMost(ServerCluster.WAIT)
                    .until(() -> cluster.server(removed).status().isRemoved());
            assertThat(leader.status().isRemoved()).isFalse();
            cluster.servers.get(removed).close();
            assertThat(text(leader.propose(add("m", 1)).get(WAIT_SECONDS, TimeUnit.SECONDS)))
                    .isEqualTo("2");
            await().atMost(ServerCluster.WAIT)
                    .until(() -> newcomer.status().raft().conf().voters().contains(4L)
                            && cluster.machine(4).counter("m") == 2);
        }
    }

    @Test
    void invalidOrMisdirectedMembershipChangesFailClearly() throws Exception {
        try (ServerCluster cluster = new ServerCluster(3)) {
            RaftServer leader = cluster.awaitLeader();
            RaftServer follower = cluster.anotherThan(leader);
            // A completed write proves the leader has committed an entry of its term, without which it
            // refuses every membership change.
            leader.propose(add("warm-up", 1)).get(WAIT_SECONDS, TimeUnit.SECONDS);

            assertThatThrownBy(() -> follower.addLearner(9).get(WAIT_SECONDS, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(NotLeaderException.class)
                    .cause()
                    .hasMessageContaining("the leader is node " + leader.id());
            assertThatThrownBy(() -> leader.removeMember(42).get(WAIT_SECONDS, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(IllegalArgumentException.class)
                    .cause()
                    .hasMessageContaining("42");
        }
    }

    @Test
    void leadershipMovesToTheChosenVoter() throws Exception {
        try (ServerCluster cluster = new ServerCluster(3)) {
            RaftServer leader = cluster.awaitLeader();
            RaftServer target = cluster.anotherThan(leader);
            long termBefore = leader.status().term();

            leader.transferLeadership(target.id()).get(WAIT_SECONDS, TimeUnit.SECONDS);

            assertThat(cluster.awaitLeader().id()).isEqualTo(target.id());
            assertThat(target.status().term()).isGreaterThan(termBefore);
            assertThat(text(target.propose(add("t", 1)).get(WAIT_SECONDS, TimeUnit.SECONDS)))
                    .isEqualTo("1");
            assertThatThrownBy(() -> leader.transferLeadership(leader.id()).get(WAIT_SECONDS, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(NotLeaderException.class);
        }
    }
}
