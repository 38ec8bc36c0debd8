package dev.raftchat.jepsen;

import dev.raftchat.sim.KvOp;
import dev.raftchat.sim.LinearizabilityChecker;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Checks a chat history against the final state of every node. Each room is an append-only list of unique
 * messages. Reported as {@link Anomaly anomalies}:
 * <ul>
 *   <li>every node holds the same sequence per room ({@code DIVERGENT}; a member that could not be read is
 *       {@code NODE_NOT_RECOVERED});</li>
 *   <li>every acknowledged post appears exactly once ({@code LOST_WRITE}, {@code DUPLICATE}); no post that
 *       definitely failed appears ({@code FAILED_WRITE_PRESENT}); nothing appears that nobody posted;</li>
 *   <li>every read seen during the run is a prefix of the final sequence, without duplicates
 *       ({@code READ_NOT_PREFIX}); every page is the contiguous slice of the final sequence after its
 *       cursor ({@code PAGE_NOT_CONTIGUOUS});</li>
 *   <li>reads are linearizable against posts ({@code NOT_LINEARIZABLE}), checked with the simulator's
 *       {@link LinearizabilityChecker}: each message is a register written once (0 → 1) by its post, and
 *       each full read of its room, completed after the post was invoked, reads 1 if the message is in it
 *       and 0 if not. A read that began after a post was acknowledged and misses it, or a message that
 *       disappears from a later read, is not linearizable. Order is checked by the prefix rule.</li>
 * </ul>
 * Stateless and thread-confined; {@code linearizabilityOpsMax} bounds the register history built for the
 * linearizability check (past it that check reports "unknown", never a guess).
 */
public final class Checker {

    /** The verdict: anomalies (empty = valid) and counts of the operations by outcome. */
    public record Result(List<Anomaly> anomalies, int ok, int failed, int indeterminate, String linearizability) {
        public boolean valid() {
            return anomalies.isEmpty();
        }

        public String verdictLine() {
            return (valid() ? "valid" : "INVALID") + ": " + ok + " ok, " + failed + " failed, " + indeterminate
                    + " indeterminate operations; " + anomalies.size() + " anomalies; linearizability "
                    + linearizability;
        }
    }

    /** An operation and its completion (INFO when it never completed). */
    record Completed(Op invoke, Op completion) {
        Op.Type type() {
            return completion == null ? Op.Type.INFO : completion.type();
        }

        long completeNanos() {
            return completion == null || completion.type() == Op.Type.INFO ? Long.MAX_VALUE : completion.timeNanos();
        }
    }

    public static final int DEFAULT_LINEARIZABILITY_OPS_MAX = 3_000_000;
    private static final int DETAILS_PER_KIND_MAX = 20;

    private final int linearizabilityOpsMax;

    public Checker(int linearizabilityOpsMax) {
        if (linearizabilityOpsMax < 1) {
            throw new IllegalArgumentException("linearizabilityOpsMax must be >= 1, got " + linearizabilityOpsMax);
        }
        this.linearizabilityOpsMax = linearizabilityOpsMax;
    }

    public Checker() {
        this(DEFAULT_LINEARIZABILITY_OPS_MAX);
    }

