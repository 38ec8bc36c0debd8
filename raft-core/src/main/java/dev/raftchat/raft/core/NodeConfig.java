package dev.raftchat.raft.core;

import dev.raftchat.raft.model.Check;
import java.security.SecureRandom;
import java.util.Objects;

/**
 * Configuration of one pure {@link RaftNode}. Every limit carries its unit in its name; all values are
 * validated once, in the constructor, with a message that names the field. Start from
 * {@link #defaults(long)} (or {@link #builder(long)}) and change fields with the builder or the
 * {@code with...} methods.
 *
 * <p>Not a record on purpose: the constructor is private, so that adding a field never breaks a
 * caller; build one with the builder.
 */
public final class NodeConfig {
    private final long id;
    private final int electionTimeoutTicks;
    private final int heartbeatIntervalTicks;
    private final boolean preVote;
    private final boolean checkQuorum;
    private final boolean forwardProposals;
    private final long appendBytesMax;
    private final int inflightAppendsMax;
    private final long uncommittedBytesMax;
    private final long committedBytesPerReadyMax;
    private final int proposalsPerForwardMax;
    private final int pendingReadsMax;
    private final int snapshotChunkBytes;
    private final int snapshotChunksInflightMax;
    private final boolean leaseReads;
    private final int leaseClockDriftTicks;
    private final long promotionLagEntriesMax;
    private final long randomSeed;

    /** Seeds {@link #defaults(long)}; thread-safe. */
    private static final SecureRandom SEEDS = new SecureRandom();

    public static final int DEFAULT_ELECTION_TIMEOUT_TICKS = 10;
    public static final int DEFAULT_HEARTBEAT_INTERVAL_TICKS = 2;
    public static final long DEFAULT_APPEND_BYTES_MAX = 1024 * 1024;
    public static final int DEFAULT_INFLIGHT_APPENDS_MAX = 64;
    public static final long DEFAULT_UNCOMMITTED_BYTES_MAX = 64L * 1024 * 1024;
    public static final long DEFAULT_COMMITTED_BYTES_PER_READY_MAX = 16L * 1024 * 1024;
    public static final int DEFAULT_PROPOSALS_PER_FORWARD_MAX = 256;
    public static final int DEFAULT_PENDING_READS_MAX = 4096;
    /**
     * With {@link #DEFAULT_SNAPSHOT_CHUNKS_INFLIGHT_MAX}, a window of 8 MiB of unacknowledged snapshot bytes per
     * follower: a transfer runs at most one window per round trip (chunk to the follower's Raft thread, which stages
     * it, and its acknowledgement back to the leader's), and a round trip on loopback measured 43 ms on a loaded
     * 2-core machine, where the former 4 x 256 KiB window held a transfer to 23 MB/s, a quarter of the disk's
     * sequential bandwidth. 8 MiB covers 190 MB/s at that round trip. The memory it costs is bounded: the window,
     * per follower being caught up, in the leader's outbox and the follower's inbox (docs/benchmarks.md).
     */
    public static final int DEFAULT_SNAPSHOT_CHUNK_BYTES = 1024 * 1024;

    public static final int DEFAULT_SNAPSHOT_CHUNKS_INFLIGHT_MAX = 8;
    /**
     * The most unacknowledged snapshot bytes per follower a configuration may ask for
     * ({@code snapshotChunkBytes * snapshotChunksInflightMax}): the leader holds that much per follower it catches up.
     */
    public static final long SNAPSHOT_WINDOW_BYTES_LIMIT = 1L << 30;

    public static final int DEFAULT_LEASE_CLOCK_DRIFT_TICKS = 2;
    public static final long DEFAULT_PROMOTION_LAG_ENTRIES_MAX = 1000;

