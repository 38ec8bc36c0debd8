package dev.raftchat.raft.runtime;

import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.HardState;
import dev.raftchat.raft.model.LogPosition;
import dev.raftchat.raft.storage.LogStorage;
import dev.raftchat.raft.storage.MemoryLogStorage;
import dev.raftchat.raft.storage.StorageException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link MemoryLogStorage} that counts syncs, can hold the Raft thread inside {@link #sync()} until a
 * test opens a gate (to pile up work deterministically), and can fail a sync on demand.
 */
final class InstrumentedLogStorage implements LogStorage {

    private final MemoryLogStorage delegate = new MemoryLogStorage();
    private final AtomicInteger syncCount = new AtomicInteger();
    private final Object gate = new Object();
    private boolean gateClosed;
    /** Syncs allowed through the closed gate before it holds again. */
    private int passesThroughClosedGate;

    private volatile boolean blockedInSync;
    private volatile StorageException nextSyncFailure;

    int syncCount() {
        return syncCount.get();
    }

    /** From now on, {@link #sync()} waits until {@link #openGate()}. */
    void closeGate() {
        synchronized (gate) {
            gateClosed = true;
        }
    }

    /** Lets the next {@code syncs} syncs through the closed gate; later ones wait again. */
    void letThrough(int syncs) {
        synchronized (gate) {
            passesThroughClosedGate += syncs;
            gate.notifyAll();
        }
    }

    void openGate() {
        synchronized (gate) {
            gateClosed = false;
            gate.notifyAll();
        }
    }

    /** True while a sync is waiting at the closed gate. */
    boolean blockedInSync() {
        return blockedInSync;
    }

    /** The next sync throws {@code failure} instead of completing. */
    void failNextSync(StorageException failure) {
        nextSyncFailure = failure;
    }

    /** The gate and any injected failure apply on the thread that completes the sync. */
    @Override
    public PendingSync beginSync() {
        return this::sync;
    }

    @Override
    public void sync() {
        StorageException failure = nextSyncFailure;
        if (failure != null) {
            throw failure;
        }
        synchronized (gate) {
            while (gateClosed && passesThroughClosedGate == 0) {
                blockedInSync = true;
                try {
                    gate.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new StorageException("interrupted while held at the test gate", e);
                }
            }
            blockedInSync = false;
            if (gateClosed) {
                passesThroughClosedGate--;
            }
        }
        delegate.sync();
        syncCount.incrementAndGet();
    }

    @Override
    public HardState hardState() {
        return delegate.hardState();
    }

    @Override
    public LogPosition compactedThrough() {
        return delegate.compactedThrough();
    }

    @Override
    public long lastIndex() {
        return delegate.lastIndex();
    }

    @Override
    public long term(long index) {
        return delegate.term(index);
    }

    @Override
    public List<Entry> entries(long fromIndex, long toIndexExclusive, long maxBytes) {
        return delegate.entries(fromIndex, toIndexExclusive, maxBytes);
    }

    @Override
    public void append(List<Entry> entries) {
        delegate.append(entries);
    }

    @Override
    public void saveHardState(HardState hardState) {
        delegate.saveHardState(hardState);
    }

    @Override
    public void compact(LogPosition position) {
        delegate.compact(position);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
