package dev.raftchat.raft.model;

import java.util.Collections;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A cluster membership: who votes and who only listens.
 *
 * <p>When {@code votersOutgoing} is non-empty the cluster is in a joint configuration (Raft thesis
 * §4.3): every decision needs a majority of {@code voters} <em>and</em> a majority of
 * {@code votersOutgoing}. Sets are sorted so iteration order is deterministic.
 *
 * <p>Invariants: {@code voters} is non-empty; learners are disjoint from both voter sets.
 *
 * @param voters         the voters of the (incoming) configuration
 * @param votersOutgoing the voters of the outgoing configuration while joint, else empty
 * @param learners       non-voting members that receive the log
 */
public record ConfState(SortedSet<Long> voters, SortedSet<Long> votersOutgoing, SortedSet<Long> learners) {

    public ConfState {
        voters = Collections.unmodifiableSortedSet(new TreeSet<>(Objects.requireNonNull(voters)));
        votersOutgoing = Collections.unmodifiableSortedSet(new TreeSet<>(Objects.requireNonNull(votersOutgoing)));
        learners = Collections.unmodifiableSortedSet(new TreeSet<>(Objects.requireNonNull(learners)));
        Check.argument(!voters.isEmpty(), "a configuration needs at least one voter");
        for (long learner : learners) {
            Check.argument(
                    !voters.contains(learner) && !votersOutgoing.contains(learner),
                    "node %s cannot be both a learner and a voter",
                    learner);
        }
        for (long id : voters) {
            Check.argument(id > 0, "node ids must be positive, got %s", id);
        }
        for (long id : learners) {
            Check.argument(id > 0, "node ids must be positive, got %s", id);
        }
    }

    public static ConfState ofVoters(long... ids) {
        TreeSet<Long> voters = new TreeSet<>();
        for (long id : ids) {
            voters.add(id);
        }
        return new ConfState(voters, new TreeSet<>(), new TreeSet<>());
    }

    public boolean isJoint() {
        return !votersOutgoing.isEmpty();
    }

    public boolean isVoter(long id) {
        return voters.contains(id) || votersOutgoing.contains(id);
    }

    public boolean isLearner(long id) {
        return learners.contains(id);
    }

    public boolean isMember(long id) {
        return isVoter(id) || isLearner(id);
    }

    /** Every member, voters first then learners, each in ascending order, without duplicates. */
    public SortedSet<Long> members() {
        TreeSet<Long> all = new TreeSet<>(voters);
        all.addAll(votersOutgoing);
        all.addAll(learners);
        return Collections.unmodifiableSortedSet(all);
    }

    @Override
    public String toString() {
        return "voters=" + voters
                + (isJoint() ? "&&" + votersOutgoing : "")
                + (learners.isEmpty() ? "" : " learners=" + learners);
    }
}