    private NodeConfig(Builder b) {
        this.id = b.id;
        this.electionTimeoutTicks = b.electionTimeoutTicks;
        this.heartbeatIntervalTicks = b.heartbeatIntervalTicks;
        this.preVote = b.preVote;
        this.checkQuorum = b.checkQuorum;
        this.forwardProposals = b.forwardProposals;
        this.appendBytesMax = b.appendBytesMax;
        this.inflightAppendsMax = b.inflightAppendsMax;
        this.uncommittedBytesMax = b.uncommittedBytesMax;
        this.committedBytesPerReadyMax = b.committedBytesPerReadyMax;
        this.proposalsPerForwardMax = b.proposalsPerForwardMax;
        this.pendingReadsMax = b.pendingReadsMax;
        this.snapshotChunkBytes = b.snapshotChunkBytes;
        this.snapshotChunksInflightMax = b.snapshotChunksInflightMax;
        this.leaseReads = b.leaseReads;
        this.leaseClockDriftTicks = b.leaseClockDriftTicks;
        this.promotionLagEntriesMax = b.promotionLagEntriesMax;
        this.randomSeed = b.randomSeed;
        Check.argument(id > 0, "id must be positive, got %s", id);
        Check.argument(electionTimeoutTicks >= 2, "electionTimeoutTicks must be >= 2, got %s", electionTimeoutTicks);
        Check.argument(
                heartbeatIntervalTicks >= 1 && heartbeatIntervalTicks < electionTimeoutTicks,
                "heartbeatIntervalTicks must be in [1, electionTimeoutTicks), got %s",
                heartbeatIntervalTicks);
        Check.argument(appendBytesMax >= 1, "appendBytesMax must be >= 1, got %s", appendBytesMax);
        Check.argument(inflightAppendsMax >= 1, "inflightAppendsMax must be >= 1, got %s", inflightAppendsMax);
        Check.argument(uncommittedBytesMax >= 1, "uncommittedBytesMax must be >= 1, got %s", uncommittedBytesMax);
        Check.argument(
                committedBytesPerReadyMax >= 1,
                "committedBytesPerReadyMax must be >= 1, got %s",
                committedBytesPerReadyMax);
        Check.argument(
                proposalsPerForwardMax >= 1, "proposalsPerForwardMax must be >= 1, got %s", proposalsPerForwardMax);
        Check.argument(pendingReadsMax >= 1, "pendingReadsMax must be >= 1, got %s", pendingReadsMax);
        Check.argument(snapshotChunkBytes >= 1, "snapshotChunkBytes must be >= 1, got %s", snapshotChunkBytes);
        Check.argument(
                snapshotChunksInflightMax >= 1,
                "snapshotChunksInflightMax must be >= 1, got %s",
                snapshotChunksInflightMax);
        Check.argument(
                (long) snapshotChunkBytes * snapshotChunksInflightMax <= SNAPSHOT_WINDOW_BYTES_LIMIT,
                "snapshotChunkBytes * snapshotChunksInflightMax must be <= %s bytes, got %s * %s",
                SNAPSHOT_WINDOW_BYTES_LIMIT,
                snapshotChunkBytes,
                snapshotChunksInflightMax);
        Check.argument(
                leaseClockDriftTicks >= 0 && leaseClockDriftTicks < electionTimeoutTicks,
                "leaseClockDriftTicks must be in [0, electionTimeoutTicks), got %s",
                leaseClockDriftTicks);
        Check.argument(
                promotionLagEntriesMax >= 0, "promotionLagEntriesMax must be >= 0, got %s", promotionLagEntriesMax);
        Check.argument(
                !leaseReads || checkQuorum,
                "leaseReads needs checkQuorum: without it a deposed leader would not step down and its lease "
                        + "would not mean anything");
    }

    /**
     * The defaults for node {@code id}, with the election timer's randomness seeded from {@link SecureRandom}: two
     * nodes (or two runs of one node) never share a seed by accident, which would make their timeouts fire in step.
     */
    public static NodeConfig defaults(long id) {
        return defaults(id, SEEDS.nextLong());
    }

    /**
     * The defaults, for node {@code id}, with randomness seeded by {@code randomSeed}: for tests and the simulator,
     * which replay a run from its seed. Production code wants {@link #defaults(long)}.
     */
    public static NodeConfig defaults(long id, long randomSeed) {
        return new Builder(id, randomSeed).build();
    }

    public NodeConfig withElectionTimeoutTicks(int ticks) {
        return copy().electionTimeoutTicks(ticks).build();
    }

    public NodeConfig withHeartbeatIntervalTicks(int ticks) {
        return copy().heartbeatIntervalTicks(ticks).build();
    }

    public NodeConfig withPreVote(boolean enabled) {
        return copy().preVote(enabled).build();
    }

