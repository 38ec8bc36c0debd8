package dev.raftchat.raft.core;

import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.HardState;
import dev.raftchat.raft.model.ReadState;
import dev.raftchat.raft.model.SnapshotChunk;
import dev.raftchat.raft.model.SnapshotMeta;
import java.util.List;

/**
 * Everything a {@link RaftNode} needs its caller to do, as one immutable value.
 *
 * <p><b>The caller's duties, in this order:</b>
 * <ol>
 *   <li>send {@link #messages()} — these may go out before anything is persisted (a leader replicating
 *       its log while writing it, thesis §10.2.1);</li>
 *   <li>write {@link #snapshotChunks()} into the staging area of the snapshot they belong to;</li>
 *   <li>if {@link #snapshot()} is non-null: make the staged snapshot durable and the newest one, restore
 *       the state machine from it, and compact the log storage to its position (which discards the log
 *       when it does not hold the snapshot's last entry);</li>
 *   <li>persist {@link #entries()} and, if non-null, {@link #hardState()}, then make them durable with
 *       one sync (group commit);</li>
 *   <li>only then send {@link #messagesAfterSync()} — votes and acknowledgements report state that must
 *       survive a crash, so they never leave before it is durable;</li>
 *   <li>apply {@link #committedEntries()} to the state machine, in order;</li>
 *   <li>call {@link RaftNode#advance(Ready)} with this value.</li>
 * </ol>
 * A Ready that {@link #mayAdvanceBeforeSync()} may instead be advanced with
 * {@link RaftNode#advanceWithoutSync(Ready)} once its entries are written, its sync done later (on another
 * thread, overlapping the next Readies) and reported with {@link RaftNode#synced}; its
 * {@link #messagesAfterSync()} leave only when a sync begun after its writes has completed. The caller must
 * not reorder writes: a sync covers every write before it.
 * No {@code step}, {@code tick} or {@code propose} may happen between {@link RaftNode#ready()} and
 * {@link RaftNode#advance(Ready)}.
 *
 * @param hardState         the hard state to persist, or null when term and vote are unchanged (the commit
 *                          index it carries is persisted opportunistically, see {@link HardState})
 * @param entries           new log entries to persist; they may overwrite a conflicting suffix
 * @param messages          messages that may be sent at once
 * @param messagesAfterSync messages that may be sent only after {@code entries} and {@code hardState} are durable
 * @param committedEntries  entries to apply; every one was made durable by an earlier Ready
 * @param softState         role and leader, or null when unchanged since the last Ready
 * @param snapshotChunks    received snapshot data to stage (a follower catching up from a snapshot)
 * @param snapshot          a completely received snapshot to install, or null
 * @param readStates        outcomes of linearizable read requests: serve each confirmed one once this node
 *                          has applied its read index
 * @param unsyncedEntries   the log holds entries written by an earlier Ready advanced without a sync that is
 *                          not yet reported: {@link #messagesAfterSync()} then wait for a sync even when this
 *                          Ready writes nothing
 */
public record Ready(
        HardState hardState,
        List<Entry> entries,
        List<Message> messages,
        List<Message> messagesAfterSync,
        List<Entry> committedEntries,
        SoftState softState,
        List<SnapshotChunk> snapshotChunks,
        SnapshotMeta snapshot,
        List<ReadState> readStates,
        boolean unsyncedEntries) {

    public Ready {
        snapshotChunks = List.copyOf(snapshotChunks);
        readStates = List.copyOf(readStates);
        entries = List.copyOf(entries);
        messages = List.copyOf(messages);
        messagesAfterSync = List.copyOf(messagesAfterSync);
        committedEntries = List.copyOf(committedEntries);
    }

    /** True when the caller must persist and sync before sending {@link #messagesAfterSync()}. */
    public boolean needsSync() {
        return hardState != null
                || !entries.isEmpty()
                || !snapshotChunks.isEmpty()
                || snapshot != null
                || (unsyncedEntries && !messagesAfterSync.isEmpty());
    }

    /**
     * True when this Ready needs a sync only for its entries and acknowledgements — no hard state, no
     * snapshot — so the caller may write the entries, advance with {@link RaftNode#advanceWithoutSync},
     * and sync later, holding {@link #messagesAfterSync()} until a sync begun after this Ready's writes
     * completes.
     */
    public boolean mayAdvanceBeforeSync() {
        return needsSync() && hardState == null && snapshotChunks.isEmpty() && snapshot == null;
    }

    /** Role and leader as the node sees them. {@code leaderId} is 0 when unknown. */
    public record SoftState(Role role, long leaderId) {}
}
