package dev.raftchat.raft.runtime;

import dev.raftchat.raft.core.RaftNode;
import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.LogPosition;
import dev.raftchat.raft.storage.LogStorage;
import dev.raftchat.raft.storage.StorageException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The syncs of one {@link RaftServer} that overlap its Raft thread ({@link RaftServerConfig#overlapSyncs()}):
 * at most one in flight on the sync thread ({@code raft-<id>-sync}), each covering everything written before
 * it began, and the acknowledgements that wait for them.
 *
 * <p>Thread-free: where a sync runs is the {@link SyncExecutor}'s business (production: the sync thread,
 * which unparks the Raft thread when done; the simulator: a later event in virtual time).
 *
 * <p>The Raft thread calls every method; the sync thread completes the {@link LogStorage.PendingSync}, sends
 * the acknowledgements that waited for it, and then sets {@link #syncFinished} and unparks the Raft thread.
 * Acknowledgements are held in two lists: those written before the sync in flight began leave when it
 * completes, the others when the next one does. Both are bounded by what the node emits between two syncs.
 * Sending from the sync thread takes the Raft thread off a follower's acknowledgement path (the leader's
 * commit path), where it would otherwise add a wake-up and whatever the Raft thread is busy with; this is
 * why {@link dev.raftchat.raft.transport.Transport#send} must be safe to call from two threads.
 */
final class OverlappedSyncs {

    private final LogStorage storage;
    private final RaftMetrics metrics;
    private final Consumer<List<Message>> send;
    private final SyncExecutor syncer;
    private final RaftClock clock;

    /** The last entry the sync in flight covers, or null when none is in flight. */
    private LogPosition syncingThrough;

    private int syncingEntries;
    private long syncStartedNanos;
    private volatile boolean syncFinished;
    private volatile Throwable syncFailure;
    /** The newest entry written and advanced since the sync in flight began (null if none), and how many. */
    private LogPosition writtenUnsynced;

    private int writtenUnsyncedEntries;
    /** Owned by the sync in flight from {@link #start} until it finishes, which sends them. */
    private List<Message> sendAfterSyncInFlight = new ArrayList<>();
    /** Emitted after the sync in flight began but with no write since: the Raft thread sends them. */
    private final List<Message> sendAfterSyncInFlightLate = new ArrayList<>();

    private List<Message> sendAfterNextSync = new ArrayList<>();

    /** Production's binding: the sync thread {@code raft-<id>-sync}, which unparks {@code raftThread}. */
    OverlappedSyncs(
            long nodeId, LogStorage storage, RaftMetrics metrics, Consumer<List<Message>> send, Thread raftThread) {
        this(storage, metrics, send, new ThreadSyncExecutor(nodeId, raftThread), RaftClock.SYSTEM);
    }

    OverlappedSyncs(
            LogStorage storage,
            RaftMetrics metrics,
            Consumer<List<Message>> send,
            SyncExecutor syncer,
            RaftClock clock) {
        this.storage = storage;
        this.metrics = metrics;
        this.send = send;
        this.syncer = syncer;
        this.clock = clock;
    }

    /**
     * A Ready advanced without a sync wrote {@code entries} (possibly none) and holds
     * {@code messagesAfterSync}: they leave once a sync begun after these writes completes. Then begins
     * a sync unless one is in flight.
     */
    void written(List<Entry> entries, List<Message> messagesAfterSync) {
        if (!entries.isEmpty()) {
            writtenUnsynced = entries.get(entries.size() - 1).position();
            writtenUnsyncedEntries += entries.size();
        }
        if (!messagesAfterSync.isEmpty()) {
            if (writtenUnsynced == null && syncingThrough != null) {
                // Everything unsynced is in the sync in flight, which began after those writes. Its list
                // belongs to the sync thread now, so these leave from the Raft thread when it finishes.
                sendAfterSyncInFlightLate.addAll(messagesAfterSync);
            } else {
                sendAfterNextSync.addAll(messagesAfterSync);
                if (writtenUnsynced == null) {
                    // Unsynced entries whose sync was reported stale: sync again through the log's end.
                    writtenUnsynced = new LogPosition(storage.term(storage.lastIndex()), storage.lastIndex());
                }
            }
        }
        start();
    }

    /** True when the sync in flight has completed and waits for {@link #finishIfDone}. */
    boolean finished() {
        return syncFinished;
    }

    /** True while a sync is in flight and has not completed: a Ready that syncs on its own must wait. */
    boolean inFlight() {
        return syncingThrough != null && !syncFinished;
    }

    /**
     * If the sync in flight has completed: sends what waited for it, reports the last entry it covers to
     * {@code synced} ({@link RaftNode#synced}) and begins the next one. Returns true when one completed. A
     * failed sync is fatal: it throws.
     */
    boolean finishIfDone(Consumer<LogPosition> synced) {
        if (syncingThrough == null || !syncFinished) {
            return false;
        }
        synced.accept(complete());
        start();
        return true;
    }

    /**
     * For a Ready that syncs on the Raft thread: waits for the sync in flight (the driver calls this only
     * once it is no longer {@link #inFlight()}, so it never parks there) (sending what waited for it,
     * but not reporting it — the caller's own sync covers everything, and its {@code advance} says so), and
     * returns the messages that were to wait for the next sync, which the caller's sync now covers.
     */
    List<Message> awaitForSyncOnRaftThread() {
        await();
        List<Message> held = sendAfterNextSync;
        sendAfterNextSync = new ArrayList<>();
        writtenUnsynced = null;
        writtenUnsyncedEntries = 0;
        return held;
    }

    /** At shutdown: the storage allows nothing else, close included, while a sync is pending. */
    void awaitAndShutdown() {
        try {
            await();
        } finally {
            syncer.shutdown();
        }
    }

    void shutdown() {
        syncer.shutdown();
    }

    private void start() {
        if (syncingThrough != null || writtenUnsynced == null) {
            return;
        }
        LogStorage.PendingSync pending = storage.beginSync();
        List<Message> empty = sendAfterSyncInFlight;
        sendAfterSyncInFlight = sendAfterNextSync;
        sendAfterNextSync = empty;
        syncingThrough = writtenUnsynced;
        syncingEntries = writtenUnsyncedEntries;
        writtenUnsynced = null;
        writtenUnsyncedEntries = 0;
        syncStartedNanos = clock.nanoTime();
        if (pending == LogStorage.PendingSync.DONE) {
            // Nothing to force (sync disabled, or a storage that syncs in beginSync): no thread hop; the
            // Raft thread sends what waited for it now and finishes it at the top of its next iteration.
            if (!sendAfterSyncInFlight.isEmpty()) {
                send.accept(sendAfterSyncInFlight);
            }
            syncFinished = true;
            return;
        }
        syncFinished = false;
        List<Message> acknowledgements = sendAfterSyncInFlight;
        syncer.runOverlapped(() -> {
            try {
                pending.complete();
                // Straight from here rather than from the Raft thread, which may be busy with the next batch:
                // a follower's acknowledgement is on the leader's commit path.
                if (!acknowledgements.isEmpty()) {
                    send.accept(acknowledgements);
                }
            } catch (Throwable t) {
                syncFailure = t;
            }
            syncFinished = true;
        });
    }

    private void await() {
        if (syncingThrough == null) {
            return;
        }
        while (!syncFinished) {
            LockSupport.park(this);
        }
        complete();
    }

    private LogPosition complete() {
        Throwable failed = syncFailure;
        if (failed != null) {
            throw failed instanceof StorageException e ? e : new StorageException("sync failed", failed);
        }
        metrics.syncCompleted(clock.nanoTime() - syncStartedNanos, syncingEntries);
        sendAfterSyncInFlight.clear(); // sent when the sync completed (see start)
        if (!sendAfterSyncInFlightLate.isEmpty()) {
            send.accept(sendAfterSyncInFlightLate);
            sendAfterSyncInFlightLate.clear();
        }
        LogPosition through = syncingThrough;
        syncingThrough = null;
        syncFinished = false;
        return through;
    }
}