    /**
     * Checks one run's history and final state.
     *
     * @param history    the run's ops in recorded order
     * @param finalState node id → room → messages oldest first, read from each member after healing; a null
     *                   room map (or a null list) means that member could not be read
     * @param rooms      the rooms the clients used
     */
    public Result check(List<Op> history, Map<Integer, Map<String, List<String>>> finalState, Set<String> rooms) {
        List<Anomaly> anomalies = new ArrayList<>();
        Map<Anomaly.Kind, Integer> perKind = new HashMap<>();
        List<Completed> completed = pair(history);
        int ok = 0, failed = 0, info = 0;
        for (Completed c : completed) {
            switch (c.type()) {
                case OK -> ok++;
                case FAIL -> failed++;
                default -> info++;
            }
        }

        Map<String, String> roomOfValue = new HashMap<>();
        Map<String, Op.Type> postOutcome = new HashMap<>();
        for (Completed c : completed) {
            if (c.invoke().f() == Op.Function.POST) {
                roomOfValue.put(c.invoke().value(), c.invoke().room());
                postOutcome.merge(c.invoke().value(), c.type(), Checker::strongest);
            }
        }

        Map<String, List<String>> reference = new TreeMap<>();
        for (String room : new TreeSet<>(rooms)) {
            reference.put(room, referenceSequence(room, finalState, anomalies, perKind));
        }

        for (Map.Entry<String, List<String>> e : reference.entrySet()) {
            String room = e.getKey();
            List<String> sequence = e.getValue();
            Map<String, Integer> counts = new LinkedHashMap<>();
            sequence.forEach(v -> counts.merge(v, 1, Integer::sum));
            counts.forEach((value, count) -> {
                if (count > 1) {
                    add(
                            anomalies,
                            perKind,
                            new Anomaly(Anomaly.Kind.DUPLICATE, room, value + " appears " + count + " times"));
                }
                Op.Type outcome = postOutcome.get(value);
                if (outcome == null || !room.equals(roomOfValue.get(value))) {
                    add(
                            anomalies,
                            perKind,
                            new Anomaly(Anomaly.Kind.UNKNOWN_VALUE, room, value + " was never posted to this room"));
                } else if (outcome == Op.Type.FAIL) {
                    add(
                            anomalies,
                            perKind,
                            new Anomaly(
                                    Anomaly.Kind.FAILED_WRITE_PRESENT,
                                    room,
                                    value + " is present although its post definitely failed"));
                }
            });
            for (Map.Entry<String, Op.Type> post : postOutcome.entrySet()) {
                if (post.getValue() == Op.Type.OK
                        && room.equals(roomOfValue.get(post.getKey()))
                        && !counts.containsKey(post.getKey())) {
                    add(
                            anomalies,
                            perKind,
                            new Anomaly(
                                    Anomaly.Kind.LOST_WRITE,
                                    room,
                                    post.getKey() + " was acknowledged but is missing from the final state"));
                }
            }
        }

        for (Completed c : completed) {
            if (c.type() != Op.Type.OK || c.invoke().f() == Op.Function.POST) {
                continue;
            }
            List<String> finalSequence = reference.getOrDefault(c.invoke().room(), List.of());
            List<String> read = c.completion().values();
            String room = c.invoke().room();
            if (c.invoke().f() == Op.Function.READ) {
                if (new HashSet<>(read).size() != read.size()) {
                    add(
                            anomalies,
                            perKind,
                            new Anomaly(
                                    Anomaly.Kind.DUPLICATE,
                                    room,
                                    "read op " + c.invoke().index() + " returned a message twice: "
                                            + abbreviate(read)));
                }
                if (read.size() > finalSequence.size()
                        || !finalSequence.subList(0, read.size()).equals(read)) {
                    add(
                            anomalies,
                            perKind,
                            new Anomaly(
                                    Anomaly.Kind.READ_NOT_PREFIX,
                                    room,
                                    "read op " + c.invoke().index()
                                            + " on node " + c.completion().node() + " returned " + abbreviate(read)
                                            + ", not a prefix of the final " + abbreviate(finalSequence)));
                }
            } else {
                checkPage(c, finalSequence, anomalies, perKind);
            }
        }

        String linearizability = checkLinearizability(completed, anomalies, perKind);
        return new Result(List.copyOf(anomalies), ok, failed, info, linearizability);
    }

    private static Op.Type strongest(Op.Type a, Op.Type b) {
        // A value is posted by one logical op (retries reuse it): OK beats INFO beats FAIL.
        if (a == Op.Type.OK || b == Op.Type.OK) {
            return Op.Type.OK;
        }
        return a == Op.Type.INFO || b == Op.Type.INFO ? Op.Type.INFO : Op.Type.FAIL;
    }

    private static void checkPage(
            Completed c, List<String> finalSequence, List<Anomaly> anomalies, Map<Anomaly.Kind, Integer> perKind) {
        String problem = pageProblem(c, finalSequence);
        if (problem != null) {
            String where = "page op " + c.invoke().index() + " (after="
                    + c.invoke().after() + ") on node " + c.completion().node();
            add(
                    anomalies,
                    perKind,
                    new Anomaly(Anomaly.Kind.PAGE_NOT_CONTIGUOUS, c.invoke().room(), where + problem));
        }
    }

