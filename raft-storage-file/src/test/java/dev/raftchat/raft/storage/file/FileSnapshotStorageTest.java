package dev.raftchat.raft.storage.file;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.model.SnapshotMeta;
import dev.raftchat.raft.storage.SnapshotStore;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runtime's view of snapshot files: stream in, read back in chunks and as a stream, replace. */
class FileSnapshotStorageTest {

    @TempDir
    Path dir;

    private static byte[] randomBytes(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    @Test
    void writtenSnapshotsReadBackInChunksAndAsAStream() throws Exception {
        FileSnapshotStorage store =
                new FileSnapshotStorage(FileSnapshotStore.open(dir, FileSnapshotStoreConfig.defaults()));
        assertThat(store.latest()).isNull();
        SnapshotMeta first = new SnapshotMeta(10, 2, ConfState.ofVoters(1, 2, 3));
        byte[] data = randomBytes(100_003, 1);
        SnapshotStore.SnapshotSink sink = store.create(first);
        for (int offset = 0; offset < data.length; offset += 7_000) {
            sink.write(data, offset, Math.min(7_000, data.length - offset));
        }
        assertThat(store.latest()).as("invisible until committed").isNull();
        sink.commit();
        assertThat(store.latest()).isEqualTo(first);
        assertThat(store.sizeBytes(first)).isEqualTo(data.length);

        ByteArrayOutputStream chunks = new ByteArrayOutputStream();
        for (long offset = 0; offset < data.length; ) {
            byte[] chunk = store.read(first, offset, 4096);
            chunks.write(chunk);
            offset += chunk.length;
        }
        assertThat(chunks.toByteArray()).isEqualTo(data);
        try (InputStream in = store.open(first)) {
            assertThat(in.readAllBytes()).isEqualTo(data);
        }

        SnapshotMeta second = new SnapshotMeta(20, 3, ConfState.ofVoters(1, 2));
        SnapshotStore.SnapshotSink aborted = store.create(second);
        aborted.write(new byte[] {1, 2, 3}, 0, 3);
        aborted.abort();
        assertThat(store.latest()).isEqualTo(first);
        SnapshotStore.SnapshotSink next = store.create(second);
        next.write(new byte[] {4, 5}, 0, 2);
        next.commit();
        assertThat(store.latest()).isEqualTo(second);
        assertThat(store.read(first, 0, 10)).as("the replaced snapshot is gone").isNull();
        assertThat(store.sizeBytes(first)).isEqualTo(-1);
        assertThat(store.open(first)).isNull();

        FileSnapshotStorage reopened =
                new FileSnapshotStorage(FileSnapshotStore.open(dir, FileSnapshotStoreConfig.defaults()));
        assertThat(reopened.latest()).isEqualTo(second);
        assertThat(reopened.read(second, 0, 100)).containsExactly(4, 5);
    }
}
