package dev.raftchat.sim;

import dev.raftchat.raft.message.InstallSnapshotRequest;
import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.message.ReadIndexResponse;
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
    /**
     * Draws which snapshot chunks a bit flips in on the way (a stream of its own, so that the other draws of
     * a seed are what they were before this fault existed).
     */
    private final SplittableRandom corruptionRandom;
    /** While faults are active, one snapshot chunk in this many arrives with one bit flipped. */
    static final int SNAPSHOT_CHUNK_CORRUPTED_ONE_IN = 20;

    private final FaultPlan plan;
    private final int nodeCount;
    final boolean[][] cut;
    final boolean[][] clogged;
    boolean faultsActive = true;
    /** Messages replayed after a restart, at most, besides the last ReadIndex response. */
    static final int STALE_MESSAGES_REPLAYED_MAX = 4;
    /** The last messages sent to and by each node (a ring of this many), replayed after its restart. */
    static final int RECENT_MESSAGES = 16;

    private final Message[][] recent;
    private final int[] recentCount;
    /** The last ReadIndex response sent to each node: what a stale one would confirm. */
    private final Message[] lastReadIndexResponse;

    Network(Simulation sim, SplittableRandom random, SplittableRandom corruptionRandom, FaultPlan plan, int nodeCount) {
        this.sim = sim;
        this.random = random;
        this.corruptionRandom = corruptionRandom;
        this.plan = plan;
        this.nodeCount = nodeCount;
        cut = new boolean[nodeCount][nodeCount];
        clogged = new boolean[nodeCount][nodeCount];
        recent = new Message[nodeCount][RECENT_MESSAGES];
        recentCount = new int[nodeCount];
        lastReadIndexResponse = new Message[nodeCount];
    }

    private void remember(int node, Message m) {
        recent[node][recentCount[node]++ % RECENT_MESSAGES] = m;
    }

    /**
     * A node just restarted: deliver again, soon, some messages sent to or by its previous incarnations —
     * always the last ReadIndex response it was sent, if any — as a network that held them would.
     */
    void replayPreviousIncarnation(int node) {
        Message staleResponse = lastReadIndexResponse[node];
        if (staleResponse != null) {
            replay(staleResponse);
            sim.counters().increment(Counter.STALE_READ_INDEX_RESPONSES);
        }
        int held = Math.min(recentCount[node], RECENT_MESSAGES);
        for (int i = 0; i < STALE_MESSAGES_REPLAYED_MAX && held > 0; i++) {
            replay(recent[node][random.nextInt(held)]);
        }
    }

    private void replay(Message m) {
        sim.counters().increment(Counter.STALE_INCARNATION_MESSAGES);
        sim.scheduleDelivery(random.nextInt(50), indexOf(m.to(), m), m);
    }

    void send(Message m) {
        Counters counters = sim.counters();
        counters.increment(Counter.MESSAGES_SENT);
        int from = indexOf(m.from(), m);
        int to = indexOf(m.to(), m);
        if (from == to) {
            throw new SimulationFailure("node " + m.from() + " sends a message to itself: " + m);
        }
        if (!(m instanceof ReadIndexResponse)) {
            remember(from, m);
            remember(to, m);
        } else {
            // What a stale answer would confirm: found read contexts reused across runs (issue 17, bug 2).
            lastReadIndexResponse[to] = m;
        }
        if (cut[from][to]) {
            counters.increment(Counter.MESSAGES_CUT_BY_PARTITION);
            return;
        }
        if (faultsActive && plan.dropProbability() > 0 && random.nextDouble() < plan.dropProbability()) {
            counters.increment(Counter.MESSAGES_DROPPED);
            return;
        }
        Message delivered = m;
        if (faultsActive
                && m instanceof InstallSnapshotRequest r
                && r.chunk().length > 0
                && corruptionRandom.nextInt(SNAPSHOT_CHUNK_CORRUPTED_ONE_IN) == 0) {
            // Damage the transport's checks missed: the receiver must refuse the chunk by its checksum.
            counters.increment(Counter.SNAPSHOT_CHUNKS_CORRUPTED);
            byte[] damaged = r.chunk().clone();
            damaged[corruptionRandom.nextInt(damaged.length)] ^= (byte) (1 << corruptionRandom.nextInt(8));
            delivered = new InstallSnapshotRequest(
                    r.from(),
                    r.to(),
                    r.term(),
                    r.meta(),
                    r.offset(),
                    damaged,
                    r.done(),
                    r.chunkCrc32c(),
                    r.snapshotCrc32c());
        }
        sim.scheduleDelivery(latency(from, to), to, delivered);
        if (faultsActive && plan.duplicateProbability() > 0 && random.nextDouble() < plan.duplicateProbability()) {
            counters.increment(Counter.MESSAGES_DUPLICATED);
            sim.scheduleDelivery(latency(from, to) + random.nextInt(50), to, delivered);
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