    /** How the page {@code c} answered differs from the final sequence after its {@code after}; null if it does not. */
    private static String pageProblem(Completed c, List<String> finalSequence) {
        List<String> page = c.completion().values();
        long after = c.invoke().after();
        long first = c.completion().firstSeq();
        if (page.isEmpty()) {
            return null;
        }
        if (first != after + 1) {
            return " starts at seq " + first + ", not " + (after + 1);
        }
        long end = after + page.size();
        if (end > finalSequence.size()
                || !finalSequence.subList((int) after, (int) end).equals(page)) {
            return " returned " + abbreviate(page) + ", not the final sequence's seqs " + (after + 1) + ".." + end;
        }
        return null;
    }

    /** The sequence most nodes agree on; DIVERGENT for each node that differs, NODE_NOT_RECOVERED for unread ones. */
    private static List<String> referenceSequence(
            String room,
            Map<Integer, Map<String, List<String>>> finalState,
            List<Anomaly> anomalies,
            Map<Anomaly.Kind, Integer> perKind) {
        Map<List<String>, List<Integer>> holders = new LinkedHashMap<>();
        for (Map.Entry<Integer, Map<String, List<String>>> node : new TreeMap<>(finalState).entrySet()) {
            List<String> sequence =
                    node.getValue() == null ? null : node.getValue().get(room);
            if (sequence == null) {
                add(
                        anomalies,
                        perKind,
                        new Anomaly(
                                Anomaly.Kind.NODE_NOT_RECOVERED,
                                room,
                                "node " + node.getKey() + " could not be read after healing"));
                continue;
            }
            holders.computeIfAbsent(sequence, k -> new ArrayList<>()).add(node.getKey());
        }
        if (holders.isEmpty()) {
            return List.of();
        }
        List<String> best = null;
        for (Map.Entry<List<String>, List<Integer>> e : holders.entrySet()) {
            if (best == null || e.getValue().size() > holders.get(best).size()) {
                best = e.getKey();
            }
        }
        for (Map.Entry<List<String>, List<Integer>> e : holders.entrySet()) {
            if (!e.getKey().equals(best)) {
                add(
                        anomalies,
                        perKind,
                        new Anomaly(
                                Anomaly.Kind.DIVERGENT,
                                room,
                                "nodes " + e.getValue() + " hold "
                                        + abbreviate(e.getKey()) + " but nodes " + holders.get(best) + " hold "
                                        + abbreviate(best)
                                        + firstDifference(best, e.getKey())));
            }
        }
        return best;
    }

    private static String firstDifference(List<String> a, List<String> b) {
        int i = 0;
        while (i < a.size() && i < b.size() && a.get(i).equals(b.get(i))) {
            i++;
        }
        return " (first difference at seq " + (i + 1) + ")";
    }

