package dev.raftchat.raft.runtime;

import dev.raftchat.raft.storage.ForwardingLogStorage;
import dev.raftchat.raft.storage.MemoryLogStorage;
import dev.raftchat.raft.storage.StorageException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link MemoryLogStorage} that counts syncs, can hold the Raft thread inside {@link #sync()} until a
 * test opens a gate (to pile up work deterministically), and can fail a sync on demand.
 */
final class InstrumentedLogStorage extends ForwardingLogStorage {
    private final AtomicInteger syncCount = new AtomicInteger();
    private final Object gate = new Object();
    private boolean gateClosed;
    /** Syncs allowed through the closed gate before it holds again. */
    private int passesThroughClosedGate;

    private volatile boolean blockedInSync;
    private volatile StorageException nextSyncFailure;

    InstrumentedLogStorage() {
        super(new MemoryLogStorage());
    }

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
        super.sync();
        syncCount.incrementAndGet();
    }
}
