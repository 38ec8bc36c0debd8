package dev.raftchat.raft.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.raft.message.AppendRequest;
import dev.raftchat.raft.message.AppendResponse;
import dev.raftchat.raft.message.HeartbeatRequest;
import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.message.VoteRequest;
import dev.raftchat.raft.message.VoteResponse;
import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.EntryType;
import dev.raftchat.raft.model.HardState;
import dev.raftchat.raft.storage.MemoryLogStorage;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * One test per rule of the Raft paper (Ongaro and Ousterhout, 2014) and thesis (Ongaro, 2014), named
 * by the section it checks. Nodes are driven by hand: each test feeds exact messages and inspects the
 * exact output.
 */
class RaftPaperTest {

    private static final byte[] DATA = {1, 2, 3};

    private static RaftNode node(long id, MemoryLogStorage storage, long... voters) {
        return new RaftNode(NodeConfig.defaults(id, 42).withPreVote(false), storage, ConfState.ofVoters(voters));
    }

    private static RaftNode node(long id, long... voters) {
        return node(id, new MemoryLogStorage(), voters);
    }

    private static List<Message> drain(RaftNode n) {
        return ReadyDrain.drain(n, new MemoryLogStorage());
    }

    private static void tick(RaftNode n, int ticks) {
        for (int i = 0; i < ticks; i++) {
            n.tick();
        }
    }

    @Test
    @DisplayName("§5.1: a node that sees a higher term adopts it and becomes a follower")
    void higherTermTurnsAnyRoleIntoFollower() {
        TestCluster c = new TestCluster(3);
        RaftNode leader = c.elect(1);
        assertThat(leader.role()).isEqualTo(Role.LEADER);
        long term = leader.term();
        leader.step(new AppendResponse(2, 1, term + 5, false, 0, 0, 0));
        assertThat(leader.role()).isEqualTo(Role.FOLLOWER);
        assertThat(leader.term()).isEqualTo(term + 5);
    }

    @Test
    @DisplayName("§5.1: a request with a stale term is rejected")
    void staleTermRequestIsIgnoredAndTheSenderToldOurTerm() {
        RaftNode n = node(1, 1, 2, 3);
        n.step(new AppendRequest(2, 1, 3, 0, 0, List.of(), 0));
        drain(n);
        n.step(new AppendRequest(3, 1, 2, 0, 0, List.of(Entry.normal(2, 1, DATA)), 0));
        List<Message> out = drain(n);
        assertThat(n.status().lastIndex()).isZero();
        assertThat(out).containsExactly(new AppendResponse(1, 3, 3, false, 0, 0, 0));
    }

    @Test
    @DisplayName("§5.2: a follower that hears nothing for an election timeout starts an election and votes for itself")
    void followerStartsElectionAfterTimeout() {
        MemoryLogStorage storage = new MemoryLogStorage();
        RaftNode n = node(1, storage, 1, 2, 3);
        tick(n, 2 * NodeConfig.DEFAULT_ELECTION_TIMEOUT_TICKS);
        assertThat(n.role()).isEqualTo(Role.CANDIDATE);
        assertThat(n.term()).isEqualTo(1);
        Ready rd = n.ready();
        assertThat(rd.hardState()).isEqualTo(new HardState(1, 1, 0));
        assertThat(rd.messages())
                .as("vote requests wait until the self-vote is durable")
                .isEmpty();
        assertThat(rd.messagesAfterSync())
                .containsExactly(
                        new VoteRequest(1, 2, 1, 0, 0, false, false), new VoteRequest(1, 3, 1, 0, 0, false, false));
    }

