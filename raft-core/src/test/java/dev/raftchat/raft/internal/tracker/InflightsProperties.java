package dev.raftchat.raft.internal.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** The inflight window behaves like a bounded FIFO of increasing indexes. */
class InflightsProperties {

    @Property
    void behavesLikeABoundedQueue(
            @ForAll @IntRange(min = 1, max = 8) int capacity,
            @ForAll List<@IntRange(min = -3, max = 5) Integer> operations) {
        Inflights inflights = new Inflights(capacity);
        ArrayDeque<Long> model = new ArrayDeque<>();
        long next = 1;
        for (int op : operations) {
            if (op > 0 && model.size() < capacity) {
                next += op;
                inflights.add(next);
                model.addLast(next);
            } else if (op == 0) {
                inflights.freeFirst();
                model.pollFirst();
            } else if (op < 0) {
                long upTo = next + op * 2L;
                inflights.freeUpTo(upTo);
                while (!model.isEmpty() && model.peekFirst() <= upTo) {
                    model.pollFirst();
                }
            }
            assertThat(inflights.count()).isEqualTo(model.size());
            assertThat(inflights.isFull()).isEqualTo(model.size() == capacity);
        }
    }
}
