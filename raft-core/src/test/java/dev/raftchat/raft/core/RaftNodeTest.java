package dev.raftchat.raft.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftchat.raft.message.AppendResponse;
import dev.raftchat.raft.message.ForwardProposal;
import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.LogPosition;
import java.util.List;
import org.junit.jupiter.api.Test;

class RaftNodeTest {

    @Test
    void threeNodesElectReplicateAndApply() {
        TestCluster c = new TestCluster(3);
        c.tickAll(40);
        long leader = c.leader();
        assertThat(leader).isNotZero();
        c.node(leader).propose(TestCluster.commands("a", "b"));
        c.stabilize();
        c.tickAll(3);
        for (long id = 1; id <= 3; id++) {
            assertThat(c.appliedCommands(id)).as("node %s", id).containsExactly("a", "b");
        }
    }

    @Test
    void singleNodeCommitsOnlyAfterItsOwnWriteIsDurable() {
        TestCluster c = new TestCluster(1);
        c.elect(1);
        assertThat(c.node(1).role()).isEqualTo(Role.LEADER);
        c.node(1).propose(TestCluster.commands("x"));
        Ready first = c.node(1).ready();
        assertThat(first.entries()).hasSize(1);
        assertThat(first.committedEntries())
                .as("not durable yet, so not committed")
                .isEmpty();
        c.storages.get(1L).append(first.entries());
        c.node(1).advance(first);
        Ready second = c.node(1).ready();
        assertThat(second.committedEntries()).extracting(Entry::index).containsExactly(2L);
    }

    @Test
    void followerForwardsProposalsToTheLeader() {
        TestCluster c = new TestCluster(3);
        c.elect(1);
        Proposal p = c.node(2).propose(TestCluster.commands("via-follower"));
        assertThat(p).isEqualTo(new Proposal.Forwarded(1));
        c.stabilize();
        c.tickAll(2);
        assertThat(c.appliedCommands(3)).containsExactly("via-follower");
    }

    @Test
    void followerWithoutForwardingRejectsWithLeaderHint() {
        TestCluster c = new TestCluster(3, cfg -> cfg.withForwardProposals(false));
        c.elect(1);
        assertThatThrownBy(() -> c.node(2).propose(TestCluster.commands("x")))
                .isInstanceOf(NotLeaderException.class)
                .hasMessageContaining("the leader is node 1")
                .extracting(e -> ((NotLeaderException) e).leaderHint())
                .isEqualTo(1L);
    }

    @Test
    void forwardedProposalsAreAtMostOnceEvenAcrossFollowerRestarts() {
        // Found by the simulator (seed 666): a follower restarts (new session) and a late duplicate of a
        // forward from its previous incarnation must still be recognized.
        TestCluster c = new TestCluster(3);
        c.elect(1);
        long term = c.node(1).term();
        long before = c.node(1).status().lastIndex();
        var fromOldSession = new ForwardProposal(2, 1, term, 111, 1, TestCluster.commands("a"));
        var fromNewSession = new ForwardProposal(2, 1, term, 222, 1, TestCluster.commands("b"));
        c.node(1).step(fromOldSession);
        c.node(1).step(fromNewSession);
        c.node(1).step(fromOldSession);
        c.node(1).step(fromNewSession);
        assertThat(c.node(1).status().lastIndex()).isEqualTo(before + 2);
    }

    @Test
    void entriesAdvancedWithoutSyncCountOnlyOnceTheSyncIsReported() {
        TestCluster c = new TestCluster(1);
        c.elect(1);
        RaftNode n = c.node(1);
        n.propose(TestCluster.commands("x"));
        Ready written = n.ready();
        assertThat(written.mayAdvanceBeforeSync()).isTrue();
        c.storages.get(1L).append(written.entries());
        n.advanceWithoutSync(written);

        assertThat(n.status().commitIndex())
                .as("the leader's own copy is not durable yet")
                .isEqualTo(1);
        assertThat(n.hasReady()).isFalse();
        n.synced(new LogPosition(n.term() + 1, 2)); // a stale report about an entry the log does not hold
        assertThat(n.hasReady()).isFalse();

        n.synced(written.entries().get(0).position());
        Ready committed = n.ready();
        assertThat(committed.committedEntries()).extracting(Entry::index).containsExactly(2L);
        assertThat(committed.entries())
                .as("written entries are not handed out again")
                .isEmpty();
    }

    @Test
    void aLeaderAppliesItsOwnUnsyncedEntryOnlyAfterTheSyncEvenWhenFollowersCommitIt() {
        TestCluster c = new TestCluster(3);
        c.elect(1);
        c.tickAll(2);
        RaftNode leader = c.node(1);
        leader.propose(TestCluster.commands("x"));
        Ready written = leader.ready();
        assertThat(written.mayAdvanceBeforeSync()).isTrue();
        c.storages.get(1L).append(written.entries());
        c.inFlight.addAll(written.messages());
        leader.advanceWithoutSync(written);
        c.stabilize();
        c.tickAll(2);

        long index = written.entries().get(0).index();
        assertThat(leader.status().commitIndex())
                .as("both followers hold it: committed")
                .isEqualTo(index);
        assertThat(c.appliedCommands(2)).containsExactly("x");
        assertThat(c.appliedCommands(1))
                .as("but not durable on the leader, so not applied there")
                .isEmpty();

        leader.synced(written.entries().get(0).position());
        c.stabilize();
        assertThat(c.appliedCommands(1)).containsExactly("x");
    }

    @Test
    void aReadyWhoseAcknowledgementsFollowUnsyncedEntriesNeedsASync() {
        Message ack = new AppendResponse(2, 1, 3, true, 7, 0, 0);
        Ready withAck =
                new Ready(null, List.of(), List.of(), List.of(ack), List.of(), null, List.of(), null, List.of(), true);
        assertThat(withAck.needsSync()).isTrue();
        assertThat(withAck.mayAdvanceBeforeSync())
                .as("the ack can wait for the next sync")
                .isTrue();
        Ready allSynced =
                new Ready(null, List.of(), List.of(), List.of(ack), List.of(), null, List.of(), null, List.of(), false);
        assertThat(allSynced.needsSync()).isFalse();
        assertThat(allSynced.mayAdvanceBeforeSync()).as("nothing to sync").isFalse();
    }

    @Test
    void aReadyWithAHardStateCannotBeAdvancedBeforeItsSync() {
        TestCluster c = new TestCluster(1);
        c.node(1).campaign();
        Ready campaign = c.node(1).ready();
        assertThat(campaign.hardState()).isNotNull();
        assertThat(campaign.mayAdvanceBeforeSync()).isFalse();
        assertThatThrownBy(() -> c.node(1).advanceWithoutSync(campaign))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot be advanced before its sync");
    }
}