    @Test
    @DisplayName("§5.2: election timeouts are randomized in [T, 2T)")
    void electionTimeoutsAreRandomizedWithinBounds() {
        int t = NodeConfig.DEFAULT_ELECTION_TIMEOUT_TICKS;
        TreeSet<Integer> seen = new TreeSet<>();
        for (long seed = 0; seed < 200; seed++) {
            RaftNode n = new RaftNode(
                    NodeConfig.defaults(1, seed).withPreVote(false),
                    new MemoryLogStorage(),
                    ConfState.ofVoters(1, 2, 3));
            int ticks = 0;
            while (n.role() == Role.FOLLOWER) {
                n.tick();
                ticks++;
            }
            seen.add(ticks);
        }
        assertThat(seen.first()).isGreaterThanOrEqualTo(t);
        assertThat(seen.last()).isLessThan(2 * t);
        assertThat(seen).as("timeouts actually vary").hasSizeGreaterThan(t / 2);
    }

    @Test
    @DisplayName("§5.2: a node grants at most one vote per term, first come first served, and only after persisting it")
    void atMostOneVotePerTerm() {
        RaftNode n = node(1, 1, 2, 3);
        n.step(new VoteRequest(2, 1, 1, 0, 0, false, false));
        Ready rd = n.ready();
        assertThat(rd.hardState()).isEqualTo(new HardState(1, 2, 0));
        assertThat(rd.messages()).isEmpty();
        assertThat(rd.messagesAfterSync()).containsExactly(new VoteResponse(1, 2, 1, false, true));
        n.advance(rd);
        n.step(new VoteRequest(3, 1, 1, 0, 0, false, false));
        assertThat(drain(n)).containsExactly(new VoteResponse(1, 3, 1, false, false));
        n.step(new VoteRequest(2, 1, 1, 0, 0, false, false));
        assertThat(drain(n))
                .as("a repeated request from the same candidate is granted again")
                .containsExactly(new VoteResponse(1, 2, 1, false, true));
    }

    @Test
    @DisplayName("§5.2: a candidate with votes from a majority becomes leader")
    void candidateWithMajorityWins() {
        RaftNode n = node(1, 1, 2, 3, 4, 5);
        n.campaign();
        drain(n);
        n.step(new VoteResponse(2, 1, 1, false, true));
        assertThat(n.role()).isEqualTo(Role.CANDIDATE);
        n.step(new VoteResponse(3, 1, 1, false, true));
        assertThat(n.role()).isEqualTo(Role.LEADER);
    }

    @Test
    @DisplayName("§5.2: a candidate rejected by a majority returns to follower")
    void candidateRejectedByMajorityLoses() {
        RaftNode n = node(1, 1, 2, 3);
        n.campaign();
        drain(n);
        n.step(new VoteResponse(2, 1, 1, false, false));
        n.step(new VoteResponse(3, 1, 1, false, false));
        assertThat(n.role()).isEqualTo(Role.FOLLOWER);
    }

    @Test
    @DisplayName("§5.2: a candidate that hears from a leader of its term becomes its follower")
    void candidateStepsDownForLeaderOfSameTerm() {
        RaftNode n = node(1, 1, 2, 3);
        n.campaign();
        drain(n);
        n.step(new HeartbeatRequest(2, 1, 1, 0, 0));
        assertThat(n.role()).isEqualTo(Role.FOLLOWER);
        assertThat(n.leaderId()).isEqualTo(2);
    }

    @Test
    @DisplayName("§5.3: the follower's consistency check rejects entries whose predecessor it lacks")
    void consistencyCheckRejectsMissingPredecessor() {
        RaftNode n = node(1, 1, 2, 3);
        n.step(new AppendRequest(2, 1, 1, 5, 1, List.of(Entry.normal(1, 6, DATA)), 0));
        List<Message> out = drain(n);
        assertThat(out).hasSize(1);
        AppendResponse r = (AppendResponse) out.get(0);
        assertThat(r.success()).isFalse();
        assertThat(r.index()).isEqualTo(5);
        assertThat(r.hintIndex()).as("hint points at our last index").isZero();
    }

