package dev.raftchat.sim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Checks a history of register operations for linearizability: the Wing–Gong search with Lowe's
 * memoization (a set of (linearized ops, register value) configurations already explored), applied to
 * each key separately (linearizability is compositional, Herlihy–Wing).
 *
 * <p>Semantics: an ok op must take effect at one instant between its invocation and its response. A
 * failed op certainly did not take effect and is ignored. An info op (timed out, outcome unknown) may
 * take effect at any instant after its invocation, or never: its response time is infinity and the
 * search is done once every ok op is linearized. Info reads are ignored, having no effect.
 *
 * <p>Ops whose response time equals another's invocation time are treated as concurrent (the lenient
 * choice: it can hide a violation, never invent one).
 *
 * <p>Not thread-safe; each call is independent. The search is bounded by {@code statesMax}: past it the
 * verdict is {@link Verdict#UNKNOWN}, never a guess.
 */
public final class LinearizabilityChecker {

    public enum Verdict {
        LINEARIZABLE,
        NOT_LINEARIZABLE,
        UNKNOWN
    }

    /** The verdict for a whole history; {@code detail} names the first offending key and its ops. */
    public record Result(Verdict verdict, String detail) {
        public boolean isLinearizable() {
            return verdict == Verdict.LINEARIZABLE;
        }
    }

    public static final int DEFAULT_STATES_MAX = 2_000_000;

    private final int statesMax;

    public LinearizabilityChecker(int statesMax) {
        if (statesMax < 1) {
            throw new IllegalArgumentException("statesMax must be >= 1, got " + statesMax);
        }
        this.statesMax = statesMax;
    }

    public LinearizabilityChecker() {
        this(DEFAULT_STATES_MAX);
    }

    public Result check(List<KvOp> history) {
        Map<Integer, List<KvOp>> byKey = new TreeMap<>();
        for (KvOp op : history) {
            if (op.outcome() == KvOp.Outcome.FAIL) {
                continue;
            }
            if (op.outcome() == KvOp.Outcome.INFO && op.kind() == KvOp.Kind.READ) {
                continue;
            }
            byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
        }
        Verdict overall = Verdict.LINEARIZABLE;
        String detail = "";
        for (Map.Entry<Integer, List<KvOp>> e : byKey.entrySet()) {
            Verdict v = checkOneKey(e.getValue());
            if (v == Verdict.NOT_LINEARIZABLE) {
                return new Result(v, "key " + e.getKey() + " is not linearizable; its ops:\n" + describe(e.getValue()));
            }
            if (v == Verdict.UNKNOWN && overall == Verdict.LINEARIZABLE) {
                overall = Verdict.UNKNOWN;
                detail = "key " + e.getKey() + ": search exceeded " + statesMax + " states";
            }
        }
        return new Result(overall, detail);
    }

    private static String describe(List<KvOp> ops) {
        List<KvOp> sorted = new ArrayList<>(ops);
        sorted.sort((a, b) -> Long.compare(a.invokeMillis(), b.invokeMillis()));
        StringBuilder sb = new StringBuilder();
        int shown = 0;
        for (KvOp op : sorted) {
            if (shown++ == 200) {
                sb.append("  ... (").append(sorted.size() - 200).append(" more)\n");
                break;
            }
            sb.append("  ").append(op).append('\n');
        }
        return sb.toString();
    }

    /** The search over one key's ok and info ops, after {@link #reduce}. */
    private Verdict checkOneKey(List<KvOp> keyOps) {
        List<KvOp> ops = reduce(keyOps);
        int n = ops.size();
        // Entries 0..n-1 are calls, n..2n-1 returns (absent for info ops); HEAD is a sentinel before all.
        int head = 2 * n;
        int end = -1;
        List<Integer> order = new ArrayList<>(2 * n);
        for (int i = 0; i < n; i++) {
            order.add(i);
            if (ops.get(i).outcome() == KvOp.Outcome.OK) {
                order.add(n + i);
            }
        }
        order.sort((a, b) -> {
            int byTime = Long.compare(timeOf(ops, n, a), timeOf(ops, n, b));
            if (byTime != 0) {
                return byTime;
            }
            // calls before returns at equal times: such ops count as concurrent
            return Boolean.compare(a >= n, b >= n);
        });
        int[] next = new int[2 * n + 1];
        int[] prev = new int[2 * n + 1];
        Arrays.fill(next, end);
        Arrays.fill(prev, end);
        int last = head;
        for (int e : order) {
            next[last] = e;
            prev[e] = last;
            last = e;
        }
        next[last] = end;

        int okRemaining = 0;
        for (KvOp op : ops) {
            if (op.outcome() == KvOp.Outcome.OK) {
                okRemaining++;
            }
        }
        BitSet linearized = new BitSet(n);
        Set<Configuration> explored = new HashSet<>();
        int[] stackEntry = new int[n];
        long[] stackState = new long[n];
        int depth = 0;
        long state = KvOp.NO_VALUE;
        int entry = next[head];
        while (okRemaining > 0) {
            if (entry != end && entry < n) {
                KvOp op = ops.get(entry);
                long after = step(op, state);
                if (after != INVALID) {
                    linearized.set(entry);
                    if (explored.add(new Configuration((BitSet) linearized.clone(), after))) {
                        if (explored.size() > statesMax) {
                            return Verdict.UNKNOWN;
                        }
                        stackEntry[depth] = entry;
                        stackState[depth] = state;
                        depth++;
                        state = after;
                        if (op.outcome() == KvOp.Outcome.OK) {
                            okRemaining--;
                        }
                        lift(entry, n, ops, next, prev);
                        entry = next[head];
                        continue;
                    }
                    linearized.clear(entry);
                }
                entry = next[entry];
            } else {
                // A return whose call is not linearized yet (or the end): undo the latest choice.
                if (depth == 0) {
                    return Verdict.NOT_LINEARIZABLE;
                }
                depth--;
                int undone = stackEntry[depth];
                state = stackState[depth];
                linearized.clear(undone);
                if (ops.get(undone).outcome() == KvOp.Outcome.OK) {
                    okRemaining++;
                }
                unlift(undone, n, ops, next, prev);
                entry = next[undone];
            }
        }
        return Verdict.LINEARIZABLE;
    }

    /**
     * Rewrites one key's ok and info ops into a history that is linearizable exactly when they are, with
     * fewer info ops (each open info op doubles what the search may have to try). Two rules, applied until
     * nothing changes, both relying on written values being unique (an op whose value another op also
     * writes is left alone):
     *
     * <ol>
     *   <li><b>Observed</b>: an info write (or CAS) of {@code v} that an ok read of {@code v}, or an ok CAS
     *       that swapped from {@code v}, observed must have taken effect (nothing else writes {@code v})
     *       before the earliest such observer completed: it becomes an ok op completing then.
     *   <li><b>Unused</b>: an info write (or CAS) of {@code v} that no op reads or expects, and that no ok
     *       failed CAS could have needed, is dropped. In a linearization where it took effect, up to the
     *       next write the register holds {@code v}: no read is there (none reads {@code v}), no CAS swaps
     *       (none expects {@code v}), info CASes there are no-ops (they may be left out), and ok failed CASes
     *       are the only ops that could tell the register held {@code v} rather than the value {@code p}
     *       before it. Dropping it leaves a linearization unless such a CAS, completing after the info op's
     *       invocation, expects a value {@code p} could be: 0 while no ok write has completed before the
     *       invocation, else a value another op that may take effect writes. Conversely, a linearization
     *       without it is one where it never took effect.
     * </ol>
     */
    static List<KvOp> reduce(List<KvOp> keyOps) {
        List<KvOp> ops = new ArrayList<>(keyOps);
        // Facts that only grow more conservative as ops are rewritten or dropped, so computed once: the
        // earliest completion of an ok op that sets the register, and the ok failed CASes.
        long firstSetDone = Long.MAX_VALUE;
        List<KvOp> failedCases = new ArrayList<>();
        for (KvOp op : ops) {
            if (isFailedCas(op)) {
                failedCases.add(op);
            } else if (op.outcome() == KvOp.Outcome.OK && op.kind() != KvOp.Kind.READ) {
                firstSetDone = Math.min(firstSetDone, op.completeMillis());
            }
        }
        boolean changed = true;
        while (changed) {
            changed = false;
            // Per pass; an op dropped or rewritten in this pass leaves these stale only on the safe side
            // (one more writer or user than there is).
            Map<Long, Integer> writers = new HashMap<>();
            Map<Long, Long> firstObserved = new HashMap<>();
            Set<Long> used = new HashSet<>();
            for (KvOp op : ops) {
                if (op.kind() != KvOp.Kind.READ && !isFailedCas(op)) {
                    writers.merge(op.argument(), 1, Integer::sum);
                }
                long value;
                if (op.kind() == KvOp.Kind.READ) {
                    value = op.result();
                } else if (op.kind() == KvOp.Kind.CAS && !isFailedCas(op)) {
                    value = op.expected();
                } else {
                    continue;
                }
                used.add(value);
                if (op.outcome() == KvOp.Outcome.OK) {
                    firstObserved.merge(value, op.completeMillis(), Math::min);
                }
            }
            List<KvOp> kept = new ArrayList<>(ops.size());
            for (KvOp w : ops) {
                long v = w.argument();
                if (w.outcome() != KvOp.Outcome.INFO
                        || w.kind() == KvOp.Kind.READ
                        || v == KvOp.NO_VALUE
                        || writers.getOrDefault(v, 0) != 1
                        || (w.kind() == KvOp.Kind.CAS && w.expected() == v)) {
                    kept.add(w);
                    continue;
                }
                Long observed = firstObserved.get(v);
                if (observed != null) {
                    if (observed >= w.invokeMillis()) {
                        kept.add(asOk(w, observed));
                        changed = true;
                    } else {
                        kept.add(w); // read before it was invoked: the search reports it
                    }
                } else if (!used.contains(v)
                        && !neededByFailedCas(w, failedCases, w.invokeMillis() <= firstSetDone, writers)) {
                    changed = true; // dropped
                } else {
                    kept.add(w);
                }
            }
            ops = kept;
        }
        return ops;
    }

    private static boolean isFailedCas(KvOp op) {
        return op.kind() == KvOp.Kind.CAS && op.outcome() == KvOp.Outcome.OK && op.result() != 1;
    }

    /**
     * Whether an ok failed CAS may have failed only because {@code w} had overwritten the value it expected:
     * one completing after {@code w} was invoked, expecting a value the register may have held just before
     * {@code w} (the initial value while no write may have completed, or a value some other op writes).
     */
    private static boolean neededByFailedCas(
            KvOp w, List<KvOp> failedCases, boolean maybeStillInitial, Map<Long, Integer> writers) {
        for (KvOp c : failedCases) {
            if (c.completeMillis() < w.invokeMillis()) {
                continue;
            }
            long e = c.expected();
            boolean couldHoldE = e == KvOp.NO_VALUE ? maybeStillInitial : e != w.argument() && writers.containsKey(e);
            if (couldHoldE) {
                return true;
            }
        }
        return false;
    }

    private static KvOp asOk(KvOp op, long completeMillis) {
        return new KvOp(
                op.id(),
                op.process(),
                op.key(),
                op.kind(),
                op.argument(),
                op.expected(),
                KvOp.Outcome.OK,
                op.kind() == KvOp.Kind.CAS ? 1 : op.result(),
                op.invokeMillis(),
                completeMillis);
    }

    private static long timeOf(List<KvOp> ops, int n, int entry) {
        return entry < n ? ops.get(entry).invokeMillis() : ops.get(entry - n).completeMillis();
    }

    /** Marks a transition the model forbids. Register values are positive or {@link KvOp#NO_VALUE}. */
    private static final long INVALID = Long.MIN_VALUE;

    /** The register's sequential specification: the state after {@code op}, or {@link #INVALID}. */
    static long step(KvOp op, long state) {
        boolean known = op.outcome() == KvOp.Outcome.OK;
        return switch (op.kind()) {
            case READ -> op.result() == state ? state : INVALID;
            case WRITE -> op.argument();
            case CAS -> {
                boolean matches = state == op.expected();
                if (!known) {
                    yield matches ? op.argument() : state;
                }
                if (op.result() == 1) {
                    yield matches ? op.argument() : INVALID;
                }
                yield matches ? INVALID : state;
            }
        };
    }

    private static void lift(int call, int n, List<KvOp> ops, int[] next, int[] prev) {
        unlink(call, next, prev);
        if (ops.get(call).outcome() == KvOp.Outcome.OK) {
            unlink(n + call, next, prev);
        }
    }

    private static void unlift(int call, int n, List<KvOp> ops, int[] next, int[] prev) {
        // Undo in the reverse order of lift so each relink sees its old neighbours in place.
        if (ops.get(call).outcome() == KvOp.Outcome.OK) {
            relink(n + call, next, prev);
        }
        relink(call, next, prev);
    }

    private static void unlink(int e, int[] next, int[] prev) {
        int p = prev[e];
        int nx = next[e];
        next[p] = nx;
        if (nx != -1) {
            prev[nx] = p;
        }
    }

    private static void relink(int e, int[] next, int[] prev) {
        int p = prev[e];
        int nx = next[e];
        next[p] = e;
        if (nx != -1) {
            prev[nx] = e;
        }
    }

    private record Configuration(BitSet linearized, long state) {}
}
