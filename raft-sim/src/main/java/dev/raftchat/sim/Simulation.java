package dev.raftchat.sim;

import dev.raftchat.raft.confchange.ConfChange;
import dev.raftchat.raft.core.NodeConfig;
import dev.raftchat.raft.core.Role;
import dev.raftchat.raft.internal.confchange.ConfChanger;
import dev.raftchat.raft.message.AppendResponse;
import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.message.VoteResponse;
import dev.raftchat.raft.model.ConfState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * One deterministic run: a cluster of pure Raft nodes, a network, disks, clients and a nemesis, all
 * driven by one thread in virtual time from one seed. Separate random streams (split from the seed)
 * serve the network, the disks, the faults, the workload and the nodes' own seeds, so that changing how
 * one of them draws does not reshuffle the others.
 *
 * <p>A run has two phases. During the fault phase the nemesis injects the faults of the
 * {@link FaultPlan} while clients run a register workload. Then everything heals: nodes restart and
 * resume, partitions and clogs go, and the cluster must elect one leader that every node follows,
 * commit a probe write, and leave no client op open, within {@link SimulationConfig#livenessBoundMillis}.
 * Safety invariants are checked at every Ready ({@link InvariantChecker}); the history is checked for
 * linearizability at the end ({@link LinearizabilityChecker}).
 *
 * <p>Not thread-safe; a Simulation runs once. Independent simulations may run on different threads.
 */
public final class Simulation {

    static final int LIVENESS_CHECK_INTERVAL_MILLIS = 50;
    static final int THINK_MILLIS_MAX = 20;
    /** After a refusal a client waits longer, as a real one would before retrying elsewhere. */
    static final int BACKOFF_MILLIS_MIN = 10;

    static final int BACKOFF_MILLIS_MAX = 60;

    static final int SNAPSHOT_INTERVAL_ENTRIES_MIN = 10;
    static final int SNAPSHOT_INTERVAL_ENTRIES_SPREAD = 120;

    private final long seed;
    private final SimulationConfig config;
    private final SplittableRandom networkRandom;
    private final SplittableRandom diskRandom;
    private final SplittableRandom faultRandom;
    private final SplittableRandom workloadRandom;
    private final SplittableRandom nodeSeedRandom;
    /** Drives when nodes snapshot and how much log they keep behind a snapshot. */
    private final SplittableRandom snapshotRandom;
    /** Entries a node applies between two snapshots, chosen per seed. */
    private final int snapshotIntervalEntries;
    /** The most snapshot bytes per InstallSnapshot message, chosen per seed: tiny ones split transfers. */
    private final int snapshotChunkBytes;
    /** Entries a node keeps in its log behind a snapshot, chosen per seed (none, or a few). */
    private final long snapshotLogTailEntries;
    /** Draws each node incarnation's clock origin. */
    private final SplittableRandom clockRandom;
    /** Draws each node incarnation's envelope session (the runtime draws it at random). */
    private final SplittableRandom sessionRandom;
    /**
     * Draws the deaf-leader transfers of lease-read runs and their probes: a stream of its own, so that other
     * runs draw exactly what they drew before it existed.
     */
    private final SplittableRandom leaseTransferRandom;

    private final Counters counters = new Counters();
    private final InvariantChecker invariants;
    private final Network network;
    private final SimNode[] nodes;
    private final PriorityQueue<Event> queue = new PriorityQueue<>();
    private final Object[] trace;
    private long traceCount;
    private long nextSequence;
    private long now;
    private long eventHash = 17;
    private long eventCount;

    private final List<OpRecord> history = new ArrayList<>();
    private final Map<Long, Long> commandIndex = new HashMap<>();
    private final Client[] clients;
    private long nextRequestId = 1;
    private long nextValue = 1;
    private int nextProcess;
    private final long[] lastWritten;
    private boolean workloadActive = true;
    private long partitionGeneration;
    private boolean partitioned;
    private long livenessDeadline = -1;
    private OpRecord probe;
    /**
     * With forwarding on, a second probe goes through a follower (the lowest-id member that does not lead):
     * a forwarded proposal must commit too once the cluster is healed — a node restarted with its old seed
     * whose forwards the leader drops as duplicates would never get one through.
     */
    private OpRecord forwardedProbe;

    private boolean finished;
    /** A failure raised where it cannot be thrown (inside a future's callback), thrown after its event. */
    private RuntimeException failedInCallback;
    /** The configuration as of the highest configuration entry applied anywhere (it is committed). */
    private ConfState clusterConf;

    private long clusterConfIndex;

    private static final class Client {
        final int index;
        int process;
        long leaderHint;
        OpRecord current;

        Client(int index, int process) {
            this.index = index;
            this.process = process;
        }
    }

    public Simulation(long seed, SimulationConfig config) {
        this(seed, config, null);
    }

    /**
     * A run whose nodes run an embedder's state machine through {@code mapping} (null: the simulator's own
     * register map only). The seed chooses everything else exactly as for {@link #runSeed(long)}.
     */
    public Simulation(long seed, SimulationConfig config, RegisterMapping mapping) {
        this.registerMapping = mapping;
        this.seed = seed;
        this.config = config;
        SplittableRandom root = new SplittableRandom(seed);
        networkRandom = root.split();
        diskRandom = root.split();
        faultRandom = root.split();
        workloadRandom = root.split();
        nodeSeedRandom = root.split();
        snapshotRandom = root.split();
        snapshotIntervalEntries =
                SNAPSHOT_INTERVAL_ENTRIES_MIN + snapshotRandom.nextInt(SNAPSHOT_INTERVAL_ENTRIES_SPREAD);
        snapshotChunkBytes = snapshotRandom.nextBoolean() ? 8 + snapshotRandom.nextInt(56) : 64 * 1024;
        snapshotLogTailEntries = snapshotRandom.nextBoolean() ? 0 : snapshotRandom.nextInt(snapshotIntervalEntries);
        clockRandom = root.split();
        sessionRandom = root.split();
        leaseTransferRandom = new SplittableRandom(seed ^ 0x1EA5_E7F5L);
        invariants = new InvariantChecker(config.slots(), counters);
        network = new Network(
                this, networkRandom, new SplittableRandom(seed ^ 0xC0_44_0B_7EL), config.faults(), config.slots());
        trace = new Object[config.traceEvents()];
        long[] ids = new long[config.nodeCount()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i + 1L;
        }
        ConfState conf = ConfState.ofVoters(ids);
        clusterConf = conf;
        nodes = new SimNode[config.slots()];
        for (int i = 0; i < nodes.length; i++) {
            nodes[i] = new SimNode(i, this, config.storageFactory().createDisk(i + 1, diskRandom.split()), conf);
            nodes[i].setDiskFaultsEnabled(config.faults().crashes());
        }
        clients = new Client[config.clientCount()];
        for (int i = 0; i < clients.length; i++) {
            clients[i] = new Client(i, nextProcess++);
        }
        lastWritten = new long[config.keyCount()];
    }

    /** Runs the seed once with the configuration it stands for. */
    public static SimResult runSeed(long seed) {
        return new Simulation(seed, SimulationConfig.forSeed(seed)).run();
    }

    /** Runs the seed once with the configuration it stands for, the nodes running the embedder's machine. */
    public static SimResult runSeed(long seed, RegisterMapping mapping) {
        return new Simulation(seed, SimulationConfig.forSeed(seed), mapping).run();
    }

    /** Null unless the nodes run an embedder's state machine. */
    private final RegisterMapping registerMapping;

    RegisterMapping registerMapping() {
        return registerMapping;
    }

    // --- accessors for the hosts ---------------------------------------------------------------------

    SimulationConfig config() {
        return config;
    }

    Counters counters() {
        return counters;
    }

    InvariantChecker invariants() {
        return invariants;
    }

    long nowMillis() {
        return now;
    }

    SplittableRandom diskRandom() {
        return diskRandom;
    }

    SplittableRandom snapshotRandom() {
        return snapshotRandom;
    }

    int snapshotIntervalEntries() {
        return snapshotIntervalEntries;
    }

    int snapshotChunkBytes() {
        return snapshotChunkBytes;
    }

    long snapshotLogTailEntries() {
        return snapshotLogTailEntries;
    }

    SplittableRandom clockRandom() {
        return clockRandom;
    }

    SplittableRandom sessionRandom() {
        return sessionRandom;
    }

    // --- the run -------------------------------------------------------------------------------------

    public SimResult run() {
        if (finished || eventCount > 0) {
            throw new IllegalStateException("a Simulation runs once");
        }
        counters.increment(config.nodeCount() == 3 ? Counter.RUNS_3_NODES : Counter.RUNS_5_NODES);
        if (config.leaseReads()) {
            counters.increment(Counter.RUNS_LEASE_READS);
        }
        if (config.overlappedSyncs()) {
            counters.increment(Counter.RUNS_OVERLAPPED_SYNCS);
        }
        if (config.environment().followerReads()) {
            counters.increment(Counter.RUNS_FOLLOWER_READS);
        }
        switch (config.environment().clockDrift()) {
            case WITHIN_BOUND -> counters.increment(Counter.RUNS_CLOCK_DRIFT_WITHIN_BOUND);
            case BEYOND_BOUND -> counters.increment(Counter.RUNS_CLOCK_DRIFT_BEYOND_BOUND);
            case NONE -> {}
        }
        if (config.storageFactory() instanceof StorageFactory.Named n
                && n.name().equals("file")) {
            counters.increment(Counter.RUNS_FILE_STORAGE);
        }
        String failure = null;
        try {
            for (SimNode n : nodes) {
                if (n.index < config.nodeCount()) {
                    n.start(nodeSeedRandom.nextLong());
                    n.wasMember = true;
                }
                // Nodes tick in their own phase so that their timers do not fire in lockstep.
                schedule(1 + faultRandom.nextInt(config.tickMillis()), Event.Type.TICK, n.index, 0, null);
            }
            for (Client c : clients) {
                schedule(1 + workloadRandom.nextInt(THINK_MILLIS_MAX), Event.Type.CLIENT_INVOKE, c.index, 0, null);
            }
            if (config.faults().hasNemesis()) {
                scheduleNemesis();
            }
            schedule(config.faultPhaseMillis(), Event.Type.HEAL_ALL, -1, 0, null);
            loop();
            LinearizabilityChecker.Result lin = new LinearizabilityChecker().check(historyAsOps());
            if (lin.verdict() == LinearizabilityChecker.Verdict.NOT_LINEARIZABLE) {
                failure = "linearizability: " + lin.detail();
            } else if (lin.verdict() == LinearizabilityChecker.Verdict.UNKNOWN) {
                failure = "linearizability undecided: " + lin.detail();
            }
        } catch (SimulationFailure e) {
            failure = e.getMessage();
        } catch (RuntimeException e) {
            SimulationFailure checked = simulationFailureIn(e);
            failure = checked != null ? checked.getMessage() : "exception at " + now + "ms: " + e + stackTop(e);
        }
        finished = true;
        return new SimResult(
                seed,
                config.describe() + ", snapshots every " + snapshotIntervalEntries + " entries in chunks of "
                        + snapshotChunkBytes + " bytes",
                failure,
                failure == null ? "" : formatTrace(),
                eventHash,
                eventCount,
                now,
                history.size(),
                counters);
    }

    /** A check's failure that the runtime wrapped (a state machine's exception stops its node). */
    private static SimulationFailure simulationFailureIn(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SimulationFailure failure) {
                return failure;
            }
        }
        return null;
    }

    private static String stackTop(Throwable e) {
        StringBuilder sb = new StringBuilder();
        StackTraceElement[] st = e.getStackTrace();
        for (int i = 0; i < Math.min(8, st.length); i++) {
            sb.append("\n      at ").append(st[i]);
        }
        return sb.toString();
    }

    private void loop() {
        while (!finished) {
            Event e = queue.poll();
            if (e == null) {
                throw new SimulationFailure("no events left at " + now + "ms");
            }
            now = e.timeMillis;
            eventCount++;
            if (eventCount > config.eventsMax()) {
                throw new SimulationFailure("more than " + config.eventsMax() + " events: livelock or message storm");
            }
            eventHash = InvariantChecker.mix(eventHash * 31 + e.contentHash());
            trace[(int) (traceCount++ % trace.length)] = e;
            counters.increment(Counter.EVENTS);
            try {
                dispatch(e);
            } catch (FileDisk.DiskStopped stop) {
                diskStopped(stop);
            }
            if (failedInCallback != null) {
                throw failedInCallback;
            }
        }
    }

    private void dispatch(Event e) {
        switch (e.type) {
            case TICK -> {
                nodes[e.target].tick();
                // The node's Raft thread parks until its clock says the next tick is due.
                schedule(nodes[e.target].millisUntilNextTick(), Event.Type.TICK, e.target, 0, null);
            }
            case DELIVER -> {
                Message m = (Message) e.payload;
                if (network.deliverable(m)) {
                    nodes[e.target].deliver(m);
                } else {
                    counters.increment(Counter.MESSAGES_CUT_BY_PARTITION);
                }
            }
            case SYNC_DONE -> nodes[e.target].syncDone(e.incarnation, e.payload);
            case CLIENT_INVOKE -> invoke(clients[e.target]);
            case OP_TIMEOUT -> timeout((OpRecord) e.payload);
            case NEMESIS -> {
                nemesis();
                if (network.faultsActive) {
                    scheduleNemesis();
                }
            }
            case RESTART -> {
                SimNode n = nodes[e.target];
                if (n.isCrashed() && n.isInService() && n.incarnation() == e.incarnation) {
                    restart(n);
                }
            }
            case RESUME -> {
                if (nodes[e.target].incarnation() == e.incarnation) {
                    note("resume node " + (e.target + 1));
                    nodes[e.target].resume();
                }
            }
            case HEAL_PARTITION -> {
                if (partitioned && (Long) e.payload == partitionGeneration) {
                    note("heal partition");
                    network.healPartitions();
                    partitioned = false;
                }
            }
            case UNCLOG -> {
                int[] link = (int[]) e.payload;
                network.clogged[link[0]][link[1]] = false;
            }
            case HEAL_ALL -> healAll();
            case CRASH -> {
                SimNode n = nodes[e.target];
                if (!n.isCrashed() && n.incarnation() == e.incarnation && network.faultsActive) {
                    crashNode(n, "during a sync");
                }
            }
            case LIVENESS_CHECK -> livenessCheck();
            case LEASE_PROBE -> leaseProbe(nodes[e.target], (KvOp.Kind) e.payload);
        }
    }

    private void schedule(long delayMillis, Event.Type type, int target, int incarnation, Object payload) {
        if (queue.size() >= config.eventQueueMax()) {
            throw new SimulationFailure("more than " + config.eventQueueMax() + " pending events");
        }
        queue.add(new Event(now + delayMillis, nextSequence++, type, target, incarnation, payload));
    }

    /** Fails the run once the current event is done (for failures raised inside a future's callback). */
    void failAfterEvent(RuntimeException failure) {
        if (failedInCallback == null) {
            failedInCallback = failure;
        }
    }

    void scheduleDelivery(long delayMillis, int to, Message m) {
        schedule(delayMillis, Event.Type.DELIVER, to, 0, m);
    }

    /** Schedules the completion of a sync of {@code node}'s {@code incarnation}; {@code task} is what it runs then. */
    void scheduleSync(SimNode node, int incarnation, Object task) {
        int millis = 1 + diskRandom.nextInt(config.syncMillisMax());
        if (network.faultsActive
                && config.faults().slowSyncProbability() > 0
                && diskRandom.nextDouble() < config.faults().slowSyncProbability()) {
            counters.increment(Counter.SLOW_SYNCS);
            millis += diskRandom.nextInt(config.slowSyncMillisMax());
        }
        schedule(millis, Event.Type.SYNC_DONE, node.index, incarnation, task);
    }

    void send(Message m) {
        invariants.onSend((int) m.from() - 1, m);
        network.send(m);
        maybeCrashAfterPromise(m);
    }

    /**
     * Crashes the sender right after it sent a vote (one time in three) or an acknowledgement (one in a
     * hundred), in runs with crashes: the moment where a host that sends before its sync completes loses
     * a promise it made (the invariant checker compares what was sent with what the restart finds).
     */
    private void maybeCrashAfterPromise(Message m) {
        if (!config.faults().crashes() || !network.faultsActive) {
            return;
        }
        boolean vote = m instanceof VoteResponse v && v.granted() && !v.preVote();
        boolean ack = m instanceof AppendResponse a && a.success();
        if ((vote && faultRandom.nextInt(3) == 0) || (ack && faultRandom.nextInt(100) == 0)) {
            SimNode sender = nodes[(int) m.from() - 1];
            if (!sender.isCrashed()) {
                counters.increment(Counter.CRASHES_AFTER_PROMISE);
                scheduleCrash(sender);
            }
        }
    }

    // --- workload ------------------------------------------------------------------------------------

    private void invoke(Client c) {
        if (!workloadActive || c.current != null) {
            return;
        }
        int key = workloadRandom.nextInt(config.keyCount());
        int roll = workloadRandom.nextInt(10);
        KvOp.Kind kind = roll < 4 ? KvOp.Kind.READ : roll < 8 ? KvOp.Kind.WRITE : KvOp.Kind.CAS;
        int target = c.leaderHint > 0 && workloadRandom.nextInt(10) < 7
                ? (int) c.leaderHint - 1
                : workloadRandom.nextInt(nodes.length);
        if (kind == KvOp.Kind.READ && config.environment().followerReads() && c.leaderHint > 0) {
            // Follower reads: any node but the one the client believes leads.
            target = (int) ((c.leaderHint + workloadRandom.nextInt(nodes.length - 1)) % nodes.length);
        }
        if (!nodes[target].isInService()) {
            target = workloadRandom.nextInt(config.nodeCount()); // clients know the initial members
        }
        long value = kind == KvOp.Kind.READ ? 0 : nextValue++;
        // A CAS mostly expects the latest value written to its key, so that some swaps succeed.
        long expected = kind == KvOp.Kind.CAS && workloadRandom.nextInt(4) != 0 ? lastWritten[key] : 0;
        if (kind != KvOp.Kind.READ) {
            lastWritten[key] = value;
        }
        boolean viaReadIndex =
                kind == KvOp.Kind.READ && (config.environment().followerReads() || workloadRandom.nextBoolean());
        OpRecord op = newOp(
                c.process,
                c.index,
                new KvCommand(target + 1, nextRequestId++, kind, key, value, expected),
                viaReadIndex);
        c.current = op;
        nodes[target].propose(op);
    }

    private OpRecord newOp(int process, int client, KvCommand command, boolean viaReadIndex) {
        OpRecord op = new OpRecord(history.size(), process, client, command, now, viaReadIndex);
        history.add(op);
        schedule(config.opTimeoutMillis(), Event.Type.OP_TIMEOUT, client, 0, op);
        return op;
    }

    private void timeout(OpRecord op) {
        if (!op.isOpen()) {
            return;
        }
        completeOp(op, KvOp.Outcome.INFO, 0);
    }

    /** Records an op's outcome (once) and lets its client go on. */
    void completeOp(OpRecord op, KvOp.Outcome outcome, long result) {
        if (!op.isOpen()) {
            return;
        }
        op.outcome = outcome;
        op.result = result;
        op.completeMillis = now;
        counters.increment(
                switch (outcome) {
                    case OK -> Counter.OPS_OK;
                    case FAIL -> Counter.OPS_FAIL;
                    case INFO -> Counter.OPS_INFO;
                });
        if (op.client < 0) {
            return;
        }
        Client c = clients[op.client];
        if (c.current == op) {
            c.current = null;
            if (outcome == KvOp.Outcome.INFO) {
                // An indeterminate op stays open forever in the history: its process cannot go on.
                c.process = nextProcess++;
            }
            if (outcome == KvOp.Outcome.OK) {
                c.leaderHint = op.command.originNode();
            }
            if (workloadActive) {
                int pause = outcome == KvOp.Outcome.FAIL
                        ? BACKOFF_MILLIS_MIN + workloadRandom.nextInt(BACKOFF_MILLIS_MAX - BACKOFF_MILLIS_MIN)
                        : 1 + workloadRandom.nextInt(THINK_MILLIS_MAX);
                schedule(pause, Event.Type.CLIENT_INVOKE, c.index, 0, null);
            }
        }
    }

    void noteLeaderHint(OpRecord op, long leaderHint) {
        if (op.client >= 0) {
            clients[op.client].leaderHint = leaderHint;
        }
    }

    /** The log index {@code command} was applied at anywhere, or -1. */
    long indexOf(KvCommand command) {
        Long index = commandIndex.get(command.requestId());
        return index == null ? -1 : index;
    }

    /** Every application of a command anywhere: a command belongs to exactly one log index. */
    void onCommandApplied(SimNode node, long index, KvCommand command) {
        Long previous = commandIndex.putIfAbsent(command.requestId(), index);
        if (previous != null && previous != index) {
            throw new SimulationFailure("request " + command.requestId() + " applied at index " + index + " on node "
                    + node.id + " but also at index " + previous + ": a proposal was duplicated");
        }
    }

    private List<KvOp> historyAsOps() {
        List<KvOp> ops = new ArrayList<>(history.size());
        for (OpRecord op : history) {
            ops.add(op.toKvOp());
        }
        return ops;
    }

    // --- nemesis -------------------------------------------------------------------------------------

    private void scheduleNemesis() {
        schedule(10 + faultRandom.nextInt(config.faults().nemesisIntervalMillisMax()), Event.Type.NEMESIS, -1, 0, null);
    }

    private enum Action {
        PARTITION,
        ASYMMETRIC,
        CLOG,
        CRASH,
        PAUSE,
        TRANSFER,
        MEMBERSHIP
    }

    private void nemesis() {
        if (!network.faultsActive) {
            return; // scheduled before the heal
        }
        FaultPlan plan = config.faults();
        reapRemovedNodes();
        List<Action> enabled = new ArrayList<>(7);
        if (plan.partitions()) enabled.add(Action.PARTITION);
        if (plan.asymmetricPartitions()) enabled.add(Action.ASYMMETRIC);
        if (plan.cloggedLinks()) enabled.add(Action.CLOG);
        if (plan.crashes()) enabled.add(Action.CRASH);
        if (plan.pauses()) enabled.add(Action.PAUSE);
        if (plan.leadershipTransfers()) enabled.add(Action.TRANSFER);
        if (plan.membershipChanges()) enabled.add(Action.MEMBERSHIP);
        if (enabled.isEmpty()) {
            return;
        }
        switch (enabled.get(faultRandom.nextInt(enabled.size()))) {
            case PARTITION -> {
                if (!partitioned) {
                    symmetricPartition();
                }
            }
            case ASYMMETRIC -> {
                if (!partitioned) {
                    asymmetricPartition();
                }
            }
            case CLOG -> {
                int a = faultRandom.nextInt(nodes.length);
                int b = (a + 1 + faultRandom.nextInt(nodes.length - 1)) % nodes.length;
                network.clogged[a][b] = true;
                counters.increment(Counter.CLOGGED_LINKS);
                note("clog " + (a + 1) + "->" + (b + 1));
                schedule(200 + faultRandom.nextInt(3000), Event.Type.UNCLOG, -1, 0, new int[] {a, b});
                if (faultRandom.nextBoolean()) {
                    network.clogged[b][a] = true;
                    schedule(200 + faultRandom.nextInt(3000), Event.Type.UNCLOG, -1, 0, new int[] {b, a});
                }
            }
            case CRASH -> {
                SimNode n = nodes[faultRandom.nextInt(nodes.length)];
                if (!n.isCrashed()) {
                    if (faultRandom.nextBoolean()) {
                        crashNode(n, "");
                    } else {
                        n.armCrashAtNextSync();
                    }
                }
            }
            case TRANSFER -> {
                SimNode leader = likelyLeader();
                if (leader != null) {
                    List<Long> others = new ArrayList<>(leader.status().conf().voters());
                    others.remove(leader.id);
                    if (!others.isEmpty()) {
                        long target = others.get(faultRandom.nextInt(others.size()));
                        note("transfer leadership " + leader.id + " -> " + target);
                        counters.increment(Counter.LEADERSHIP_TRANSFERS);
                        leader.transferLeadership(target);
                        if (config.leaseReads() && !partitioned && leaseTransferRandom.nextBoolean()) {
                            deafenAfterTransfer(leader, nodes[(int) target - 1]);
                        }
                    }
                }
            }
            case MEMBERSHIP -> changeMembership();
            case PAUSE -> {
                SimNode leader = likelyLeader();
                boolean isolateLeader =
                        leader != null && !partitioned && plan.partitions() && faultRandom.nextBoolean();
                SimNode n = isolateLeader ? leader : nodes[faultRandom.nextInt(nodes.length)];
                if (!n.isCrashed() && !n.isPaused()) {
                    note("pause node " + n.id);
                    n.pause();
                    counters.increment(Counter.PAUSES);
                    int pauseMillis = 50 + faultRandom.nextInt(2000);
                    schedule(pauseMillis, Event.Type.RESUME, n.index, n.incarnation(), null);
                    if (isolateLeader) {
                        // A stalled leader that is also cut off: the others elect a new one and commit, and
                        // when it resumes, having lost the stalled ticks, nothing has told it yet.
                        counters.increment(Counter.STALLED_LEADERS_ISOLATED);
                        for (int other = 0; other < nodes.length; other++) {
                            if (other != n.index) {
                                network.cut[n.index][other] = true;
                                network.cut[other][n.index] = true;
                            }
                        }
                        startedPartition(
                                "isolate the stalled leader " + n.id, pauseMillis + 20 + faultRandom.nextInt(300));
                    }
                }
            }
        }
    }

    /** The longest an old leader stays deaf after a transfer: past its lease, short of the op timeout. */
    static final int DEAF_LEADER_MILLIS_MAX = 400;
    /** Probes after a transfer from a deaf leader: writes to the target and reads to the old leader. */
    static final int LEASE_PROBES_PER_TRANSFER = 6;

    /**
     * Lease-read runs: right after {@code leader} was asked to hand over to {@code target}, nothing reaches
     * the old leader for a while (its TimeoutNow and heartbeats still get out). The target is elected by a
     * transfer election, which bypasses the followers' stickiness, and commits; the old leader, which hears
     * of none of it, must not serve a read from its lease meanwhile (a transfer voids the lease). Writes to
     * the target and reads to the old leader, spread over the old lease's length, make the stale read that
     * a lease ignoring the transfer would serve show up in the history (mutation 09).
     */
    private void deafenAfterTransfer(SimNode leader, SimNode target) {
        for (int other = 0; other < nodes.length; other++) {
            if (other != leader.index) {
                network.cut[other][leader.index] = true;
            }
        }
        counters.increment(Counter.TRANSFERS_FROM_DEAF_LEADERS);
        long leaseMillis = (long) NodeConfig.DEFAULT_ELECTION_TIMEOUT_TICKS * config.tickMillis();
        startedPartition(
                "old leader " + leader.id + " deaf after its transfer to " + target.id,
                leaseMillis + leaseTransferRandom.nextInt(DEAF_LEADER_MILLIS_MAX - (int) leaseMillis));
        for (int i = 0; i < LEASE_PROBES_PER_TRANSFER; i++) {
            boolean write = i % 2 == 0;
            long at = (i + 1) * leaseMillis / LEASE_PROBES_PER_TRANSFER + leaseTransferRandom.nextInt(10);
            schedule(
                    at,
                    Event.Type.LEASE_PROBE,
                    write ? target.index : leader.index,
                    0,
                    write ? KvOp.Kind.WRITE : KvOp.Kind.READ);
        }
    }

    private void leaseProbe(SimNode node, KvOp.Kind kind) {
        if (!workloadActive || !node.isInService()) {
            return;
        }
        counters.increment(Counter.LEASE_PROBES_AFTER_TRANSFER);
        int key = leaseTransferRandom.nextInt(config.keyCount());
        long value = kind == KvOp.Kind.WRITE ? nextValue++ : 0;
        if (kind == KvOp.Kind.WRITE) {
            lastWritten[key] = value;
        }
        OpRecord op = newOp(
                nextProcess++,
                -1,
                new KvCommand(node.id, nextRequestId++, kind, key, value, 0),
                kind == KvOp.Kind.READ);
        node.propose(op);
    }

    /** The running leader of the highest term, or null. */
    private SimNode likelyLeader() {
        SimNode leader = null;
        for (SimNode n : nodes) {
            if (!n.isCrashed()
                    && invariants.role(n.index) == Role.LEADER
                    && (leader == null || invariants.term(n.index) > invariants.term(leader.index))) {
                leader = n;
            }
        }
        return leader;
    }

    /** Shrinks below this many voters are not proposed, so crashes still leave a working majority. */
    static final int VOTERS_MIN = 3;

    /**
     * One membership step, as an operator would take it: promote a learner; or add a spare node (as a
     * learner, or straight in as a voter through a joint configuration); or remove a voter (the leader
     * included). A spare is started before it is added: it sits idle until the log tells it it is a member.
     */
    private void changeMembership() {
        SimNode leader = likelyLeader();
        if (leader == null) {
            return;
        }
        ConfState conf = leader.status().conf();
        if (conf.isJoint()) {
            return;
        }
        SimNode spare = null;
        for (SimNode n : nodes) {
            if (!n.isStarted()) {
                spare = n;
                break;
            }
        }
        int roll = faultRandom.nextInt(3);
        ConfChange change;
        if (!conf.learners().isEmpty() && roll == 0) {
            List<Long> learners = new ArrayList<>(conf.learners());
            change = ConfChange.addVoter(learners.get(faultRandom.nextInt(learners.size())));
        } else if (spare != null && roll <= 1) {
            spare.start(nodeSeedRandom.nextLong());
            counters.increment(Counter.NODES_ADDED);
            change = faultRandom.nextBoolean() ? ConfChange.addLearner(spare.id) : ConfChange.addVoter(spare.id);
        } else if (conf.voters().size() > VOTERS_MIN) {
            List<Long> voters = new ArrayList<>(conf.voters());
            change = ConfChange.remove(voters.get(faultRandom.nextInt(voters.size())));
        } else {
            return;
        }
        note("membership via leader " + leader.id + ": " + change + " from " + conf);
        leader.proposeConfChange(change);
    }

    /**
     * A configuration entry was applied somewhere. Every node applies the same entries in the same order
     * (state machine safety is checked separately), so the first application of each index, in index
     * order, tracks the committed configuration — unlike any one node's applied configuration, which
     * may lag behind the commit.
     */
    void onConfEntryApplied(long index, byte[] data) {
        if (index <= clusterConfIndex) {
            return;
        }
        clusterConfIndex = index;
        ConfState before = clusterConf;
        try {
            clusterConf = ConfChanger.apply(clusterConf, ConfChange.decode(data));
        } catch (IllegalArgumentException e) {
            // The node ignores an invalid change too (it was validated when proposed).
            return;
        }
        // Coverage of the membership paths, counted once per cluster (by the first node to apply).
        if (clusterConf.isJoint() && !before.isJoint()) {
            counters.increment(Counter.JOINT_CONFIGS_ENTERED);
        } else if (before.isJoint() && !clusterConf.isJoint()) {
            counters.increment(Counter.JOINT_CONFIGS_LEFT);
        }
        for (long learner : before.learners()) {
            if (clusterConf.isVoter(learner)) {
                counters.increment(Counter.LEARNERS_PROMOTED);
            }
        }
        for (SimNode n : nodes) {
            if (before.isVoter(n.id)
                    && !clusterConf.isMember(n.id)
                    && !n.isCrashed()
                    && invariants.role(n.index) == Role.LEADER) {
                counters.increment(Counter.LEADERS_REMOVED);
            }
        }
    }

    /** Shuts down, for good, every node the committed configuration no longer lists. */
    private void reapRemovedNodes() {
        ConfState conf = clusterConf;
        for (SimNode n : nodes) {
            if (conf.isMember(n.id)) {
                n.wasMember = true;
            } else if (n.wasMember && !n.isRemoved()) {
                note("node " + n.id + " left the configuration " + conf + ": shut down");
                counters.increment(Counter.NODES_REMOVED);
                n.decommission();
                for (Client c : clients) {
                    if (c.leaderHint == n.id) {
                        c.leaderHint = 0;
                    }
                }
            }
        }
    }

    /**
     * A file disk's injected fault stopped a node's storage in the middle of an operation: the power went
     * out (the machine crashes) or a force failed (the node must stop; its process restarts). Either way the
     * node goes down now and restarts later, as after any crash.
     */
    private void diskStopped(FileDisk.DiskStopped stop) {
        SimNode n = nodes[(int) stop.nodeId - 1];
        if (stop.failedForce) {
            counters.increment(Counter.FAILED_FORCES);
        } else {
            counters.increment(
                    switch (stop.operation) {
                        case APPEND -> Counter.POWER_LOSSES_IN_APPEND;
                        case TRUNCATION -> Counter.POWER_LOSSES_IN_TRUNCATION;
                        case SYNC -> Counter.POWER_LOSSES_IN_SYNC;
                        case HARD_STATE_REPLACE -> Counter.POWER_LOSSES_IN_HARD_STATE_REPLACE;
                        case COMPACTION -> Counter.POWER_LOSSES_IN_COMPACTION;
                        case SNAPSHOT_INSTALL -> Counter.POWER_LOSSES_IN_SNAPSHOT_INSTALL;
                    });
        }
        crashNode(n, stop.getMessage());
    }

    private void crashNode(SimNode n, String when) {
        note("crash node " + n.id + (when.isEmpty() ? "" : " " + when));
        n.crash();
        counters.increment(Counter.CRASHES);
        schedule(faultRandom.nextInt(2000), Event.Type.RESTART, n.index, n.incarnation(), null);
    }

    /**
     * A node began receiving a snapshot: in runs with {@link EnvironmentPlan#snapshotLeaderChanges()}, often
     * make the leader hand over to another voter, or pause it, so that the transfer spans a leader change.
     */
    void onSnapshotTransferStarted(SimNode receiver) {
        if (!config.environment().snapshotLeaderChanges() || !network.faultsActive || faultRandom.nextInt(3) == 0) {
            return;
        }
        SimNode leader = likelyLeader();
        if (leader == null || leader == receiver) {
            return;
        }
        counters.increment(Counter.SNAPSHOT_TRANSFER_LEADER_CHANGES);
        List<Long> others = new ArrayList<>(leader.status().conf().voters());
        others.remove(leader.id);
        others.remove(receiver.id);
        if (!others.isEmpty() && faultRandom.nextBoolean()) {
            long target = others.get(faultRandom.nextInt(others.size()));
            note("snapshot to " + receiver.id + " in flight: transfer leadership " + leader.id + " -> " + target);
            leader.transferLeadership(target);
        } else if (!leader.isPaused()) {
            note("snapshot to " + receiver.id + " in flight: pause leader " + leader.id);
            leader.pause();
            counters.increment(Counter.PAUSES);
            schedule(
                    2 * config.tickMillis() * NodeConfig.DEFAULT_ELECTION_TIMEOUT_TICKS + faultRandom.nextInt(500),
                    Event.Type.RESUME,
                    leader.index,
                    leader.incarnation(),
                    null);
        }
    }

    /** Crashes {@code node} right after the current event, while its sync is still in flight. */
    void scheduleCrash(SimNode node) {
        schedule(0, Event.Type.CRASH, node.index, node.incarnation(), null);
    }

    private void symmetricPartition() {
        startedPartition(PartitionShapes.symmetric(network.cut, faultRandom));
    }

    private void asymmetricPartition() {
        counters.increment(Counter.ASYMMETRIC_PARTITIONS);
        startedPartition(PartitionShapes.asymmetric(network.cut, faultRandom));
    }

    private void startedPartition(String shape) {
        startedPartition(shape, 200 + faultRandom.nextInt(3000));
    }

    private void startedPartition(String shape, long healAfterMillis) {
        partitioned = true;
        partitionGeneration++;
        counters.increment(Counter.PARTITIONS);
        note("partition: " + shape);
        schedule(healAfterMillis, Event.Type.HEAL_PARTITION, -1, 0, partitionGeneration);
    }

    private void restart(SimNode n) {
        note("restart node " + n.id);
        counters.increment(Counter.RESTARTS);
        long randomSeed = nodeSeedRandom.nextLong();
        if (config.environment().sameSeedRestarts() && n.firstRandomSeed() != 0) {
            randomSeed = n.firstRandomSeed();
            counters.increment(Counter.RESTARTS_SAME_SEED);
        }
        n.start(randomSeed);
        if (config.environment().staleMessages() && network.faultsActive) {
            network.replayPreviousIncarnation(n.index);
        }
    }

    // --- healing and liveness ------------------------------------------------------------------------

    private void healAll() {
        note("heal everything; clients stop; liveness must follow within " + config.livenessBoundMillis() + "ms");
        workloadActive = false;
        network.faultsActive = false;
        for (SimNode n : nodes) {
            n.setDiskFaultsEnabled(false);
        }
        network.healPartitions();
        partitioned = false;
        network.unclogAll();
        for (SimNode n : nodes) {
            if (n.isCrashed() && n.isInService()) {
                restart(n);
            }
            n.resume();
        }
        livenessDeadline = now + config.livenessBoundMillis();
        schedule(LIVENESS_CHECK_INTERVAL_MILLIS, Event.Type.LIVENESS_CHECK, -1, 0, null);
    }

    private void livenessCheck() {
        reapRemovedNodes();
        SimNode leader = agreedLeader();
        boolean clientsDone = true;
        for (Client c : clients) {
            clientsDone &= c.current == null;
        }
        if (leader != null && (probe == null || (!probe.isOpen() && probe.outcome != KvOp.Outcome.OK))) {
            counters.increment(Counter.LIVENESS_PROBES);
            probe = newOp(
                    nextProcess++,
                    -1,
                    new KvCommand(leader.id, nextRequestId++, KvOp.Kind.WRITE, 0, nextValue++, 0),
                    false);
            leader.propose(probe);
        }
        SimNode follower = leader == null || !config.forwardProposals() ? null : probeFollower(leader);
        if (follower != null
                && (forwardedProbe == null
                        || (!forwardedProbe.isOpen() && forwardedProbe.outcome != KvOp.Outcome.OK))) {
            counters.increment(Counter.LIVENESS_PROBES_FORWARDED);
            forwardedProbe = newOp(
                    nextProcess++,
                    -1,
                    new KvCommand(follower.id, nextRequestId++, KvOp.Kind.WRITE, 0, nextValue++, 0),
                    false);
            follower.propose(forwardedProbe);
        }
        boolean forwardedDone =
                follower == null || (forwardedProbe != null && forwardedProbe.outcome == KvOp.Outcome.OK);
        if (leader != null && clientsDone && forwardedDone && probe != null && probe.outcome == KvOp.Outcome.OK) {
            var status = leader.status();
            long commit = status.commitIndex();
            boolean caughtUp = commit >= probe.appliedIndex && !status.conf().isJoint();
            for (SimNode n : nodes) {
                if (status.conf().isMember(n.id)) {
                    caughtUp &= n.appliedIndex() == commit;
                }
            }
            if (caughtUp) {
                finished = true;
                return;
            }
        }
        if (now >= livenessDeadline) {
            StringBuilder sb = new StringBuilder("liveness: no stable leader with every op finished "
                    + config.livenessBoundMillis() + "ms after healing");
            sb.append(probe == null ? "; no probe proposed" : "; probe " + probe + " " + probe.outcome);
            if (forwardedProbe != null) {
                sb.append("; forwarded probe ")
                        .append(forwardedProbe)
                        .append(' ')
                        .append(forwardedProbe.outcome);
            }
            if (leader != null && leader.status().conf().isJoint()) {
                sb.append("; the configuration is still joint");
            }
            for (SimNode n : nodes) {
                if (!n.isCrashed()
                        && clusterConf.isMember(n.id)
                        && !n.status().conf().equals(clusterConf)) {
                    // Say why: a node applies (reports) a configuration only once it knows the entry committed,
                    // and its commit index is volatile; it still campaigns and votes on the latest configuration
                    // in its log (thesis §4.1), so this names the committed entry and what the node knows of it.
                    var s = n.status();
                    sb.append("; node ")
                            .append(n.id)
                            .append("'s applied configuration ")
                            .append(s.conf())
                            .append(" is behind the committed one ")
                            .append(clusterConf)
                            .append(" (entry ")
                            .append(clusterConfIndex)
                            .append("; it knows commit ")
                            .append(s.commitIndex())
                            .append(", its log ends at ")
                            .append(s.lastIndex())
                            .append(')');
                }
            }
            for (Client c : clients) {
                if (c.current != null) {
                    sb.append("; client ").append(c.index).append(" waits on ").append(c.current);
                }
            }
            for (SimNode n : nodes) {
                sb.append("\n    ").append(n.describe());
            }
            throw new SimulationFailure(sb.toString());
        }
        schedule(LIVENESS_CHECK_INTERVAL_MILLIS, Event.Type.LIVENESS_CHECK, -1, 0, null);
    }

    /** The lowest-id running voter or learner of the leader's configuration other than the leader; or null. */
    private SimNode probeFollower(SimNode leader) {
        ConfState conf = leader.status().conf();
        for (SimNode n : nodes) {
            if (n != leader && conf.isMember(n.id) && !n.isCrashed()) {
                return n;
            }
        }
        return null;
    }

    /** The one leader that every member of its configuration follows, in its term; or null. */
    private SimNode agreedLeader() {
        SimNode leader = null;
        for (SimNode n : nodes) {
            if (n.isCrashed() || n.isPaused()) {
                continue;
            }
            if (invariants.role(n.index) == Role.LEADER) {
                if (leader != null) {
                    return null;
                }
                leader = n;
            }
        }
        if (leader == null) {
            return null;
        }
        ConfState conf = leader.status().conf();
        for (SimNode n : nodes) {
            if (!conf.isMember(n.id)) {
                continue;
            }
            if (n.isCrashed()
                    || n.isPaused()
                    || invariants.term(n.index) != invariants.term(leader.index)
                    || invariants.leaderId(n.index) != leader.id) {
                return null;
            }
        }
        return leader;
    }

    // --- tracing -------------------------------------------------------------------------------------

    private void note(String what) {
        trace[(int) (traceCount++ % trace.length)] = String.format("%8dms %s", now, what);
        eventHash = InvariantChecker.mix(eventHash ^ what.hashCode());
    }

    private String formatTrace() {
        StringBuilder sb = new StringBuilder();
        long start = Math.max(0, traceCount - trace.length);
        for (long i = start; i < traceCount; i++) {
            sb.append("    ").append(trace[(int) (i % trace.length)]).append('\n');
        }
        return sb.toString();
    }
}
