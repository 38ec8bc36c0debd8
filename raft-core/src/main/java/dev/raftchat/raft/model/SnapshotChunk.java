package dev.raftchat.raft.model;

import java.util.Objects;

/**
 * A piece of a snapshot received from the leader, to be written at {@code offset} into the staging
 * area for the snapshot {@code meta}. A chunk at offset 0 starts a new staging area, discarding any
 * partial one.
 */
public record SnapshotChunk(SnapshotMeta meta, long offset, byte[] data) {
    public SnapshotChunk {
        Objects.requireNonNull(meta, "meta");
        Objects.requireNonNull(data, "data");
        Check.argument(offset >= 0, "negative snapshot offset %s", offset);
    }
}
