package dev.raftchat.raft.core;

import dev.raftchat.raft.model.Check;
import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.LogPosition;
import dev.raftchat.raft.model.SnapshotMeta;
import dev.raftchat.raft.storage.LogStorage;
import java.util.ArrayList;
import java.util.List;

/**
 * The node's view of its log: the stable part in {@link LogStorage} plus an unstable suffix that has
 * been accepted but not yet persisted (handed out in {@link Ready#entries()}).
 *
 * <p>Stable entries are written to storage; they are also <em>durable</em> unless the caller advanced them
 * without a sync ({@link RaftNode#advanceWithoutSync}) and has not yet reported the sync that covers them
 * ({@link #syncedTo}): from {@link #unsyncedFrom} on, stable entries may still be lost in a crash.
 *
 * <p>Invariants: {@code applied <= committed <= lastIndex()}; {@code applied <= lastDurableIndex()};
 * the unstable entries are contiguous and start at {@code unstableOffset}, which is at most
 * {@code storage.lastIndex() + 1} (a lower offset means the unstable entries overwrite a conflicting
 * stable suffix, which storage will discard when they are persisted).
 */
final class RaftLog {

    private final LogStorage storage;
    /** Index of the first unstable entry; meaningful even when {@link #unstable} is empty. */
    private long unstableOffset;

    private final ArrayList<Entry> unstable = new ArrayList<>();
    private long committed;
    private long applied;
    /**
     * A snapshot received from the leader and not yet installed by the caller. While set, the log is
     * viewed as starting right after it: everything at or before its index is unavailable.
     */
    private SnapshotMeta unstableSnapshot;
    /**
     * The first stable entry written without a sync that is known to cover it, or {@link #ALL_SYNCED}.
     * Only a caller using {@link RaftNode#advanceWithoutSync} ever lowers it.
     */
    private long unsyncedFrom = ALL_SYNCED;

    private static final long ALL_SYNCED = Long.MAX_VALUE;

    /** Told of every append, after it: the first new entry's index is where a replaced suffix began. */
    interface AppendListener {
        void appended(List<Entry> entries);
    }

    private final AppendListener appendListener;

    RaftLog(LogStorage storage, long committed, long applied) {
        this(storage, committed, applied, entries -> {});
    }

    RaftLog(LogStorage storage, long committed, long applied, AppendListener appendListener) {
        this.storage = storage;
        this.appendListener = appendListener;
        this.unstableOffset = storage.lastIndex() + 1;
        long compacted = storage.compactedThrough().index();
        // What the state machine has applied is a fact (it was restored from a snapshot of committed
        // state), so it is never clamped: entries up to it must not be handed out again.
        this.applied = Math.max(compacted, applied);
        Check.that(
                this.applied <= storage.lastIndex(),
                "applied index %s beyond the log's last index %s",
                this.applied,
                storage.lastIndex());
        // A crash can make the hard state's commit outrun a log whose tail was lost before it was
        // acknowledged (what is missing is committed elsewhere and the leader re-sends it), or lag
        // behind a snapshot installed just before the crash (which proves everything in it committed).
        this.committed = Math.max(this.applied, Math.min(committed, storage.lastIndex()));
    }

    long committed() {
        return committed;
    }

    long applied() {
        return applied;
    }

    long firstIndex() {
        return unstableSnapshot != null ? unstableSnapshot.index() + 1 : storage.firstIndex();
    }

    long lastIndex() {
        if (!unstable.isEmpty()) {
            return unstable.get(unstable.size() - 1).index();
        }
        return unstableSnapshot != null ? unstableSnapshot.index() : Math.min(storage.lastIndex(), unstableOffset - 1);
    }

    SnapshotMeta unstableSnapshot() {
        return unstableSnapshot;
    }

    /**
     * Replaces the whole log by a snapshot received from the leader (Raft §7): the log now starts after
     * it, and it counts as committed. It is applied when the caller has installed it
     * ({@link #snapshotInstalled}).
     */
    void restore(SnapshotMeta meta) {
        Check.that(meta.index() > committed, "restoring snapshot %s at or below commit %s", meta.position(), committed);
        unstableSnapshot = meta;
        unstable.clear();
        unstableOffset = meta.index() + 1;
        committed = meta.index();
    }

