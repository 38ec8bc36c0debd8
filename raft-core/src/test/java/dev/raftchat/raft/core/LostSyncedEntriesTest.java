package dev.raftchat.raft.core;

import static dev.raftchat.raft.core.ReadyDrain.drain;
import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.raft.message.AppendRequest;
import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.message.VoteRequest;
import dev.raftchat.raft.message.VoteResponse;
import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.HardState;
import dev.raftchat.raft.storage.ForwardingLogStorage;
import dev.raftchat.raft.storage.LogStorage;
import dev.raftchat.raft.storage.MemoryLogStorage;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * Protocol-aware recovery (Alagappan et al., FAST '18): a node whose storage reports that it lost entries it
 * had synced ({@link LogStorage#repairThroughIndex()}) may have acknowledged them, so it must neither vote
 * nor campaign until a leader has replicated its log back past that index.
 */
class LostSyncedEntriesTest {
    private static final byte[] DATA = {7};

    /** A memory log of entries 1..3 (term 1) whose recovery lost synced entries through index 5. */
    private static LogStorage storageThatLostThrough(long repairThrough, MemoryLogStorage memory) {
        memory.append(List.of(Entry.normal(1, 1, DATA), Entry.normal(1, 2, DATA), Entry.normal(1, 3, DATA)));
        memory.saveHardState(new HardState(1, 0, 3));
        return new ForwardingLogStorage(memory) {
            @Override
            public long repairThroughIndex() {
                return repairThrough;
            }
        };
    }

    private static List<VoteResponse> votes(List<Message> out) {
        return out.stream()
                .filter(VoteResponse.class::isInstance)
                .map(VoteResponse.class::cast)
                .toList();
    }

    private static RaftNode node(LogStorage storage, boolean preVote) {
        return new RaftNode(NodeConfig.defaults(1, 42).withPreVote(preVote), storage, ConfState.ofVoters(1, 2, 3));
    }

    @Test
    void aNodeThatLostSyncedEntriesRefusesVotesAndDoesNotCampaignUntilALeaderRepairsIt() {
        for (boolean preVote : new boolean[] {false, true}) {
            LogStorage storage = storageThatLostThrough(5, new MemoryLogStorage());
            RaftNode n = node(storage, preVote);
            // A candidate whose log is as up to date as ours (1..3), but perhaps not as the one we lost (1..5);
            // marked as a transfer so that the restarted node's stickiness does not refuse it first.
            n.step(new VoteRequest(2, 1, 2, 3, 1, preVote, true));
            assertThat(votes(drain(n, storage)))
                    .singleElement()
                    .satisfies(v -> assertThat(v.granted()).isFalse());
            for (int i = 0; i < 10 * NodeConfig.defaults(1, 42).electionTimeoutTicks(); i++) {
                n.tick();
            }
            n.campaign();
            assertThat(drain(n, storage)).noneMatch(VoteRequest.class::isInstance);
            assertThat(n.role()).isEqualTo(Role.FOLLOWER);

            // The leader of term 3 replicates 4..5 back: from then on the node votes again.
            n.step(new AppendRequest(3, 1, 3, 3, 1, List.of(Entry.normal(3, 4, DATA), Entry.normal(3, 5, DATA)), 5));
            drain(n, storage);
            n.step(new VoteRequest(2, 1, 4, 5, 3, false, true));
            assertThat(votes(drain(n, storage)))
                    .singleElement()
                    .satisfies(v -> assertThat(v.granted()).isTrue());
        }
    }

    /**
     * The node lost entries through 5, acknowledged at most in term 1 (its hard state's term). A candidate
     * whose log ends at 5 of term 1 got that entry from term 1's leader, which held whatever the node
     * acknowledged before; one whose log ends in term 2 got it from a later leader, which holds every entry
     * committed before. Both get the vote; one ending at 4 of term 1 may lack entry 5 and does not. Before
     * this rule the node refused everyone, and a joint configuration that needed its vote elected nobody
     * (simulator seed 12001815).
     */
    @Test
    void aNodeThatLostSyncedEntriesVotesForACandidateThatHoldsThem() {
        for (boolean preVote : new boolean[] {false, true}) {
            record Case(long lastIndex, long lastTerm, boolean granted) {}
            for (Case c : List.of(new Case(4, 1, false), new Case(5, 1, true), new Case(3, 2, true))) {
                LogStorage storage = storageThatLostThrough(5, new MemoryLogStorage());
                RaftNode n = node(storage, preVote);
                n.step(new VoteRequest(2, 1, 2, c.lastIndex(), c.lastTerm(), preVote, true));
                assertThat(votes(drain(n, storage)))
                        .as("preVote=%s, candidate's log ends at %s@%s", preVote, c.lastIndex(), c.lastTerm())
                        .singleElement()
                        .satisfies(v -> assertThat(v.granted()).isEqualTo(c.granted()));
                n.campaign();
                assertThat(drain(n, storage)).noneMatch(VoteRequest.class::isInstance);
            }
        }
    }

    /**
     * Simulator seed 96061892's shape: the node held 1..16, all of term 1, lost 7..16 to a bit flip, and its hard
     * state is of term 3 (it campaigned twice before it crashed). When the storage recorded the lost log's last
     * term (16@1, {@link LogStorage#repairThroughTerm()}), the node grants exactly the candidates at least as up
     * to date as 16@1 — among them the only node that held everything, at 16@1, which the hard-state bound
     * refused, livelocking the cluster. Without the term it keeps the hard-state bound (term 3).
     */
    @Test
    void aNodeThatKnowsTheLostLogsLastTermVotesForEveryCandidateAtLeastAsUpToDateAsThatLog() {
        record Case(long lastIndex, long lastTerm, boolean grantedWithTerm, boolean grantedWithoutTerm) {}
        List<Case> cases = List.of(
                new Case(16, 1, true, false), // the seed's node 4: holds all that was lost
                new Case(17, 1, true, false),
                new Case(15, 1, false, false), // may lack entry 16
                new Case(6, 1, false, false), // as up to date as what survived, not as what was lost
                new Case(3, 2, true, false), // a leader of term 2 held whatever term 1 committed
                new Case(16, 3, true, true),
                new Case(5, 4, true, true));
        for (boolean preVote : new boolean[] {false, true}) {
            for (Case c : cases) {
                for (boolean termKnown : new boolean[] {true, false}) {
                    MemoryLogStorage memory = new MemoryLogStorage();
                    for (long i = 1; i <= 6; i++) {
                        memory.append(List.of(Entry.normal(1, i, DATA)));
                    }
                    memory.saveHardState(new HardState(3, 0, 6));
                    LogStorage storage = new ForwardingLogStorage(memory) {
                        @Override
                        public long repairThroughIndex() {
                            return 16;
                        }

                        @Override
                        public OptionalLong repairThroughTerm() {
                            return termKnown ? OptionalLong.of(1) : OptionalLong.empty();
                        }
                    };
                    RaftNode n = node(storage, preVote);
                    n.step(new VoteRequest(2, 1, 4, c.lastIndex(), c.lastTerm(), preVote, true));
                    boolean expected = termKnown ? c.grantedWithTerm() : c.grantedWithoutTerm();
                    assertThat(votes(drain(n, storage)))
                            .as(
                                    "preVote=%s, lost log's last term known=%s, candidate's log ends at %s@%s",
                                    preVote, termKnown, c.lastIndex(), c.lastTerm())
                            .singleElement()
                            .satisfies(v -> assertThat(v.granted()).isEqualTo(expected));
                    // Voting is all it may do: no campaign before the repair, whatever it knows.
                    n.campaign();
                    assertThat(drain(n, storage)).noneMatch(VoteRequest.class::isInstance);
                }
            }
        }
    }

    @Test
    void aNodeWithoutLostEntriesVotesAsUsual() {
        LogStorage storage = storageThatLostThrough(0, new MemoryLogStorage());
        RaftNode n = node(storage, false);
        n.step(new VoteRequest(2, 1, 2, 3, 1, false, true));
        assertThat(votes(drain(n, storage)))
                .singleElement()
                .satisfies(v -> assertThat(v.granted()).isTrue());
    }
}
