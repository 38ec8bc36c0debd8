package dev.raftchat.raft.internal.quorum;

import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.LongUnaryOperator;

/**
 * The quorum rule of a possibly joint configuration (Raft thesis §4.3): a decision needs a majority
 * of the incoming voters <em>and</em> a majority of the outgoing voters. When not joint the outgoing
 * half is empty and agrees to everything.
 */
public final class JointConfig {

    private final MajorityConfig incoming;
    private final MajorityConfig outgoing;

    public JointConfig(SortedSet<Long> incoming, SortedSet<Long> outgoing) {
        this.incoming = new MajorityConfig(incoming);
        this.outgoing = new MajorityConfig(outgoing);
    }

    public MajorityConfig incoming() {
        return incoming;
    }

    public MajorityConfig outgoing() {
        return outgoing;
    }

    /** Every voter of either half, ascending. */
    public SortedSet<Long> voters() {
        TreeSet<Long> all = new TreeSet<>(incoming.voters());
        all.addAll(outgoing.voters());
        return all;
    }

    /** The highest index both halves have committed: the minimum of the two majorities' indexes. */
    public long committedIndex(LongUnaryOperator ackedIndex) {
        return Math.min(incoming.committedIndex(ackedIndex), outgoing.committedIndex(ackedIndex));
    }

    /** WON when both halves won, LOST when either lost, PENDING otherwise. */
    public VoteResult voteResult(Map<Long, Boolean> votes) {
        VoteResult in = incoming.voteResult(votes);
        VoteResult out = outgoing.voteResult(votes);
        if (in == VoteResult.WON && out == VoteResult.WON) {
            return VoteResult.WON;
        }
        if (in == VoteResult.LOST || out == VoteResult.LOST) {
            return VoteResult.LOST;
        }
        return VoteResult.PENDING;
    }
}