    void snapshotInstalled(SnapshotMeta meta) {
        Check.that(
                meta.equals(unstableSnapshot),
                "installed snapshot %s is not the pending one %s",
                meta,
                unstableSnapshot);
        unstableSnapshot = null;
        applied = meta.index();
    }

    /** The highest index that is durable: entries above it are still in the unstable suffix. */
    long lastStableIndex() {
        return Math.min(storage.lastIndex(), unstableOffset - 1);
    }

    /** The highest index that is stable and synced: what may be applied and counted toward a quorum. */
    long lastDurableIndex() {
        return unsyncedFrom == ALL_SYNCED ? lastStableIndex() : Math.min(lastStableIndex(), unsyncedFrom - 1);
    }

    /** True when some stable entries were written without a sync known to cover them. */
    boolean hasUnsyncedEntries() {
        return unsyncedFrom <= lastStableIndex();
    }

    long lastTerm() {
        return term(lastIndex());
    }

    LogPosition lastPosition() {
        long last = lastIndex();
        return new LogPosition(term(last), last);
    }

    /**
     * The term at {@code index}, or -1 when the entry is not available (compacted away or beyond the
     * end). The position just before the first entry answers with the compaction point's term.
     */
    long term(long index) {
        if (index == 0) {
            return 0;
        }
        if (unstableSnapshot != null && index <= unstableSnapshot.index()) {
            return index == unstableSnapshot.index() ? unstableSnapshot.term() : -1;
        }
        if (index >= unstableOffset) {
            long offset = index - unstableOffset;
            return offset < unstable.size() ? unstable.get((int) offset).term() : -1;
        }
        if (index < storage.firstIndex() - 1 || index > storage.lastIndex()) {
            return -1;
        }
        return storage.term(index);
    }

    boolean matchTerm(long index, long term) {
        long t = term(index);
        return t >= 0 && t == term;
    }

    /** Raft §5.4.1: is a candidate whose last entry is at {@code candidateLast} at least as up to date? */
    boolean isUpToDate(LogPosition candidateLast) {
        return candidateLast.isAtLeastAsUpToDateAs(lastPosition());
    }

    /**
     * Follower side of AppendEntries (Raft §5.3). If the entry at {@code prevIndex} has
     * {@code prevTerm}, appends {@code entries} (discarding a conflicting suffix), advances the commit
     * index to {@code min(leaderCommit, last new index)} and returns the last new index; otherwise
     * returns -1 and changes nothing.
     */
    long maybeAppend(long prevIndex, long prevTerm, long leaderCommit, List<Entry> entries) {
        if (!matchTerm(prevIndex, prevTerm)) {
            return -1;
        }
        long lastNewIndex = prevIndex + entries.size();
        long conflict = findConflict(entries);
        if (conflict != 0) {
            Check.that(
                    conflict > committed, "entry %s conflicts with committed entry (commit %s)", conflict, committed);
            int from = (int) (conflict - (prevIndex + 1));
            append(entries.subList(from, entries.size()));
        }
        commitTo(Math.min(leaderCommit, lastNewIndex));
        return lastNewIndex;
    }

    /**
     * The index of the first entry in {@code entries} whose term differs from ours (or that we lack),
     * or 0 when we already hold all of them. Entries must be contiguous.
     */
    private long findConflict(List<Entry> entries) {
        for (Entry e : entries) {
            if (!matchTerm(e.index(), e.term())) {
                return e.index();
            }
        }
        return 0;
    }

    /**
     * The largest index at most {@code index} whose term is at most {@code term} (or the first
     * unavailable position): where a log of a leader with {@code term} at {@code index} can start
     * probing. Used on both sides of fast backtracking.
     */
    long findConflictByTerm(long index, long term) {
        long i = Math.min(index, lastIndex());
        while (i > 0) {
            long t = term(i);
            if (t < 0 || t <= term) {
                break;
            }
            i--;
        }
        return i;
    }

