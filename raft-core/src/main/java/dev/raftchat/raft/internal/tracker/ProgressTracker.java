package dev.raftchat.raft.internal.tracker;

import dev.raftchat.raft.internal.quorum.JointConfig;
import dev.raftchat.raft.internal.quorum.VoteResult;
import dev.raftchat.raft.model.ConfState;
import java.util.Collections;
import java.util.Map;
import java.util.NavigableSet;
import java.util.SortedSet;
import java.util.TreeMap;

/**
 * What a node tracks of its peers for the role it holds, over the quorum rule of its configuration:
 * as a leader, every member's replication {@link Progress} (its own included), which of them answered
 * recently (CheckQuorum) and since when a quorum has backed its read lease; as a (pre-)candidate, the
 * votes of the election it runs. After etcd's {@code tracker.ProgressTracker}.
 *
 * <p><b>The read lease.</b> Each heartbeat broadcast carries a new round and the leader records the tick
 * at which it <em>sent</em> it; a voter's answer to round {@code r} backs the lease from that send tick,
 * not from the answer's arrival: the voter reset its election timer when the heartbeat arrived, which is
 * no earlier than the send, so its promise not to vote for anyone else lasts at least an election timeout
 * from there, however late its answer came. The lease holds while a quorum's backing is younger than
 * {@code leaseWindowTicks} and no {@link #voidLeaseUntil void} period is running.
 *
 * <p>Everything is keyed by node id in sorted maps, so iteration is deterministic. {@link #reset()} ends
 * the role's bookkeeping; the configuration and the lease's void period survive it.
 *
 * <p>Invariants: a progress exists only for a member of the leader's latest or applied configuration
 * (members get one when the entry adding them is appended, and lose it when the entry removing them is
 * applied); the quorum rule is the latest configuration's (thesis §4.1); {@code roundSentTick} holds at most one round per
 * tick, none older than the lease window.
 */
public final class ProgressTracker {

    private final long self;
    private final int inflightAppendsMax;
    private final long leaseWindowTicks;

    private JointConfig quorum;
    /** Every voter of either half of {@link #quorum}, ascending. */
    private SortedSet<Long> voters;

    /** Leader only: replication progress of every member, this node included. */
    private final TreeMap<Long, Progress> progress = new TreeMap<>();
    /** Candidates only: votes received in the current (pre-)election. */
    private final TreeMap<Long, Boolean> votes = new TreeMap<>();

    /**
     * Leader only: per voter, the tick at which we <em>sent</em> the latest heartbeat round it answered in
     * this term (see the class comment).
     */
    private final TreeMap<Long, Long> leaseFromTick = new TreeMap<>();
    /**
     * Leader only: heartbeat rounds and the tick at which each was sent, at most one entry per tick (the
     * first round sent in it): the send tick of round r is at least that of {@code floorEntry(r)}. Entries
     * older than the lease window are pruned, so this holds at most {@code leaseWindowTicks} entries.
     */
    private final TreeMap<Long, Long> roundSentTick = new TreeMap<>();
    /**
     * No lease until this tick: an abandoned leadership transfer may still have its TimeoutNow in flight,
     * and the election it starts bypasses the followers' stickiness. Survives {@link #reset()}.
     */
    private long leaseVoidUntilTick;

    /**
     * @param self               this node's id: it always counts as active and as backing its own lease
     * @param inflightAppendsMax the pipelining window of every {@link Progress}
     * @param leaseWindowTicks   how long an answered heartbeat backs the read lease, from its send
     */
    public ProgressTracker(long self, int inflightAppendsMax, long leaseWindowTicks) {
        this.self = self;
        this.inflightAppendsMax = inflightAppendsMax;
        this.leaseWindowTicks = leaseWindowTicks;
    }

    // ----------------------------------------------------------------------------- configuration

    /** Adopts the quorum rule of {@code conf}; progress of members is added and removed by the caller. */
    public void applyConf(ConfState conf) {
        this.quorum = new JointConfig(conf.voters(), conf.votersOutgoing());
        this.voters = Collections.unmodifiableSortedSet(quorum.voters());
    }

    /** The quorum rule of the current configuration. */
    public JointConfig quorum() {
        return quorum;
    }

    /** Every voter of the current configuration (both halves of a joint one), ascending. */
    public SortedSet<Long> voters() {
        return voters;
    }

