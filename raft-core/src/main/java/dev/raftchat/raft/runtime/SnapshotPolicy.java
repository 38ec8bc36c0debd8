package dev.raftchat.raft.runtime;

/**
 * When the runtime takes an automatic snapshot: once {@code intervalEntries} entries or {@code intervalBytes}
 * command bytes were applied since the last one (the floor), and, when {@code growthPercent} is positive, once
 * the command bytes applied since then also reach that percentage of the last snapshot's size.
 *
 * <p>Why the second condition: a snapshot rewrites the whole state, so with a fixed interval the bytes written
 * per byte applied grow with everything ever stored (at 256 B per post and 10,000 entries per snapshot, a state
 * of 100 MB is rewritten for every 2.5 MB posted). Tying the interval to the state's size keeps the snapshot
 * cost per applied byte at most {@code 100 / growthPercent}, and the log on disk behind the newest snapshot at
 * about {@code growthPercent / 100} times the state. Pure: no clock, no IO.
 *
 * @param intervalEntries entries applied since the last snapshot that make one due; 0 for no entry threshold
 * @param intervalBytes   command bytes applied since the last snapshot that make one due; 0 for no byte threshold
 * @param growthPercent   the command bytes since the last snapshot must also reach this percentage of its size;
 *                        0 for no such condition
 */
record SnapshotPolicy(long intervalEntries, long intervalBytes, int growthPercent) {

    SnapshotPolicy {
        if (intervalEntries < 0 || intervalBytes < 0 || growthPercent < 0) {
            throw new IllegalArgumentException("snapshot policy fields must be >= 0: entries=" + intervalEntries
                    + " bytes=" + intervalBytes + " growthPercent=" + growthPercent);
        }
    }

    /**
     * Whether an automatic snapshot is due.
     *
     * @param entriesSinceSnapshot   entries applied since the last snapshot (or since the start of the log)
     * @param bytesSinceSnapshot     command bytes applied since the last snapshot was started
     * @param lastSnapshotBytes      the size of the last snapshot written, installed or restored; 0 if unknown
     */
    boolean due(long entriesSinceSnapshot, long bytesSinceSnapshot, long lastSnapshotBytes) {
        boolean floorReached = (intervalEntries > 0 && entriesSinceSnapshot >= intervalEntries)
                || (intervalBytes > 0 && bytesSinceSnapshot >= intervalBytes);
        if (!floorReached || growthPercent == 0) {
            return floorReached;
        }
        // bytesSince * 100 >= lastBytes * percent, without overflow for any sizes a disk can hold
        return bytesSinceSnapshot / (double) growthPercent * 100.0 >= lastSnapshotBytes;
    }
}
