package dev.raftchat.sim;

import dev.raftchat.raft.core.NodeConfig;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Everything that shapes one simulated run besides its seed. {@link #forSeed} derives a configuration
 * from the seed itself (cluster size, node options and the {@link FaultPlan}), so that one number
 * replays a run exactly. Every limit is validated here.
 *
 * @param nodeCount             voters in the cluster (3 or 5 in the seeded runs)
 * @param faults                the faults this run injects during its fault phase
 * @param preVote               node option, see {@link NodeConfig#preVote()}
 * @param checkQuorum           node option, see {@link NodeConfig#checkQuorum()}
 * @param forwardProposals      node option, see {@link NodeConfig#forwardProposals()}
 * @param leaseReads            node option, see {@link NodeConfig#leaseReads()}; never with clock drift
 *                              beyond the lease's bound ({@link EnvironmentPlan.ClockDrift#BEYOND_BOUND})
 * @param appendBytesMax        node option, see {@link NodeConfig#appendBytesMax()}
 * @param inflightAppendsMax    node option, see {@link NodeConfig#inflightAppendsMax()}
 * @param tickMillis            virtual time between two ticks of a node
 * @param faultPhaseMillis      how long faults are injected before the network heals
 * @param livenessBoundMillis   after healing, the time allowed to elect one leader and finish every op
 * @param clientCount           concurrent clients, each with one op outstanding at a time
 * @param keyCount              registers the clients share
 * @param opTimeoutMillis       a client gives up (outcome unknown) after this long
 * @param syncMillisMax         the longest ordinary sync
 * @param slowSyncMillisMax     the longest slow sync (see {@link FaultPlan#slowSyncProbability()})
 * @param hostInboxMessagesMax  inputs a busy or paused node may queue; more are dropped (messages) or
 *                              refused (proposals)
 * @param eventQueueMax         pending events in the simulation; more fails the run (a message storm)
 * @param eventsMax             events in one run; more fails the run (a livelock)
 * @param traceEvents           events kept to print when a run fails
 * @param storageFactory        the disks of the nodes
 * @param hostMisbehaviour      breaks the storage's promises on purpose, to prove the checkers can fail
 * @param overlappedSyncs       nodes write a leader's appends and advance before the sync, which runs
 *                              overlapped with later Readies ({@code RaftNode#advanceWithoutSync}), as the
 *                              runtime does
 * @param environment           clock drift, restart seeds, stale messages, leader changes during snapshot
 *                              transfers, follower reads
 */
public record SimulationConfig(
        int nodeCount,
        FaultPlan faults,
        boolean preVote,
        boolean checkQuorum,
        boolean forwardProposals,
        boolean leaseReads,
        long appendBytesMax,
        int inflightAppendsMax,
        int tickMillis,
        int faultPhaseMillis,
        int livenessBoundMillis,
        int clientCount,
        int keyCount,
        int opTimeoutMillis,
        int syncMillisMax,
        int slowSyncMillisMax,
        int hostInboxMessagesMax,
        int eventQueueMax,
        long eventsMax,
        int traceEvents,
        StorageFactory storageFactory,
        HostMisbehaviour hostMisbehaviour,
        boolean overlappedSyncs,
        EnvironmentPlan environment) {

    /**
     * Deliberate violations of the durability contract, to prove the checkers can fail. The simulator runs
     * the production runtime, which keeps the Ready contract; these break the storage under it instead
     * ({@link LyingSyncStorage}), which makes the runtime send acknowledgements and count entries durable
     * before they are.
     */
    public enum HostMisbehaviour {
        NONE,
        /** Every sync returns at once without making anything durable (an fsync that lies). */
        SYNC_RETURNS_EARLY,
        /**
         * Overlapped syncs ({@code LogStorage#beginSync}) complete without making anything durable, so the
         * node counts entries durable that a crash may still lose.
         */
        OVERLAPPED_SYNC_RETURNS_EARLY
    }

    public SimulationConfig {
        positive("nodeCount", nodeCount);
        positive("tickMillis", tickMillis);
        positive("faultPhaseMillis", faultPhaseMillis);
        positive("livenessBoundMillis", livenessBoundMillis);
        positive("clientCount", clientCount);
        positive("keyCount", keyCount);
        positive("opTimeoutMillis", opTimeoutMillis);
        positive("syncMillisMax", syncMillisMax);
        positive("slowSyncMillisMax", slowSyncMillisMax);
        positive("hostInboxMessagesMax", hostInboxMessagesMax);
        positive("eventQueueMax", eventQueueMax);
        positive("traceEvents", traceEvents);
        positive("inflightAppendsMax", inflightAppendsMax);
        if (appendBytesMax < 1) {
            throw new IllegalArgumentException("appendBytesMax must be >= 1, got " + appendBytesMax);
        }
        if (eventsMax < 1) {
            throw new IllegalArgumentException("eventsMax must be >= 1, got " + eventsMax);
        }
        if (faults == null || storageFactory == null || hostMisbehaviour == null || environment == null) {
            throw new IllegalArgumentException("faults, storageFactory, hostMisbehaviour and environment are required");
        }
        if (leaseReads && environment.clockDrift() == EnvironmentPlan.ClockDrift.BEYOND_BOUND) {
            throw new IllegalArgumentException("lease reads promise nothing under clock drift beyond their bound");
        }
    }

    private static void positive(String name, long value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + value);
        }
    }

    /** The configuration a seed stands for: cluster size, node options and faults drawn from it. */
    public static SimulationConfig forSeed(long seed) {
        SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL);
        int nodes = r.nextBoolean() ? 3 : 5;
        FaultPlan faults = FaultPlan.swarm(r);
        boolean preVote = r.nextInt(4) != 0;
        boolean checkQuorum = r.nextInt(4) != 0;
        boolean forward = r.nextInt(4) != 0;
        // Small batches and windows now and then, to exercise probing and flow control.
        long appendBytes = r.nextInt(4) == 0 ? 200 : NodeConfig.DEFAULT_APPEND_BYTES_MAX;
        int inflight = r.nextInt(4) == 0 ? 1 + r.nextInt(3) : NodeConfig.DEFAULT_INFLIGHT_APPENDS_MAX;
        EnvironmentPlan environment = EnvironmentPlan.forSeed(seed);
        // Drawn from its own stream so that adding the option did not reshuffle the other choices. A third
        // of the seeds (less those with drift beyond the lease's bound) read by lease, which needs CheckQuorum.
        boolean leaseReads = new SplittableRandom(seed ^ 0x1EA5EL).nextInt(3) == 0
                && environment.clockDrift() != EnvironmentPlan.ClockDrift.BEYOND_BOUND;
        checkQuorum |= leaseReads;
        return new SimulationConfig(
                nodes,
                faults,
                preVote,
                checkQuorum,
                forward,
                leaseReads,
                appendBytes,
                inflight,
                10,
                2000 + r.nextInt(3000),
                10_000,
                2 + r.nextInt(4),
                1 + r.nextInt(3),
                1000,
                3,
                150,
                4096,
                200_000,
                2_000_000,
                50,
                storageForSeed(seed),
                HostMisbehaviour.NONE,
                overlappedSyncsForSeed(seed),
                environment);
    }

    /**
     * Half the seeds overlap syncs as the runtime does, half sync every Ready before advancing: drawn from
     * its own stream so that adding the option did not reshuffle the other choices.
     */
    static boolean overlappedSyncsForSeed(long seed) {
        return new SplittableRandom(seed ^ 0x0F_E4_1A_99EDL).nextBoolean();
    }

    /** One seed in FILE_STORAGE_ONE_IN runs the real file storage instead of the durability model. */
    public static final int FILE_STORAGE_ONE_IN = 4;

    /**
     * The storage a seed uses, drawn from its own stream so that adding storages does not reshuffle the
     * other choices a seed makes.
     */
    static StorageFactory storageForSeed(long seed) {
        SplittableRandom r = new SplittableRandom(seed ^ 0x57_0A_6E_F1_1EL);
        return r.nextInt(FILE_STORAGE_ONE_IN) == 0 ? FileDisk.factory() : StorageFactory.model();
    }

    public SimulationConfig withFaults(FaultPlan plan) {
        return with(b -> b.faults = plan);
    }

    public SimulationConfig withStorageFactory(StorageFactory factory) {
        return with(b -> b.storageFactory = factory);
    }

    public SimulationConfig withHostMisbehaviour(HostMisbehaviour misbehaviour) {
        return with(b -> b.hostMisbehaviour = misbehaviour);
    }

    public SimulationConfig withSyncMillisMax(int millis) {
        return with(b -> b.syncMillisMax = millis);
    }

    public SimulationConfig withOverlappedSyncs(boolean overlapped) {
        return with(b -> b.overlappedSyncs = overlapped);
    }

    public SimulationConfig withTraceEvents(int events) {
        return with(b -> b.traceEvents = events);
    }

    public SimulationConfig withEnvironment(EnvironmentPlan plan) {
        return with(b -> b.environment = plan);
    }

    /** Nodes that can join later when membership changes are on; they start only when added. */
    public static final int SPARE_NODES = 2;

    /** Node slots: the initial voters plus the spares. */
    public int slots() {
        return nodeCount + (faults.membershipChanges() ? SPARE_NODES : 0);
    }

    /** The node configuration for node {@code id}, its randomness seeded by {@code randomSeed}. */
    NodeConfig nodeConfig(long id, long randomSeed) {
        return NodeConfig.defaults(id, randomSeed)
                .withPreVote(preVote)
                .withCheckQuorum(checkQuorum)
                .withForwardProposals(forwardProposals)
                .withAppendBytesMax(appendBytesMax)
                .withInflightAppendsMax(inflightAppendsMax)
                .withLeaseReads(leaseReads, NodeConfig.DEFAULT_LEASE_CLOCK_DRIFT_TICKS);
    }

    /** One line for reports. */
    public String describe() {
        return nodeCount + " nodes, preVote=" + preVote + " checkQuorum=" + checkQuorum + " forward=" + forwardProposals
                + (leaseReads ? " leaseReads" : "")
                + " appendBytesMax=" + appendBytesMax + " inflightAppendsMax=" + inflightAppendsMax
                + ", faults for " + faultPhaseMillis + "ms: " + faults + ", " + clientCount + " clients on " + keyCount
                + " keys" + (storageFactory instanceof StorageFactory.Named n ? ", " + n.name() + " storage" : "")
                + (hostMisbehaviour == HostMisbehaviour.NONE ? "" : ", host " + hostMisbehaviour)
                + (environment.equals(EnvironmentPlan.NONE) ? "" : ", environment: " + environment);
    }

    /** Applies {@code change} to a copy of these fields; the canonical constructor validates the result again. */
    private SimulationConfig with(Consumer<Builder> change) {
        Builder builder = new Builder(this);
        change.accept(builder);
        return builder.build();
    }

    /** The mutable copy that the {@code with...} methods change, so that each names only what it changes. */
    private static final class Builder {
        private int nodeCount;
        private FaultPlan faults;
        private boolean preVote;
        private boolean checkQuorum;
        private boolean forwardProposals;
        private boolean leaseReads;
        private long appendBytesMax;
        private int inflightAppendsMax;
        private int tickMillis;
        private int faultPhaseMillis;
        private int livenessBoundMillis;
        private int clientCount;
        private int keyCount;
        private int opTimeoutMillis;
        private int syncMillisMax;
        private int slowSyncMillisMax;
        private int hostInboxMessagesMax;
        private int eventQueueMax;
        private long eventsMax;
        private int traceEvents;
        private StorageFactory storageFactory;
        private HostMisbehaviour hostMisbehaviour;
        private boolean overlappedSyncs;
        private EnvironmentPlan environment;

        Builder(SimulationConfig c) {
            nodeCount = c.nodeCount;
            faults = c.faults;
            preVote = c.preVote;
            checkQuorum = c.checkQuorum;
            forwardProposals = c.forwardProposals;
            leaseReads = c.leaseReads;
            appendBytesMax = c.appendBytesMax;
            inflightAppendsMax = c.inflightAppendsMax;
            tickMillis = c.tickMillis;
            faultPhaseMillis = c.faultPhaseMillis;
            livenessBoundMillis = c.livenessBoundMillis;
            clientCount = c.clientCount;
            keyCount = c.keyCount;
            opTimeoutMillis = c.opTimeoutMillis;
            syncMillisMax = c.syncMillisMax;
            slowSyncMillisMax = c.slowSyncMillisMax;
            hostInboxMessagesMax = c.hostInboxMessagesMax;
            eventQueueMax = c.eventQueueMax;
            eventsMax = c.eventsMax;
            traceEvents = c.traceEvents;
            storageFactory = c.storageFactory;
            hostMisbehaviour = c.hostMisbehaviour;
            overlappedSyncs = c.overlappedSyncs;
            environment = c.environment;
        }

        SimulationConfig build() {
            return new SimulationConfig(
                    nodeCount,
                    faults,
                    preVote,
                    checkQuorum,
                    forwardProposals,
                    leaseReads,
                    appendBytesMax,
                    inflightAppendsMax,
                    tickMillis,
                    faultPhaseMillis,
                    livenessBoundMillis,
                    clientCount,
                    keyCount,
                    opTimeoutMillis,
                    syncMillisMax,
                    slowSyncMillisMax,
                    hostInboxMessagesMax,
                    eventQueueMax,
                    eventsMax,
                    traceEvents,
                    storageFactory,
                    hostMisbehaviour,
                    overlappedSyncs,
                    environment);
        }
    }
}
