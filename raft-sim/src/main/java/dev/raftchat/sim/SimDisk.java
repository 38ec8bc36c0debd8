package dev.raftchat.sim;

import dev.raftchat.raft.storage.LogStorage;
import java.util.SplittableRandom;

/**
 * The durable medium of one simulated node: it outlives the node's crashes. The simulator opens a
 * {@link LogStorage} on it when the node starts and {@link #crash crashes} it when the node dies.
 *
 * <p>This is the seam for plugging in other storages: a model (see {@link ModelDisk}) or, later, a real
 * file-backed storage over a simulated file system. Implementations must be deterministic given the
 * random stream handed to {@link #crash}, and are used from the simulator's one thread.
 */
public interface SimDisk {

    /** Opens the storage on the durable content; the previous storage, if any, is no longer used. */
    LogStorage open();

    /**
     * Kills the writer: whatever was written after the last completed sync may be lost, any suffix of
     * it (the {@link LogStorage} contract), chosen with {@code random}.
     */
    CrashReport crash(SplittableRandom random);

    /**
     * What a crash threw away.
     *
     * @param unsyncedEntriesLost entries written but not synced that did not survive
     * @param unsyncedEntriesKept entries written but not synced that survived anyway (a prefix)
     * @param tornWrite           the last surviving write was cut short (a prefix of one append)
     */
    record CrashReport(int unsyncedEntriesLost, int unsyncedEntriesKept, boolean tornWrite) {}
}
