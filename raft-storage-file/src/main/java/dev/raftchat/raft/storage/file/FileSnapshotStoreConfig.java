package dev.raftchat.raft.storage.file;

/**
 * Limits and switches of a {@link FileSnapshotStore}.
 *
 * @param snapshotDataBytesMax the largest snapshot (data bytes, excluding metadata) that may be written; a
 *                             write past it fails, so a runaway state machine cannot fill the disk
 * @param syncDisabled         when true nothing is forced (benchmarks only; logged as a warning at open)
 */
public record FileSnapshotStoreConfig(long snapshotDataBytesMax, boolean syncDisabled) {

    public static final long DEFAULT_SNAPSHOT_DATA_BYTES_MAX = 16L * 1024 * 1024 * 1024;

    public FileSnapshotStoreConfig {
        if (snapshotDataBytesMax < 0) {
            throw new IllegalArgumentException("snapshotDataBytesMax must be >= 0, got " + snapshotDataBytesMax);
        }
    }

    /** 16 GiB snapshots at most, sync enabled. */
    public static FileSnapshotStoreConfig defaults() {
        return new FileSnapshotStoreConfig(DEFAULT_SNAPSHOT_DATA_BYTES_MAX, false);
    }

    public FileSnapshotStoreConfig withSnapshotDataBytesMax(long value) {
        return new FileSnapshotStoreConfig(value, syncDisabled);
    }

    public FileSnapshotStoreConfig withSyncDisabled(boolean value) {
        return new FileSnapshotStoreConfig(snapshotDataBytesMax, value);
    }
}
