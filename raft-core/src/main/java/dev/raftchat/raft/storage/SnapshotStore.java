package dev.raftchat.raft.storage;

import dev.raftchat.raft.model.SnapshotMeta;
import java.io.InputStream;

/**
 * Durable snapshots of the state machine: written as a stream (a local snapshot, or one received from
 * the leader chunk by chunk), read back for restoring and for sending to followers.
 *
 * <p><b>Atomicity.</b> A snapshot being written is invisible until {@link SnapshotSink#commit()}
 * returns: then it is durable and the {@link #latest()} one, and older snapshots may be deleted. A
 * crash at any point leaves the previous snapshot intact.
 *
 * <p><b>Threading.</b> Implementations are thread-safe: the runtime writes local snapshots on a
 * background thread while the Raft thread reads chunks of the latest one for followers.
 */
public interface SnapshotStore extends SnapshotSource {

    /** Starts writing the snapshot {@code meta}; nothing is visible until the sink is committed. */
    SnapshotSink create(SnapshotMeta meta);

    /** The data of snapshot {@code meta} for restoring, or null when it is no longer available. */
    InputStream open(SnapshotMeta meta);

    /** A snapshot being written. Used by one thread at a time. */
    interface SnapshotSink {
        void write(byte[] bytes, int offset, int length);

        /** Makes the snapshot durable and the latest one. */
        void commit();

        /** Discards what was written. Idempotent; does nothing after {@link #commit()}. */
        void abort();
    }
}
