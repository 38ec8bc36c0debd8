package dev.raftchat.raft.runtime;

import dev.raftchat.raft.core.NodeConfig;
import dev.raftchat.raft.model.ConfState;
import java.util.Objects;

/**
 * Configuration of one {@link RaftServer}: the pure node's {@link NodeConfig} plus the runtime's own
 * limits. Every limit carries its unit in its name and is validated once, here, with a message that
 * names the field. Build one with {@link #builder(NodeConfig, ConfState)}.
 *
 * <p>Apply batching is bounded by {@link NodeConfig#committedBytesPerReadyMax()}: the node never hands
 * more committed bytes to one Ready, and the server applies one Ready at a time.
 *
 * <p>Not a record on purpose: the constructor is private, so that adding a field never breaks a
 * caller; build one with the builder.
 */
public final class RaftServerConfig {
    private final NodeConfig node;
    private final ConfState initialConf;
    private final long tickMillis;
    private final long proposalTimeoutMillis;
    private final int inboxMessagesMax;
    private final int inboxBatchMessagesMax;
    private final int pendingProposalsMax;
    private final int proposalBatchMax;
    private final long proposalBatchBytesMax;
    private final int commandBytesMax;
    private final long pendingProposalBytesMax;
    private final int pendingReadsMax;
    private final int queryBytesMax;
    private final long readTimeoutMillis;
    private final int pendingAdminOperationsMax;
    private final long shutdownTimeoutMillis;
    private final long snapshotIntervalEntries;
    private final long snapshotIntervalBytes;
    private final int snapshotGrowthPercent;
    private final long snapshotLogTailEntries;
    private final boolean overlapSyncs;

    public static final long DEFAULT_TICK_MILLIS = 100;
    public static final long DEFAULT_PROPOSAL_TIMEOUT_MILLIS = 10_000;
    public static final int DEFAULT_INBOX_MESSAGES_MAX = 4_096;
    public static final int DEFAULT_INBOX_BATCH_MESSAGES_MAX = 256;
    public static final int DEFAULT_PENDING_PROPOSALS_MAX = 8_192;
    public static final int DEFAULT_PROPOSAL_BATCH_MAX = 256;
    public static final long DEFAULT_PROPOSAL_BATCH_BYTES_MAX = 4L * 1024 * 1024;
    public static final int DEFAULT_COMMAND_BYTES_MAX = 1024 * 1024;
    public static final long DEFAULT_PENDING_PROPOSAL_BYTES_MAX = 64L * 1024 * 1024;
    public static final int DEFAULT_PENDING_READS_MAX = 4_096;
    public static final int DEFAULT_QUERY_BYTES_MAX = 64 * 1024;
    public static final long DEFAULT_READ_TIMEOUT_MILLIS = 10_000;
    public static final int DEFAULT_PENDING_ADMIN_OPERATIONS_MAX = 16;
    public static final long DEFAULT_SHUTDOWN_TIMEOUT_MILLIS = 5_000;
    public static final long DEFAULT_SNAPSHOT_INTERVAL_ENTRIES = 0;
    public static final long DEFAULT_SNAPSHOT_INTERVAL_BYTES = 0;
    public static final int DEFAULT_SNAPSHOT_GROWTH_PERCENT = 0;
    public static final long DEFAULT_SNAPSHOT_LOG_TAIL_ENTRIES = 1_000;

    /** Queues are allocated up front at their bound, so the bound itself is bounded. */
    public static final int QUEUE_CAPACITY_LIMIT = 1 << 20;
    /** The envelope the server wraps around each command must fit in one Java array. */
    public static final int COMMAND_BYTES_LIMIT = Integer.MAX_VALUE - 64;

