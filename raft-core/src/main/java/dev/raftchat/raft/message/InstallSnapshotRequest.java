package dev.raftchat.raft.message;

import dev.raftchat.raft.model.SnapshotMeta;
import java.util.Objects;

/**
 * One chunk of a snapshot streamed to a follower that is too far behind (Raft §7). Chunks are sent in
 * order; {@code offset} is the byte offset of {@code chunk} in the snapshot, {@code done} marks the last.
 */
public record InstallSnapshotRequest(
        long from, long to, long term, SnapshotMeta meta, long offset, byte[] chunk, boolean done) implements Message {
    public InstallSnapshotRequest {
        Objects.requireNonNull(meta, "meta");
        Objects.requireNonNull(chunk, "chunk");
    }

    @Override
    public long sizeBytes() {
        return 128L + chunk.length;
    }
}
