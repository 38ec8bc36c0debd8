package dev.raftchat.sim;

import java.util.Arrays;
import java.util.List;

/**
 * Coverage counters: proof that the faults and protocol paths of a run really happened. Each one must be non-zero
 * over a large batch of seeds ({@link #FAULT_KINDS}) unless it is declared {@code COUNT_ONLY}.
 */
public enum Counter {
    RUNS_3_NODES,
    RUNS_5_NODES,
    RUNS_FILE_STORAGE,
    RUNS_LEASE_READS,
    RUNS_OVERLAPPED_SYNCS,
    RUNS_FOLLOWER_READS,
    RUNS_CLOCK_DRIFT_WITHIN_BOUND,
    RUNS_CLOCK_DRIFT_BEYOND_BOUND,
    EVENTS(Coverage.COUNT_ONLY),
    TICKS(Coverage.COUNT_ONLY),
    TICKS_LOST_IN_STALLS,
    ELECTIONS_STARTED(Coverage.COUNT_ONLY),
    PRE_VOTES_STARTED(Coverage.COUNT_ONLY),
    LEADERS_ELECTED(Coverage.COUNT_ONLY),
    LEADER_CHANGES,
    MESSAGES_SENT(Coverage.COUNT_ONLY),
    MESSAGES_DELIVERED(Coverage.COUNT_ONLY),
    MESSAGES_DROPPED,
    MESSAGES_DUPLICATED,
    MESSAGES_DELAYED,
    MESSAGES_CUT_BY_PARTITION,
    MESSAGES_TO_DEAD_NODES(Coverage.COUNT_ONLY),
    MESSAGES_THROUGH_CLOGGED_LINKS,
    PARTITIONS,
    ASYMMETRIC_PARTITIONS,
    CLOGGED_LINKS,
    CRASHES,
    /** Crashes right after a node sent a vote or an acknowledgement (its sync may still be in flight). */
    CRASHES_AFTER_PROMISE,
    RESTARTS,
    RESTARTS_SAME_SEED,
    STALE_INCARNATION_MESSAGES,
    STALE_READ_INDEX_RESPONSES,
    UNSYNCED_ENTRIES_LOST,
    UNSYNCED_ENTRIES_KEPT(Coverage.COUNT_ONLY),
    TORN_WRITES,
    PAUSES,
    STALLED_LEADERS_ISOLATED,
    /**
     * Lease-read runs: a leadership transfer after which the old leader hears nothing for a while (its TimeoutNow
     * gets out, the answers do not), so that it would go on serving lease reads while the new leader commits.
     */
    TRANSFERS_FROM_DEAF_LEADERS,
    /** Reads sent to such an old leader, and writes to its transfer's target, right after the transfer. */
    LEASE_PROBES_AFTER_TRANSFER,
    SLOW_SYNCS,
    SYNCS(Coverage.COUNT_ONLY),
    /** Syncs that overlapped the leader's later Readies (runs with overlapped syncs). */
    OVERLAPPED_SYNCS,
    ENTRIES_APPLIED(Coverage.COUNT_ONLY),
    PROPOSALS_FORWARDED,
    OPS_OK(Coverage.COUNT_ONLY),
    OPS_FAIL(Coverage.COUNT_ONLY),
    OPS_INFO(Coverage.COUNT_ONLY),
    LIVENESS_PROBES(Coverage.COUNT_ONLY),
    LIVENESS_PROBES_FORWARDED(Coverage.COUNT_ONLY),
    LEADERSHIP_TRANSFERS,
    READ_INDEX_READS_OK,
    READ_INDEX_READS_REFUSED(Coverage.COUNT_ONLY),
    MEMBERSHIP_CHANGES_PROPOSED,
    MEMBERSHIP_CHANGES_REFUSED(Coverage.COUNT_ONLY),
    NODES_ADDED,
    NODES_REMOVED,
    JOINT_CONFIGS_ENTERED,
    JOINT_CONFIGS_LEFT,
    LEARNERS_PROMOTED,
    LEADERS_REMOVED,
    FOLLOWER_READS_OK,
    SELF_ADDRESSED_MESSAGES_DROPPED(Coverage.COUNT_ONLY),
    SNAPSHOTS_TAKEN,
    SNAPSHOT_CHUNKS_RECEIVED,
    SNAPSHOTS_INSTALLED,
    LOG_COMPACTIONS,
    SNAPSHOT_TRANSFER_LEADER_CHANGES,
    SNAPSHOT_TRANSFERS_ACROSS_TERMS,
    /** Snapshot chunks delivered with a bit flipped (their checksum must refuse them). */
    SNAPSHOT_CHUNKS_CORRUPTED,
    LEASE_READS_UNDER_DRIFT,
    /** File disks: power lost inside an append that only extends the log. */
    POWER_LOSSES_IN_APPEND,
    /** File disks: power lost inside an append that truncates a suffix (often across segments). */
    POWER_LOSSES_IN_TRUNCATION,
    /** File disks: power lost inside a sync without a hard-state change. */
    POWER_LOSSES_IN_SYNC,
    /** File disks: power lost inside a sync that replaces the hard state. */
    POWER_LOSSES_IN_HARD_STATE_REPLACE,
    /** File disks: power lost inside a compaction of applied entries. */
    POWER_LOSSES_IN_COMPACTION,
    /** File disks: power lost inside a snapshot install (compaction beyond or across the log). */
    POWER_LOSSES_IN_SNAPSHOT_INSTALL,
    /** File disks: power lost during the recovery that follows a crash. */
    POWER_LOSSES_IN_RECOVERY,
    /** File disks: crashes whose write-back lost an unsynced page and kept a later one. */
    UNSYNCED_PAGE_HOLES,
    /** File disks: forces that failed (pages marked clean or dropped); the node stopped and restarted. */
    FAILED_FORCES,
    /** File disks: bytes of synced segment data flipped. */
    BIT_FLIPS,
    /** File disks: synced entries recovery reported lost to corruption, each owed a repair from a leader. */
    SYNCED_ENTRIES_LOST_TO_CORRUPTION;

    /** Whether a large batch of seeds must see a counter at least once. */
    private enum Coverage {
        /** Every fault kind and protocol path: a batch that never saw it did not test it. */
        REQUIRED,
        /** Bookkeeping (events, ticks, outcomes) that the report shows but no batch is held to. */
        COUNT_ONLY
    }

    private final Coverage coverage;

    Counter() {
        this(Coverage.REQUIRED);
    }

    Counter(Coverage coverage) {
        this.coverage = coverage;
    }

    /** The counters that must be non-zero over a large batch of seeds: every fault kind, every path. */
    public static final List<Counter> FAULT_KINDS =
            Arrays.stream(values()).filter(c -> c.coverage == Coverage.REQUIRED).toList();
}
