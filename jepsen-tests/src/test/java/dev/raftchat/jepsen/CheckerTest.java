package dev.raftchat.jepsen;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checker on hand-made histories: each anomaly it exists for is reported, and a clean history passes. */
class CheckerTest {
    private static final String ROOM = "r";

    /** Builds a history with explicit times (milliseconds, stored as nanoseconds). */
    private static final class Builder {
        final List<Op> ops = new ArrayList<>();

        /** Records an invocation by {@code process} on {@code node} at {@code invokedAt} ms. */
        private Op invoke(int process, Op.Function function, String value, int node, long after, long invokedAt) {
            Op invoke = new Op(
                    ops.size(),
                    process,
                    Op.Type.INVOKE,
                    function,
                    ROOM,
                    value,
                    node,
                    invokedAt * 1_000_000,
                    null,
                    after,
                    -1,
                    null);
            ops.add(invoke);
            return invoke;
        }

        Builder post(int process, String value, long invokedAt, Op.Type outcome, long completedAt) {
            Op invoke = invoke(process, Op.Function.POST, value, 1, -1, invokedAt);
            ops.add(invoke.complete(
                    ops.size(), outcome, 1, completedAt * 1_000_000, null, -1, outcome == Op.Type.OK ? null : "test"));
            return this;
        }

        Builder read(int process, long invokedAt, long completedAt, String... values) {
            Op invoke = invoke(process, Op.Function.READ, null, 2, -1, invokedAt);
            ops.add(invoke.complete(ops.size(), Op.Type.OK, 2, completedAt * 1_000_000, List.of(values), -1, null));
            return this;
        }

        Builder page(int process, long after, long firstSeq, long at, String... values) {
            Op invoke = invoke(process, Op.Function.PAGE, null, 3, after, at);
            ops.add(invoke.complete(ops.size(), Op.Type.OK, 3, (at + 1) * 1_000_000, List.of(values), firstSeq, null));
            return this;
        }
    }

    private static Map<Integer, Map<String, List<String>>> everyNode(String... values) {
        Map<Integer, Map<String, List<String>>> state = new LinkedHashMap<>();
        for (int node = 1; node <= 3; node++) {
            state.put(node, Map.of(ROOM, List.of(values)));
        }
        return state;
    }

    private static Checker.Result check(Builder history, Map<Integer, Map<String, List<String>>> finalState) {
        return new Checker().check(history.ops, finalState, Set.of(ROOM));
    }

    private static List<Anomaly.Kind> kinds(Checker.Result result) {
        return result.anomalies().stream().map(Anomaly::kind).distinct().toList();
    }

    @Test
    void aCleanHistoryIsValid() {
        Builder history = new Builder()
                .post(0, "a", 0, Op.Type.OK, 10)
                .post(1, "b", 5, Op.Type.INFO, 0) // unknown outcome: it may appear
                .post(2, "c", 12, Op.Type.FAIL, 13)
                .read(3, 11, 12, "a")
                .read(3, 20, 21, "a", "b")
                .page(4, 1, 2, 30, "b");
        Checker.Result result = check(history, everyNode("a", "b"));
        assertThat(result.anomalies()).isEmpty();
        assertThat(result.valid()).isTrue();
        assertThat(result.ok()).isEqualTo(4);
        assertThat(result.failed()).isEqualTo(1);
        assertThat(result.indeterminate()).isEqualTo(1);
        assertThat(result.verdictLine()).startsWith("valid: 4 ok, 1 failed, 1 indeterminate");
    }

    @Test
    void anIndeterminatePostMayAlsoBeAbsent() {
        Builder history = new Builder().post(0, "a", 0, Op.Type.INFO, 0).read(1, 50, 60);
        assertThat(check(history, everyNode()).anomalies()).isEmpty();
    }

    @Test
    void aLostWriteIsReported() {
        Builder history = new Builder().post(0, "a", 0, Op.Type.OK, 10).post(1, "b", 0, Op.Type.OK, 10);
        Checker.Result result = check(history, everyNode("a"));
        assertThat(kinds(result)).containsExactly(Anomaly.Kind.LOST_WRITE);
        assertThat(result.anomalies().get(0).detail()).contains("b");
        assertThat(result.verdictLine()).startsWith("INVALID: 2 ok, 0 failed, 0 indeterminate");
    }

    @Test
    void aDuplicateIsReported() {
        // A retry of transaction "a" on another node produced a second message.
        Builder history = new Builder().post(0, "a", 0, Op.Type.OK, 10);
        Checker.Result result = check(history, everyNode("a", "a"));
        assertThat(kinds(result)).contains(Anomaly.Kind.DUPLICATE);
    }

    @Test
    void aDuplicateInsideAReadIsReported() {
        Builder history = new Builder().post(0, "a", 0, Op.Type.OK, 10).read(1, 20, 21, "a", "a");
        assertThat(kinds(check(history, everyNode("a")))).contains(Anomaly.Kind.DUPLICATE);
    }

