package dev.raftchat.raft.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.raft.message.AppendRequest;
import dev.raftchat.raft.message.HeartbeatRequest;
import dev.raftchat.raft.message.VoteRequest;
import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.EntryType;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The core trusts only members (issue 18): traffic from ids outside the configuration is dropped and
 * counted, except the leader traffic a joining or lagging node needs, and a heartbeat never commits
 * entries that this term's leader has not confirmed.
 */
class TrustedMembersTest {

    /** Three nodes, node 1 leading, every message delivered. */
    private static TestCluster clusterLedBy1() {
        TestCluster c = new TestCluster(3);
        c.elect(1);
        c.stabilize();
        return c;
    }

    /** Cuts {@code id} off long enough for it to stop hearing a leader. */
    private static void silenceLeaderOf(TestCluster c, long id) {
        c.isolate(id);
        c.tick(id, 3 * NodeConfig.defaults(id, 1).electionTimeoutTicks());
        c.stabilize();
    }

    /** Node 1 leads term 1; an entry reached node 2 but was never acknowledged, so it is not committed. */
    private static TestCluster clusterWithAnUncommittedEntryOnNode2() {
        TestCluster c = clusterLedBy1();
        c.cut.add("2->1");
        c.cut.add("3->1");
        c.cut.add("1->3");
        c.node(1).propose(TestCluster.commands("uncommitted"));
        c.stabilize();
        RaftNode follower = c.node(2);
        assertThat(follower.status().lastIndex())
                .isGreaterThan(follower.status().commitIndex());
        return c;
    }

    @Test
    void aForgedHeartbeatOfAMemberCannotCommitAFollowersUncommittedEntries() {
        TestCluster c = clusterWithAnUncommittedEntryOnNode2();
        RaftNode follower = c.node(2);
        long committedBefore = follower.status().commitIndex();
        long last = follower.status().lastIndex();
        // "Node 3" claims to lead term + 1 and says everything is committed: it never sent an append
        // in that term, so node 2 cannot know its log matches the new leader's.
        follower.step(new HeartbeatRequest(3, 2, follower.term() + 1, last, 0));
        c.processReady();

        assertThat(follower.leaderId()).isEqualTo(3);
        assertThat(follower.status().commitIndex()).isEqualTo(committedBefore);
        assertThat(c.appliedCommands(2)).doesNotContain("uncommitted");
    }

    @Test
    void aHeartbeatCommitsWhatAnAppendOfThisTermsLeaderConfirmed() {
        TestCluster c = clusterWithAnUncommittedEntryOnNode2();
        RaftNode follower = c.node(2);
        long last = follower.status().lastIndex();
        long newTerm = follower.term() + 1;
        long lastTerm = follower.status().term();
        // Node 3 leads the new term and confirms node 2's log up to `last` with an (empty) append.
        follower.step(new AppendRequest(3, 2, newTerm, last, lastTerm, List.of(), 0));
        follower.step(new HeartbeatRequest(3, 2, newTerm, last, 0));
        c.processReady();

        assertThat(follower.status().commitIndex()).isEqualTo(last);
    }

    @Test
    void trafficFromANonMemberIsDroppedAndCounted() {
        TestCluster c = clusterLedBy1();
        RaftNode follower = c.node(2);
        long term = follower.term();
        long last = follower.status().lastIndex();

        // The attack, with an id the cluster does not have: depose the leader, then write.
        follower.step(new HeartbeatRequest(9, 2, term + 1, last, 0));
        follower.step(new AppendRequest(
                9,
                2,
                term + 1,
                last,
                term,
                List.of(new Entry(term + 1, last + 1, EntryType.NORMAL, new byte[] {1})),
                0));
        follower.step(new VoteRequest(9, 2, term + 5, last + 10, term + 5, false, true));

        assertThat(follower.term()).isEqualTo(term);
        assertThat(follower.leaderId()).isEqualTo(1);
        assertThat(follower.status().lastIndex()).isEqualTo(last);
        assertThat(follower.status().nonMemberMessagesDropped()).isEqualTo(3);
        c.stabilize();
        assertThat(c.node(1).role()).isEqualTo(Role.LEADER);
        assertThat(c.node(1).term()).isEqualTo(term);
    }

    @Test
    void aMemberWhoseLeaderFellSilentHearsALeaderItsConfigurationDoesNotName() {
        // A node cut off while the membership changed knows the new leader only from the log it cannot
        // get: once its own leader has been silent for an election timeout it must listen.
        TestCluster c = clusterLedBy1();
        RaftNode follower = c.node(2);
        long term = follower.term();
        long last = follower.status().lastIndex();
        silenceLeaderOf(c, 2);
        long dropped = follower.status().nonMemberMessagesDropped();

        follower.step(new HeartbeatRequest(9, 2, term + 3, last, 0));

        assertThat(follower.status().nonMemberMessagesDropped()).isEqualTo(dropped);
        assertThat(follower.leaderId()).isEqualTo(9);
        assertThat(follower.term()).isEqualTo(term + 3);
    }

    @Test
    void aJoiningNodeOutsideItsOwnConfigurationAcceptsTheLeaderAddingIt() {
        TestCluster c = clusterLedBy1();
        c.join(4); // knows the cluster as {1, 2, 3}: not yet a member of its own configuration
        RaftNode joining = c.node(4);
        // The cluster grew since node 4's list was written: node 7 leads and adds it.
        joining.step(new HeartbeatRequest(7, 4, c.node(1).term() + 1, 0, 0));
        assertThat(joining.leaderId()).isEqualTo(7);
        assertThat(joining.status().nonMemberMessagesDropped()).isZero();
        // A vote request from a stranger is still dropped.
        joining.step(new VoteRequest(8, 4, c.node(1).term() + 2, 5, 5, false, false));
        assertThat(joining.status().nonMemberMessagesDropped()).isEqualTo(1);
    }

    @Test
    void aMemberWithoutALiveLeaderVotesForACandidateItsConfigurationDoesNotName() {
        // Thesis §4.2.3: a server's configuration may be stale (it lost, or has not yet received, the change
        // that added the candidate), so it must vote for a candidate outside it; otherwise a joint
        // configuration whose old half needs this node can never elect a leader (simulator seeds 23006819
        // and 23007944). Only while it hears no leader: a removed server cannot disturb a live cluster.
        TestCluster c = clusterLedBy1();
        RaftNode follower = c.node(2);
        long term = follower.term();
        long last = follower.status().lastIndex();

        follower.step(new VoteRequest(9, 2, term + 5, last + 10, term, false, false));
        assertThat(follower.term())
                .as("with a live leader the stranger is ignored")
                .isEqualTo(term);

        silenceLeaderOf(c, 2);
        long dropped = follower.status().nonMemberMessagesDropped();
        follower.step(new VoteRequest(9, 2, term + 5, last + 10, term, false, false));

        assertThat(follower.status().nonMemberMessagesDropped()).isEqualTo(dropped);
        assertThat(follower.term()).isEqualTo(term + 5);
        assertThat(follower.status().votedFor()).isEqualTo(9);
    }
}
