package dev.raftchat.raft.storage.file;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.EntryType;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test-mode synced-length sidecar: it names the last segment and the length the latest sync forced,
 * and cutting the segment back to it loses exactly the unsynced suffix (what the fault tests simulate).
 */
class SyncedLengthFileTest {
    @TempDir
    Path root;

    @AfterEach
    void clearProperty() {
        System.clearProperty(FileLogStorage.SYNCED_LENGTH_PROPERTY);
    }

    private static List<Entry> entries(long from, long to) {
        List<Entry> list = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            list.add(new Entry(1, i, EntryType.NORMAL, ("post " + i).getBytes(StandardCharsets.UTF_8)));
        }
        return list;
    }

    @Test
    void offByDefault() {
        Path dir = root.resolve("off");
        try (FileLogStorage storage = FileLogStorage.open(dir, FileLogStorageConfig.defaults())) {
            storage.append(entries(1, 3));
            storage.sync();
        }
        assertThat(dir.resolve(FileLogStorage.SYNCED_LENGTH_FILE_NAME)).doesNotExist();
    }

    @Test
    void cuttingBackToTheSyncedLengthLosesOnlyTheUnsyncedSuffix() throws IOException {
        System.setProperty(FileLogStorage.SYNCED_LENGTH_PROPERTY, "true");
        Path dir = root.resolve("on");
        try (FileLogStorage storage = FileLogStorage.open(dir, FileLogStorageConfig.defaults())) {
            storage.append(entries(1, 10));
            storage.sync();
            storage.append(entries(11, 20)); // never synced
        }
        String[] line = Files.readString(dir.resolve(FileLogStorage.SYNCED_LENGTH_FILE_NAME), StandardCharsets.US_ASCII)
                .trim()
                .split(" ");
        Path segment = dir.resolve(line[0]);
        long syncedLength = Long.parseLong(line[1]);
        assertThat(segment).exists();
        assertThat(Files.size(segment)).isGreaterThan(syncedLength);

        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            channel.truncate(syncedLength);
        }
        try (FileLogStorage storage = FileLogStorage.open(dir, FileLogStorageConfig.defaults())) {
            assertThat(storage.lastIndex()).isEqualTo(10);
            assertThat(storage.recoveryBytesCut()).isZero();
            assertThat(storage.entries(1, 11, Long.MAX_VALUE)).containsExactlyElementsOf(entries(1, 10));
        }
    }
}
