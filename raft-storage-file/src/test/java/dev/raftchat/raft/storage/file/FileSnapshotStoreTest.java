package dev.raftchat.raft.storage.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.model.SnapshotMeta;
import dev.raftchat.raft.storage.StorageException;
import dev.raftchat.raft.storage.file.FileSnapshotStore.SnapshotReader;
import dev.raftchat.raft.storage.file.FileSnapshotStore.SnapshotWriter;
import dev.raftchat.raft.storage.file.SimulatedFileSystem.CrashMode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSnapshotStoreTest {
    private static final Path DIR = Path.of("/node/snapshots");
    private static final ConfState JOINT = new ConfState(
            new TreeSet<>(List.of(1L, 2L, 3L)), new TreeSet<>(List.of(1L, 2L, 4L)), new TreeSet<>(List.of(9L)));

    private SimulatedFileSystem fs = new SimulatedFileSystem();

    private FileSnapshotStore open() {
        return FileSnapshotStore.open(fs, DIR, FileSnapshotStoreConfig.defaults());
    }

    private static byte[] data(int size, int seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static byte[] readAll(SnapshotReader reader) throws IOException {
        return reader.readAllBytes();
    }

    @Test
    void aSavedSnapshotIsFoundAgainWithItsMetadataAndData() throws IOException {
        SnapshotMeta meta = new SnapshotMeta(120, 4, JOINT);
        open().save(meta, data(5000, 1));
        FileSnapshotStore store = open();
        assertThat(store.latest()).contains(meta);
        try (SnapshotReader reader = store.openLatest().orElseThrow()) {
            assertThat(reader.meta()).isEqualTo(meta);
            assertThat(reader.meta().conf().isJoint()).isTrue();
            assertThat(readAll(reader)).isEqualTo(data(5000, 1));
        }
        assertThat(store.readLatestData(10_000))
                .hasValueSatisfying(d -> assertThat(d).isEqualTo(data(5000, 1)));
        assertThatThrownBy(() -> store.readLatestData(100)).isInstanceOf(StorageException.class);
    }

    @Test
    void anEmptyStoreHasNoSnapshot() {
        FileSnapshotStore store = open();
        assertThat(store.latest()).isEmpty();
        assertThat(store.openLatest()).isEmpty();
    }

    @Test
    void streamingWriteAndReadOfALargeSnapshot() throws IOException {
        byte[] big = data(1_000_003, 7);
        FileSnapshotStore store = open();
        try (SnapshotWriter writer = store.create(new SnapshotMeta(10, 1, ConfState.ofVoters(1)))) {
            int at = 0;
            int chunk = 1;
            while (at < big.length) {
                int n = Math.min(chunk, big.length - at);
                writer.write(big, at, n);
                at += n;
                chunk = chunk * 3 + 1;
            }
            writer.write(0x7F);
            writer.commit();
        }
        try (SnapshotReader reader = open().openLatest().orElseThrow()) {
            byte[] back = readAll(reader);
            assertThat(back).hasSize(big.length + 1);
            assertThat(Arrays.copyOf(back, big.length)).isEqualTo(big);
            assertThat(back[big.length]).isEqualTo((byte) 0x7F);
        }
    }

    @Test
    void olderSnapshotsAreDeletedOnceANewerOneIsDurable() {
        FileSnapshotStore store = open();
        store.save(new SnapshotMeta(10, 1, ConfState.ofVoters(1)), data(10, 1));
        store.save(new SnapshotMeta(20, 2, ConfState.ofVoters(1)), data(10, 2));
        assertThat(fs.list(DIR))
                .containsExactly(FileSnapshotStore.fileName(new SnapshotMeta(20, 2, ConfState.ofVoters(1))));
        assertThatThrownBy(() -> store.create(new SnapshotMeta(15, 2, ConfState.ofVoters(1))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anUncommittedSnapshotIsInvisibleAndItsTemporaryFileIsRemoved() {
        FileSnapshotStore store = open();
        store.save(new SnapshotMeta(10, 1, ConfState.ofVoters(1)), data(100, 1));
        SnapshotWriter writer = store.create(new SnapshotMeta(30, 3, ConfState.ofVoters(1)));
        writer.write(data(100_000, 3), 0, 100_000);
        fs.crash(CrashMode.KEEP_UNSYNCED, new Random(0));
        FileSnapshotStore reopened = open();
        assertThat(reopened.latest().orElseThrow().index()).isEqualTo(10);
        assertThat(fs.list(DIR)).hasSize(1);
    }

    @Test
    void anAbortedSnapshotLeavesNothing() {
        FileSnapshotStore store = open();
        try (SnapshotWriter writer = store.create(new SnapshotMeta(5, 1, ConfState.ofVoters(1)))) {
            writer.write(data(10, 1), 0, 10);
        }
        assertThat(fs.list(DIR)).isEmpty();
        assertThat(store.latest()).isEmpty();
    }

    @Test
    void aSnapshotOverTheSizeLimitIsDiscarded() {
        FileSnapshotStore store = FileSnapshotStore.open(
                fs, DIR, FileSnapshotStoreConfig.defaults().withSnapshotDataBytesMax(50));
        SnapshotWriter writer = store.create(new SnapshotMeta(5, 1, ConfState.ofVoters(1)));
        writer.write(data(40, 1), 0, 40);
        assertThatThrownBy(() -> writer.write(data(20, 1), 0, 20))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("snapshotDataBytesMax");
        assertThat(fs.list(DIR)).isEmpty();
    }

    @Test
    void aCrashAtAnyPointLeavesTheOldOrTheNewSnapshotComplete() {
        for (int seed = 0; seed < 60; seed++) {
            fs = new SimulatedFileSystem();
            FileSnapshotStore store = open();
            SnapshotMeta old = new SnapshotMeta(10, 1, ConfState.ofVoters(1, 2, 3));
            SnapshotMeta next = new SnapshotMeta(20, 2, ConfState.ofVoters(1, 2, 3));
            store.save(old, data(3000, 1));
            SplittableRandom random = new SplittableRandom(seed);
            boolean committed = random.nextBoolean();
            SnapshotWriter writer = store.create(next);
            writer.write(data(3000, 2), 0, 3000);
            if (committed) {
                writer.commit();
            }
            fs.crash(seed % 3 == 0 ? CrashMode.LOSE_UNSYNCED : CrashMode.TORN, random);
            FileSnapshotStore reopened = open();
            SnapshotMeta found = reopened.latest().orElseThrow();
            if (committed) {
                assertThat(found).isEqualTo(next);
            } else {
                assertThat(found).isEqualTo(old);
            }
            assertThat(reopened.readLatestData(10_000).orElseThrow()).isEqualTo(data(3000, found.equals(old) ? 1 : 2));
        }
    }

    @Test
    void aDamagedNewestSnapshotRefusesToOpenNamingTheFile() {
        SnapshotMeta meta = new SnapshotMeta(10, 1, ConfState.ofVoters(1));
        open().save(meta, data(2000, 1));
        Path file = DIR.resolve(FileSnapshotStore.fileName(meta));
        fs.flipByte(file, 500);
        assertThatThrownBy(this::open)
                .isInstanceOf(StorageException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("checksum");
        fs.flipByte(file, 500);
        fs.flipByte(file, 9); // in the header
        assertThatThrownBy(this::open).isInstanceOf(StorageException.class).hasMessageContaining(file.toString());
    }

    @Test
    void aReaderDetectsDamageThatAppearsAfterOpen() {
        SnapshotMeta meta = new SnapshotMeta(10, 1, ConfState.ofVoters(1));
        FileSnapshotStore store = open();
        store.save(meta, data(2000, 1));
        fs.flipByte(DIR.resolve(FileSnapshotStore.fileName(meta)), 1000);
        assertThatThrownBy(() -> store.readLatestData(10_000))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("checksum");
    }

    @Test
    void worksOnTheRealFileSystem(@TempDir Path root) throws IOException {
        SnapshotMeta meta = new SnapshotMeta(77, 3, JOINT);
        FileSnapshotStore.open(root, FileSnapshotStoreConfig.defaults()).save(meta, data(70_000, 5));
        FileSnapshotStore store = FileSnapshotStore.open(root, FileSnapshotStoreConfig.defaults());
        assertThat(store.latest()).contains(meta);
        try (SnapshotReader reader = store.openLatest().orElseThrow()) {
            assertThat(readAll(reader)).isEqualTo(data(70_000, 5));
        }
    }
}