    private String checkLinearizability(
            List<Completed> completed, List<Anomaly> anomalies, Map<Anomaly.Kind, Integer> perKind) {
        Map<String, Integer> keyOfValue = new HashMap<>();
        List<KvOp> registerOps = new ArrayList<>();
        Map<String, List<Completed>> postsByRoom = new TreeMap<>();
        int id = 0;
        for (Completed c : completed) {
            if (c.invoke().f() != Op.Function.POST || c.type() == Op.Type.FAIL) {
                continue;
            }
            String value = c.invoke().value();
            if (keyOfValue.containsKey(value)) {
                continue; // a retry of the same transaction id: one write
            }
            keyOfValue.put(value, keyOfValue.size() + 1);
            postsByRoom
                    .computeIfAbsent(c.invoke().room(), k -> new ArrayList<>())
                    .add(c);
            registerOps.add(new KvOp(
                    id++,
                    c.invoke().process(),
                    keyOfValue.get(value),
                    KvOp.Kind.WRITE,
                    1,
                    0,
                    c.type() == Op.Type.OK ? KvOp.Outcome.OK : KvOp.Outcome.INFO,
                    0,
                    c.invoke().timeNanos(),
                    c.completeNanos()));
        }
        // Posts retried under one value: the write may take effect from the first invocation on.
        for (Completed c : completed) {
            if (c.type() != Op.Type.OK || c.invoke().f() != Op.Function.READ) {
                continue;
            }
            Set<String> seen = new HashSet<>(c.completion().values());
            for (Completed post : postsByRoom.getOrDefault(c.invoke().room(), List.of())) {
                if (post.invoke().timeNanos() >= c.completion().timeNanos()) {
                    continue; // the read ended before the post began: it cannot have seen it
                }
                if (registerOps.size() >= linearizabilityOpsMax) {
                    return "unknown (over " + linearizabilityOpsMax + " register ops)";
                }
                registerOps.add(new KvOp(
                        id++,
                        c.invoke().process(),
                        keyOfValue.get(post.invoke().value()),
                        KvOp.Kind.READ,
                        0,
                        0,
                        KvOp.Outcome.OK,
                        seen.contains(post.invoke().value()) ? 1 : KvOp.NO_VALUE,
                        c.invoke().timeNanos(),
                        c.completion().timeNanos()));
            }
        }
        LinearizabilityChecker.Result result = new LinearizabilityChecker().check(registerOps);
        switch (result.verdict()) {
            case LINEARIZABLE:
                return "ok (" + registerOps.size() + " register ops)";
            case NOT_LINEARIZABLE: {
                String detail = result.detail();
                String room = null;
                for (Map.Entry<String, Integer> e : keyOfValue.entrySet()) {
                    if (detail.startsWith("key " + e.getValue() + " ")) {
                        detail = "message " + e.getKey() + ": " + detail;
                        room = roomOf(completed, e.getKey());
                    }
                }
                add(anomalies, perKind, new Anomaly(Anomaly.Kind.NOT_LINEARIZABLE, room, detail));
                return "VIOLATED";
            }
            default:
                return "unknown (" + result.detail() + ")";
        }
    }

    private static String roomOf(List<Completed> completed, String value) {
        for (Completed c : completed) {
            if (Objects.equals(c.invoke().value(), value)) {
                return c.invoke().room();
            }
        }
        return null;
    }

    /** Pairs each invocation with the next completion of its process; an unfinished op counts as INFO. */
    static List<Completed> pair(List<Op> history) {
        Map<Integer, Op> open = new HashMap<>();
        List<Completed> completed = new ArrayList<>();
        Map<Op, Integer> position = new HashMap<>();
        for (Op op : history) {
            if (op.type() == Op.Type.INVOKE) {
                Op previous = open.put(op.process(), op);
                if (previous != null) {
                    throw new IllegalArgumentException("process " + op.process() + " invoked op " + op.index()
                            + " while op " + previous.index() + " was still open");
                }
                position.put(op, completed.size());
                completed.add(new Completed(op, null));
            } else {
                Op invoke = open.remove(op.process());
                if (invoke == null) {
                    throw new IllegalArgumentException("op " + op.index() + " completes nothing: process "
                            + op.process() + " has no open invocation");
                }
                completed.set(position.get(invoke), new Completed(invoke, op));
            }
        }
        return completed;
    }

    private static void add(List<Anomaly> anomalies, Map<Anomaly.Kind, Integer> perKind, Anomaly anomaly) {
        int count = perKind.merge(anomaly.kind(), 1, Integer::sum);
        if (count <= DETAILS_PER_KIND_MAX) {
            anomalies.add(anomaly);
        } else if (count == DETAILS_PER_KIND_MAX + 1) {
            anomalies.add(new Anomaly(anomaly.kind(), null, "more of this kind not listed"));
        }
    }

    static String abbreviate(List<String> values) {
        if (values.size() <= 8) {
            return values.toString();
        }
        return "[" + String.join(", ", values.subList(0, 3)) + ", ... (" + (values.size() - 6) + " more) ..., "
                + String.join(", ", values.subList(values.size() - 3, values.size())) + "]";
    }
}
