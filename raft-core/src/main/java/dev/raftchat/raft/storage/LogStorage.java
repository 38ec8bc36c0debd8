package dev.raftchat.raft.storage;

import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.HardState;
import dev.raftchat.raft.model.LogPosition;
import java.util.List;
import java.util.OptionalLong;

/**
 * The durable log and hard state of one Raft node.
 *
 * <p><b>Threading.</b> Called from one thread at a time (the node's Raft thread); implementations need
 * no locking of their own but must not assume a particular thread.
 *
 * <p><b>Durability.</b> {@link #append} and {@link #saveHardState} may buffer; nothing is durable until
 * {@link #sync} returns. A crash may lose any suffix of what was written after the last completed
 * {@code sync}, never anything before it. This is what lets the runtime pay one sync per batch (group
 * commit).
 *
 * <p><b>Failures.</b> An I/O failure is reported as {@link StorageException}. After a failed
 * {@code sync} the node must stop: the state of unsynced data is unknown (the "fsyncgate" lesson), so
 * retrying is not safe.
 *
 * <p><b>Log shape.</b> The log holds the contiguous entries {@code [firstIndex(), lastIndex()]}; entries
 * at and below {@link #compactedThrough()} were removed by compaction and are represented only by
 * their position. An empty log has {@code lastIndex() == firstIndex() - 1}.
 */
public interface LogStorage extends AutoCloseable {

    /** The hard state as last saved, or {@link HardState#EMPTY} for a new node. */
    HardState hardState();

    /** The position of the last entry removed by compaction, or {@link LogPosition#ZERO}. */
    LogPosition compactedThrough();

    /** The index of the first entry held: {@code compactedThrough().index() + 1}. */
    default long firstIndex() {
        return compactedThrough().index() + 1;
    }

    /** The index of the last entry held, or {@code firstIndex() - 1} when the log is empty. */
    long lastIndex();

    /**
     * The term of the entry at {@code index}, for {@code index} in
     * {@code [firstIndex() - 1, lastIndex()]} (the term at {@code firstIndex() - 1} is the compaction
     * point's). Throws {@link IndexOutOfBoundsException} outside that range.
     */
    long term(long index);

    /**
     * Entries {@code [fromIndex, toIndexExclusive)}, stopping early once their total
     * {@link Entry#sizeBytes()} would exceed {@code maxBytes} — but always at least one entry when the
     * range is non-empty, so an oversized entry can still be replicated.
     */
    List<Entry> entries(long fromIndex, long toIndexExclusive, long maxBytes);

    /**
     * Appends contiguous entries. If {@code entries.get(0).index() <= lastIndex()} the log's suffix from
     * that index is first discarded (a follower overwriting entries that conflict with the leader's).
     * The first entry's index must be in {@code [firstIndex(), lastIndex() + 1]}.
     */
    void append(List<Entry> entries);

    /** Replaces the hard state (atomically: after a crash the old or the new one is read, never a mix). */
    void saveHardState(HardState hardState);

    /** Makes every earlier {@link #append} and {@link #saveHardState} durable. One call covers many. */
    void sync();

    /**
     * The first half of a sync that overlaps later appends: captures what {@link #sync} would make
     * durable now and returns the work, which {@link PendingSync#complete()} does — typically on another
     * thread, while the caller goes on appending. Until it completes the caller may only read and
     * {@link #append} entries that extend the log (no truncation); it must complete the pending sync
     * before any other call ({@code sync}, {@code beginSync}, {@code saveHardState}, {@code compact},
     * {@code close}). A crash before completion may lose what it covers, as for any unsynced write.
     *
     * <p>The default syncs at once and returns a completed sync, which is correct for any storage.
     */
    default PendingSync beginSync() {
        sync();
        return PendingSync.DONE;
    }

    /** A sync begun by {@link #beginSync()}. */
    @FunctionalInterface
    interface PendingSync {
        /** Nothing left to do. */
        PendingSync DONE = () -> {};

        /**
         * Makes durable what the storage held when the sync began. May run on any thread, once. A failure is
         * reported as {@link StorageException}, after which the storage is unusable (as after a failed
         * {@link #sync}).
         */
        void complete();
    }

    /**
     * 0, or the highest index this storage had made durable — and its node may have acknowledged — before
     * recovery found some of those entries damaged (media corruption, not a torn write: they were known to
     * be synced) and cut the log before them. Until the log again holds a durable entry at this index,
     * received from a leader, the node must not campaign, and votes only for a candidate whose log provably
     * holds what it lost: any other vote would count as if it had never held what it acknowledged
     * (protocol-aware recovery, Alagappan et al., FAST '18). The storage
     * keeps reporting it across restarts until a sync covers that index again. The default, for storages
     * that cannot tell, is 0.
     */
    default long repairThroughIndex() {
        return 0;
    }

    /**
     * The term of the entry at {@link #repairThroughIndex()} in the log this storage had made durable before
     * the loss: with that index, the last position of a durable log that held every entry the node had
     * acknowledged. A node awaiting repair then votes for any candidate whose log is at least as up to date
     * as that position (Raft §5.4.1 against the log it lost). Empty when there is nothing to repair, or when
     * the storage does not know the term (it did not record it, or the record was written by an older
     * version): the node then falls back to the coarser bound of its hard state's term, which is safe but
     * may refuse a candidate that does hold what was lost. A storage that reports a term must never report
     * one lower than the real one (a higher one only makes the node more cautious). The default is empty.
     */
    default OptionalLong repairThroughTerm() {
        return OptionalLong.empty();
    }

    /**
     * Discards entries up to and including {@code position.index()}. Called only once a snapshot covering
     * {@code position} is durable. If the log does not hold that exact entry (it ends before it, or holds a
     * different term there: a follower installing a leader's snapshot), the whole log is discarded and
     * the log continues right after {@code position}. Compacting to or below the current compaction
     * point does nothing.
     */
    void compact(LogPosition position);

    @Override
    void close();
}