    @Test
    @DisplayName("§5.3: conflicting entries are deleted and replaced by the leader's; acks wait for durability")
    void conflictingSuffixIsReplaced() {
        MemoryLogStorage storage = new MemoryLogStorage();
        storage.append(List.of(Entry.normal(1, 1, DATA), Entry.normal(1, 2, DATA), Entry.normal(1, 3, DATA)));
        storage.saveHardState(new HardState(1, 0, 0));
        RaftNode n = node(1, storage, 1, 2, 3);
        n.step(new AppendRequest(2, 1, 2, 1, 1, List.of(Entry.normal(2, 2, new byte[] {9})), 1));
        Ready rd = n.ready();
        assertThat(rd.entries()).containsExactly(Entry.normal(2, 2, new byte[] {9}));
        assertThat(rd.messages()).isEmpty();
        assertThat(rd.messagesAfterSync()).containsExactly(new AppendResponse(1, 2, 2, true, 2, 0, 0));
        storage.append(rd.entries());
        n.advance(rd);
        assertThat(storage.lastIndex()).isEqualTo(2);
        assertThat(storage.term(2)).isEqualTo(2);
    }

    @Test
    @DisplayName("§5.3: a follower commits only up to the last entry it received from this leader")
    void followerCommitIsBoundedByLastNewEntry() {
        MemoryLogStorage storage = new MemoryLogStorage();
        storage.append(List.of(Entry.normal(1, 1, DATA), Entry.normal(1, 2, DATA), Entry.normal(1, 3, DATA)));
        RaftNode n = node(1, storage, 1, 2, 3);
        // Leader commit is 3, but this request only vouches for entries up to 1.
        n.step(new AppendRequest(2, 1, 2, 0, 0, List.of(Entry.normal(1, 1, DATA)), 3));
        assertThat(n.status().commitIndex()).isEqualTo(1);
    }

    @Test
    @DisplayName("§5.4.1: a voter denies its vote to a candidate whose log is less up to date")
    void voteDeniedToLessUpToDateCandidate() {
        MemoryLogStorage storage = new MemoryLogStorage();
        storage.append(List.of(Entry.normal(1, 1, DATA), Entry.normal(2, 2, DATA)));
        storage.saveHardState(new HardState(2, 0, 0));
        // Without CheckQuorum: a node restarted at term 2 is otherwise sticky for an election timeout
        // (thesis §6.2, see stickinessSurvivesARestart), which is not what this rule is about.
        RaftNode n = new RaftNode(
                NodeConfig.defaults(1, 42).withPreVote(false).withCheckQuorum(false),
                storage,
                ConfState.ofVoters(1, 2, 3));
        n.step(new VoteRequest(2, 1, 3, 5, 1, false, false)); // longer log, but older last term
        assertThat(ReadyDrain.drain(n, storage)).containsExactly(new VoteResponse(1, 2, 3, false, false));
        n.step(new VoteRequest(3, 1, 3, 2, 2, false, false)); // same last term and length
        assertThat(ReadyDrain.drain(n, storage)).containsExactly(new VoteResponse(1, 3, 3, false, true));
    }

    @Test
    @DisplayName("§5.4.2 (Figure 8): a leader never commits an entry of an earlier term by counting replicas")
    void leaderDoesNotCommitOldTermEntriesByCount() {
        MemoryLogStorage storage = new MemoryLogStorage();
        storage.append(List.of(Entry.normal(1, 1, DATA), Entry.normal(2, 2, DATA)));
        storage.saveHardState(new HardState(3, 0, 0));
        RaftNode n = node(1, storage, 1, 2, 3);
        n.campaign();
        ReadyDrain.drain(n, storage);
        n.step(new VoteResponse(2, 1, 4, false, true));
        assertThat(n.role()).isEqualTo(Role.LEADER);
        ReadyDrain.drain(n, storage); // persists the no-op at index 3, term 4
        // Follower 2 acknowledges index 2 (the old-term entry) only: a majority holds index 2...
        n.step(new AppendResponse(2, 1, 4, true, 2, 0, 0));
        ReadyDrain.drain(n, storage);
        assertThat(n.status().commitIndex())
                .as("old-term entry is not committed by replica count")
                .isZero();
        // ...and once the current term's no-op is on a majority, everything before it commits too.
        n.step(new AppendResponse(2, 1, 4, true, 3, 0, 0));
        assertThat(n.status().commitIndex()).isEqualTo(3);
    }