    /** Forgets the role's bookkeeping: progress, votes and the lease's answers (not its void period). */
    public void reset() {
        votes.clear();
        progress.clear();
        leaseFromTick.clear();
        roundSentTick.clear();
    }

    // ---------------------------------------------------------------------------------- progress

    /** Starts tracking {@code member} (replacing what was tracked) with the given match and next index. */
    public Progress track(long member, long match, long next) {
        Progress pr = new Progress(match, next, inflightAppendsMax);
        progress.put(member, pr);
        return pr;
    }

    /** Starts tracking {@code member}, if it is not yet, as knowing nothing: match 0, next {@code next}. */
    public void trackIfAbsent(long member, long next) {
        progress.computeIfAbsent(member, m -> new Progress(0, next, inflightAppendsMax));
    }

    /** Stops tracking {@code member} (it left the configuration). */
    public void untrack(long member) {
        progress.remove(member);
    }

    /** The progress of {@code member}, or null when it is not tracked (not leader, or not a member). */
    public Progress progress(long member) {
        return progress.get(member);
    }

    /** The tracked members, ascending; a live view. */
    public NavigableSet<Long> members() {
        return Collections.unmodifiableNavigableSet(progress.navigableKeySet());
    }

    /** The highest index a quorum has durably replicated (by match index; untracked voters count 0). */
    public long committedIndex() {
        return quorum.committedIndex(member -> {
            Progress pr = progress.get(member);
            return pr == null ? 0 : pr.match();
        });
    }

    /**
     * CheckQuorum (thesis §6.2): whether a quorum was active since the last call (this node always is),
     * and starts the next period: every other member's activity is cleared.
     */
    public boolean quorumActive() {
        TreeMap<Long, Boolean> active = new TreeMap<>();
        for (Map.Entry<Long, Progress> e : progress.entrySet()) {
            boolean isSelf = e.getKey() == self;
            active.put(e.getKey(), isSelf || e.getValue().recentlyActive());
            if (!isSelf) {
                e.getValue().setRecentlyActive(false);
            }
        }
        return quorum.voteResult(active) == VoteResult.WON;
    }

    // ------------------------------------------------------------------------------------- votes

    /** Forgets the votes of an earlier (pre-)election. */
    public void resetVotes() {
        votes.clear();
    }

    /** Records {@code from}'s vote (only its first in this election counts) and tallies the election. */
    public VoteResult recordVote(long from, boolean granted) {
        votes.putIfAbsent(from, granted);
        return quorum.voteResult(votes);
    }

    // ---------------------------------------------------------------------------------- the lease

    /** A heartbeat broadcast carrying {@code round} leaves at tick {@code now}. */
    public void heartbeatSent(long round, long now) {
        if (roundSentTick.isEmpty() || roundSentTick.lastEntry().getValue() < now) {
            roundSentTick.put(round, now);
        }
    }

    /** {@code voter} answered a heartbeat of {@code round}: it backs the lease from when that round left. */
    public void heartbeatAnswered(long voter, long round) {
        Map.Entry<Long, Long> sent = roundSentTick.floorEntry(round);
        if (sent != null) {
            leaseFromTick.merge(voter, sent.getValue(), Math::max);
        }
    }

    /** No lease before tick {@code tick} (kept if a later void period already runs). */
    public void voidLeaseUntil(long tick) {
        leaseVoidUntilTick = Math.max(leaseVoidUntilTick, tick);
    }

    /**
     * Whether a quorum backs the lease at tick {@code now}: each of its voters answered a heartbeat sent
     * less than the lease window ago (this node counts), and no void period runs.
     */
    public boolean leaseHeld(long now) {
        if (now < leaseVoidUntilTick) {
            return false;
        }
        TreeMap<Long, Boolean> fresh = new TreeMap<>();
        for (long voter : voters) {
            Long sent = leaseFromTick.get(voter);
            fresh.put(voter, voter == self || (sent != null && now - sent < leaseWindowTicks));
        }
        return quorum.voteResult(fresh) == VoteResult.WON;
    }

    /** Forgets heartbeat rounds too old at tick {@code now} for an answer to them to back the lease. */
    public void pruneLeaseRounds(long now) {
        while (!roundSentTick.isEmpty() && now - roundSentTick.firstEntry().getValue() >= leaseWindowTicks) {
            roundSentTick.pollFirstEntry();
        }
    }
}
