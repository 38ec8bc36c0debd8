package dev.raftchat.raft.storage;

import dev.raftchat.raft.model.SnapshotMeta;

/**
 * Read access to durable snapshots, for a leader streaming one to a follower that is too far behind.
 *
 * <p><b>Threading.</b> Called on the node's Raft thread only; reads must be quick (bounded by the chunk
 * size), never waiting on other threads.
 *
 * <p><b>Failures.</b> An I/O error is a {@link StorageException}. A snapshot that has since been replaced
 * by a newer one may be gone: {@link #read} then returns null and the leader restarts the transfer with
 * {@link #latest()}.
 */
public interface SnapshotSource {

    /** No snapshots: for nodes whose log is never compacted. */
    SnapshotSource NONE = new SnapshotSource() {
        @Override
        public SnapshotMeta latest() {
            return null;
        }

        @Override
        public long sizeBytes(SnapshotMeta meta) {
            return -1;
        }

        @Override
        public byte[] read(SnapshotMeta meta, long offset, int maxBytes) {
            return null;
        }
    };

    /** The newest durable snapshot, or null if there is none. */
    SnapshotMeta latest();

    /** The size of the snapshot's data in bytes, or -1 if it is no longer available. */
    long sizeBytes(SnapshotMeta meta);

    /**
     * Up to {@code maxBytes} of the snapshot's data starting at {@code offset} (fewer only at the end),
     * or null if the snapshot is no longer available.
     */
    byte[] read(SnapshotMeta meta, long offset, int maxBytes);
}