    public NodeConfig withCheckQuorum(boolean enabled) {
        return copy().checkQuorum(enabled).build();
    }

    public NodeConfig withForwardProposals(boolean enabled) {
        return copy().forwardProposals(enabled).build();
    }

    public NodeConfig withAppendBytesMax(long bytes) {
        return copy().appendBytesMax(bytes).build();
    }

    public NodeConfig withInflightAppendsMax(int count) {
        return copy().inflightAppendsMax(count).build();
    }

    public NodeConfig withUncommittedBytesMax(long bytes) {
        return copy().uncommittedBytesMax(bytes).build();
    }

    public NodeConfig withCommittedBytesPerReadyMax(long bytes) {
        return copy().committedBytesPerReadyMax(bytes).build();
    }

    public NodeConfig withPendingReadsMax(int count) {
        return copy().pendingReadsMax(count).build();
    }

    public NodeConfig withSnapshotChunkBytes(int bytes) {
        return copy().snapshotChunkBytes(bytes).build();
    }

    public NodeConfig withSnapshotChunksInflightMax(int count) {
        return copy().snapshotChunksInflightMax(count).build();
    }

    /** Opts into lease-based reads with the given clock-drift margin (see the {@code leaseReads} field). */
    public NodeConfig withLeaseReads(boolean enabled, int clockDriftTicks) {
        return copy().leaseReads(enabled).leaseClockDriftTicks(clockDriftTicks).build();
    }

    public NodeConfig withPromotionLagEntriesMax(long entries) {
        return copy().promotionLagEntriesMax(entries).build();
    }

    public NodeConfig withRandomSeed(long seed) {
        return copy().randomSeed(seed).build();
    }

    private Builder copy() {
        return new Builder(this);
    }

