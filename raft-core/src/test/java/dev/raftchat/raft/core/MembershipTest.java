package dev.raftchat.raft.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftchat.raft.confchange.ConfChange;
import dev.raftchat.raft.confchange.ConfChange.Op;
import dev.raftchat.raft.confchange.ConfChange.OpType;
import dev.raftchat.raft.message.AppendRequest;
import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.EntryType;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class MembershipTest {

    private static TestCluster threeNodesWithLeader1() {
        TestCluster c = new TestCluster(3);
        c.elect(1);
        c.tickAll(2);
        return c;
    }

    @Test
    @DisplayName("a learner receives the log but never votes, campaigns or counts toward a quorum")
    void learnerReceivesLogButDoesNotVote() {
        TestCluster c = threeNodesWithLeader1();
        c.join(4);
        c.node(1).proposeConfChange(ConfChange.addLearner(4));
        c.stabilize();
        c.tickAll(2);
        assertThat(c.node(1).status().conf().learners()).containsExactly(4L);
        assertThat(c.node(1).status().conf().isJoint())
                .as("learner-only changes need no joint phase")
                .isFalse();
        c.node(1).propose(TestCluster.commands("for everyone"));
        c.stabilize();
        c.tickAll(2);
        assertThat(c.appliedCommands(4)).containsExactly("for everyone");
        // With both other voters gone the leader cannot commit: the learner does not count.
        c.isolate(2);
        c.isolate(3);
        long commit = c.node(1).status().commitIndex();
        c.node(1).propose(TestCluster.commands("needs a voter"));
        c.stabilize();
        assertThat(c.node(1).status().commitIndex()).isEqualTo(commit);
        // And the learner never campaigns however long it waits.
        c.isolate(1);
        c.tickAll(60);
        assertThat(c.node(4).role()).isEqualTo(Role.FOLLOWER);
        assertThat(c.node(4).term()).isEqualTo(c.node(1).term());
    }

    @Test
    @DisplayName("thesis §4.3: promoting a learner goes through a joint configuration that the leader then leaves")
    void promoteLearnerThroughJointConfiguration() {
        TestCluster c = threeNodesWithLeader1();
        c.join(4);
        c.node(1).proposeConfChange(ConfChange.addLearner(4));
        c.stabilize();
        c.tickAll(2);
        long index = c.node(1).proposeConfChange(ConfChange.addVoter(4));
        assertThat(c.node(1).status().lastIndex()).isEqualTo(index);
        c.stabilize();
        c.tickAll(3);
        for (long id = 1; id <= 4; id++) {
            ConfState conf = c.node(id).status().conf();
            assertThat(conf.voters()).as("node %s", id).containsExactly(1L, 2L, 3L, 4L);
            assertThat(conf.isJoint())
                    .as("node %s left the joint configuration", id)
                    .isFalse();
            assertThat(conf.learners()).isEmpty();
        }
        List<EntryType> types = c.applied.get(2L).stream().map(Entry::type).toList();
        assertThat(types)
                .containsSubsequence(EntryType.CONFIG_CHANGE, EntryType.CONFIG_CHANGE, EntryType.CONFIG_CHANGE);
    }

    @Test
    @DisplayName("thesis §4.3: a joint change replaces two of three voters at once")
    void replaceTwoOfThreeVoters() {
        TestCluster c = threeNodesWithLeader1();
        c.join(4);
        c.join(5);
        c.node(1)
                .proposeConfChange(ConfChange.of(
                        new Op(OpType.ADD_VOTER, 4),
                        new Op(OpType.ADD_VOTER, 5),
                        new Op(OpType.REMOVE, 2),
                        new Op(OpType.REMOVE, 3)));
        c.stabilize();
        c.tickAll(3);
        assertThat(c.node(1).status().conf().voters()).containsExactly(1L, 4L, 5L);
        assertThat(c.node(1).status().conf().isJoint()).isFalse();
        assertThat(c.node(2).isRemoved()).isTrue();
        assertThat(c.node(3).isRemoved()).isTrue();
        // The new configuration works without the removed nodes.
        c.isolate(2);
        c.isolate(3);
        c.node(1).propose(TestCluster.commands("new majority"));
        c.stabilize();
        c.tickAll(2);
        assertThat(c.appliedCommands(5)).containsExactly("new majority");
    }

    @Test
    @DisplayName("removing the leader: it finishes the change, steps down, and a remaining voter takes over")
    void removeTheLeader() {
        TestCluster c = threeNodesWithLeader1();
        c.node(1).proposeConfChange(ConfChange.remove(1));
        c.stabilize();
        c.tickAll(3);
        assertThat(c.node(1).isRemoved()).isTrue();
        assertThat(c.node(1).role()).isEqualTo(Role.FOLLOWER);
        c.tickAll(3 * NodeConfig.DEFAULT_ELECTION_TIMEOUT_TICKS);
        long leader = c.leader();
        assertThat(leader).isIn(2L, 3L);
        assertThat(c.node(leader).status().conf().voters()).containsExactly(2L, 3L);
        c.node(leader).propose(TestCluster.commands("without 1"));
        c.stabilize();
        c.tickAll(2);
        assertThat(c.appliedCommands(2)).containsExactly("without 1");
    }

    @Test
    @DisplayName("a change is refused while another is in progress, and before the leader commits in its term")
    void changesAreRefusedWhileUnsafe() {
        TestCluster c = threeNodesWithLeader1();
        c.join(4);
        c.node(1).proposeConfChange(ConfChange.addLearner(4));
        assertThatThrownBy(() -> c.node(1).proposeConfChange(ConfChange.remove(3)))
                .isInstanceOf(ProposalRejectedException.class)
                .hasMessageContaining("still in progress");
        c.stabilize();
        c.tickAll(2);
        assertThatThrownBy(() -> c.node(1).proposeConfChange(ConfChange.remove(9)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a member");
        assertThatThrownBy(() -> c.node(2).proposeConfChange(ConfChange.remove(3)))
                .isInstanceOf(NotLeaderException.class);

        // A fresh leader whose no-op is not yet committed refuses changes.
        TestCluster fresh = new TestCluster(3);
        fresh.node(1).campaign();
        while (fresh.node(1).role() != Role.LEADER) {
            fresh.processReady();
            fresh.node(fresh.inFlight.peek().to()).step(fresh.inFlight.poll());
        }
        assertThatThrownBy(() -> fresh.node(1).proposeConfChange(ConfChange.addLearner(4)))
                .isInstanceOf(ProposalRejectedException.class)
                .hasMessageContaining("not yet committed");
    }

    @Test
    void aChangesContextTravelsInItsEncodingAndOnlyThen() {
        ConfChange plain = ConfChange.addVoter(4);
        byte[] address = "10.0.0.4:7000".getBytes(StandardCharsets.UTF_8);
        ConfChange withAddress = plain.withContext(address);
        // Without a context the bytes stay those of format 1, which older builds read.
        assertThat(plain.encode()[0]).isEqualTo((byte) 1);
        assertThat(withAddress.encode()[0]).isEqualTo((byte) 2);
        assertThat(ConfChange.decode(withAddress.encode()))
                .isEqualTo(withAddress)
                .isNotEqualTo(plain);
        assertThat(ConfChange.decode(withAddress.encode()).context()).isEqualTo(address);
        assertThat(withAddress.toString()).startsWith("v4 ctx=");
        byte[] truncated = Arrays.copyOf(withAddress.encode(), withAddress.encode().length - 1);
        assertThatThrownBy(() -> ConfChange.decode(truncated)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> plain.withContext(new byte[ConfChange.CONTEXT_BYTES_MAX + 1]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most " + ConfChange.CONTEXT_BYTES_MAX);
        assertThatThrownBy(() -> ConfChange.leave().withContext(address)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void confChangeCodecRejectsGarbage() {
        ConfChange change = ConfChange.of(new Op(OpType.ADD_VOTER, 4), new Op(OpType.REMOVE, 2));
        assertThat(ConfChange.decode(change.encode())).isEqualTo(change);
        assertThat(ConfChange.decode(ConfChange.leave().encode())).isEqualTo(ConfChange.leave());
        for (byte[] garbage : List.of(new byte[0], new byte[] {1}, new byte[] {9, 0, 0, 0, 0, 0}, new byte[] {
            1, 0, 0, 0, 0, 1, 7, 0, 0, 0, 0, 0, 0, 0, 1
        })) {
            assertThatThrownBy(() -> ConfChange.decode(garbage)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(Set.of(ConfChange.addVoter(1).toString(), ConfChange.leave().toString()))
                .containsExactlyInAnyOrder("v1", "leave-joint");
    }

    @Test
    @DisplayName("a learner far behind is not promoted: it could stall commits while it catches up")
    void lateLearnerIsNotPromoted() {
        TestCluster c = new TestCluster(3, cfg -> cfg.withPromotionLagEntriesMax(5));
        c.elect(1);
        c.tickAll(2);
        c.join(4);
        c.node(1).proposeConfChange(ConfChange.addLearner(4));
        c.stabilize();
        c.tickAll(2);
        c.isolate(4);
        for (int i = 0; i < 10; i++) {
            c.node(1).propose(TestCluster.commands("x" + i));
        }
        c.stabilize();
        assertThatThrownBy(() -> c.node(1).proposeConfChange(ConfChange.addVoter(4)))
                .isInstanceOf(ProposalRejectedException.class)
                .hasMessageContaining("learner 4 is 10 entries behind");
        c.heal();
        c.tickAll(3);
        c.node(1).proposeConfChange(ConfChange.addVoter(4));
        c.stabilize();
        c.tickAll(3);
        assertThat(c.node(4).status().conf().voters()).contains(4L);
    }

    @Test
    @DisplayName("a leader elected while the cluster is joint leaves the joint configuration (simulator seed 5285)")
    void newLeaderLeavesAJointConfigurationItInherited() {
        // One entry per AppendRequest, so the leave-joint entry always travels alone and can be held back.
        TestCluster c = new TestCluster(3, cfg -> cfg.withAppendBytesMax(1));
        c.elect(1);
        c.tickAll(2);
        c.join(4);
        c.node(1).proposeConfChange(ConfChange.addVoter(4));
        // Let the joint entry commit and apply everywhere, but never let node 1's leave-joint entry out.
        Predicate<Message> carriesLeave = m -> m instanceof AppendRequest a
                && a.entries().stream()
                        .anyMatch(e -> e.type() == EntryType.CONFIG_CHANGE
                                && ConfChange.decode(e.data()).leaveJoint());
        int steps = 0;
        while (!(c.node(2).status().conf().isJoint()
                && c.node(3).status().conf().isJoint())) {
            steps++;
            assertThat(steps).as("followers apply the joint configuration").isLessThan(10_001);
            c.processReady();
            c.dropMatching(carriesLeave);
            if (c.inFlight.isEmpty()) {
                c.tick(1, 1);
                continue;
            }
            var m = c.inFlight.poll();
            c.node(m.to()).step(m);
        }
        for (long id : new long[] {2, 3}) {
            assertThat(c.storages.get(id).entries(1, c.storages.get(id).lastIndex() + 1, Long.MAX_VALUE))
                    .as("node %s never received leave-joint", id)
                    .noneMatch(e -> e.type() == EntryType.CONFIG_CHANGE
                            && ConfChange.decode(e.data()).leaveJoint());
        }
        c.inFlight.clear();
        c.nodes.remove(1L); // node 1 is gone for good
        c.isolate(1);
        c.tickAll(4 * NodeConfig.DEFAULT_ELECTION_TIMEOUT_TICKS);
        long leader = c.leader();
        assertThat(leader).isIn(2L, 3L, 4L);
        c.tickAll(3);
        for (long id : new long[] {2, 3, 4}) {
            assertThat(c.node(id).status().conf().isJoint()).as("node %s", id).isFalse();
            assertThat(c.node(id).status().conf().voters()).containsExactly(1L, 2L, 3L, 4L);
        }
    }
}
