package dev.raftchat.raft.runtime;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Production's {@link SyncExecutor}: overlapped syncs on one sync thread ({@code raft-<id>-sync}, at most one
 * in flight, so a queue of one), which unparks the Raft thread when a sync is done; awaited syncs inline on
 * the Raft thread.
 */
final class ThreadSyncExecutor implements SyncExecutor {

    private final ThreadPoolExecutor syncer;
    private final Thread raftThread;

    ThreadSyncExecutor(long nodeId, Thread raftThread) {
        this.raftThread = raftThread;
        this.syncer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(1), runnable -> {
            Thread thread = new Thread(runnable, "raft-" + nodeId + "-sync");
            thread.setDaemon(true);
            return thread;
        });
    }

    @Override
    public void runOverlapped(Runnable sync) {
        syncer.execute(() -> {
            try {
                sync.run();
            } finally {
                LockSupport.unpark(raftThread);
            }
        });
    }

    @Override
    public void runAwaited(Runnable syncThenContinue) {
        syncThenContinue.run();
    }

    @Override
    public void shutdown() {
        syncer.shutdown();
    }
}
