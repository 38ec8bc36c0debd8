package dev.raftchat.raft.storage.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftchat.raft.storage.StorageException;
import dev.raftchat.raft.storage.file.SimulatedFileSystem.CrashMode;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SimulatedFileSystemTest {
    private final SimulatedFileSystem fs = new SimulatedFileSystem();
    private final Path dir = Path.of("/data");
    private final Path file = dir.resolve("f");

    SimulatedFileSystemTest() {
        fs.createDirectories(dir);
    }

    private static ByteBuffer bytes(int from, int count) {
        byte[] b = new byte[count];
        for (int i = 0; i < count; i++) {
            b[i] = (byte) (from + i);
        }
        return ByteBuffer.wrap(b);
    }

    private void createSynced(int size) {
        try (StorageFile f = fs.open(file, true)) {
            f.write(0, bytes(0, size));
            f.force();
        }
        fs.forceDirectory(dir);
    }

    @Test
    void readsSeeUnsyncedWritesAndForceMakesThemDurable() {
        createSynced(10);
        StorageFile f = fs.open(file, false);
        f.write(10, bytes(10, 5));
        assertThat(f.size()).isEqualTo(15);
        assertThat(fs.syncedLength(file)).isEqualTo(10);
        assertThat(fs.hasUnsyncedWrites(file)).isTrue();
        f.force();
        assertThat(fs.syncedLength(file)).isEqualTo(15);
        assertThat(fs.hasUnsyncedWrites(file)).isFalse();
    }

    @Test
    void crashLosingUnsyncedRestoresTheSyncedImage() {
        createSynced(10);
        StorageFile f = fs.open(file, false);
        f.write(10, bytes(10, 20));
        f.write(0, bytes(100, 2));
        fs.crash(CrashMode.LOSE_UNSYNCED, new Random(1));
        assertThat(fs.readAllBytes(file)).isEqualTo(bytes(0, 10).array());
        assertThatThrownBy(() -> f.size()).isInstanceOf(StorageException.class).hasMessageContaining("stale");
    }

    @Test
    void tornCrashKeepsAPrefixOfTheUnsyncedBytes() {
        Set<Long> lengths = new HashSet<>();
        for (int seed = 0; seed < 40; seed++) {
            SimulatedFileSystem sim = new SimulatedFileSystem();
            sim.createDirectories(dir);
            try (StorageFile f = sim.open(file, true)) {
                f.write(0, bytes(0, 10));
                f.force();
                sim.forceDirectory(dir);
                f.write(10, bytes(10, 100));
            }
            sim.crash(CrashMode.TORN, new SplittableRandom(seed));
            byte[] content = sim.readAllBytes(file);
            assertThat(content.length).isBetween(10, 110);
            assertThat(content).isEqualTo(bytes(0, content.length).array());
            lengths.add((long) content.length);
        }
        assertThat(lengths).hasSizeGreaterThan(5);
    }

    @Test
    void tornZeroFilledCrashKeepsTheSizeWithZeros() {
        boolean sawZeros = false;
        for (int seed = 0; seed < 20; seed++) {
            SimulatedFileSystem sim = new SimulatedFileSystem();
            sim.createDirectories(dir);
            try (StorageFile f = sim.open(file, true)) {
                f.force();
                sim.forceDirectory(dir);
                f.write(0, bytes(1, 50));
            }
            sim.crash(CrashMode.TORN_ZERO_FILLED, new SplittableRandom(seed));
            byte[] content = sim.readAllBytes(file);
            if (content.length == 50 && content[49] == 0) {
                sawZeros = true;
            }
        }
        assertThat(sawZeros).isTrue();
    }

    @Test
    void fileCreationWithoutDirectoryForceMayBeLost() {
        try (StorageFile f = fs.open(file, true)) {
            f.write(0, bytes(0, 4));
            f.force();
        }
        fs.crash(CrashMode.LOSE_UNSYNCED, new Random(0));
        assertThat(fs.exists(file)).isFalse();
    }

    @Test
    void renameIsAtomicAndNeedsADirectoryForce() {
        createSynced(3);
        Path temporary = dir.resolve("f.tmp");
        try (StorageFile f = fs.open(temporary, true)) {
            f.write(0, bytes(50, 7));
            f.force();
        }
        fs.rename(temporary, file);
        assertThat(fs.readAllBytes(file)).hasSize(7);
        fs.crash(CrashMode.LOSE_UNSYNCED, new Random(0));
        assertThat(fs.readAllBytes(file)).isEqualTo(bytes(0, 3).array());
        assertThat(fs.list(dir)).containsExactly("f");

        try (StorageFile f = fs.open(temporary, true)) {
            f.write(0, bytes(50, 7));
            f.force();
        }
        fs.rename(temporary, file);
        fs.forceDirectory(dir);
        fs.crash(CrashMode.LOSE_UNSYNCED, new Random(0));
        assertThat(fs.readAllBytes(file)).isEqualTo(bytes(50, 7).array());
    }

    @Test
    void deletionWithoutDirectoryForceMayBeUndone() {
        createSynced(5);
        fs.delete(file);
        assertThat(fs.exists(file)).isFalse();
        fs.crash(CrashMode.LOSE_UNSYNCED, new Random(0));
        assertThat(fs.exists(file)).isTrue();
    }

    @Test
    void flipByteChangesDurableContent() {
        createSynced(10);
        fs.flipByte(file, 3);
        fs.crash(CrashMode.LOSE_UNSYNCED, new Random(0));
        assertThat(fs.readAllBytes(file)[3]).isEqualTo((byte) ~3);
        assertThatThrownBy(() -> fs.flipByte(file, 10)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void truncationIsAnUnsyncedOperationToo() {
        createSynced(10);
        StorageFile f = fs.open(file, false);
        f.truncate(4);
        assertThat(f.size()).isEqualTo(4);
        fs.crash(CrashMode.LOSE_UNSYNCED, new Random(0));
        assertThat(fs.length(file)).isEqualTo(10);
    }

    @Test
    void sameSeedSameResult() {
        byte[][] results = new byte[2][];
        for (int run = 0; run < 2; run++) {
            SimulatedFileSystem sim = new SimulatedFileSystem();
            sim.createDirectories(dir);
            StorageFile f = sim.open(file, true);
            for (int i = 0; i < 10; i++) {
                f.write(i * 10L, bytes(i, 10));
            }
            sim.forceDirectory(dir);
            sim.crash(CrashMode.TORN, new SplittableRandom(42));
            results[run] = sim.readAllBytes(file);
        }
        assertThat(results[0]).isEqualTo(results[1]);
    }

    @Test
    void listingIsSortedAndMissingFilesAreReported() {
        fs.open(dir.resolve("b"), true).close();
        fs.open(dir.resolve("a"), true).close();
        assertThat(fs.list(dir)).containsExactly("a", "b");
        assertThatThrownBy(() -> fs.open(dir.resolve("zz"), false))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("zz");
    }

    @Test
    void aCrashUnderOneRootLeavesOtherDirectoriesAlone() {
        Path other = Path.of("/other");
        fs.createDirectories(other);
        createSynced(4);
        StorageFile mine = fs.open(file, false);
        mine.write(4, bytes(4, 4));
        StorageFile theirs = fs.open(other.resolve("g"), true);
        theirs.write(0, bytes(0, 8));
        fs.crash(dir, CrashMode.LOSE_UNSYNCED, new Random(0));
        assertThat(fs.length(file)).isEqualTo(4);
        assertThat(fs.readAllBytes(other.resolve("g"))).hasSize(8);
    }

    @Test
    void failedForcesMakeNothingDurable() {
        createSynced(4);
        StorageFile f = fs.open(file, false);
        f.write(4, bytes(4, 4));
        fs.failForcesUnder(dir);
        assertThatThrownBy(f::force).isInstanceOf(StorageException.class).hasMessageContaining("simulated I/O error");
        assertThatThrownBy(() -> fs.forceDirectory(dir)).isInstanceOf(StorageException.class);
        assertThat(fs.syncedLength(file)).isEqualTo(4);
        fs.failForcesUnder(null);
        // Linux ("fsyncgate"): the failed pages were marked clean, so the retry succeeds without writing them.
        f.force();
        assertThat(fs.length(file)).isEqualTo(8);
        assertThat(fs.syncedLength(file)).isEqualTo(4);
        assertThat(fs.failedForces()).isEqualTo(1);
        fs.crash(CrashMode.KEEP_UNSYNCED, new Random(0));
        assertThat(fs.length(file)).isEqualTo(4);
    }

    @Test
    void aFailedForceThatDropsPagesMakesReadsReturnTheDiskAgain() {
        createSynced(4);
        StorageFile f = fs.open(file, false);
        f.write(4, bytes(4, 4));
        fs.failForcesUnder(dir, SimulatedFileSystem.FailedForce.DROP_PAGES);
        assertThatThrownBy(f::force).isInstanceOf(StorageException.class);
        assertThat(fs.length(file)).isEqualTo(4);
        assertThat(fs.hasUnsyncedWrites(file)).isFalse();
    }
}
