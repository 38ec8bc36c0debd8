package dev.raftchat.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.sim.KvOp.Kind;
import dev.raftchat.sim.KvOp.Outcome;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LinearizabilityCheckerTest {

    private final LinearizabilityChecker checker = new LinearizabilityChecker();
    private int nextId;

    private KvOp write(int key, long value, Outcome outcome, long invoke, long complete) {
        return new KvOp(nextId++, nextId, key, Kind.WRITE, value, 0, outcome, 0, invoke, complete);
    }

    private KvOp read(int key, long value, long invoke, long complete) {
        return new KvOp(nextId++, nextId, key, Kind.READ, 0, 0, Outcome.OK, value, invoke, complete);
    }

    private KvOp cas(int key, long expected, long value, Outcome outcome, boolean swapped, long invoke, long complete) {
        return new KvOp(nextId++, nextId, key, Kind.CAS, value, expected, outcome, swapped ? 1 : 0, invoke, complete);
    }

    @Test
    void sequentialHistoryIsLinearizable() {
        List<KvOp> h = List.of(
                read(0, 0, 0, 1),
                write(0, 5, Outcome.OK, 2, 3),
                read(0, 5, 4, 5),
                cas(0, 5, 7, Outcome.OK, true, 6, 7),
                cas(0, 5, 9, Outcome.OK, false, 8, 9),
                read(0, 7, 10, 11));
        assertThat(checker.check(h).verdict()).isEqualTo(LinearizabilityChecker.Verdict.LINEARIZABLE);
    }

    @Test
    void staleReadAfterCompletedWriteIsNotLinearizable() {
        List<KvOp> h = List.of(write(0, 1, Outcome.OK, 0, 1), write(0, 2, Outcome.OK, 2, 3), read(0, 1, 4, 5));
        LinearizabilityChecker.Result r = checker.check(h);
        assertThat(r.verdict()).isEqualTo(LinearizabilityChecker.Verdict.NOT_LINEARIZABLE);
        assertThat(r.detail()).contains("key 0");
    }

    @Test
    void concurrentWritesMayBeOrderedEitherWay() {
        List<KvOp> h = List.of(
                write(0, 1, Outcome.OK, 0, 10), write(0, 2, Outcome.OK, 1, 9), read(0, 1, 11, 12), read(0, 1, 13, 14));
        assertThat(checker.check(h).isLinearizable()).isTrue();
    }

    @Test
    void readsMustNotFlipFlopBetweenValues() {
        // Both writes are concurrent with everything, but once 2 is read after 1 was read, 1 cannot return.
        List<KvOp> h = List.of(
                write(0, 1, Outcome.OK, 0, 100),
                write(0, 2, Outcome.OK, 0, 100),
                read(0, 1, 10, 11),
                read(0, 2, 12, 13),
                read(0, 1, 14, 15));
        assertThat(checker.check(h).verdict()).isEqualTo(LinearizabilityChecker.Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void readOfAValueNeverWrittenIsNotLinearizable() {
        List<KvOp> h = List.of(write(0, 1, Outcome.OK, 0, 1), read(0, 42, 2, 3));
        assertThat(checker.check(h).isLinearizable()).isFalse();
    }

    @Test
    void infoWriteMayTakeEffectLongAfterItTimedOut() {
        List<KvOp> h = List.of(write(0, 1, Outcome.INFO, 0, 5), read(0, 0, 10, 11), read(0, 1, 100, 101));
        assertThat(checker.check(h).isLinearizable()).isTrue();
    }

    @Test
    void infoWriteMayNeverTakeEffect() {
        List<KvOp> h = List.of(write(0, 1, Outcome.INFO, 0, 5), read(0, 0, 10, 11));
        assertThat(checker.check(h).isLinearizable()).isTrue();
    }

    @Test
    void infoWriteCannotTakeEffectBeforeItWasInvoked() {
        List<KvOp> h = List.of(read(0, 1, 0, 1), write(0, 1, Outcome.INFO, 5, 6));
        assertThat(checker.check(h).isLinearizable()).isFalse();
    }

    @Test
    void failedWriteNeverTakesEffect() {
        List<KvOp> h = List.of(write(0, 1, Outcome.FAIL, 0, 1), read(0, 1, 2, 3));
        assertThat(checker.check(h).isLinearizable()).isFalse();
    }

    @Test
    void casResultsMustAgreeWithTheRegister() {
        List<KvOp> ok = List.of(write(0, 1, Outcome.OK, 0, 1), cas(0, 1, 2, Outcome.OK, true, 2, 3), read(0, 2, 4, 5));
        assertThat(checker.check(ok).isLinearizable()).isTrue();
        List<KvOp> lostSwap = List.of(write(0, 1, Outcome.OK, 0, 1), cas(0, 1, 2, Outcome.OK, false, 2, 3));
        assertThat(checker.check(lostSwap).isLinearizable()).isFalse();
        List<KvOp> phantomSwap = List.of(write(0, 3, Outcome.OK, 0, 1), cas(0, 1, 2, Outcome.OK, true, 2, 3));
        assertThat(checker.check(phantomSwap).isLinearizable()).isFalse();
    }

    @Test
    void keysAreCheckedIndependently() {
        List<KvOp> h = List.of(
                write(0, 1, Outcome.OK, 0, 1), write(1, 2, Outcome.OK, 0, 1), read(0, 1, 2, 3), read(1, 1, 2, 3));
        LinearizabilityChecker.Result r = checker.check(h);
        assertThat(r.isLinearizable()).isFalse();
        assertThat(r.detail()).contains("key 1");
    }

    @Test
    void largeConcurrentLinearizableHistoryIsDecidedQuickly() {
        // 8 processes, 400 ops each overlapping its neighbours; values follow one true serial order.
        List<KvOp> h = new ArrayList<>();
        long value = 0;
        long time = 0;
        for (int i = 0; i < 3200; i++) {
            boolean isWrite = i % 3 != 0;
            if (isWrite) {
                value = i + 1L;
                h.add(write(0, value, i % 17 == 0 ? Outcome.INFO : Outcome.OK, time, time + 5));
            } else {
                h.add(read(0, value, time, time + 5));
            }
            time += 2; // each op overlaps the next two
        }
        // An info write that took effect in the serial order is still fine; reading its value proves it.
        assertThat(checker.check(h).isLinearizable()).isTrue();
    }

    @Test
    void searchBoundYieldsUnknownRatherThanAGuess() {
        LinearizabilityChecker tiny = new LinearizabilityChecker(2);
        List<KvOp> h = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            h.add(write(0, i, Outcome.OK, 0, 100));
        }
        h.add(read(0, 3, 200, 201));
        assertThat(tiny.check(h).verdict()).isEqualTo(LinearizabilityChecker.Verdict.UNKNOWN);
    }
}
