package dev.raftchat.raft.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftchat.raft.message.HeartbeatRequest;
import dev.raftchat.raft.message.TimeoutNow;
import dev.raftchat.raft.model.ReadState;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ReadIndexAndTransferTest {

    @Test
    @DisplayName("thesis §6.4: a leader's read is confirmed by a heartbeat quorum at its commit index")
    void leaderReadIsConfirmedByQuorum() {
        TestCluster c = new TestCluster(3);
        c.elect(1);
        c.node(1).propose(TestCluster.commands("w"));
        c.stabilize();
        c.node(1).readIndex(7);
        c.processReady();
        assertThat(c.readStates.get(1L))
                .as("not confirmed before the heartbeat round")
                .isEmpty();
        c.stabilize();
        assertThat(c.readStates.get(1L)).containsExactly(new ReadState(7, 2, true));
    }

    @Test
    @DisplayName("thesis §6.4: a partitioned leader cannot confirm a read, and fails it when it steps down")
    void isolatedLeaderNeverConfirmsARead() {
        TestCluster c = new TestCluster(3);
        c.elect(1);
        c.isolate(1);
        c.node(1).readIndex(9);
        c.stabilize();
        assertThat(c.readStates.get(1L)).isEmpty();
        c.tickAll(2 * NodeConfig.DEFAULT_ELECTION_TIMEOUT_TICKS + 1); // CheckQuorum deposes it
        assertThat(c.readStates.get(1L)).containsExactly(new ReadState(9, -1, false));
    }

    @Test
    @DisplayName("thesis §6.4: a follower read gets the leader's index and sees a write acknowledged before it")
    void followerReadSeesEarlierWrite() {
        TestCluster c = new TestCluster(3);
        c.elect(1);
        c.node(1).propose(TestCluster.commands("before-read"));
        // Deliver until the leader has committed, but hold back the commit notice to followers.
        c.stabilize();
        long committed = c.node(1).status().commitIndex();
        c.node(3).readIndex(11);
        c.stabilize();
        assertThat(c.readStates.get(3L)).containsExactly(new ReadState(11, committed, true));
        assertThat(c.node(3).status().appliedIndex()).isGreaterThanOrEqualTo(committed);
    }

    @Test
    @DisplayName("thesis §6.4: a new leader holds reads until it has committed an entry of its own term")
    void newLeaderWaitsForItsFirstCommitBeforeServingReads() {
        TestCluster c = new TestCluster(3);
        c.node(1).campaign();
        // Run only the election: deliver until node 1 leads, then drop its no-op appends.
        while (c.node(1).role() != Role.LEADER) {
            c.processReady();
            c.node(c.inFlight.peek().to()).step(c.inFlight.poll());
        }
        c.processReady();
        c.inFlight.clear();
        c.node(1).readIndex(5);
        c.processReady();
        assertThat(c.inFlight)
                .as("no read round before the first commit of the term")
                .noneMatch(m -> m instanceof HeartbeatRequest hb && hb.readContext() > 0);
        c.tickAll(3); // heartbeats let the no-op replicate and commit; then the read is confirmed
        assertThat(c.readStates.get(1L)).containsExactly(new ReadState(5, 1, true));
    }

    @Test
    @DisplayName("thesis §3.10: leadership transfer brings the target up to date, then it wins at once")
    void leadershipTransfer() {
        TestCluster c = new TestCluster(3);
        c.elect(1);
        c.isolate(3);
        c.node(1).propose(TestCluster.commands("x"));
        c.stabilize();
        c.heal();
        c.node(1).transferLeadership(3);
        assertThatThrownBy(() -> c.node(1).propose(TestCluster.commands("y")))
                .isInstanceOf(ProposalRejectedException.class)
                .hasMessageContaining("transferred to node 3");
        c.processReady();
        assertThat(c.inFlight)
                .as("node 3 is behind, so it is caught up before TimeoutNow")
                .noneMatch(m -> m instanceof TimeoutNow);
        c.stabilize();
        assertThat(c.leader()).isEqualTo(3);
        assertThat(c.node(1).role()).isEqualTo(Role.FOLLOWER);
        c.node(3).propose(TestCluster.commands("after"));
        c.stabilize();
        c.tickAll(2);
        assertThat(c.appliedCommands(1)).containsExactly("x", "after");
    }

    @Test
    @DisplayName("thesis §3.10: a transfer to an unreachable node is abandoned after an election timeout")
    void transferTimesOut() {
        TestCluster c = new TestCluster(3);
        c.elect(1);
        c.isolate(3);
        c.node(1).transferLeadership(3);
        assertThat(c.node(1).transferee()).isEqualTo(3);
        c.tickAll(NodeConfig.DEFAULT_ELECTION_TIMEOUT_TICKS);
        assertThat(c.node(1).role()).isEqualTo(Role.LEADER);
        assertThat(c.node(1).transferee()).isZero();
        c.node(1).propose(TestCluster.commands("accepted again"));
    }

    @Test
    @DisplayName("thesis §6.4.1: with leases (opt-in) a leader answers reads at once while a quorum is fresh")
    void leaseReadsSkipTheHeartbeatRoundUntilTheLeaseExpires() {
        TestCluster c = new TestCluster(3, cfg -> cfg.withLeaseReads(true, 2));
        c.elect(1);
        c.tickAll(2); // a heartbeat round: both followers answered just now
        c.node(1).readIndex(1);
        c.processReady();
        assertThat(c.readStates.get(1L))
                .as("served from the lease, no round trip")
                .containsExactly(new ReadState(1, 1, true));
        c.readStates.get(1L).clear();

        c.isolate(1);
        int window = NodeConfig.DEFAULT_ELECTION_TIMEOUT_TICKS - 2;
        c.tickAll(window);
        assertThat(c.node(1).role())
                .as("still leader: CheckQuorum has not fired yet")
                .isEqualTo(Role.LEADER);
        c.node(1).readIndex(2);
        c.processReady();
        assertThat(c.readStates.get(1L))
                .as("lease expired: the read waits for a quorum that never answers")
                .isEmpty();
    }

    @Test
    void leaseReadsNeedCheckQuorum() {
        assertThatThrownBy(
                        () -> NodeConfig.defaults(1, 1).withCheckQuorum(false).withLeaseReads(true, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("checkQuorum");
    }
}
