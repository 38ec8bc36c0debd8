package dev.raftchat.raft.internal.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.raft.internal.quorum.VoteResult;
import dev.raftchat.raft.model.ConfState;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The tracker's quorum decisions: commit index, votes, CheckQuorum activity and the read lease. */
class ProgressTrackerTest {

    private static final long WINDOW = 8;

    private static ProgressTracker leaderOf(ConfState conf) {
        ProgressTracker tracker = new ProgressTracker(1, 4, WINDOW);
        tracker.applyConf(conf);
        for (long member : conf.members()) {
            tracker.track(member, 0, 1);
        }
        return tracker;
    }

    @Test
    void theCommitIndexIsWhatAMajorityOfEachHalfHolds() {
        ConfState joint =
                new ConfState(new TreeSet<>(List.of(1L, 2L, 3L)), new TreeSet<>(List.of(1L, 4L, 5L)), new TreeSet<>());
        ProgressTracker tracker = leaderOf(joint);
        tracker.progress(1).maybeUpdate(10);
        tracker.progress(2).maybeUpdate(9);
        assertThat(tracker.committedIndex()).isZero(); // the outgoing half has only node 1 at 10
        tracker.progress(4).maybeUpdate(7);
        assertThat(tracker.committedIndex()).isEqualTo(7);
        tracker.untrack(4);
        assertThat(tracker.committedIndex()).isZero(); // an untracked voter counts as holding nothing
    }

    @Test
    void onlyTheFirstVoteOfEachVoterCounts() {
        ProgressTracker tracker = new ProgressTracker(1, 4, WINDOW);
        tracker.applyConf(ConfState.ofVoters(1, 2, 3));
        assertThat(tracker.recordVote(1, true)).isEqualTo(VoteResult.PENDING);
        assertThat(tracker.recordVote(2, false)).isEqualTo(VoteResult.PENDING);
        assertThat(tracker.recordVote(2, true)).isEqualTo(VoteResult.PENDING); // a second answer changes nothing
        assertThat(tracker.recordVote(3, true)).isEqualTo(VoteResult.WON);
        tracker.resetVotes();
        assertThat(tracker.recordVote(2, false)).isEqualTo(VoteResult.PENDING);
        assertThat(tracker.recordVote(3, false)).isEqualTo(VoteResult.LOST);
    }

    @Test
    void checkQuorumCountsActivitySinceTheLastCheckAndSelfAlways() {
        ProgressTracker tracker = leaderOf(ConfState.ofVoters(1, 2, 3));
        assertThat(tracker.quorumActive()).isFalse(); // only this node
        tracker.progress(3).setRecentlyActive(true);
        assertThat(tracker.quorumActive()).isTrue();
        assertThat(tracker.quorumActive()).isFalse(); // the check started a new period
    }

    @Test
    void theLeaseRunsFromTheSendOfTheAnsweredRoundNotFromTheAnswer() {
        ProgressTracker tracker = leaderOf(ConfState.ofVoters(1, 2, 3));
        assertThat(tracker.leaseHeld(0)).isFalse();
        tracker.heartbeatSent(1, 10);
        tracker.heartbeatAnswered(2, 1); // arrives late, at tick 17: still dates from tick 10
        assertThat(tracker.leaseHeld(17)).isTrue();
        assertThat(tracker.leaseHeld(10 + WINDOW - 1)).isTrue();
        assertThat(tracker.leaseHeld(10 + WINDOW)).isFalse();
    }

    @Test
    void aRoundSentWithinTheSameTickDatesFromThatTicksFirstRound() {
        ProgressTracker tracker = leaderOf(ConfState.ofVoters(1, 2, 3));
        tracker.heartbeatSent(1, 10);
        tracker.heartbeatSent(2, 10);
        tracker.heartbeatAnswered(3, 2);
        assertThat(tracker.leaseHeld(10 + WINDOW - 1)).isTrue();
        assertThat(tracker.leaseHeld(10 + WINDOW)).isFalse();
    }

    @Test
    void anAnswerToAPrunedRoundBacksNoLease() {
        ProgressTracker tracker = leaderOf(ConfState.ofVoters(1, 2, 3));
        tracker.heartbeatSent(1, 10);
        tracker.pruneLeaseRounds(10 + WINDOW);
        tracker.heartbeatAnswered(2, 1);
        assertThat(tracker.leaseHeld(10 + WINDOW)).isFalse();
        assertThat(tracker.leaseHeld(11)).isFalse();
    }

    @Test
    void aVoidPeriodSuspendsTheLeaseAndSurvivesReset() {
        ProgressTracker tracker = leaderOf(ConfState.ofVoters(1, 2, 3));
        tracker.voidLeaseUntil(20);
        tracker.voidLeaseUntil(15); // an earlier end does not shorten it
        tracker.reset();
        for (long member : new long[] {1, 2, 3}) {
            tracker.track(member, 0, 1);
        }
        tracker.heartbeatSent(1, 14);
        tracker.heartbeatAnswered(2, 1);
        assertThat(tracker.leaseHeld(19)).isFalse();
        assertThat(tracker.leaseHeld(20)).isTrue();
    }

    @Test
    void resetForgetsProgressVotesAndAnswers() {
        ProgressTracker tracker = leaderOf(ConfState.ofVoters(1, 2, 3));
        tracker.heartbeatSent(1, 10);
        tracker.heartbeatAnswered(2, 1);
        tracker.reset();
        assertThat(tracker.members()).isEmpty();
        assertThat(tracker.progress(2)).isNull();
        assertThat(tracker.leaseHeld(11)).isFalse();
    }
}
