package dev.raftchat.raft.runtime;

import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.model.LogPosition;
import dev.raftchat.raft.model.SnapshotChunk;
import dev.raftchat.raft.model.SnapshotMeta;
import dev.raftchat.raft.statemachine.StateMachine;
import dev.raftchat.raft.storage.LogStorage;
import dev.raftchat.raft.storage.SnapshotStore;
import dev.raftchat.raft.storage.StorageException;
import java.io.BufferedOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime's snapshot duties, for one {@link RaftServer}: taking snapshots (when enough entries were
 * applied, or on demand) without blocking the Raft thread, compacting the log behind them, staging and
 * installing snapshots received from the leader, and restoring the state machine at startup.
 *
 * <p><b>Threading.</b> Every method runs on the Raft thread, except the serialization of a snapshot,
 * which runs on {@code writer} from a point-in-time view the state machine gave on the Raft thread. At
 * most one snapshot is written at a time; its outcome comes back to the Raft thread through
 * {@link #finishWritten()}.
 */
final class SnapshotManager {

    private static final Logger log = LoggerFactory.getLogger(SnapshotManager.class);
    private static final int WRITE_BUFFER_BYTES = 64 * 1024;

    private final long id;
    private final SnapshotStore store;
    private final StateMachine stateMachine;
    private final LogStorage storage;
    private final SnapshotPolicy policy;
    private final long logTailEntries;
    /** Command bytes applied since the last snapshot was started. */
    private long bytesSinceSnapshot;
    /** Size of the newest snapshot written, installed or restored; 0 when unknown. Raft thread only. */
    private long lastSnapshotBytes;
    /** Bytes received so far of the snapshot being staged. */
    private long receivingBytes;
    /** When the first chunk of the snapshot being staged arrived ({@link #clock}), for the install's log line. */
    private long receivingStartedNanos;
    /** The driver's clock (virtual time in the simulator), for the install's log line. */
    private final RaftClock clock;

    private final Executor writer;

    /** Index of the newest durable snapshot, or 0. */
    private long lastSnapshotIndex;
    /** A snapshot being written on the writer thread, or null. Raft thread only. */
    private SnapshotMeta writing;
    /** Set by the writer thread when it is done: the snapshot written, or the failure. */
    private final AtomicReference<Object> written = new AtomicReference<>();
    /** On-demand requests waiting for the next snapshot to complete. Bounded by the admin queue. */
    private final List<CompletableFuture<SnapshotMeta>> waiting = new ArrayList<>();
    /** A snapshot being received from the leader, and which one it is. */
    private SnapshotStore.SnapshotSink receiving;

    private SnapshotMeta receivingMeta;

    SnapshotManager(
            long id,
            SnapshotStore store,
            StateMachine stateMachine,
            LogStorage storage,
            SnapshotPolicy policy,
            long logTailEntries,
            Executor writer,
            RaftClock clock) {
        this.id = id;
        this.clock = clock;
        this.store = store;
        this.stateMachine = stateMachine;
        this.storage = storage;
        this.policy = policy;
        this.logTailEntries = logTailEntries;
        this.writer = writer;
        SnapshotMeta latest = store.latest();
        this.lastSnapshotIndex = latest == null ? 0 : latest.index();
    }

    SnapshotStore store() {
        return store;
    }

    /**
     * Restores the state machine from the newest snapshot, if any, and makes the log agree with it.
     * Returns that snapshot, or null.
     */
    SnapshotMeta restoreAtStartup() {
        SnapshotMeta latest = store.latest();
        if (latest == null) {
            return null;
        }
        restoreStateMachine(latest);
        boolean logHoldsIt = storage.lastIndex() >= latest.index()
                && storage.firstIndex() - 1 <= latest.index()
                && storage.term(latest.index()) == latest.term();
        if (!logHoldsIt) {
            // A crash between installing a leader's snapshot and compacting the log: finish the job.
            storage.compact(latest.position());
            storage.sync();
        }
        log.info("node {}: restored the state machine from snapshot {}", id, latest.position());
        return latest;
    }

    private void restoreStateMachine(SnapshotMeta meta) {
        try (InputStream in = store.open(meta)) {
            if (in == null) {
                throw new StorageException("snapshot " + meta.position() + " vanished before it could be restored");
            }
            CountingStream counted = new CountingStream(in);
            stateMachine.restore(counted);
            lastSnapshotBytes = counted.bytes;
        } catch (IOException e) {
            throw new StorageException("node " + id + ": restoring snapshot " + meta.position() + " failed", e);
        }
    }

    /** Writes chunks received from the leader into the staging sink; a chunk at offset 0 starts over. */
    void stage(List<SnapshotChunk> chunks) {
        for (SnapshotChunk chunk : chunks) {
            if (chunk.offset() == 0) {
                abortReceiving();
                receiving = store.create(chunk.meta());
                receivingMeta = chunk.meta();
                receivingBytes = 0;
                receivingStartedNanos = clock.nanoTime();
                log.info(
                        "node {}: receiving snapshot {} from the leader",
                        id,
                        chunk.meta().position());
            }
            if (receiving == null || !chunk.meta().equals(receivingMeta)) {
                throw new IllegalStateException(
                        "node " + id + ": snapshot chunk of " + chunk.meta().position()
                                + " at offset " + chunk.offset()
                                + " without a staging area (the node must start transfers at offset 0)");
            }
            receiving.write(chunk.data(), 0, chunk.data().length);
            receivingBytes += chunk.data().length;
        }
    }

    /** Makes the received snapshot durable, restores the state machine from it and compacts the log. */
    void install(SnapshotMeta meta) {
        if (receiving == null || !meta.equals(receivingMeta)) {
            throw new IllegalStateException("node " + id + ": install of " + meta.position()
                    + " but the staged data is " + (receivingMeta == null ? "none" : "of " + receivingMeta.position()));
        }
        long receivedNanos = clock.nanoTime();
        receiving.commit();
        receiving = null;
        receivingMeta = null;
        long durableNanos = clock.nanoTime();
        restoreStateMachine(meta);
        long restoredNanos = clock.nanoTime();
        lastSnapshotBytes = receivingBytes;
        storage.compact(meta.position());
        lastSnapshotIndex = Math.max(lastSnapshotIndex, meta.index());
        bytesSinceSnapshot = 0;
        log.info(
                "node {}: installed snapshot {} from the leader: {} bytes received in {} ms (first chunk to last),"
                        + " made durable in {} ms, state restored in {} ms",
                id,
                meta.position(),
                receivingBytes,
                TimeUnit.NANOSECONDS.toMillis(receivedNanos - receivingStartedNanos),
                TimeUnit.NANOSECONDS.toMillis(durableNanos - receivedNanos),
                TimeUnit.NANOSECONDS.toMillis(restoredNanos - durableNanos));
    }

    private void abortReceiving() {
        if (receiving != null) {
            receiving.abort();
            receiving = null;
            receivingMeta = null;
        }
    }

    /** Counts command bytes applied, for {@code snapshotIntervalBytes}. */
    void onApplied(long commandBytes) {
        bytesSinceSnapshot += commandBytes;
    }

    /** Asks for a snapshot now; completes when it is durable (or fails with the reason). */
    void request(CompletableFuture<SnapshotMeta> future) {
        waiting.add(future);
    }

    /**
     * Starts writing a snapshot at {@code appliedIndex} if one is due (or requested) and none is being
     * written. Returns true if it started one.
     */
    boolean maybeStart(long appliedIndex, Supplier<ConfState> conf) {
        if (writing != null || appliedIndex <= lastSnapshotIndex) {
            if (writing == null && !waiting.isEmpty() && appliedIndex <= lastSnapshotIndex && store.latest() != null) {
                completeWaiting(store.latest(), null); // nothing new since the last one
            }
            return false;
        }
        boolean due = policy.due(appliedIndex - lastSnapshotIndex, bytesSinceSnapshot, lastSnapshotBytes);
        if (!due && waiting.isEmpty()) {
            return false;
        }
        SnapshotMeta meta = new SnapshotMeta(appliedIndex, storage.term(appliedIndex), conf.get());
        StateMachine.Snapshot view = stateMachine.snapshot();
        writing = meta;
        bytesSinceSnapshot = 0;
        writer.execute(() -> {
            SnapshotStore.SnapshotSink sink = store.create(meta);
            SinkStream counted = new SinkStream(sink);
            try (OutputStream out = new BufferedOutputStream(counted, WRITE_BUFFER_BYTES)) {
                view.writeTo(out);
                out.flush();
                sink.commit();
                written.set(new Written(meta, counted.bytes));
            } catch (Throwable t) {
                sink.abort();
                written.set(t);
            }
        });
        return true;
    }

    /** Handles a finished snapshot write: compacts the log behind it. Returns true if one finished. */
    boolean finishWritten() {
        Object outcome = written.getAndSet(null);
        if (outcome == null) {
            return false;
        }
        SnapshotMeta meta = writing;
        writing = null;
        if (outcome instanceof Throwable failure) {
            log.warn("node {}: writing snapshot {} failed; the log is kept whole", id, meta.position(), failure);
            completeWaiting(null, failure);
            return true;
        }
        lastSnapshotIndex = meta.index();
        lastSnapshotBytes = ((Written) outcome).bytes();
        long compactTo = meta.index() - logTailEntries;
        if (compactTo > storage.compactedThrough().index() && compactTo >= storage.firstIndex()) {
            storage.compact(new LogPosition(storage.term(compactTo), compactTo));
        }
        log.info(
                "node {}: snapshot {} written ({} bytes); log compacted through {}",
                id,
                meta.position(),
                lastSnapshotBytes,
                storage.compactedThrough().index());
        completeWaiting(meta, null);
        return true;
    }

    private void completeWaiting(SnapshotMeta meta, Throwable failure) {
        for (CompletableFuture<SnapshotMeta> future : waiting) {
            if (failure != null) {
                future.completeExceptionally(failure);
            } else {
                future.complete(meta);
            }
        }
        waiting.clear();
    }

    void failWaiting(Throwable cause) {
        completeWaiting(null, cause);
        abortReceiving();
    }

    /** The size of the newest snapshot written, installed or restored (0 when unknown), for the policy. */
    long lastSnapshotBytes() {
        return lastSnapshotBytes;
    }

    /** A snapshot the writer thread finished, and its size. */
    private record Written(SnapshotMeta meta, long bytes) {}

    /** Adapts a sink to the {@link OutputStream} the state machine writes to, counting the bytes. */
    private static final class SinkStream extends OutputStream {
        private final SnapshotStore.SnapshotSink sink;
        /** Written and read on the writer thread only; published through {@code written}. */
        private long bytes;

        SinkStream(SnapshotStore.SnapshotSink sink) {
            this.sink = sink;
        }

        @Override
        public void write(int b) {
            sink.write(new byte[] {(byte) b}, 0, 1);
            bytes++;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            sink.write(bytes, offset, length);
            this.bytes += length;
        }
    }

    /** Counts the bytes a restore reads. */
    private static final class CountingStream extends FilterInputStream {
        private long bytes;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                bytes++;
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                bytes += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            bytes += skipped;
            return skipped;
        }
    }
}