    /** A builder starting from the defaults for node {@code id}, with a random seed from {@link SecureRandom}. */
    public static Builder builder(long id) {
        return new Builder(defaults(id));
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Collects fields; {@link #build()} validates them all at once. Not thread-safe. */
    public static final class Builder {
        private long id;
        private int electionTimeoutTicks;
        private int heartbeatIntervalTicks;
        private boolean preVote;
        private boolean checkQuorum;
        private boolean forwardProposals;
        private long appendBytesMax;
        private int inflightAppendsMax;
        private long uncommittedBytesMax;
        private long committedBytesPerReadyMax;
        private int proposalsPerForwardMax;
        private int pendingReadsMax;
        private int snapshotChunkBytes;
        private int snapshotChunksInflightMax;
        private boolean leaseReads;
        private int leaseClockDriftTicks;
        private long promotionLagEntriesMax;
        private long randomSeed;

        private Builder(long id, long randomSeed) {
            this.id = id;
            electionTimeoutTicks = DEFAULT_ELECTION_TIMEOUT_TICKS;
            heartbeatIntervalTicks = DEFAULT_HEARTBEAT_INTERVAL_TICKS;
            preVote = true;
            checkQuorum = true;
            forwardProposals = true;
            appendBytesMax = DEFAULT_APPEND_BYTES_MAX;
            inflightAppendsMax = DEFAULT_INFLIGHT_APPENDS_MAX;
            uncommittedBytesMax = DEFAULT_UNCOMMITTED_BYTES_MAX;
            committedBytesPerReadyMax = DEFAULT_COMMITTED_BYTES_PER_READY_MAX;
            proposalsPerForwardMax = DEFAULT_PROPOSALS_PER_FORWARD_MAX;
            pendingReadsMax = DEFAULT_PENDING_READS_MAX;
            snapshotChunkBytes = DEFAULT_SNAPSHOT_CHUNK_BYTES;
            snapshotChunksInflightMax = DEFAULT_SNAPSHOT_CHUNKS_INFLIGHT_MAX;
            leaseReads = false;
            leaseClockDriftTicks = DEFAULT_LEASE_CLOCK_DRIFT_TICKS;
            promotionLagEntriesMax = DEFAULT_PROMOTION_LAG_ENTRIES_MAX;
            this.randomSeed = randomSeed;
        }

        private Builder(NodeConfig c) {
            id = c.id;
            electionTimeoutTicks = c.electionTimeoutTicks;
            heartbeatIntervalTicks = c.heartbeatIntervalTicks;
            preVote = c.preVote;
            checkQuorum = c.checkQuorum;
            forwardProposals = c.forwardProposals;
            appendBytesMax = c.appendBytesMax;
            inflightAppendsMax = c.inflightAppendsMax;
            uncommittedBytesMax = c.uncommittedBytesMax;
            committedBytesPerReadyMax = c.committedBytesPerReadyMax;
            proposalsPerForwardMax = c.proposalsPerForwardMax;
            pendingReadsMax = c.pendingReadsMax;
            snapshotChunkBytes = c.snapshotChunkBytes;
            snapshotChunksInflightMax = c.snapshotChunksInflightMax;
            leaseReads = c.leaseReads;
            leaseClockDriftTicks = c.leaseClockDriftTicks;
            promotionLagEntriesMax = c.promotionLagEntriesMax;
            randomSeed = c.randomSeed;
        }

        public Builder electionTimeoutTicks(int v) {
            electionTimeoutTicks = v;
            return this;
        }

        public Builder heartbeatIntervalTicks(int v) {
            heartbeatIntervalTicks = v;
            return this;
        }

        public Builder preVote(boolean v) {
            preVote = v;
            return this;
        }

        public Builder checkQuorum(boolean v) {
            checkQuorum = v;
            return this;
        }

        public Builder forwardProposals(boolean v) {
            forwardProposals = v;
            return this;
        }

        public Builder appendBytesMax(long v) {
            appendBytesMax = v;
            return this;
        }

        public Builder inflightAppendsMax(int v) {
            inflightAppendsMax = v;
            return this;
        }

        public Builder uncommittedBytesMax(long v) {
            uncommittedBytesMax = v;
            return this;
        }

        public Builder committedBytesPerReadyMax(long v) {
            committedBytesPerReadyMax = v;
            return this;
        }

        public Builder proposalsPerForwardMax(int v) {
            proposalsPerForwardMax = v;
            return this;
        }

        public Builder pendingReadsMax(int v) {
            pendingReadsMax = v;
            return this;
        }

        public Builder snapshotChunkBytes(int v) {
            snapshotChunkBytes = v;
            return this;
        }

        public Builder snapshotChunksInflightMax(int v) {
            snapshotChunksInflightMax = v;
            return this;
        }

        public Builder leaseReads(boolean v) {
            leaseReads = v;
            return this;
        }

        public Builder leaseClockDriftTicks(int v) {
            leaseClockDriftTicks = v;
            return this;
        }

        public Builder promotionLagEntriesMax(long v) {
            promotionLagEntriesMax = v;
            return this;
        }

        public Builder randomSeed(long v) {
            randomSeed = v;
            return this;
        }

        public NodeConfig build() {
            return new NodeConfig(this);
        }
    }

    /** This node's id, positive. */
    public long id() {
        return id;
    }

    /** Base election timeout; each timeout is drawn uniformly from {@code [electionTimeoutTicks, 2 * electionTimeoutTicks)}. */
    public int electionTimeoutTicks() {
        return electionTimeoutTicks;
    }

    /** How often a leader sends heartbeats; less than the election timeout. */
    public int heartbeatIntervalTicks() {
        return heartbeatIntervalTicks;
    }

    /** Run a PreVote round before bumping the term (thesis §9.6). */
    public boolean preVote() {
        return preVote;
    }

    /** A leader steps down when it has not heard from a quorum within an election timeout; followers ignore vote requests while they hear from a leader (thesis §6.2, §4.2.3). */
    public boolean checkQuorum() {
        return checkQuorum;
    }

    /** Followers forward proposals to the leader rather than reject them. */
    public boolean forwardProposals() {
        return forwardProposals;
    }

    /** The most entry bytes in one AppendRequest (at least one entry is sent). */
    public long appendBytesMax() {
        return appendBytesMax;
    }

    /** The most unacknowledged AppendRequests per follower (pipelining window). */
    public int inflightAppendsMax() {
        return inflightAppendsMax;
    }

    /** A leader refuses proposals while its uncommitted log exceeds this. */
    public long uncommittedBytesMax() {
        return uncommittedBytesMax;
    }

    /** The most entry bytes handed to the state machine per {@link Ready}. */
    public long committedBytesPerReadyMax() {
        return committedBytesPerReadyMax;
    }

    /** The most proposals a follower packs into one forward message. */
    public int proposalsPerForwardMax() {
        return proposalsPerForwardMax;
    }

    /** The most linearizable reads waiting for leadership confirmation. */
    public int pendingReadsMax() {
        return pendingReadsMax;
    }

    /** The most snapshot bytes in one InstallSnapshot message. */
    public int snapshotChunkBytes() {
        return snapshotChunkBytes;
    }

    /** The most unacknowledged snapshot chunks per follower (flow control). */
    public int snapshotChunksInflightMax() {
        return snapshotChunksInflightMax;
    }

    /** Opt-in: a leader answers reads from its lease, without a heartbeat round, while a quorum answered it within {@code electionTimeoutTicks - leaseClockDriftTicks} ticks (thesis §6.4.1). Safe only if no node's clock runs faster than another's by more than that margin; needs {@code checkQuorum}. */
    public boolean leaseReads() {
        return leaseReads;
    }

    /** The safety margin of lease reads: how many ticks of clock drift between nodes, over one election timeout, the lease tolerates. */
    public int leaseClockDriftTicks() {
        return leaseClockDriftTicks;
    }

    /** A learner is promoted to voter only when at most this many entries behind the leader, so that it cannot stall commits while catching up. */
    public long promotionLagEntriesMax() {
        return promotionLagEntriesMax;
    }

    /** Seeds the only source of randomness (election timeouts). */
    public long randomSeed() {
        return randomSeed;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof NodeConfig other)) {
            return false;
        }
        return id == other.id
                && electionTimeoutTicks == other.electionTimeoutTicks
                && heartbeatIntervalTicks == other.heartbeatIntervalTicks
                && preVote == other.preVote
                && checkQuorum == other.checkQuorum
                && forwardProposals == other.forwardProposals
                && appendBytesMax == other.appendBytesMax
                && inflightAppendsMax == other.inflightAppendsMax
                && uncommittedBytesMax == other.uncommittedBytesMax
                && committedBytesPerReadyMax == other.committedBytesPerReadyMax
                && proposalsPerForwardMax == other.proposalsPerForwardMax
                && pendingReadsMax == other.pendingReadsMax
                && snapshotChunkBytes == other.snapshotChunkBytes
                && snapshotChunksInflightMax == other.snapshotChunksInflightMax
                && leaseReads == other.leaseReads
                && leaseClockDriftTicks == other.leaseClockDriftTicks
                && promotionLagEntriesMax == other.promotionLagEntriesMax
                && randomSeed == other.randomSeed;
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                id,
                electionTimeoutTicks,
                heartbeatIntervalTicks,
                preVote,
                checkQuorum,
                forwardProposals,
                appendBytesMax,
                inflightAppendsMax,
                uncommittedBytesMax,
                committedBytesPerReadyMax,
                proposalsPerForwardMax,
                pendingReadsMax,
                snapshotChunkBytes,
                snapshotChunksInflightMax,
                leaseReads,
                leaseClockDriftTicks,
                promotionLagEntriesMax,
                randomSeed);
    }

    @Override
    public String toString() {
        return "NodeConfig["
                + "id=" + id
                + ", electionTimeoutTicks=" + electionTimeoutTicks
                + ", heartbeatIntervalTicks=" + heartbeatIntervalTicks
                + ", preVote=" + preVote
                + ", checkQuorum=" + checkQuorum
                + ", forwardProposals=" + forwardProposals
                + ", appendBytesMax=" + appendBytesMax
                + ", inflightAppendsMax=" + inflightAppendsMax
                + ", uncommittedBytesMax=" + uncommittedBytesMax
                + ", committedBytesPerReadyMax=" + committedBytesPerReadyMax
                + ", proposalsPerForwardMax=" + proposalsPerForwardMax
                + ", pendingReadsMax=" + pendingReadsMax
                + ", snapshotChunkBytes=" + snapshotChunkBytes
                + ", snapshotChunksInflightMax=" + snapshotChunksInflightMax
                + ", leaseReads=" + leaseReads
                + ", leaseClockDriftTicks=" + leaseClockDriftTicks
                + ", promotionLagEntriesMax=" + promotionLagEntriesMax
                + ", randomSeed=" + randomSeed
                + "]";
    }
}
