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
     * Whether the disk may inject its own faults (power loss inside operations, failed forces, bit flips):
     * on in seeds with crashes, off from the liveness phase on. The model disk injects none.
     */
    default void setFaultsEnabled(boolean enabled) {}

    /**
     * What a crash threw away.
     *
     * @param unsyncedEntriesLost entries written but not synced that did not survive
     * @param unsyncedEntriesKept entries written but not synced that survived anyway (a prefix)
     * @param tornWrite           the last surviving write was cut short (a prefix of one append)
     * @param bitFlips            bytes of synced data flipped at this crash
     * @param syncedEntriesLost   synced entries recovery reported lost to corruption (owed a repair)
     * @param recoveryPowerLosses power losses during the recovery that followed the crash
     * @param unsyncedPageHoles   files whose write-back lost an unsynced page and kept a later one
     */
    record CrashReport(
            int unsyncedEntriesLost,
            int unsyncedEntriesKept,
            boolean tornWrite,
            int bitFlips,
            long syncedEntriesLost,
            int recoveryPowerLosses,
            long unsyncedPageHoles) {
        public CrashReport(int unsyncedEntriesLost, int unsyncedEntriesKept, boolean tornWrite) {
            this(unsyncedEntriesLost, unsyncedEntriesKept, tornWrite, 0, 0, 0, 0);
        }
    }
}
