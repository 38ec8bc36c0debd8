package dev.raftchat.raft.internal.confchange;

import dev.raftchat.raft.confchange.ConfChange;
import dev.raftchat.raft.model.ConfState;
import java.util.TreeSet;

/**
 * Computes the configuration a {@link ConfChange} leads to, or refuses it, before anything is applied.
 * Pure and total: the same (configuration, change) always gives the same answer on every node.
 */
public final class ConfChanger {
    private ConfChanger() {}

    /**
     * The configuration after {@code change}.
     *
     * <ul>
     *   <li>Leaving joint: the incoming voters alone.</li>
     *   <li>Operations that change the voter set: a joint configuration of the new voters (incoming) and
     *       the current ones (outgoing).</li>
     *   <li>Operations that only change learners: applied directly, no joint phase needed.</li>
     * </ul>
     *
     * @throws IllegalArgumentException naming the problem, when the change is not allowed from
     *                                  {@code current}
     */
    public static ConfState apply(ConfState current, ConfChange change) {
        if (change.leaveJoint()) {
            if (!current.isJoint()) {
                throw new IllegalArgumentException("not in a joint configuration, nothing to leave: " + current);
            }
            return new ConfState(current.voters(), new TreeSet<>(), current.learners());
        }
        if (current.isJoint()) {
            throw new IllegalArgumentException("a joint configuration must be left before another change: " + current);
        }
        TreeSet<Long> voters = new TreeSet<>(current.voters());
        TreeSet<Long> learners = new TreeSet<>(current.learners());
        TreeSet<Long> touched = new TreeSet<>();
        for (ConfChange.Op op : change.ops()) {
            long id = op.nodeId();
            if (!touched.add(id)) {
                throw new IllegalArgumentException("node " + id + " appears twice in one change");
            }
            switch (op.type()) {
                case ADD_VOTER -> {
                    learners.remove(id);
                    voters.add(id);
                }
                case ADD_LEARNER -> {
                    if (voters.contains(id)) {
                        throw new IllegalArgumentException(
                                "node " + id + " is a voter; remove it first to make it a learner");
                    }
                    learners.add(id);
                }
                case REMOVE -> {
                    if (!voters.remove(id) && !learners.remove(id)) {
                        throw new IllegalArgumentException("node " + id + " is not a member of " + current);
                    }
                }
            }
        }
        if (voters.isEmpty()) {
            throw new IllegalArgumentException("the change would leave no voters");
        }
        if (voters.equals(current.voters())) {
            return new ConfState(voters, new TreeSet<>(), learners);
        }
        // Learners must stay disjoint from the outgoing voters too; a voter removed here cannot also
        // become a learner in the same change (rejected above), so this holds.
        return new ConfState(voters, current.voters(), learners);
    }
}