    @Test
    void aStaleReadIsReported() {
        // The read began after "a" was acknowledged, yet does not contain it: a prefix, but not linearizable.
        Builder history = new Builder().post(0, "a", 0, Op.Type.OK, 10).read(1, 20, 30);
        Checker.Result result = check(history, everyNode("a"));
        assertThat(kinds(result)).containsExactly(Anomaly.Kind.NOT_LINEARIZABLE);
        assertThat(result.linearizability()).isEqualTo("VIOLATED");
        assertThat(result.anomalies().get(0).detail()).contains("message a");
    }

    @Test
    void aMessageThatDisappearsFromALaterReadIsNotLinearizable() {
        // "a" was still in flight, but once one read saw it, a later read must see it too.
        Builder history = new Builder()
                .post(0, "a", 0, Op.Type.INFO, 0)
                .read(1, 5, 6, "a")
                .read(1, 10, 11);
        assertThat(kinds(check(history, everyNode("a")))).containsExactly(Anomaly.Kind.NOT_LINEARIZABLE);
    }

    @Test
    void aConcurrentReadMayMissAPost() {
        Builder history =
                new Builder().post(0, "a", 0, Op.Type.OK, 10).read(1, 5, 6).read(1, 7, 12, "a");
        assertThat(check(history, everyNode("a")).anomalies()).isEmpty();
    }

    @Test
    void aDivergentOrderIsReported() {
        Builder history = new Builder().post(0, "a", 0, Op.Type.OK, 10).post(1, "b", 0, Op.Type.OK, 10);
        Map<Integer, Map<String, List<String>>> state = new LinkedHashMap<>(everyNode("a", "b"));
        state.put(3, Map.of(ROOM, List.of("b", "a")));
        Checker.Result result = check(history, state);
        assertThat(kinds(result)).containsExactly(Anomaly.Kind.DIVERGENT);
        assertThat(result.anomalies().get(0).detail()).contains("nodes [3]").contains("first difference at seq 1");
    }

    @Test
    void aReadInAnotherOrderThanTheFinalOneIsNotAPrefix() {
        Builder history = new Builder()
                .post(0, "a", 0, Op.Type.OK, 10)
                .post(1, "b", 0, Op.Type.OK, 10)
                .read(2, 20, 21, "b", "a");
        assertThat(kinds(check(history, everyNode("a", "b")))).containsExactly(Anomaly.Kind.READ_NOT_PREFIX);
    }

    @Test
    void aPostThatDefinitelyFailedMustNotAppear() {
        Builder history = new Builder().post(0, "a", 0, Op.Type.FAIL, 10);
        assertThat(kinds(check(history, everyNode("a")))).containsExactly(Anomaly.Kind.FAILED_WRITE_PRESENT);
    }

    @Test
    void aMessageNobodyPostedIsReported() {
        assertThat(kinds(check(new Builder(), everyNode("ghost")))).containsExactly(Anomaly.Kind.UNKNOWN_VALUE);
    }

    @Test
    void aPageWithAGapOrTheWrongMessagesIsReported() {
        Builder gap = new Builder()
                .post(0, "a", 0, Op.Type.OK, 1)
                .post(0, "b", 2, Op.Type.OK, 3)
                .post(0, "c", 4, Op.Type.OK, 5)
                .page(1, 1, 3, 10, "c");
        assertThat(kinds(check(gap, everyNode("a", "b", "c")))).containsExactly(Anomaly.Kind.PAGE_NOT_CONTIGUOUS);

        Builder wrong = new Builder()
                .post(0, "a", 0, Op.Type.OK, 1)
                .post(0, "b", 2, Op.Type.OK, 3)
                .post(0, "c", 4, Op.Type.OK, 5)
                .page(1, 1, 2, 10, "c", "b");
        assertThat(kinds(check(wrong, everyNode("a", "b", "c")))).containsExactly(Anomaly.Kind.PAGE_NOT_CONTIGUOUS);
    }

    @Test
    void aMemberThatCannotBeReadIsReported() {
        Builder history = new Builder().post(0, "a", 0, Op.Type.OK, 10);
        Map<Integer, Map<String, List<String>>> state = new LinkedHashMap<>(everyNode("a"));
        state.put(2, null);
        assertThat(kinds(check(history, state))).containsExactly(Anomaly.Kind.NODE_NOT_RECOVERED);
    }

    @Test
    void aHistoryRoundTripsThroughItsJsonLines(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("history.jsonl");
        try (History history = new History(file, System.nanoTime())) {
            Op post = history.invoke(0, Op.Function.POST, ROOM, "a", 1, -1);
            history.complete(post, Op.Type.OK, 1, null, -1, null);
            Op page = history.invoke(1, Op.Function.PAGE, ROOM, null, 2, 0);
            history.complete(page, Op.Type.OK, 2, List.of("a"), 1, null);
            Op read = history.invoke(1, Op.Function.READ, ROOM, null, 3, -1);
            history.complete(read, Op.Type.INFO, 3, null, -1, "timeout");
            assertThat(History.read(file)).isEqualTo(history.ops());
        }
    }
}