    private RaftServerConfig(Builder b) {
        this.node = b.node;
        this.initialConf = b.initialConf;
        this.tickMillis = b.tickMillis;
        this.proposalTimeoutMillis = b.proposalTimeoutMillis;
        this.inboxMessagesMax = b.inboxMessagesMax;
        this.inboxBatchMessagesMax = b.inboxBatchMessagesMax != null
                ? b.inboxBatchMessagesMax
                : Math.max(1, Math.min(DEFAULT_INBOX_BATCH_MESSAGES_MAX, b.inboxMessagesMax));
        this.pendingProposalsMax = b.pendingProposalsMax;
        this.proposalBatchMax = b.proposalBatchMax != null
                ? b.proposalBatchMax
                : Math.max(1, Math.min(DEFAULT_PROPOSAL_BATCH_MAX, b.pendingProposalsMax));
        this.proposalBatchBytesMax = b.proposalBatchBytesMax;
        this.commandBytesMax = b.commandBytesMax;
        this.pendingProposalBytesMax = b.pendingProposalBytesMax;
        this.pendingReadsMax = b.pendingReadsMax;
        this.queryBytesMax = b.queryBytesMax;
        this.readTimeoutMillis = b.readTimeoutMillis;
        this.pendingAdminOperationsMax = b.pendingAdminOperationsMax;
        this.shutdownTimeoutMillis = b.shutdownTimeoutMillis;
        this.snapshotIntervalEntries = b.snapshotIntervalEntries;
        this.snapshotIntervalBytes = b.snapshotIntervalBytes;
        this.snapshotGrowthPercent = b.snapshotGrowthPercent;
        this.snapshotLogTailEntries = b.snapshotLogTailEntries;
        this.overlapSyncs = b.overlapSyncs;
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(initialConf, "initialConf");
        inRange("tickMillis", tickMillis, 1, 60_000);
        inRange("proposalTimeoutMillis", proposalTimeoutMillis, 1, 24L * 60 * 60 * 1000);
        inRange("inboxMessagesMax", inboxMessagesMax, 1, QUEUE_CAPACITY_LIMIT);
        inRange("inboxBatchMessagesMax", inboxBatchMessagesMax, 1, inboxMessagesMax);
        inRange("pendingProposalsMax", pendingProposalsMax, 1, QUEUE_CAPACITY_LIMIT);
        inRange("proposalBatchMax", proposalBatchMax, 1, pendingProposalsMax);
        inRange("proposalBatchBytesMax", proposalBatchBytesMax, 1, Long.MAX_VALUE);
        inRange("commandBytesMax", commandBytesMax, 1, COMMAND_BYTES_LIMIT);
        if (pendingProposalBytesMax < commandBytesMax) {
            throw new IllegalArgumentException("pendingProposalBytesMax must be >= commandBytesMax (" + commandBytesMax
                    + "), or a command of the largest allowed size could never be accepted; got "
                    + pendingProposalBytesMax);
        }
        inRange("pendingReadsMax", pendingReadsMax, 1, QUEUE_CAPACITY_LIMIT);
        inRange("queryBytesMax", queryBytesMax, 1, Integer.MAX_VALUE - 1);
        inRange("readTimeoutMillis", readTimeoutMillis, 1, 24L * 60 * 60 * 1000);
        inRange("pendingAdminOperationsMax", pendingAdminOperationsMax, 1, 1024);
        inRange("shutdownTimeoutMillis", shutdownTimeoutMillis, 1, 10L * 60 * 1000);
        inRange("snapshotIntervalEntries", snapshotIntervalEntries, 0, Long.MAX_VALUE);
        inRange("snapshotIntervalBytes", snapshotIntervalBytes, 0, Long.MAX_VALUE);
        inRange("snapshotGrowthPercent", snapshotGrowthPercent, 0, 1_000_000);
        inRange("snapshotLogTailEntries", snapshotLogTailEntries, 0, Long.MAX_VALUE);
    }

