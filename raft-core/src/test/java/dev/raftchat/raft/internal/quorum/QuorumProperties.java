package dev.raftchat.raft.internal.quorum;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Properties of majority and joint quorum arithmetic, checked against a brute-force definition. */
class QuorumProperties {

    private static SortedSet<Long> ids(Set<@IntRange(min = 1, max = 9) Integer> raw) {
        TreeSet<Long> ids = new TreeSet<>();
        raw.forEach(i -> ids.add((long) i));
        return ids;
    }

    /** The definition: the largest index that at least a majority have acknowledged. */
    private static long bruteForceCommitted(SortedSet<Long> voters, Map<Long, Long> acked) {
        if (voters.isEmpty()) {
            return Long.MAX_VALUE;
        }
        long best = 0;
        for (long candidate : acked.values()) {
            long count = voters.stream()
                    .filter(v -> acked.getOrDefault(v, 0L) >= candidate)
                    .count();
            if (count > voters.size() / 2) {
                best = Math.max(best, candidate);
            }
        }
        return best;
    }

    @Property
    void majorityCommittedIndexMatchesDefinition(
            @ForAll @Size(max = 7) Set<@IntRange(min = 1, max = 9) Integer> raw,
            @ForAll @Size(max = 9)
                    Map<@IntRange(min = 1, max = 9) Integer, @IntRange(min = 0, max = 20) Integer> rawAcks) {
        SortedSet<Long> voters = ids(raw);
        Map<Long, Long> acked = new TreeMap<>();
        rawAcks.forEach((k, v) -> acked.put((long) k, (long) v));
        long committed = new MajorityConfig(voters).committedIndex(id -> acked.getOrDefault(id, 0L));
        assertThat(committed).isEqualTo(bruteForceCommitted(voters, acked));
    }

    @Property
    void jointCommittedIndexIsTheMinimumOfBothHalves(
            @ForAll @Size(min = 1, max = 5) Set<@IntRange(min = 1, max = 9) Integer> in,
            @ForAll @Size(max = 5) Set<@IntRange(min = 1, max = 9) Integer> out,
            @ForAll @Size(max = 9)
                    Map<@IntRange(min = 1, max = 9) Integer, @IntRange(min = 0, max = 20) Integer> rawAcks) {
        Map<Long, Long> acked = new TreeMap<>();
        rawAcks.forEach((k, v) -> acked.put((long) k, (long) v));
        JointConfig joint = new JointConfig(ids(in), ids(out));
        long committed = joint.committedIndex(id -> acked.getOrDefault(id, 0L));
        assertThat(committed)
                .isEqualTo(Math.min(bruteForceCommitted(ids(in), acked), bruteForceCommitted(ids(out), acked)));
        if (out.isEmpty()) {
            assertThat(committed)
                    .as("not joint: the incoming majority alone decides")
                    .isEqualTo(bruteForceCommitted(ids(in), acked));
        }
    }

    @Property
    void twoWinningVotesAlwaysShareAVoter(
            @ForAll @Size(min = 1, max = 7) Set<@IntRange(min = 1, max = 9) Integer> raw,
            @ForAll Set<@IntRange(min = 1, max = 9) Integer> grantedA,
            @ForAll Set<@IntRange(min = 1, max = 9) Integer> grantedB) {
        // Election safety rests on this: any two quorums of one configuration intersect.
        MajorityConfig config = new MajorityConfig(ids(raw));
        Map<Long, Boolean> a = new TreeMap<>();
        Map<Long, Boolean> b = new TreeMap<>();
        grantedA.forEach(i -> a.put((long) i, true));
        grantedB.forEach(i -> b.put((long) i, true));
        if (config.voteResult(a) == VoteResult.WON && config.voteResult(b) == VoteResult.WON) {
            TreeSet<Long> both = new TreeSet<>(ids(raw));
            both.retainAll(ids(grantedA));
            both.retainAll(ids(grantedB));
            assertThat(both).isNotEmpty();
        }
    }

    @Property
    void voteResultIsWonLostOrPendingConsistently(
            @ForAll @Size(min = 1, max = 7) Set<@IntRange(min = 1, max = 9) Integer> raw,
            @ForAll Map<@IntRange(min = 1, max = 9) Integer, Boolean> rawVotes) {
        SortedSet<Long> voters = ids(raw);
        Map<Long, Boolean> votes = new TreeMap<>();
        rawVotes.forEach((k, v) -> votes.put((long) k, v));
        long yes =
                voters.stream().filter(v -> Boolean.TRUE.equals(votes.get(v))).count();
        long no =
                voters.stream().filter(v -> Boolean.FALSE.equals(votes.get(v))).count();
        int quorum = voters.size() / 2 + 1;
        VoteResult expected =
                yes >= quorum ? VoteResult.WON : voters.size() - no < quorum ? VoteResult.LOST : VoteResult.PENDING;
        assertThat(new MajorityConfig(voters).voteResult(votes)).isEqualTo(expected);
    }

    @Property
    void jointVoteNeedsBothHalves(
            @ForAll @Size(min = 1, max = 5) Set<@IntRange(min = 1, max = 9) Integer> in,
            @ForAll @Size(min = 1, max = 5) Set<@IntRange(min = 1, max = 9) Integer> out,
            @ForAll Map<@IntRange(min = 1, max = 9) Integer, Boolean> rawVotes) {
        Map<Long, Boolean> votes = new TreeMap<>();
        rawVotes.forEach((k, v) -> votes.put((long) k, v));
        VoteResult inResult = new MajorityConfig(ids(in)).voteResult(votes);
        VoteResult outResult = new MajorityConfig(ids(out)).voteResult(votes);
        VoteResult joint = new JointConfig(ids(in), ids(out)).voteResult(votes);
        assertThat(joint == VoteResult.WON).isEqualTo(inResult == VoteResult.WON && outResult == VoteResult.WON);
        assertThat(joint == VoteResult.LOST).isEqualTo(inResult == VoteResult.LOST || outResult == VoteResult.LOST);
    }
}
