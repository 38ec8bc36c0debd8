package dev.raftchat.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.sim.KvOp.Kind;
import dev.raftchat.sim.KvOp.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
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

    /** Seed 61016169's shape: a value read for long while many writes time out and are never observed. */
    private List<KvOp> manyUnobservedInfoWrites(int count) {
        List<KvOp> h = new ArrayList<>();
        h.add(write(0, 1, Outcome.OK, 0, 1));
        for (int i = 0; i < count; i++) {
            long t = 10 + 10L * i;
            h.add(write(0, 100 + i, Outcome.INFO, t, t));
            h.add(read(0, 1, t + 1, t + 2));
        }
        return h;
    }

    @Test
    void manyUnobservedInfoWritesAreDecidedWithinASmallBudget() {
        // Each open info write doubles the subsets the plain search may try: 40 of them exceeded 40,000,000 states.
        LinearizabilityChecker small = new LinearizabilityChecker(10_000);
        List<KvOp> fine = manyUnobservedInfoWrites(40);
        fine.add(write(0, 2, Outcome.OK, 1000, 1001));
        fine.add(read(0, 2, 1002, 1003));
        assertThat(small.check(fine).verdict()).isEqualTo(LinearizabilityChecker.Verdict.LINEARIZABLE);

        List<KvOp> stale = manyUnobservedInfoWrites(40);
        stale.add(write(0, 2, Outcome.OK, 1000, 1001));
        stale.add(read(0, 1, 1002, 1003));
        assertThat(small.check(stale).verdict()).isEqualTo(LinearizabilityChecker.Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void aLongHistoryOfUnobservedInfoWritesIsReducedInOnePass() {
        // jepsen-tests histories run to thousands of ops: the reduction must not be quadratic per dropped op.
        List<KvOp> h = manyUnobservedInfoWrites(20_000);
        assertThat(LinearizabilityChecker.reduce(h)).hasSize(1 + 20_000);
        assertThat(new LinearizabilityChecker(100_000).check(h).verdict())
                .isEqualTo(LinearizabilityChecker.Verdict.LINEARIZABLE);
    }

    @Test
    void anObservedInfoWriteTookEffectBeforeItsFirstObserverCompleted() {
        // Read 2 proves the info write happened by time 4, so 1 cannot be read again afterwards.
        List<KvOp> h = List.of(
                write(0, 1, Outcome.OK, 0, 1), write(0, 2, Outcome.INFO, 2, 3), read(0, 2, 3, 4), read(0, 1, 5, 6));
        assertThat(checker.check(h).verdict()).isEqualTo(LinearizabilityChecker.Verdict.NOT_LINEARIZABLE);
        List<KvOp> reduced = LinearizabilityChecker.reduce(h);
        assertThat(reduced).hasSize(4);
        assertThat(reduced.get(1).outcome()).isEqualTo(Outcome.OK);
        assertThat(reduced.get(1).completeMillis()).isEqualTo(4);
    }

    @Test
    void anInfoCasObservedByAReadSwapped() {
        List<KvOp> h =
                List.of(write(0, 1, Outcome.OK, 0, 1), cas(0, 1, 2, Outcome.INFO, false, 2, 3), read(0, 2, 10, 11));
        List<KvOp> reduced = LinearizabilityChecker.reduce(h);
        assertThat(reduced.get(1).outcome()).isEqualTo(Outcome.OK);
        assertThat(reduced.get(1).result()).isEqualTo(1);
        assertThat(reduced.get(1).completeMillis()).isEqualTo(11);
        assertThat(checker.check(h).isLinearizable()).isTrue();
    }

    @Test
    void anUnobservedInfoWriteIsKeptWhenOnlyItExplainsAFailedCas() {
        // The CAS expecting 1 failed while 1 was the last ok write: only the info write of 5 explains it.
        List<KvOp> h = List.of(
                write(0, 1, Outcome.OK, 0, 1), write(0, 5, Outcome.INFO, 2, 3), cas(0, 1, 7, Outcome.OK, false, 4, 5));
        assertThat(LinearizabilityChecker.reduce(h)).hasSize(3);
        assertThat(checker.check(h).isLinearizable()).isTrue();
        // Same for the initial value, before any write completed.
        List<KvOp> initial = List.of(write(0, 5, Outcome.INFO, 0, 1), cas(0, 0, 7, Outcome.OK, false, 2, 3));
        assertThat(checker.check(initial).isLinearizable()).isTrue();
    }

    @Test
    void anUnobservedInfoWriteInvokedAfterTheFailedCasCannotExplainIt() {
        List<KvOp> h = List.of(
                write(0, 1, Outcome.OK, 0, 1), cas(0, 1, 7, Outcome.OK, false, 2, 3), write(0, 5, Outcome.INFO, 4, 5));
        assertThat(LinearizabilityChecker.reduce(h)).hasSize(2);
        assertThat(checker.check(h).verdict()).isEqualTo(LinearizabilityChecker.Verdict.NOT_LINEARIZABLE);
    }

    @Test
    void anInfoWriteWhoseValueIsNotUniqueIsLeftAlone() {
        List<KvOp> h = List.of(write(0, 3, Outcome.INFO, 0, 1), write(0, 3, Outcome.OK, 5, 6), read(0, 3, 2, 3));
        assertThat(LinearizabilityChecker.reduce(h)).isEqualTo(h);
        assertThat(checker.check(h).isLinearizable()).isTrue();
    }

    /**
     * The checker (with its reductions) against a brute force that knows nothing of them, on small random
     * histories full of info ops and CASes: every ordering that respects real time, info ops optional.
     */
    @Test
    void agreesWithBruteForceOnSmallRandomHistories() {
        Random random = new Random(61016169L);
        int notLinearizable = 0;
        for (int round = 0; round < 20_000; round++) {
            List<KvOp> h = randomHistory(random, 2 + random.nextInt(6));
            boolean expected = bruteForce(h, new boolean[h.size()], KvOp.NO_VALUE);
            LinearizabilityChecker.Verdict verdict = checker.check(h).verdict();
            assertThat(verdict)
                    .as("history %s", h)
                    .isEqualTo(
                            expected
                                    ? LinearizabilityChecker.Verdict.LINEARIZABLE
                                    : LinearizabilityChecker.Verdict.NOT_LINEARIZABLE);
            notLinearizable += expected ? 0 : 1;
        }
        // Both verdicts are exercised, not just one.
        assertThat(notLinearizable).isBetween(1_000, 19_000);
    }

    private List<KvOp> randomHistory(Random random, int size) {
        List<KvOp> h = new ArrayList<>();
        long nextValue = 1;
        for (int i = 0; i < size; i++) {
            long invoke = random.nextInt(20);
            long complete = invoke + random.nextInt(8);
            Outcome outcome = random.nextInt(3) == 0 ? Outcome.INFO : Outcome.OK;
            long someValue = random.nextInt((int) nextValue + 1); // 0 (initial) or one already written
            switch (random.nextInt(3)) {
                case 0 -> h.add(read(0, someValue, invoke, complete));
                case 1 -> h.add(write(0, nextValue++, outcome, invoke, complete));
                default -> h.add(cas(0, someValue, nextValue++, outcome, random.nextBoolean(), invoke, complete));
            }
        }
        return h;
    }

    /** Whether the ops not yet {@code done} can follow, from register {@code state}, in some legal order. */
    private static boolean bruteForce(List<KvOp> h, boolean[] done, long state) {
        long deadline = Long.MAX_VALUE; // an op may come next only if it was invoked by the first pending response
        boolean okPending = false;
        for (int i = 0; i < h.size(); i++) {
            if (!done[i] && h.get(i).outcome() == Outcome.OK) {
                okPending = true;
                deadline = Math.min(deadline, h.get(i).completeMillis());
            }
        }
        if (!okPending) {
            return true; // remaining info ops never take effect
        }
        for (int i = 0; i < h.size(); i++) {
            KvOp op = h.get(i);
            if (done[i] || op.invokeMillis() > deadline) {
                continue;
            }
            long after = LinearizabilityChecker.step(op, state);
            if (after == Long.MIN_VALUE) {
                continue;
            }
            done[i] = true;
            boolean found = bruteForce(h, done, after);
            done[i] = false;
            if (found) {
                return true;
            }
        }
        return false;
    }
}
