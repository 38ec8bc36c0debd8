package dev.raftchat.raft.core;

import dev.raftchat.raft.model.Check;

/**
 * Configuration of one pure {@link RaftNode}. Every limit carries its unit in its name; all values are
 * validated once, in the constructor, with a message that names the field. Start from
 * {@link #defaults(long, long)} and change fields with the {@code with...} methods.
 *
 * @param id                            this node's id, positive
 * @param electionTimeoutTicks          base election timeout; each timeout is drawn uniformly from
 *                                      {@code [electionTimeoutTicks, 2 * electionTimeoutTicks)}
 * @param heartbeatIntervalTicks        how often a leader sends heartbeats; less than the election timeout
 * @param preVote                       run a PreVote round before bumping the term (thesis §9.6)
 * @param checkQuorum                   a leader steps down when it has not heard from a quorum within an
 *                                      election timeout; followers ignore vote requests while they
 *                                      hear from a leader (thesis §6.2, §4.2.3)
 * @param forwardProposals              followers forward proposals to the leader rather than reject them
 * @param appendBytesMax                the most entry bytes in one AppendRequest (at least one entry is sent)
 * @param inflightAppendsMax            the most unacknowledged AppendRequests per follower (pipelining window)
 * @param uncommittedBytesMax           a leader refuses proposals while its uncommitted log exceeds this
 * @param committedBytesPerReadyMax     the most entry bytes handed to the state machine per {@link Ready}
 * @param proposalsPerForwardMax        the most proposals a follower packs into one forward message
 * @param pendingReadsMax               the most linearizable reads waiting for leadership confirmation
 * @param snapshotChunkBytes            the most snapshot bytes in one InstallSnapshot message
 * @param snapshotChunksInflightMax     the most unacknowledged snapshot chunks per follower (flow control)
 * @param leaseReads                    opt-in: a leader answers reads from its lease, without a heartbeat
 *                                      round, while a quorum answered it within
 *                                      {@code electionTimeoutTicks - leaseClockDriftTicks} ticks (thesis §6.4.1).
 *                                      Safe only if no node's clock runs faster than another's by more than
 *                                      that margin; needs {@code checkQuorum}
 * @param leaseClockDriftTicks          the safety margin of lease reads: how many ticks of clock drift
 *                                      between nodes, over one election timeout, the lease tolerates
 * @param promotionLagEntriesMax        a learner is promoted to voter only when at most this many entries
 *                                      behind the leader, so that it cannot stall commits while catching up
 * @param randomSeed                    seeds the only source of randomness (election timeouts)
 */
public record NodeConfig(
        long id,
        int electionTimeoutTicks,
        int heartbeatIntervalTicks,
        boolean preVote,
        boolean checkQuorum,
        boolean forwardProposals,
        long appendBytesMax,
        int inflightAppendsMax,
        long uncommittedBytesMax,
        long committedBytesPerReadyMax,
        int proposalsPerForwardMax,
        int pendingReadsMax,
        int snapshotChunkBytes,
        int snapshotChunksInflightMax,
        boolean leaseReads,
        int leaseClockDriftTicks,
        long promotionLagEntriesMax,
        long randomSeed) {

    public static final int DEFAULT_ELECTION_TIMEOUT_TICKS = 10;
    public static final int DEFAULT_HEARTBEAT_INTERVAL_TICKS = 2;
    public static final long DEFAULT_APPEND_BYTES_MAX = 1024 * 1024;
    public static final int DEFAULT_INFLIGHT_APPENDS_MAX = 64;
    public static final long DEFAULT_UNCOMMITTED_BYTES_MAX = 64L * 1024 * 1024;
    public static final long DEFAULT_COMMITTED_BYTES_PER_READY_MAX = 16L * 1024 * 1024;
    public static final int DEFAULT_PROPOSALS_PER_FORWARD_MAX = 256;
    public static final int DEFAULT_PENDING_READS_MAX = 4096;
    public static final int DEFAULT_SNAPSHOT_CHUNK_BYTES = 256 * 1024;
    public static final int DEFAULT_SNAPSHOT_CHUNKS_INFLIGHT_MAX = 4;
    public static final int DEFAULT_LEASE_CLOCK_DRIFT_TICKS = 2;
    public static final long DEFAULT_PROMOTION_LAG_ENTRIES_MAX = 1000;

    public NodeConfig {
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

    /** The defaults, for node {@code id}, with randomness seeded by {@code randomSeed}. */
    public static NodeConfig defaults(long id, long randomSeed) {
        return new NodeConfig(
                id,
                DEFAULT_ELECTION_TIMEOUT_TICKS,
                DEFAULT_HEARTBEAT_INTERVAL_TICKS,
                true,
                true,
                true,
                DEFAULT_APPEND_BYTES_MAX,
                DEFAULT_INFLIGHT_APPENDS_MAX,
                DEFAULT_UNCOMMITTED_BYTES_MAX,
                DEFAULT_COMMITTED_BYTES_PER_READY_MAX,
                DEFAULT_PROPOSALS_PER_FORWARD_MAX,
                DEFAULT_PENDING_READS_MAX,
                DEFAULT_SNAPSHOT_CHUNK_BYTES,
                DEFAULT_SNAPSHOT_CHUNKS_INFLIGHT_MAX,
                false,
                DEFAULT_LEASE_CLOCK_DRIFT_TICKS,
                DEFAULT_PROMOTION_LAG_ENTRIES_MAX,
                randomSeed);
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

    private Copy copy() {
        return new Copy(this);
    }

    /** A mutable copy, so that each {@code with...} method names one field only. */
    private static final class Copy {
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

        Copy(NodeConfig c) {
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

        Copy electionTimeoutTicks(int v) {
            electionTimeoutTicks = v;
            return this;
        }

        Copy heartbeatIntervalTicks(int v) {
            heartbeatIntervalTicks = v;
            return this;
        }

        Copy preVote(boolean v) {
            preVote = v;
            return this;
        }

        Copy checkQuorum(boolean v) {
            checkQuorum = v;
            return this;
        }

        Copy forwardProposals(boolean v) {
            forwardProposals = v;
            return this;
        }

        Copy appendBytesMax(long v) {
            appendBytesMax = v;
            return this;
        }

        Copy inflightAppendsMax(int v) {
            inflightAppendsMax = v;
            return this;
        }

        Copy uncommittedBytesMax(long v) {
            uncommittedBytesMax = v;
            return this;
        }

        Copy committedBytesPerReadyMax(long v) {
            committedBytesPerReadyMax = v;
            return this;
        }

        Copy pendingReadsMax(int v) {
            pendingReadsMax = v;
            return this;
        }

        Copy snapshotChunkBytes(int v) {
            snapshotChunkBytes = v;
            return this;
        }

        Copy snapshotChunksInflightMax(int v) {
            snapshotChunksInflightMax = v;
            return this;
        }

        Copy leaseReads(boolean v) {
            leaseReads = v;
            return this;
        }

        Copy leaseClockDriftTicks(int v) {
            leaseClockDriftTicks = v;
            return this;
        }

        Copy promotionLagEntriesMax(long v) {
            promotionLagEntriesMax = v;
            return this;
        }

        Copy randomSeed(long v) {
            randomSeed = v;
            return this;
        }

        NodeConfig build() {
            return new NodeConfig(
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
    }
}