    @Test
    @DisplayName("§8: a new leader appends a no-op entry of its term")
    void newLeaderAppendsNoOp() {
        TestCluster c = new TestCluster(3);
        RaftNode leader = c.elect(1);
        c.tickAll(1);
        List<Entry> applied = c.applied.get(2L);
        assertThat(applied).hasSize(1);
        assertThat(applied.get(0).type()).isEqualTo(EntryType.NO_OP);
        assertThat(applied.get(0).term()).isEqualTo(leader.term());
    }

    @Test
    @DisplayName("thesis §10.2.1: the leader replicates before its own write is durable but counts itself only after")
    void leaderReplicatesInParallelWithItsOwnWrite() {
        MemoryLogStorage storage = new MemoryLogStorage();
        RaftNode n = node(1, storage, 1, 2, 3);
        n.campaign();
        ReadyDrain.drain(n, storage);
        n.step(new VoteResponse(2, 1, 1, false, true));
        ReadyDrain.drain(n, storage);
        n.step(new AppendResponse(2, 1, 1, true, 1, 0, 0));
        ReadyDrain.drain(n, storage);
        n.propose(List.of(DATA));
        Ready rd = n.ready();
        assertThat(rd.entries()).hasSize(1);
        // Node 2 replicates; node 3 never answered its probe, so it is paused (one probe at a time).
        assertThat(rd.messages())
                .as("AppendRequests leave before the leader's write")
                .filteredOn(m -> m instanceof AppendRequest)
                .extracting(Message::to)
                .containsExactly(2L);
        // A follower acknowledges before our own write completes: 1 of 3 is not a quorum.
        n.step(new AppendResponse(2, 1, 1, true, 2, 0, 0));
        assertThat(n.status().commitIndex())
                .as("the follower's ack plus our non-durable copy is not a quorum")
                .isEqualTo(1);
    }

    @Test
    @DisplayName("thesis §9.6: with PreVote an isolated node does not inflate its term")
    void preVoteKeepsIsolatedNodeTermStable() {
        TestCluster c = new TestCluster(3);
        c.elect(1);
        long term = c.node(1).term();
        c.isolate(3);
        c.tickAll(100);
        assertThat(c.node(3).term()).isEqualTo(term);
        assertThat(c.node(3).role()).isEqualTo(Role.PRE_CANDIDATE);
        c.heal();
        c.tickAll(5);
        assertThat(c.leader())
                .as("the rejoining node did not depose the leader")
                .isEqualTo(1);
        assertThat(c.node(1).term()).isEqualTo(term);
    }

    @Test
    @DisplayName("thesis §6.2: with CheckQuorum a leader that cannot hear a quorum steps down")
    void checkQuorumStepsDownIsolatedLeader() {
        TestCluster c = new TestCluster(3);
        c.elect(1);
        c.isolate(1);
        c.tickAll(2 * NodeConfig.DEFAULT_ELECTION_TIMEOUT_TICKS + 1);
        assertThat(c.node(1).role()).isNotEqualTo(Role.LEADER);
        assertThat(c.leader()).isIn(2L, 3L);
    }

    @Test
    @DisplayName("thesis §4.2.3: a follower that hears from its leader ignores vote requests of a higher term")
    void leaderStickinessIgnoresDisruptiveVoteRequests() {
        TestCluster c = new TestCluster(3);
        c.elect(1);
        long term = c.node(2).term();
        c.node(2).step(new VoteRequest(3, 2, term + 1, 100, term, false, false));
        assertThat(c.node(2).term()).isEqualTo(term);
        assertThat(c.node(2).ready().messagesAfterSync()).isEmpty();
    }
}
