package dev.raftchat.raft.internal.quorum;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.LongUnaryOperator;

/**
 * A set of voters decided by simple majority (Raft §5.2).
 *
 * <p>An empty configuration is a degenerate case used by {@link JointConfig} when not joint: it agrees
 * to everything (commits any index, wins any vote), so that the joint rule "both halves agree" reduces
 * to the incoming half.
 */
public final class MajorityConfig {

    private final SortedSet<Long> voters;

    public MajorityConfig(SortedSet<Long> voters) {
        this.voters = Collections.unmodifiableSortedSet(new TreeSet<>(voters));
    }

    public SortedSet<Long> voters() {
        return voters;
    }

    /** The number of votes that forms a majority: {@code n / 2 + 1}. */
    public int quorumSize() {
        return voters.size() / 2 + 1;
    }

    /**
     * The highest index acknowledged by a majority, given each voter's acknowledged index
     * ({@code ackedIndex} returns 0 for a voter with no acknowledgement). {@link Long#MAX_VALUE} for
     * an empty configuration.
     */
    public long committedIndex(LongUnaryOperator ackedIndex) {
        if (voters.isEmpty()) {
            return Long.MAX_VALUE;
        }
        long[] acked = new long[voters.size()];
        int i = 0;
        for (long id : voters) {
            acked[i++] = ackedIndex.applyAsLong(id);
        }
        Arrays.sort(acked);
        // Sorted ascending, the (n - quorum)th element is the largest value that at least a quorum of
        // voters have reached or passed.
        return acked[acked.length - quorumSize()];
    }

    /** Tallies {@code votes} (voter id to granted); ids outside this configuration are ignored. */
    public VoteResult voteResult(Map<Long, Boolean> votes) {
        if (voters.isEmpty()) {
            return VoteResult.WON;
        }
        int granted = 0;
        int rejected = 0;
        for (long id : voters) {
            Boolean vote = votes.get(id);
            if (vote == null) {
                continue;
            }
            if (vote) {
                granted++;
            } else {
                rejected++;
            }
        }
        int quorum = quorumSize();
        if (granted >= quorum) {
            return VoteResult.WON;
        }
        if (voters.size() - rejected < quorum) {
            return VoteResult.LOST;
        }
        return VoteResult.PENDING;
    }

    @Override
    public String toString() {
        return voters.toString();
    }
}
