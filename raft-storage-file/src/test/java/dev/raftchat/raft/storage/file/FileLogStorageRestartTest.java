package dev.raftchat.raft.storage.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.EntryType;
import dev.raftchat.raft.model.HardState;
import dev.raftchat.raft.model.LogPosition;
import dev.raftchat.raft.storage.StorageException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Restarts over the real file system: a new instance over the same directory sees the same state. */
class FileLogStorageRestartTest {
    @TempDir
    Path root;

    private static final FileLogStorageConfig CONFIG =
            FileLogStorageConfig.defaults().withSegmentBytesMax(4096);

    @Test
    void aNewInstanceRecoversTheSameTermVoteAndLog() {
        Path dir = root.resolve("node-1");
        List<Entry> written = new ArrayList<>();
        try (FileLogStorage storage = FileLogStorage.open(dir, CONFIG)) {
            for (long i = 1; i <= 500; i++) {
                EntryType type = i % 50 == 0 ? EntryType.NO_OP : EntryType.NORMAL;
                Entry e = new Entry(
                        1 + i / 100,
                        i,
                        type,
                        type == EntryType.NO_OP ? new byte[0] : ("post " + i).getBytes(StandardCharsets.UTF_8));
                written.add(e);
            }
            storage.append(written.subList(0, 250));
            storage.saveHardState(new HardState(3, 2, 240));
            storage.sync();
            storage.append(written.subList(250, 500));
            storage.saveHardState(new HardState(6, 1, 499));
            storage.sync();
            storage.compact(new LogPosition(1, 42));
            assertThat(storage.segmentFirstIndexes().size()).isGreaterThan(3);
        }
        try (FileLogStorage storage = FileLogStorage.open(dir, CONFIG)) {
            assertThat(storage.hardState()).isEqualTo(new HardState(6, 1, 499));
            assertThat(storage.compactedThrough()).isEqualTo(new LogPosition(1, 42));
            assertThat(storage.lastIndex()).isEqualTo(500);
            assertThat(storage.term(500)).isEqualTo(6);
            assertThat(storage.entries(43, 501, Long.MAX_VALUE)).containsExactlyElementsOf(written.subList(42, 500));
            assertThat(storage.recoveryBytesCut()).isZero();
        }
    }

    @Test
    void damageToSyncedRecordsOnTheRealDiskIsCutAndReportedForRepair() throws IOException {
        Path dir = root.resolve("node-2");
        try (FileLogStorage storage = FileLogStorage.open(dir, CONFIG)) {
            for (long i = 1; i <= 20; i++) {
                storage.append(List.of(Entry.normal(1, i, new byte[30])));
            }
            storage.sync();
        }
        Path segment = dir.resolve(SegmentFormat.fileName(1));
        long size = Files.size(segment);
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            channel.truncate(size - 10);
        }
        try (FileLogStorage storage = FileLogStorage.open(dir, CONFIG)) {
            assertThat(storage.lastIndex()).isEqualTo(19);
            assertThat(storage.recoveryBytesCut()).isEqualTo(SegmentFormat.RECORD_OVERHEAD_BYTES + 30 - 10);
            assertThat(storage.repairThroughIndex()).isEqualTo(20);
        }
        byte[] bytes = Files.readAllBytes(segment);
        long recordFive = SegmentFormat.HEADER_BYTES + 4L * (SegmentFormat.RECORD_OVERHEAD_BYTES + 30);
        bytes[(int) recordFive + 30] ^= 0x40;
        Files.write(segment, bytes);
        try (FileLogStorage storage = FileLogStorage.open(dir, CONFIG)) {
            assertThat(storage.lastIndex()).isEqualTo(4);
            assertThat(storage.recoveryLostSyncedEntries()).isEqualTo(15);
            assertThat(storage.repairThroughIndex()).isEqualTo(20);
        }
    }

    @Test
    void aSecondInstanceOnTheSameDirectoryIsRefusedUntilTheFirstCloses() {
        Path dir = root.resolve("node-3");
        FileLogStorage first = FileLogStorage.open(dir, CONFIG);
        assertThatThrownBy(() -> FileLogStorage.open(dir, CONFIG))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("in use");
        first.close();
        FileLogStorage.open(dir, CONFIG).close();
    }
}
