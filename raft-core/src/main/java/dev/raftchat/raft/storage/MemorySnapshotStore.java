package dev.raftchat.raft.storage;

import dev.raftchat.raft.model.SnapshotMeta;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Objects;

/** A {@link SnapshotStore} in memory that keeps only the latest snapshot, for tests and embedding. */
public final class MemorySnapshotStore implements SnapshotStore {

    private SnapshotMeta latest;
    private byte[] latestData;

    @Override
    public synchronized SnapshotMeta latest() {
        return latest;
    }

    @Override
    public synchronized long sizeBytes(SnapshotMeta meta) {
        return meta.equals(latest) ? latestData.length : -1;
    }

    @Override
    public synchronized byte[] read(SnapshotMeta meta, long offset, int maxBytes) {
        if (!meta.equals(latest)) {
            return null;
        }
        int from = (int) Math.min(offset, latestData.length);
        return Arrays.copyOfRange(latestData, from, (int) Math.min(latestData.length, (long) from + maxBytes));
    }

    @Override
    public synchronized InputStream open(SnapshotMeta meta) {
        return meta.equals(latest) ? new ByteArrayInputStream(latestData) : null;
    }

    @Override
    public SnapshotSink create(SnapshotMeta meta) {
        Objects.requireNonNull(meta, "meta");
        return new SnapshotSink() {
            private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            private boolean done;

            @Override
            public void write(byte[] bytes, int offset, int length) {
                if (done) {
                    throw new IllegalStateException("snapshot " + meta.position() + " already committed or aborted");
                }
                buffer.write(bytes, offset, length);
            }

            @Override
            public void commit() {
                if (done) {
                    throw new IllegalStateException("snapshot " + meta.position() + " already committed or aborted");
                }
                done = true;
                synchronized (MemorySnapshotStore.this) {
                    if (latest == null || meta.index() >= latest.index()) {
                        latest = meta;
                        latestData = buffer.toByteArray();
                    }
                }
            }

            @Override
            public void abort() {
                done = true;
            }
        };
    }
}
