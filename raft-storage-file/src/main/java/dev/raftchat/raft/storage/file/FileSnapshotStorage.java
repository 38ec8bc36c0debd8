package dev.raftchat.raft.storage.file;

import dev.raftchat.raft.model.SnapshotMeta;
import dev.raftchat.raft.storage.SnapshotStore;
import java.io.InputStream;
import java.util.Objects;

/**
 * raft-core's {@link SnapshotStore} on a {@link FileSnapshotStore}: what the runtime uses to take,
 * send, receive and restore snapshots on disk. Thread-safe, as the store's methods are synchronized.
 */
public final class FileSnapshotStorage implements SnapshotStore {

    private final FileSnapshotStore files;

    public FileSnapshotStorage(FileSnapshotStore files) {
        this.files = Objects.requireNonNull(files, "files");
    }

    /** The file store underneath (for backups: {@link FileSnapshotStore#latestPath()}). */
    public FileSnapshotStore files() {
        return files;
    }

    @Override
    public SnapshotMeta latest() {
        return files.latest().orElse(null);
    }

    @Override
    public long sizeBytes(SnapshotMeta meta) {
        return files.dataBytes(meta);
    }

    @Override
    public byte[] read(SnapshotMeta meta, long offset, int maxBytes) {
        return files.readChunk(meta, offset, maxBytes);
    }

    @Override
    public InputStream open(SnapshotMeta meta) {
        FileSnapshotStore.SnapshotReader reader = files.openLatest().orElse(null);
        if (reader != null && !reader.meta().equals(meta)) {
            reader.close();
            return null;
        }
        return reader;
    }

    @Override
    public SnapshotSink create(SnapshotMeta meta) {
        FileSnapshotStore.SnapshotWriter writer = files.create(meta);
        return new SnapshotSink() {
            @Override
            public void write(byte[] bytes, int offset, int length) {
                writer.write(bytes, offset, length);
            }

            @Override
            public void commit() {
                writer.commit();
            }

            @Override
            public void abort() {
                writer.abort();
            }
        };
    }
}