    /**
     * Appends to the unstable suffix, truncating any entries at or after the first new index, and tells the
     * append listener.
     */
    void append(List<Entry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        long first = entries.get(0).index();
        Check.that(
                first > committed, "appending at %s would overwrite committed entries (commit %s)", first, committed);
        Check.that(first <= lastIndex() + 1, "appending at %s leaves a gap after %s", first, lastIndex());
        if (first >= unstableOffset) {
            // Keep the unstable prefix before first, drop the rest.
            int keep = (int) (first - unstableOffset);
            unstable.subList(keep, unstable.size()).clear();
        } else {
            // The new entries replace part of the stable log: the unstable suffix restarts at first.
            unstable.clear();
            unstableOffset = first;
        }
        long expected = first;
        for (Entry e : entries) {
            if (e.index() != expected) { // tested first: Check's varargs would box per entry
                Check.that(false, "entries not contiguous: expected %s, got %s", expected, e.index());
            }
            unstable.add(e);
            expected++;
        }
        appendListener.appended(entries);
    }

    List<Entry> unstableEntries() {
        return List.copyOf(unstable);
    }

    /** Marks the unstable entries up to {@code position} durable, if the log still holds that entry. */
    void stableTo(LogPosition position) {
        long index = position.index();
        if (index < unstableOffset || !matchTerm(index, position.term())) {
            return;
        }
        int count = (int) (index - unstableOffset + 1);
        unstable.subList(0, count).clear();
        unstableOffset = index + 1;
    }

    /**
     * Marks the unstable entries up to {@code position} written but not yet synced: they leave the
     * unstable suffix (storage holds them) without counting as durable until {@link #syncedTo}.
     */
    void writtenTo(LogPosition position) {
        long before = unstableOffset;
        stableTo(position);
        if (unstableOffset > before) {
            unsyncedFrom = Math.min(unsyncedFrom, before);
        }
    }

    /**
     * A sync covering every write up to {@code position} completed. Ignored when the log no longer holds
     * that entry (a later write replaced it; that write's own sync will report it).
     */
    void syncedTo(LogPosition position) {
        if (unsyncedFrom == ALL_SYNCED
                || position.index() < unsyncedFrom
                || !matchTerm(position.index(), position.term())) {
            return;
        }
        unsyncedFrom = position.index() >= lastStableIndex() ? ALL_SYNCED : position.index() + 1;
    }

    /** A sync after every write so far completed: everything stable is durable. */
    void allSynced() {
        unsyncedFrom = ALL_SYNCED;
    }

    void commitTo(long index) {
        if (index > committed) {
            Check.that(index <= lastIndex(), "commit %s beyond last index %s", index, lastIndex());
            committed = index;
        }
    }

    void appliedTo(long index) {
        Check.that(index <= committed, "applied %s beyond commit %s", index, committed);
        Check.that(index >= applied, "applied index going back from %s to %s", applied, index);
        applied = index;
    }

    /** True when committed, durable entries are waiting to be applied. */
    boolean hasEntriesToApply() {
        return unstableSnapshot == null && Math.min(committed, lastDurableIndex()) > applied;
    }

    /** Committed, durable entries after {@code applied}, bounded by {@code maxBytes} (at least one). */
    List<Entry> entriesToApply(long maxBytes) {
        long hi = Math.min(committed, lastDurableIndex());
        if (hi <= applied || unstableSnapshot != null) {
            return List.of();
        }
        return entries(applied + 1, hi + 1, maxBytes);
    }

    /**
     * Entries {@code [from, toExclusive)} from storage and the unstable suffix, bounded by
     * {@code maxBytes} but never empty when the range is not. {@code from} must be available.
     */
    List<Entry> entries(long from, long toExclusive, long maxBytes) {
        Check.that(from >= firstIndex(), "entries from %s are compacted (first %s)", from, firstIndex());
        Check.that(toExclusive <= lastIndex() + 1, "entries to %s beyond last %s", toExclusive, lastIndex());
        List<Entry> result = new ArrayList<>();
        if (from >= toExclusive) {
            return result;
        }
        long bytes = 0;
        if (from < unstableOffset) {
            List<Entry> stable = storage.entries(from, Math.min(toExclusive, unstableOffset), maxBytes);
            for (Entry e : stable) {
                bytes += e.sizeBytes();
                result.add(e);
            }
            if (result.size() < Math.min(toExclusive, unstableOffset) - from) {
                return result; // storage stopped at the byte limit
            }
        }
        for (long i = Math.max(from, unstableOffset); i < toExclusive; i++) {
            Entry e = unstable.get((int) (i - unstableOffset));
            bytes += e.sizeBytes();
            if (!result.isEmpty() && bytes > maxBytes) {
                break;
            }
            result.add(e);
        }
        return result;
    }
}