    private static void inRange(String field, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(field + " must be in [" + min + ", " + max + "], got " + value);
        }
    }

    /** The node's id. */
    public long id() {
        return node.id();
    }

    /** A builder with every runtime limit at its default. */
    public static Builder builder(NodeConfig node, ConfState initialConf) {
        return new Builder(node, initialConf);
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        return new Builder(node, initialConf)
                .tickMillis(tickMillis)
                .proposalTimeoutMillis(proposalTimeoutMillis)
                .inboxMessagesMax(inboxMessagesMax)
                .inboxBatchMessagesMax(inboxBatchMessagesMax)
                .pendingProposalsMax(pendingProposalsMax)
                .proposalBatchMax(proposalBatchMax)
                .proposalBatchBytesMax(proposalBatchBytesMax)
                .commandBytesMax(commandBytesMax)
                .pendingProposalBytesMax(pendingProposalBytesMax)
                .pendingReadsMax(pendingReadsMax)
                .queryBytesMax(queryBytesMax)
                .readTimeoutMillis(readTimeoutMillis)
                .pendingAdminOperationsMax(pendingAdminOperationsMax)
                .shutdownTimeoutMillis(shutdownTimeoutMillis)
                .snapshotIntervalEntries(snapshotIntervalEntries)
                .snapshotIntervalBytes(snapshotIntervalBytes)
                .snapshotGrowthPercent(snapshotGrowthPercent)
                .snapshotLogTailEntries(snapshotLogTailEntries)
                .overlapSyncs(overlapSyncs);
    }

    /** Builds a {@link RaftServerConfig}; {@link #build()} validates. Not thread-safe. */
    public static final class Builder {
        private NodeConfig node;
        private ConfState initialConf;
        private long tickMillis = DEFAULT_TICK_MILLIS;
        private long proposalTimeoutMillis = DEFAULT_PROPOSAL_TIMEOUT_MILLIS;
        private int inboxMessagesMax = DEFAULT_INBOX_MESSAGES_MAX;
        /** Null until set: then the default, lowered to fit {@code inboxMessagesMax}. */
        private Integer inboxBatchMessagesMax;

        private int pendingProposalsMax = DEFAULT_PENDING_PROPOSALS_MAX;
        /** Null until set: then the default, lowered to fit {@code pendingProposalsMax}. */
        private Integer proposalBatchMax;

        private long proposalBatchBytesMax = DEFAULT_PROPOSAL_BATCH_BYTES_MAX;
        private int commandBytesMax = DEFAULT_COMMAND_BYTES_MAX;
        private long pendingProposalBytesMax = DEFAULT_PENDING_PROPOSAL_BYTES_MAX;
        private int pendingReadsMax = DEFAULT_PENDING_READS_MAX;
        private int queryBytesMax = DEFAULT_QUERY_BYTES_MAX;
        private long readTimeoutMillis = DEFAULT_READ_TIMEOUT_MILLIS;
        private int pendingAdminOperationsMax = DEFAULT_PENDING_ADMIN_OPERATIONS_MAX;
        private long shutdownTimeoutMillis = DEFAULT_SHUTDOWN_TIMEOUT_MILLIS;
        private long snapshotIntervalEntries = DEFAULT_SNAPSHOT_INTERVAL_ENTRIES;
        private long snapshotIntervalBytes = DEFAULT_SNAPSHOT_INTERVAL_BYTES;
        private int snapshotGrowthPercent = DEFAULT_SNAPSHOT_GROWTH_PERCENT;
        private long snapshotLogTailEntries = DEFAULT_SNAPSHOT_LOG_TAIL_ENTRIES;
        private boolean overlapSyncs = true;

        private Builder(NodeConfig node, ConfState initialConf) {
            this.node = node;
            this.initialConf = initialConf;
        }

        public Builder node(NodeConfig value) {
            this.node = value;
            return this;
        }

        public Builder initialConf(ConfState value) {
            this.initialConf = value;
            return this;
        }

        public Builder tickMillis(long value) {
            this.tickMillis = value;
            return this;
        }

        public Builder proposalTimeoutMillis(long value) {
            this.proposalTimeoutMillis = value;
            return this;
        }

        public Builder inboxMessagesMax(int value) {
            this.inboxMessagesMax = value;
            return this;
        }

        public Builder inboxBatchMessagesMax(int value) {
            this.inboxBatchMessagesMax = value;
            return this;
        }

        public Builder pendingProposalsMax(int value) {
            this.pendingProposalsMax = value;
            return this;
        }

        public Builder proposalBatchMax(int value) {
            this.proposalBatchMax = value;
            return this;
        }

        public Builder proposalBatchBytesMax(long value) {
            this.proposalBatchBytesMax = value;
            return this;
        }

        public Builder commandBytesMax(int value) {
            this.commandBytesMax = value;
            return this;
        }

        public Builder pendingProposalBytesMax(long value) {
            this.pendingProposalBytesMax = value;
            return this;
        }

        public Builder pendingReadsMax(int value) {
            this.pendingReadsMax = value;
            return this;
        }

        public Builder queryBytesMax(int value) {
            this.queryBytesMax = value;
            return this;
        }

        public Builder readTimeoutMillis(long value) {
            this.readTimeoutMillis = value;
            return this;
        }

        public Builder pendingAdminOperationsMax(int value) {
            this.pendingAdminOperationsMax = value;
            return this;
        }

        public Builder shutdownTimeoutMillis(long value) {
            this.shutdownTimeoutMillis = value;
            return this;
        }

        public Builder snapshotIntervalEntries(long value) {
            this.snapshotIntervalEntries = value;
            return this;
        }

        public Builder snapshotIntervalBytes(long value) {
            this.snapshotIntervalBytes = value;
            return this;
        }

        /**
         * An automatic snapshot (by entries or bytes) waits, in addition, until the command bytes applied since the
         * last snapshot reach this percentage of that snapshot's size; 0 (the default) for no such condition.
         */
        public Builder snapshotGrowthPercent(int value) {
            this.snapshotGrowthPercent = value;
            return this;
        }

        public Builder snapshotLogTailEntries(long value) {
            this.snapshotLogTailEntries = value;
            return this;
        }

        public Builder overlapSyncs(boolean value) {
            this.overlapSyncs = value;
            return this;
        }

        /**
         * Checks every field.
         *
         * @throws IllegalArgumentException naming the first invalid field
         */
        public RaftServerConfig build() {
            return new RaftServerConfig(this);
        }
    }

    /** The pure node's configuration (id, election and heartbeat ticks, limits). */
    public NodeConfig node() {
        return node;
    }

    /** The membership to start with when the log holds none. */
    public ConfState initialConf() {
        return initialConf;
    }

    /** Wall-clock length of one logical tick; election and heartbeat timeouts are counted in ticks ({@link NodeConfig#electionTimeoutTicks()}). */
    public long tickMillis() {
        return tickMillis;
    }

    /** A proposal not applied within this time fails with {@link RaftTimeoutException} (outcome unknown). */
    public long proposalTimeoutMillis() {
        return proposalTimeoutMillis;
    }

    /** Bound of the inbound message queue; when full, messages are dropped and counted (Raft retries). */
    public int inboxMessagesMax() {
        return inboxMessagesMax;
    }

    /** The most inbound messages stepped per loop iteration, so proposals and ticks are not starved by a flood of messages. */
    public int inboxBatchMessagesMax() {
        return inboxBatchMessagesMax;
    }

    /** The most proposals of this node accepted and not yet completed; more are rejected with {@code ProposalRejectedException}. */
    public int pendingProposalsMax() {
        return pendingProposalsMax;
    }

    /** The most proposals handed to the node in one {@code propose} call (they share one Ready and so one storage sync). */
    public int proposalBatchMax() {
        return proposalBatchMax;
    }

    /** The most bytes handed to the node in one {@code propose} call (a single larger proposal still goes alone). */
    public long proposalBatchBytesMax() {
        return proposalBatchBytesMax;
    }

    /** The largest command accepted by {@link RaftServer#propose}. */
    public int commandBytesMax() {
        return commandBytesMax;
    }

    /** The most command bytes of pending proposals; more are rejected. */
    public long pendingProposalBytesMax() {
        return pendingProposalBytesMax;
    }

    /** The most linearizable reads accepted and not yet completed. */
    public int pendingReadsMax() {
        return pendingReadsMax;
    }

    /** The largest query accepted by {@link RaftServer#read}. */
    public int queryBytesMax() {
        return queryBytesMax;
    }

    /** A read not served within this time fails with {@link RaftTimeoutException} (reads change nothing, so retrying is safe). */
    public long readTimeoutMillis() {
        return readTimeoutMillis;
    }

    /** The most membership changes and leadership transfers accepted and not yet completed (they also time out after {@code proposalTimeoutMillis}). */
    public int pendingAdminOperationsMax() {
        return pendingAdminOperationsMax;
    }

    /** How long {@link RaftServer#close()} waits for the Raft thread and the notification thread to finish. */
    public long shutdownTimeoutMillis() {
        return shutdownTimeoutMillis;
    }

    /** Take a snapshot once this many entries were applied since the last one; 0 for never automatically (needs a snapshot store and a state machine that supports snapshots). */
    public long snapshotIntervalEntries() {
        return snapshotIntervalEntries;
    }

    /** Also take a snapshot once this many command bytes were applied since the last one; 0 for no byte threshold. */
    public long snapshotIntervalBytes() {
        return snapshotIntervalBytes;
    }

    /**
     * An automatic snapshot (by entries or bytes) waits, in addition, until the command bytes applied since the
     * last snapshot reach this percentage of that snapshot's size, so that the cost of writing snapshots stays
     * proportional to the writes whatever the size of the state (a fixed interval rewrites the whole state ever
     * more often per byte written as the state grows); 0 for no such condition. The log on disk behind the newest
     * snapshot is then about {@code percent / 100} times the state.
     */
    public int snapshotGrowthPercent() {
        return snapshotGrowthPercent;
    }

    /** Entries kept in the log below a snapshot, so that followers slightly behind catch up from the log rather than by a whole snapshot. */
    public long snapshotLogTailEntries() {
        return snapshotLogTailEntries;
    }

    /** When true (the default), a Ready that only appends entries (a leader's batch) is written and advanced at once and its sync runs on the node's sync thread, so the Raft thread keeps stepping acknowledgements and proposals meanwhile; when false, the Raft thread syncs every Ready itself. */
    public boolean overlapSyncs() {
        return overlapSyncs;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof RaftServerConfig other)) {
            return false;
        }
        return Objects.equals(node, other.node)
                && Objects.equals(initialConf, other.initialConf)
                && tickMillis == other.tickMillis
                && proposalTimeoutMillis == other.proposalTimeoutMillis
                && inboxMessagesMax == other.inboxMessagesMax
                && inboxBatchMessagesMax == other.inboxBatchMessagesMax
                && pendingProposalsMax == other.pendingProposalsMax
                && proposalBatchMax == other.proposalBatchMax
                && proposalBatchBytesMax == other.proposalBatchBytesMax
                && commandBytesMax == other.commandBytesMax
                && pendingProposalBytesMax == other.pendingProposalBytesMax
                && pendingReadsMax == other.pendingReadsMax
                && queryBytesMax == other.queryBytesMax
                && readTimeoutMillis == other.readTimeoutMillis
                && pendingAdminOperationsMax == other.pendingAdminOperationsMax
                && shutdownTimeoutMillis == other.shutdownTimeoutMillis
                && snapshotIntervalEntries == other.snapshotIntervalEntries
                && snapshotIntervalBytes == other.snapshotIntervalBytes
                && snapshotGrowthPercent == other.snapshotGrowthPercent
                && snapshotLogTailEntries == other.snapshotLogTailEntries
                && overlapSyncs == other.overlapSyncs;
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                node,
                initialConf,
                tickMillis,
                proposalTimeoutMillis,
                inboxMessagesMax,
                inboxBatchMessagesMax,
                pendingProposalsMax,
                proposalBatchMax,
                proposalBatchBytesMax,
                commandBytesMax,
                pendingProposalBytesMax,
                pendingReadsMax,
                queryBytesMax,
                readTimeoutMillis,
                pendingAdminOperationsMax,
                shutdownTimeoutMillis,
                snapshotIntervalEntries,
                snapshotIntervalBytes,
                snapshotGrowthPercent,
                snapshotLogTailEntries,
                overlapSyncs);
    }

    @Override
    public String toString() {
        return "RaftServerConfig["
                + "node=" + node
                + ", initialConf=" + initialConf
                + ", tickMillis=" + tickMillis
                + ", proposalTimeoutMillis=" + proposalTimeoutMillis
                + ", inboxMessagesMax=" + inboxMessagesMax
                + ", inboxBatchMessagesMax=" + inboxBatchMessagesMax
                + ", pendingProposalsMax=" + pendingProposalsMax
                + ", proposalBatchMax=" + proposalBatchMax
                + ", proposalBatchBytesMax=" + proposalBatchBytesMax
                + ", commandBytesMax=" + commandBytesMax
                + ", pendingProposalBytesMax=" + pendingProposalBytesMax
                + ", pendingReadsMax=" + pendingReadsMax
                + ", queryBytesMax=" + queryBytesMax
                + ", readTimeoutMillis=" + readTimeoutMillis
                + ", pendingAdminOperationsMax=" + pendingAdminOperationsMax
                + ", shutdownTimeoutMillis=" + shutdownTimeoutMillis
                + ", snapshotIntervalEntries=" + snapshotIntervalEntries
                + ", snapshotIntervalBytes=" + snapshotIntervalBytes
                + ", snapshotGrowthPercent=" + snapshotGrowthPercent
                + ", snapshotLogTailEntries=" + snapshotLogTailEntries
                + ", overlapSyncs=" + overlapSyncs
                + "]";
    }
}
