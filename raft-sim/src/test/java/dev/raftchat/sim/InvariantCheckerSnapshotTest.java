package dev.raftchat.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftchat.raft.core.Ready;
import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.HardState;
import dev.raftchat.raft.model.LogPosition;
import dev.raftchat.raft.storage.MemoryLogStorage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The checker with compacted logs and snapshots: a node restored from a snapshot resumes applying after
 * it, and a restored state must be the state the other nodes had at the snapshot's index.
 */
class InvariantCheckerSnapshotTest {

    private static final int NODE_A = 0;
    private static final int NODE_B = 1;

    private final List<Entry> log = new ArrayList<>();
    private final List<Long> stateHashAfter = new ArrayList<>();
    private InvariantChecker checker;

    @BeforeEach
    void nodeAAppliesThreeWrites() {
        checker = new InvariantChecker(2, new Counters());
        KvStateMachine sm = new KvStateMachine();
        stateHashAfter.add(sm.stateHash());
        for (int i = 1; i <= 3; i++) {
            KvCommand command = new KvCommand(1, i, KvOp.Kind.WRITE, 0, 10L * i, 0);
            log.add(Entry.normal(1, i, command.encode()));
        }
        checker.onStart(NODE_A, new MemoryLogStorage(), HardState.EMPTY, 0, sm.stateHash());
        checker.onReady(NODE_A, ready(new HardState(1, 1, 0), log), 0, 3);
        for (Entry e : log) {
            checker.onApply(NODE_A, e);
            sm.apply(e.index(), KvCommand.decode(e.data()));
            checker.onStateAfter(NODE_A, e.index(), sm.stateHash());
            stateHashAfter.add(sm.stateHash());
        }
    }

    @Test
    void nodeRestartedFromASnapshotResumesApplyingAfterIt() {
        MemoryLogStorage storage = new MemoryLogStorage();
        storage.compact(new LogPosition(1, 2));
        storage.append(List.of(log.get(2)));

        checker.onStart(NODE_B, storage, HardState.EMPTY, 2, stateHashAfter.get(2));
        checker.onReady(NODE_B, ready(null, List.of()), 3, 3);
        checker.onApply(NODE_B, log.get(2));
        checker.onStateAfter(NODE_B, 3, stateHashAfter.get(3));

        assertThat(checker.applied(NODE_B)).isEqualTo(3);
    }

    @Test
    void restoredStateThatDiffersFromTheAppliedOneFails() {
        MemoryLogStorage storage = new MemoryLogStorage();
        storage.compact(new LogPosition(1, 2));

        assertThatThrownBy(() -> checker.onStart(NODE_B, storage, HardState.EMPTY, 2, stateHashAfter.get(1)))
                .isInstanceOf(SimulationFailure.class)
                .hasMessageContaining("restores a snapshot at index 2 whose state differs");
    }

    @Test
    void installedSnapshotReplacesAnEmptyLogAndMustBeNewerThanWhatWasApplied() {
        MemoryLogStorage storage = new MemoryLogStorage();
        checker.onStart(NODE_B, storage, HardState.EMPTY, 0, stateHashAfter.get(0));
        storage.compact(new LogPosition(1, 3));

        checker.onSnapshotInstalled(NODE_B, storage, 3, stateHashAfter.get(3));

        assertThat(checker.applied(NODE_B)).isEqualTo(3);
        assertThatThrownBy(() -> checker.onSnapshotInstalled(NODE_B, storage, 2, stateHashAfter.get(2)))
                .isInstanceOf(SimulationFailure.class)
                .hasMessageContaining("applied through 3 already");
    }

    @Test
    void compactionBeyondAnythingCommittedFails() {
        MemoryLogStorage storage = new MemoryLogStorage();
        storage.compact(new LogPosition(1, 5));

        assertThatThrownBy(() -> checker.onStart(NODE_B, storage, HardState.EMPTY, 0, stateHashAfter.get(0)))
                .isInstanceOf(SimulationFailure.class)
                .hasMessageContaining("compacted through 5, beyond anything committed (3)");
    }

    @Test
    void statesAfterOneIndexMustAgreeAcrossNodes() {
        checker.onStart(NODE_B, new MemoryLogStorage(), HardState.EMPTY, 0, stateHashAfter.get(0));

        assertThatThrownBy(() -> checker.onStateAfter(NODE_B, 2, stateHashAfter.get(1)))
                .isInstanceOf(SimulationFailure.class)
                .hasMessageContaining("state after applying index 2 differs");
    }

    @Test
    void snapshotDataRoundTripsWithItsStateHash() {
        KvStateMachine sm = new KvStateMachine();
        for (Entry e : log) {
            sm.apply(e.index(), KvCommand.decode(e.data()));
        }
        KvStateMachine restored = KvStateMachine.restore(sm.snapshot());

        assertThat(restored.appliedIndex()).isEqualTo(3);
        assertThat(restored.value(0)).isEqualTo(30);
        assertThat(restored.stateHash()).isEqualTo(sm.stateHash());
        assertThatThrownBy(() -> KvStateMachine.restore(new byte[5])).isInstanceOf(IllegalArgumentException.class);
    }

    private static Ready ready(HardState hardState, List<Entry> entries) {
        return new Ready(hardState, entries, List.of(), List.of(), List.of(), null, List.of(), null, List.of(), false);
    }
}
