package dev.raftchat.raft.core;

/**
 * Configuration of one pure {@link RaftNode}. Every limit carries its unit in its name; all values are
 * validated once, in the constructor, with a message that names the field.
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

    public NodeConfig {
        Check.argument(id > 0, "id must be positive, got %s", id);
        Check.argument(electionTimeoutTicks >= 2, "electionTimeoutTicks must be >= 2, got %s", electionTimeoutTicks);
        Check.argument(heartbeatIntervalTicks >= 1 && heartbeatIntervalTicks < electionTimeoutTicks,
                "heartbeatIntervalTicks must be in [1, electionTimeoutTicks), got %s", heartbeatIntervalTicks);
        Check.argument(appendBytesMax >= 1, "appendBytesMax must be >= 1, got %s", appendBytesMax);
        Check.argument(inflightAppendsMax >= 1, "inflightAppendsMax must be >= 1, got %s", inflightAppendsMax);
        Check.argument(uncommittedBytesMax >= 1, "uncommittedBytesMax must be >= 1, got %s", uncommittedBytesMax);
        Check.argument(committedBytesPerReadyMax >= 1,
                "committedBytesPerReadyMax must be >= 1, got %s", committedBytesPerReadyMax);
        Check.argument(proposalsPerForwardMax >= 1,
                "proposalsPerForwardMax must be >= 1, got %s", proposalsPerForwardMax);
        Check.argument(pendingReadsMax >= 1, "pendingReadsMax must be >= 1, got %s", pendingReadsMax);
        Check.argument(snapshotChunkBytes >= 1, "snapshotChunkBytes must be >= 1, got %s", snapshotChunkBytes);
        Check.argument(snapshotChunksInflightMax >= 1,
                "snapshotChunksInflightMax must be >= 1, got %s", snapshotChunksInflightMax);
    }

    /** The defaults, for node {@code id}, with randomness seeded by {@code randomSeed}. */
    public static NodeConfig defaults(long id, long randomSeed) {
        return new NodeConfig(id, DEFAULT_ELECTION_TIMEOUT_TICKS, DEFAULT_HEARTBEAT_INTERVAL_TICKS, true, true, true,
                DEFAULT_APPEND_BYTES_MAX, DEFAULT_INFLIGHT_APPENDS_MAX, DEFAULT_UNCOMMITTED_BYTES_MAX,
                DEFAULT_COMMITTED_BYTES_PER_READY_MAX, DEFAULT_PROPOSALS_PER_FORWARD_MAX, DEFAULT_PENDING_READS_MAX,
                DEFAULT_SNAPSHOT_CHUNK_BYTES, DEFAULT_SNAPSHOT_CHUNKS_INFLIGHT_MAX, randomSeed);
    }

    public NodeConfig withElectionTimeoutTicks(int ticks) {
        return new NodeConfig(id, ticks, heartbeatIntervalTicks, preVote, checkQuorum, forwardProposals, appendBytesMax,
                inflightAppendsMax, uncommittedBytesMax, committedBytesPerReadyMax, proposalsPerForwardMax, pendingReadsMax, snapshotChunkBytes,
                snapshotChunksInflightMax, randomSeed);
    }

    public NodeConfig withHeartbeatIntervalTicks(int ticks) {
        return new NodeConfig(id, electionTimeoutTicks, ticks, preVote, checkQuorum, forwardProposals, appendBytesMax,
                inflightAppendsMax, uncommittedBytesMax, committedBytesPerReadyMax, proposalsPerForwardMax, pendingReadsMax, snapshotChunkBytes,
                snapshotChunksInflightMax, randomSeed);
    }

    public NodeConfig withPreVote(boolean enabled) {
        return new NodeConfig(id, electionTimeoutTicks, heartbeatIntervalTicks, enabled, checkQuorum, forwardProposals,
                appendBytesMax, inflightAppendsMax, uncommittedBytesMax, committedBytesPerReadyMax,
                proposalsPerForwardMax, pendingReadsMax, snapshotChunkBytes,
                snapshotChunksInflightMax, randomSeed);
    }

    public NodeConfig withCheckQuorum(boolean enabled) {
        return new NodeConfig(id, electionTimeoutTicks, heartbeatIntervalTicks, preVote, enabled, forwardProposals,
                appendBytesMax, inflightAppendsMax, uncommittedBytesMax, committedBytesPerReadyMax,
                proposalsPerForwardMax, pendingReadsMax, snapshotChunkBytes,
                snapshotChunksInflightMax, randomSeed);
    }

    public NodeConfig withForwardProposals(boolean enabled) {
        return new NodeConfig(id, electionTimeoutTicks, heartbeatIntervalTicks, preVote, checkQuorum, enabled,
                appendBytesMax, inflightAppendsMax, uncommittedBytesMax, committedBytesPerReadyMax,
                proposalsPerForwardMax, pendingReadsMax, snapshotChunkBytes,
                snapshotChunksInflightMax, randomSeed);
    }

    public NodeConfig withAppendBytesMax(long bytes) {
        return new NodeConfig(id, electionTimeoutTicks, heartbeatIntervalTicks, preVote, checkQuorum, forwardProposals,
                bytes, inflightAppendsMax, uncommittedBytesMax, committedBytesPerReadyMax, proposalsPerForwardMax,
                pendingReadsMax, snapshotChunkBytes,
                snapshotChunksInflightMax, randomSeed);
    }

    public NodeConfig withInflightAppendsMax(int count) {
        return new NodeConfig(id, electionTimeoutTicks, heartbeatIntervalTicks, preVote, checkQuorum, forwardProposals,
                appendBytesMax, count, uncommittedBytesMax, committedBytesPerReadyMax, proposalsPerForwardMax,
                pendingReadsMax, snapshotChunkBytes,
                snapshotChunksInflightMax, randomSeed);
    }

    public NodeConfig withUncommittedBytesMax(long bytes) {
        return new NodeConfig(id, electionTimeoutTicks, heartbeatIntervalTicks, preVote, checkQuorum, forwardProposals,
                appendBytesMax, inflightAppendsMax, bytes, committedBytesPerReadyMax, proposalsPerForwardMax,
                pendingReadsMax, snapshotChunkBytes,
                snapshotChunksInflightMax, randomSeed);
    }

    public NodeConfig withSnapshotChunkBytes(int bytes) {
        return new NodeConfig(id, electionTimeoutTicks, heartbeatIntervalTicks, preVote, checkQuorum, forwardProposals,
                appendBytesMax, inflightAppendsMax, uncommittedBytesMax, committedBytesPerReadyMax,
                proposalsPerForwardMax, pendingReadsMax, bytes, snapshotChunksInflightMax, randomSeed);
    }
}
