package dev.raftchat.sim;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftchat.raft.core.Ready;
import dev.raftchat.raft.message.AppendResponse;
import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.HardState;
import dev.raftchat.raft.storage.MemoryLogStorage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The checker's acknowledgement promise across restarts: a node that acknowledged index 10 in term 2 must
 * restart with its log holding 10, unless it had heard of a newer term, whose leader may overwrite those
 * entries legitimately (a power loss inside that truncation, before the newer term was saved, leaves term 2
 * and a shorter log). Seed 96057698: the excused promise was checked again at the next restart, after the
 * first restart had reset the node's term to the durable term 2, and reported as broken.
 */
class InvariantCheckerPromiseTest {

    private static final int NODE_A = 0;

    private final List<Entry> log = new ArrayList<>();
    private InvariantChecker checker;

    @BeforeEach
    void nodeAAcknowledgesIndex10InTerm2() {
        checker = new InvariantChecker(3, new Counters());
        for (int i = 1; i <= 10; i++) {
            log.add(Entry.noOp(2, i));
        }
        checker.onStart(NODE_A, new MemoryLogStorage(), HardState.EMPTY, 0, new KvStateMachine().stateHash());
        checker.onReady(NODE_A, ready(new HardState(2, 2, 0), log), 0, 0);
        checker.onSend(NODE_A, new AppendResponse(1, 2, 2, true, 10, 0, 0));
    }

    /** What survives the power loss: term 2 and the log through 8. */
    private MemoryLogStorage durableThrough8() {
        MemoryLogStorage storage = new MemoryLogStorage();
        storage.append(log.subList(0, 8));
        storage.saveHardState(new HardState(2, 2, 0));
        return storage;
    }

    @Test
    void losingAcknowledgedEntriesWithinTheirTermFails() {
        checker.onCrash(NODE_A);

        assertThatThrownBy(() -> checker.onStart(NODE_A, durableThrough8(), new HardState(2, 2, 0), 0, 0))
                .isInstanceOf(SimulationFailure.class)
                .hasMessageContaining("log ending at 8, but had acknowledged index 10 in term 2");
    }

    @Test
    void anExcusedPromiseIsNotCheckedAgainAtTheNextRestart() {
        // Node A hears of term 3; its leader overwrites 9..10; the power fails inside the truncation,
        // before term 3 is saved.
        checker.onReady(NODE_A, ready(new HardState(3, 3, 0), List.of(Entry.noOp(3, 9))), 10, 0);
        checker.onCrash(NODE_A);
        checker.onStart(NODE_A, durableThrough8(), new HardState(2, 2, 0), 0, 0);
        // The second incarnation acknowledges nothing and crashes again.
        checker.onCrash(NODE_A);

        assertThatCode(() -> checker.onStart(NODE_A, durableThrough8(), new HardState(2, 2, 0), 0, 0))
                .doesNotThrowAnyException();
    }

    private static Ready ready(HardState hardState, List<Entry> entries) {
        return new Ready(hardState, entries, List.of(), List.of(), List.of(), null, List.of(), null, List.of(), false);
    }
}
