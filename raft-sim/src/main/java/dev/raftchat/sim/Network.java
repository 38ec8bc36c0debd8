package dev.raftchat.sim;

import dev.raftchat.raft.message.Message;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The simulated network between nodes: latency, loss, duplication, reordering, partitions (a cut link
 * drops what crosses it) and clogged links (very slow). Loss, duplication and extra delay apply only
 * while {@link #faultsActive}. Simulator thread only.
 */
final class Network {
    static final int LATENCY_MILLIS_MIN = 1;
    static final int LATENCY_MILLIS_MAX = 5;
    static final int CLOGGED_LATENCY_MILLIS_MIN = 200;
    static final int CLOGGED_LATENCY_MILLIS_MAX = 1500;

    private final Simulation sim;
    private final SplittableRandom random;
    private final FaultPlan plan;
    private final int nodeCount;
    final boolean[][] cut;
    final boolean[][] clogged;
    boolean faultsActive = true;

    Network(Simulation sim, SplittableRandom random, FaultPlan plan, int nodeCount) {
        this.sim = sim;
        this.random = random;
        this.plan = plan;
        this.nodeCount = nodeCount;
        cut = new boolean[nodeCount][nodeCount];
        clogged = new boolean[nodeCount][nodeCount];
    }

    void send(Message m) {
        Counters counters = sim.counters();
        counters.increment(Counter.MESSAGES_SENT);
        int from = indexOf(m.from(), m);
        int to = indexOf(m.to(), m);
        if (from == to) {
            throw new SimulationFailure("node " + m.from() + " sends a message to itself: " + m);
        }
        if (cut[from][to]) {
            counters.increment(Counter.MESSAGES_CUT_BY_PARTITION);
            return;
        }
        if (faultsActive && plan.dropProbability() > 0 && random.nextDouble() < plan.dropProbability()) {
            counters.increment(Counter.MESSAGES_DROPPED);
            return;
        }
        sim.scheduleDelivery(latency(from, to), to, m);
        if (faultsActive && plan.duplicateProbability() > 0 && random.nextDouble() < plan.duplicateProbability()) {
            counters.increment(Counter.MESSAGES_DUPLICATED);
            sim.scheduleDelivery(latency(from, to) + random.nextInt(50), to, m);
        }
    }

    /** Whether a message in flight from {@code from} to {@code to} still gets through when it lands. */
    boolean deliverable(Message m) {
        return !cut[indexOf(m.from(), m)][indexOf(m.to(), m)];
    }

    private int latency(int from, int to) {
        int millis = LATENCY_MILLIS_MIN + random.nextInt(LATENCY_MILLIS_MAX - LATENCY_MILLIS_MIN + 1);
        if (clogged[from][to]) {
            sim.counters().increment(Counter.MESSAGES_THROUGH_CLOGGED_LINKS);
            millis += CLOGGED_LATENCY_MILLIS_MIN
                    + random.nextInt(CLOGGED_LATENCY_MILLIS_MAX - CLOGGED_LATENCY_MILLIS_MIN + 1);
        }
        if (faultsActive && plan.delayProbability() > 0 && random.nextDouble() < plan.delayProbability()) {
            sim.counters().increment(Counter.MESSAGES_DELAYED);
            millis += random.nextInt(plan.delayMillisMax() + 1);
        }
        return millis;
    }

    private int indexOf(long nodeId, Message m) {
        if (nodeId < 1 || nodeId > nodeCount) {
            throw new SimulationFailure("message names unknown node " + nodeId + ": " + m);
        }
        return (int) nodeId - 1;
    }

    void healPartitions() {
        for (boolean[] row : cut) {
            Arrays.fill(row, false);
        }
    }

    void unclogAll() {
        for (boolean[] row : clogged) {
            Arrays.fill(row, false);
        }
    }
}
