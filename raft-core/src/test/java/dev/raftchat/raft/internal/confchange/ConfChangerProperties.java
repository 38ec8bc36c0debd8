package dev.raftchat.raft.internal.confchange;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.raft.confchange.ConfChange;
import dev.raftchat.raft.confchange.ConfChange.Op;
import dev.raftchat.raft.confchange.ConfChange.OpType;
import dev.raftchat.raft.model.ConfState;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Any sequence of changes keeps configurations well formed and follows the joint-consensus rules. */
class ConfChangerProperties {

    @Provide
    Arbitrary<List<List<Op>>> changes() {
        Arbitrary<Op> op = Combinators.combine(
                        Arbitraries.of(OpType.class), Arbitraries.longs().between(1, 7))
                .as(Op::new);
        return op.list().ofMinSize(1).ofMaxSize(4).list().ofMaxSize(12);
    }

    @Property
    void configurationsStayWellFormed(@ForAll("changes") List<List<Op>> changes) {
        ConfState conf = ConfState.ofVoters(1, 2, 3);
        for (List<Op> ops : changes) {
            ConfChange change;
            try {
                change = new ConfChange(ops, false);
            } catch (IllegalArgumentException e) {
                continue;
            }
            ConfState next;
            try {
                next = ConfChanger.apply(conf, change);
            } catch (IllegalArgumentException e) {
                assertThat(e.getMessage()).isNotBlank();
                continue;
            }
            assertThat(ConfChange.decode(change.encode())).isEqualTo(change);
            if (next.voters().equals(conf.voters())) {
                assertThat(next.isJoint())
                        .as("learner-only change applies directly")
                        .isFalse();
            } else {
                assertThat(next.isJoint()).isTrue();
                assertThat(next.votersOutgoing()).isEqualTo(conf.voters());
                // No further change but leaving is accepted while joint.
                ConfState joint = next;
                assertThat(catchRefusal(() -> ConfChanger.apply(joint, ConfChange.addLearner(6))))
                        .isTrue();
                next = ConfChanger.apply(next, ConfChange.leave());
                assertThat(next.isJoint()).isFalse();
            }
            TreeSet<Long> overlap = new TreeSet<>(next.voters());
            overlap.retainAll(next.learners());
            assertThat(overlap).isEmpty();
            assertThat(next.voters()).isNotEmpty();
            conf = next;
        }
        List<Long> all = new ArrayList<>(conf.members());
        assertThat(all).isSorted();
    }

    private static boolean catchRefusal(Runnable r) {
        try {
            r.run();
            return false;
        } catch (IllegalArgumentException e) {
            return true;
        }
    }
}
