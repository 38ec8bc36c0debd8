package dev.raftchat.raft.storage.file;

import static dev.raftchat.raft.storage.file.TestEntries.entry;
import static dev.raftchat.raft.storage.file.TestEntries.range;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.HardState;
import dev.raftchat.raft.model.LogPosition;
import dev.raftchat.raft.storage.StorageException;
import dev.raftchat.raft.storage.file.SimulatedFileSystem.CrashMode;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Crash injection over the simulated file system: lost, torn and flipped bytes. */
class FileLogStorageCrashTest {
    private static final Path DIR = Path.of("/node1/log");
    private static final FileLogStorageConfig CONFIG =
            FileLogStorageConfig.defaults().withSegmentBytesMax(4096);

    private SimulatedFileSystem fs = new SimulatedFileSystem();

    private FileLogStorage open() {
        return FileLogStorage.open(fs, DIR, CONFIG);
    }

    private FileLogStorage open(FileLogStorageConfig config) {
        return FileLogStorage.open(fs, DIR, config);
    }

    private static List<Entry> all(FileLogStorage storage) {
        return storage.entries(storage.firstIndex(), storage.lastIndex() + 1, Long.MAX_VALUE);
    }

    private static Path segment(long firstIndex) {
        return DIR.resolve(SegmentFormat.fileName(firstIndex));
    }

    /** Byte offset of the record of {@code index} in a segment starting at {@code firstIndex}, for entry(). */
    private static long offsetOf(long firstIndex, long index) {
        long offset = SegmentFormat.HEADER_BYTES;
        for (long i = firstIndex; i < index; i++) {
            offset += SegmentFormat.recordBytes(entry(1, i));
        }
        return offset;
    }

    @Test
    void crashLosesOnlyWhatWasNotSynced() {
        try (FileLogStorage storage = open()) {
            storage.append(range(1, 1, 10));
            storage.saveHardState(new HardState(1, 1, 5));
            storage.sync();
            storage.append(range(1, 11, 20));
            storage.saveHardState(new HardState(2, 0, 10));
        }
        fs.crash(CrashMode.LOSE_UNSYNCED, new Random(0));
        try (FileLogStorage storage = open()) {
            assertThat(storage.lastIndex()).isEqualTo(10);
            assertThat(all(storage)).isEqualTo(range(1, 1, 10));
            assertThat(storage.hardState()).isEqualTo(new HardState(1, 1, 5));
        }
    }

    @Test
    void aProcessCrashKeepsWhatASyncCoveredAndCutsTheUnsyncedTailThePageCacheStillHeld() {
        try (FileLogStorage storage = open()) {
            storage.append(range(1, 1, 10));
            storage.sync();
            storage.append(range(1, 11, 20));
        }
        fs.crash(CrashMode.KEEP_UNSYNCED, new Random(0));
        try (FileLogStorage storage = open()) {
            // 11..20 survived in the page cache, but no sync vouched for them: never trusted.
            assertThat(all(storage)).isEqualTo(range(1, 1, 10));
            assertThat(storage.recoveryBytesCut()).isPositive();
            assertThat(storage.repairThroughIndex()).isZero();
        }
    }

    /**
     * Bug 7 ("fsyncgate"): after a failed force Linux may mark the unsynced pages clean, so a process that
     * restarts reads them back and a force at open "succeeds" without writing them. Recovery must cut back to
     * what the last successful sync covered, whatever the page cache shows.
     */
    @Test
    void afterAFailedForceRecoveryNeverTrustsWhatTheForceCovered() {
        for (SimulatedFileSystem.FailedForce mode : SimulatedFileSystem.FailedForce.values()) {
            fs = new SimulatedFileSystem();
            FileLogStorage storage = open();
            storage.append(range(1, 1, 3));
            storage.sync();
            storage.append(range(1, 4, 6));
            fs.failForcesUnder(DIR, mode);
            assertThatThrownBy(storage::sync).isInstanceOf(StorageException.class);
            storage.close(); // the node stops; its process restarts, the machine (and page cache) lives on
            fs.failForcesUnder(null);
            try (FileLogStorage reopened = open()) {
                assertThat(all(reopened)).as("%s", mode).isEqualTo(range(1, 1, 3));
                reopened.append(range(2, 4, 5));
                reopened.sync();
            }
            fs.crash(CrashMode.LOSE_UNSYNCED, new Random(0)); // and now the machine loses power
            try (FileLogStorage reopened = open()) {
                assertThat(all(reopened)).as("%s", mode).isEqualTo(concat(range(1, 1, 3), range(2, 4, 5)));
            }
        }
    }

    /**
     * Bug 6, second half: write-back may persist later pages of the unsynced tail before earlier ones, leaving
     * a hole followed by valid records. Nothing there was synced, so it is cut, not refused.
     */
    @Test
    void aHoleFollowedByValidRecordsInTheUnsyncedTailIsCutNotRefused() {
        try (FileLogStorage storage = open()) {
            storage.append(range(1, 1, 5));
            storage.sync();
            storage.append(range(1, 6, 10));
        }
        byte[] content = fs.readAllBytes(segment(1));
        long six = offsetOf(1, 6);
        Arrays.fill(content, (int) six, (int) (six + SegmentFormat.recordBytes(entry(1, 6))), (byte) 0);
        fs.crash(CrashMode.LOSE_UNSYNCED, new Random(0));
        fs.overwrite(segment(1), content); // 1..5 synced, 6 never written back, 7..10 written back
        try (FileLogStorage storage = open()) {
            assertThat(all(storage)).isEqualTo(range(1, 1, 5));
            assertThat(storage.repairThroughIndex()).isZero();
            assertThat(storage.recoveryLostSyncedEntries()).isZero();
        }
    }

    private static List<Entry> concat(List<Entry> first, List<Entry> second) {
        List<Entry> result = new ArrayList<>(first);
        result.addAll(second);
        return result;
    }

    @Test
    void aWriteTornAtARandomByteIsCutBackToTheLastWholeRecord() {
        for (CrashMode mode : List.of(CrashMode.TORN, CrashMode.TORN_ZERO_FILLED)) {
            for (int seed = 0; seed < 60; seed++) {
                fs = new SimulatedFileSystem();
                try (FileLogStorage storage = open()) {
                    storage.append(range(1, 1, 10));
                    storage.sync();
                    storage.append(range(1, 11, 30)); // one write of 20 records
                }
                fs.crash(mode, new SplittableRandom(seed));
                try (FileLogStorage storage = open()) {
                    long last = storage.lastIndex();
                    assertThat(last).as("mode %s seed %s", mode, seed).isBetween(10L, 30L);
                    assertThat(all(storage)).isEqualTo(range(1, 1, last));
                    // The cut tail does not get in the way of new appends.
                    storage.append(range(2, last + 1, last + 3));
                    storage.sync();
                }
                try (FileLogStorage storage = open()) {
                    assertThat(storage.recoveryBytesCut()).isZero();
                    assertThat(storage.term(storage.lastIndex())).isEqualTo(2);
                }
            }
        }
    }

    @Test
    void aRecordCutShortIsReportedAsBytesCut() {
        try (FileLogStorage storage = open()) {
            storage.append(range(1, 1, 5));
            storage.sync();
        }
        byte[] content = fs.readAllBytes(segment(1));
        fs.overwrite(segment(1), Arrays.copyOf(content, content.length - 3));
        try (FileLogStorage storage = open()) {
            assertThat(storage.lastIndex()).isEqualTo(4);
            assertThat(storage.recoveryBytesCut()).isEqualTo(SegmentFormat.recordBytes(entry(1, 5)) - 3);
        }
    }

    @Test
    void aZeroFilledTailIsCut() {
        try (FileLogStorage storage = open()) {
            storage.append(range(1, 1, 5));
            storage.sync();
        }
        byte[] content = fs.readAllBytes(segment(1));
        fs.overwrite(segment(1), Arrays.copyOf(content, content.length + 300));
        try (FileLogStorage storage = open()) {
            assertThat(storage.lastIndex()).isEqualTo(5);
            assertThat(storage.recoveryBytesCut()).isEqualTo(300);
        }
        assertThat(fs.length(segment(1))).isEqualTo(content.length);
    }

    /**
     * Bug 6: a synced (perhaps acknowledged) record that fails its checksum is corruption, not a torn write.
     * It is cut, but reported — durably, across restarts — until a sync covers its index again.
     */
    @Test
    void aFlippedByteInTheLastSyncedRecordIsReportedAsLostUntilASyncCoversItAgain() {
        try (FileLogStorage storage = open()) {
            storage.append(range(1, 1, 10));
            storage.sync();
        }
        long lastRecord = offsetOf(1, 10);
        fs.flipByte(segment(1), lastRecord + SegmentFormat.RECORD_OVERHEAD_BYTES + 2);
        try (FileLogStorage storage = open()) {
            assertThat(storage.lastIndex()).isEqualTo(9);
            assertThat(storage.recoveryBytesCut()).isEqualTo(SegmentFormat.recordBytes(entry(1, 10)));
            assertThat(storage.recoveryLostSyncedEntries()).isEqualTo(1);
            assertThat(storage.repairThroughIndex()).isEqualTo(10);
        }
        fs.crash(CrashMode.LOSE_UNSYNCED, new Random(0));
        try (FileLogStorage storage = open()) {
            assertThat(storage.repairThroughIndex())
                    .as("still owed after a restart")
                    .isEqualTo(10);
            storage.append(range(2, 10, 12)); // a leader replicates it back
            storage.sync();
        }
        try (FileLogStorage storage = open()) {
            assertThat(storage.repairThroughIndex()).isZero();
            assertThat(all(storage)).isEqualTo(concat(range(1, 1, 9), range(2, 10, 12)));
        }
    }

    /**
     * The mark records the last synced entry's term with its index, so a loss names the lost log's last
     * position (10@3), with which the node votes for exactly the candidates at least as up to date as that log
     * (simulator seed 96061892). The position survives restarts with the repair, and goes with it.
     */
    @Test
    void theSyncMarkRecordsTheLastSyncedTermSoALossNamesTheLostLogsLastPosition() {
        try (FileLogStorage storage = open()) {
            storage.append(range(1, 1, 6));
            storage.append(range(3, 7, 10));
            storage.sync();
            assertThat(storage.repairThroughTerm()).isEmpty();
        }
        assertThat(new SyncMark(fs, DIR).read())
                .get()
                .satisfies(mark -> assertThat(mark.syncedIndex()).isEqualTo(10))
                .satisfies(mark -> assertThat(mark.syncedTerm()).isEqualTo(3));
        fs.flipByte(segment(1), offsetOf(1, 5) + 2);
        try (FileLogStorage storage = open()) {
            assertThat(storage.lastIndex()).isEqualTo(4);
            assertThat(storage.repairThroughIndex()).isEqualTo(10);
            assertThat(storage.repairThroughTerm()).hasValue(3);
        }
        // What the mark now says: the log kept (4@1), still owing the repair of a log that ended at 10@3.
        SyncMark.Value afterLoss = new SyncMark(fs, DIR).read().orElseThrow();
        assertThat(afterLoss).isEqualTo(new SyncMark.Value(afterLoss.sequence(), 4, 1, 10, 3));
        fs.crash(CrashMode.LOSE_UNSYNCED, new Random(0));
        try (FileLogStorage storage = open()) {
            assertThat(storage.repairThroughTerm())
                    .as("still owed after a restart")
                    .hasValue(3);
            storage.append(range(4, 5, 9)); // a leader replicates part of the log back: not yet through 10
            storage.sync();
            assertThat(storage.repairThroughTerm()).hasValue(3);
            // A second loss while the repair is owed: 5..9 of term 4, a later term at a lower index than 10@3.
            // Neither position dominates the other, so the term becomes unknown (the node's coarse bound).
        }
        fs.flipByte(segment(1), offsetOf(1, 5) + 2);
        try (FileLogStorage storage = open()) {
            assertThat(storage.lastIndex()).isEqualTo(4);
            assertThat(storage.repairThroughIndex()).isEqualTo(10);
            assertThat(storage.repairThroughTerm()).isEmpty();
            storage.append(range(5, 5, 10));
            storage.sync();
            assertThat(storage.repairThroughIndex()).isZero();
            assertThat(storage.repairThroughTerm()).isEmpty();
        }
        try (FileLogStorage storage = open()) {
            assertThat(storage.repairThroughIndex()).isZero();
            assertThat(storage.repairThroughTerm()).isEmpty();
        }
    }

    /** A second loss at or below an owed repair of a term at least its own keeps the owed position. */
    @Test
    void aSecondLossDominatedByTheOwedRepairKeepsItsPosition() {
        try (FileLogStorage storage = open()) {
            storage.append(range(2, 1, 10));
            storage.sync();
        }
        fs.flipByte(segment(1), offsetOf(1, 5) + 2);
        try (FileLogStorage storage = open()) {
            assertThat(storage.repairThroughIndex()).isEqualTo(10);
            assertThat(storage.repairThroughTerm()).hasValue(2);
            storage.append(range(2, 5, 7)); // the leader of term 2 sends part of it back
            storage.sync();
        }
        fs.flipByte(segment(1), offsetOf(1, 6) + 2);
        try (FileLogStorage storage = open()) {
            assertThat(storage.lastIndex()).isEqualTo(5);
            assertThat(storage.repairThroughIndex()).isEqualTo(10);
            assertThat(storage.repairThroughTerm()).hasValue(2);
        }
    }

    /**
     * A data directory written by the previous version (format-1 marks: no terms) opens: its loss is still
     * found and reported, with the term unknown, and the first write turns the mark into format 2.
     */
    @Test
    void aFormatOneSyncMarkIsReadWithItsTermsUnknown() {
        try (FileLogStorage storage = open()) {
            storage.append(range(2, 1, 10));
            storage.sync();
        }
        Path markFile = DIR.resolve(SyncMark.FILE_NAME);
        fs.overwrite(markFile, formatOneMark(7, 10, 0));
        assertThat(new SyncMark(fs, DIR).read()).hasValue(new SyncMark.Value(7, 10, -1, 0, 0));
        fs.flipByte(segment(1), offsetOf(1, 5) + 2);
        try (FileLogStorage storage = open()) {
            assertThat(storage.lastIndex()).isEqualTo(4);
            assertThat(storage.repairThroughIndex()).isEqualTo(10);
            assertThat(storage.repairThroughTerm())
                    .as("the old mark did not record it")
                    .isEmpty();
        }
        assertThat(new SyncMark(fs, DIR).read().orElseThrow().syncedTerm()).isEqualTo(2); // rewritten as format 2

        // An owed repair recorded by the previous version stays owed, with its term unknown.
        fs = new SimulatedFileSystem();
        try (FileLogStorage storage = open()) {
            storage.append(range(2, 1, 4));
            storage.sync();
        }
        fs.overwrite(markFile, formatOneMark(3, 4, 12));
        try (FileLogStorage storage = open()) {
            assertThat(storage.lastIndex()).isEqualTo(4);
            assertThat(storage.recoveryLostSyncedEntries()).isZero();
            assertThat(storage.repairThroughIndex()).isEqualTo(12);
            assertThat(storage.repairThroughTerm()).isEmpty();
        }

        // A format-1 slot that fails its checksum is no mark, as before: the log is recovered without one.
        fs = new SimulatedFileSystem();
        try (FileLogStorage storage = open()) {
            storage.append(range(2, 1, 4));
            storage.sync();
        }
        byte[] damaged = formatOneMark(3, 4, 0);
        damaged[(int) SyncMark.SLOT_STRIDE_BYTES + 20] ^= 1;
        fs.overwrite(markFile, damaged);
        assertThat(new SyncMark(fs, DIR).read()).isEmpty();
        try (FileLogStorage storage = open()) {
            assertThat(all(storage)).isEqualTo(range(2, 1, 4));
            assertThat(storage.repairThroughIndex()).isZero();
        }
    }

    /** A sync-mark file of one format-1 slot (slot 1 of sequence {@code sequence}), as the previous version wrote. */
    private static byte[] formatOneMark(long sequence, long syncedIndex, long repairThroughIndex) {
        ByteBuffer slot = ByteBuffer.allocate(SyncMark.SLOT_BYTES_WITHOUT_TERMS);
        slot.putInt(SyncMark.MAGIC)
                .putShort(SyncMark.FORMAT_VERSION_WITHOUT_TERMS)
                .putShort((short) 0)
                .putLong(sequence)
                .putLong(syncedIndex)
                .putLong(repairThroughIndex);
        slot.putInt(Crc.of(slot.array(), 0, SyncMark.SLOT_BYTES_WITHOUT_TERMS - 4));
        byte[] file = new byte[(int) SyncMark.SLOT_STRIDE_BYTES + SyncMark.SLOT_BYTES_WITHOUT_TERMS];
        System.arraycopy(slot.array(), 0, file, (int) SyncMark.SLOT_STRIDE_BYTES, SyncMark.SLOT_BYTES_WITHOUT_TERMS);
        return file;
    }

    @Test
    void aFlippedByteInTheMiddleOfSyncedRecordsCutsThereAndReportsEverySyncedEntryAfterIt() {
        long damagedRecord = offsetOf(1, 5);
        for (long inRecord : new long[] {0, 3, 6, 12, SegmentFormat.RECORD_OVERHEAD_BYTES + 1}) {
            fs = new SimulatedFileSystem();
            try (FileLogStorage storage = open()) {
                storage.append(range(1, 1, 10));
                storage.sync();
            }
            fs.flipByte(segment(1), damagedRecord + inRecord);
            try (FileLogStorage storage = open()) {
                assertThat(all(storage)).as("flip at +%s", inRecord).isEqualTo(range(1, 1, 4));
                assertThat(storage.recoveryLostSyncedEntries()).isEqualTo(6);
                assertThat(storage.repairThroughIndex()).isEqualTo(10);
            }
        }
    }

    @Test
    void anyFlippedByteInASegmentBeforeTheLastIsFoundAndReportedAsLostSyncedEntries() {
        FileLogStorageConfig small = CONFIG.withSegmentBytesMax(200);
        long size = -1;
        for (long offset = 0; size < 0 || offset < size; offset++) {
            fs = new SimulatedFileSystem();
            long second;
            try (FileLogStorage storage = open(small)) {
                storage.append(range(1, 1, 20));
                storage.sync();
                assertThat(storage.segmentFirstIndexes()).hasSizeGreaterThan(2);
                second = storage.segmentFirstIndexes().get(1);
            }
            size = fs.length(segment(1));
            fs.flipByte(segment(1), offset);
            try (FileLogStorage storage = open(small)) {
                assertThat(storage.lastIndex()).as("flip at %s", offset).isLessThan(second - 1);
                assertThat(all(storage)).isEqualTo(range(1, 1, storage.lastIndex()));
                assertThat(storage.repairThroughIndex()).isEqualTo(20);
                assertThat(storage.recoveryLostSyncedEntries()).isEqualTo(20 - storage.lastIndex());
                assertThat(storage.segmentFirstIndexes()).hasSizeLessThanOrEqualTo(1);
            }
        }
    }

    @Test
    void aDamagedHardStateFileRefusesToOpen() {
        try (FileLogStorage storage = open()) {
            storage.saveHardState(new HardState(3, 2, 0));
            storage.sync();
        }
        Path hardState = DIR.resolve(FileLogStorage.HARD_STATE_FILE_NAME);
        fs.flipByte(hardState, 12);
        assertThatThrownBy(this::open)
                .isInstanceOf(StorageException.class)
                .hasMessageContaining(hardState.toString())
                .hasMessageContaining("checksum");
    }

    @Test
    void hardStateIsReplacedAtomicallyUnderTornCrashes() {
        HardState old = new HardState(4, 1, 3);
        HardState next = new HardState(5, 2, 3);
        for (int seed = 0; seed < 40; seed++) {
            fs = new SimulatedFileSystem();
            try (FileLogStorage storage = open()) {
                storage.saveHardState(old);
                storage.sync();
                storage.saveHardState(next);
                storage.append(range(5, 1, 1));
            }
            fs.crash(CrashMode.TORN, new SplittableRandom(seed));
            try (FileLogStorage storage = open()) {
                assertThat(storage.hardState()).isEqualTo(old);
            }
        }
    }

    @Test
    void aSegmentCreatedButNotDurableInTheDirectoryMayVanishWithoutHarm() {
        FileLogStorageConfig small = CONFIG.withSegmentBytesMax(200);
        try (FileLogStorage storage = open(small)) {
            storage.append(range(1, 1, 5));
            storage.sync();
            storage.append(range(1, 6, 15)); // rolls to new segments, not yet synced
            assertThat(storage.segmentFirstIndexes()).hasSizeGreaterThan(1);
        }
        fs.crash(CrashMode.LOSE_UNSYNCED, new Random(0));
        try (FileLogStorage storage = open(small)) {
            assertThat(storage.lastIndex()).isBetween(5L, 15L);
            assertThat(all(storage)).isEqualTo(range(1, 1, storage.lastIndex()));
        }
    }

    @Test
    void overwrittenEntriesNeverMixWithTheirReplacements() {
        for (int seed = 0; seed < 60; seed++) {
            fs = new SimulatedFileSystem();
            List<Entry> replacement = range(3, 6, 12);
            try (FileLogStorage storage = open()) {
                storage.append(range(1, 1, 10));
                storage.sync();
                storage.append(replacement);
            }
            fs.crash(seed % 2 == 0 ? CrashMode.TORN : CrashMode.LOSE_UNSYNCED, new SplittableRandom(seed));
            try (FileLogStorage storage = open()) {
                List<Entry> recovered = all(storage);
                assertThat(recovered.subList(0, 5)).isEqualTo(range(1, 1, 5));
                assertThat(recovered.subList(5, recovered.size()))
                        .isEqualTo(replacement.subList(0, recovered.size() - 5));
            }
        }
    }

    @Test
    void compactionPointIsDurableAndOldSegmentsGoAway() {
        FileLogStorageConfig small = CONFIG.withSegmentBytesMax(200);
        try (FileLogStorage storage = open(small)) {
            storage.append(range(1, 1, 30));
            storage.sync();
            int before = storage.segmentFirstIndexes().size();
            storage.compact(new LogPosition(1, 20));
            assertThat(storage.segmentFirstIndexes().size()).isLessThan(before);
            assertThat(storage.segmentFirstIndexes().get(0)).isLessThanOrEqualTo(21L);
        }
        fs.crash(CrashMode.LOSE_UNSYNCED, new Random(0));
        try (FileLogStorage storage = open(small)) {
            assertThat(storage.compactedThrough()).isEqualTo(new LogPosition(1, 20));
            assertThat(all(storage)).isEqualTo(range(1, 21, 30));
        }
    }

    @Test
    void compactionBeyondTheLogSurvivesACrashBeforeOldSegmentsAreDeleted() {
        FileLogStorageConfig small = CONFIG.withSegmentBytesMax(200);
        try (FileLogStorage storage = open(small)) {
            storage.append(range(1, 1, 30));
            storage.sync();
        }
        // The state compact() leaves when the machine dies after the compaction point became durable but
        // before the segment deletions did: the new point on disk, every old segment still there.
        new StateFile(fs, DIR, FileLogStorage.COMPACTION_POINT_FILE_NAME, FileLogStorage.COMPACTION_POINT_MAGIC, 16)
                .replace(ByteBuffer.allocate(16).putLong(50).putLong(2).array(), true);
        try (FileLogStorage storage = open(small)) {
            assertThat(storage.segmentFirstIndexes()).isEmpty();
            assertThat(storage.lastIndex()).isEqualTo(50);
            storage.append(range(2, 51, 52));
            storage.sync();
        }
        assertThat(fs.list(DIR))
                .containsExactly(
                        SegmentFormat.fileName(51), FileLogStorage.COMPACTION_POINT_FILE_NAME, SyncMark.FILE_NAME);
        try (FileLogStorage storage = open(small)) {
            assertThat(storage.firstIndex()).isEqualTo(51);
            assertThat(all(storage)).isEqualTo(range(2, 51, 52));
            assertThat(storage.term(50)).isEqualTo(2);
        }
    }

    @Test
    void aMissingSegmentIsReportedAsLostSyncedEntries() {
        FileLogStorageConfig small = CONFIG.withSegmentBytesMax(200);
        List<Long> firsts;
        try (FileLogStorage storage = open(small)) {
            storage.append(range(1, 1, 30));
            storage.sync();
            firsts = storage.segmentFirstIndexes();
        }
        fs.delete(segment(firsts.get(1)));
        fs.forceDirectory(DIR);
        try (FileLogStorage storage = open(small)) {
            assertThat(all(storage)).isEqualTo(range(1, 1, firsts.get(1) - 1));
            assertThat(storage.repairThroughIndex()).isEqualTo(30);
            assertThat(storage.segmentFirstIndexes()).containsExactly(1L);
        }
    }

    @Test
    void groupCommitCostsTwoForcesPerSyncTheSegmentsAndTheSyncMarks() {
        try (FileLogStorage storage = open(CONFIG.withSegmentBytesMax(1 << 20))) {
            storage.append(range(1, 1, 1));
            storage.sync();
            long before = fs.forceCount();
            for (long i = 2; i <= 101; i++) {
                storage.append(List.of(entry(1, i)));
            }
            storage.sync();
            assertThat(fs.forceCount() - before).isEqualTo(2);
        }
    }

    @Test
    void syncDisabledForcesNothing() {
        try (FileLogStorage storage = open(CONFIG.withSyncDisabled(true))) {
            long before = fs.forceCount();
            storage.append(range(1, 1, 50));
            storage.saveHardState(new HardState(1, 1, 1));
            storage.sync();
            assertThat(fs.forceCount()).isEqualTo(before);
        }
    }

    @Test
    void aFailedWriteStopsTheStorage() {
        FileLogStorage storage = open();
        storage.append(range(1, 1, 3));
        fs.crash(CrashMode.KEEP_UNSYNCED, new Random(0)); // every handle goes stale
        assertThatThrownBy(() -> storage.append(range(1, 4, 4))).isInstanceOf(StorageException.class);
        assertThatThrownBy(storage::lastIndex)
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("must be reopened");
        storage.close();
    }

    @Test
    void aFailedSyncStopsTheStorageAndNothingUnsyncedIsClaimed() {
        FileLogStorage storage = open();
        storage.append(range(1, 1, 3));
        storage.sync();
        storage.append(range(1, 4, 6));
        fs.failForcesUnder(DIR);
        assertThatThrownBy(storage::sync).isInstanceOf(StorageException.class);
        assertThatThrownBy(() -> storage.append(range(1, 7, 7)))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("must be reopened");
        storage.close();
        fs.failForcesUnder(null);
        fs.crash(CrashMode.LOSE_UNSYNCED, new Random(0));
        try (FileLogStorage reopened = open()) {
            assertThat(all(reopened)).isEqualTo(range(1, 1, 3));
        }
    }

    @Test
    void aSyncBegunBeforeMoreAppendsMakesWhatItCapturedDurable() {
        try (FileLogStorage storage = open()) {
            storage.append(range(1, 1, 10));
            var pending = storage.beginSync();
            storage.append(range(1, 11, 20)); // while the sync is pending, as on a leader
            pending.complete();
        }
        fs.crash(CrashMode.LOSE_UNSYNCED, new Random(0));
        try (FileLogStorage storage = open()) {
            List<Entry> survived = all(storage);
            assertThat(survived.size()).isBetween(10, 20);
            assertThat(survived).isEqualTo(range(1, 1, survived.size()));
        }
    }

    @Test
    void aSyncNotYetCompletedPromisesNothingButLeavesARecoverableLog() {
        try (FileLogStorage storage = open()) {
            storage.append(range(1, 1, 10));
            storage.sync();
            storage.append(range(1, 11, 20));
            storage.beginSync(); // never completed: the process dies first
        }
        fs.crash(CrashMode.LOSE_UNSYNCED, new Random(0));
        try (FileLogStorage storage = open()) {
            assertThat(all(storage)).isEqualTo(range(1, 1, 10));
        }
    }

    /**
     * A segment captured by a pending sync is forced again when the log rolls to a new segment: only the
     * last segment may ever be torn, whether or not the pending sync finished first.
     */
    @Test
    void aSegmentRollDuringAPendingSyncForcesTheCapturedSegment() {
        long rollAt;
        try (FileLogStorage storage = open()) {
            long index = 1;
            while (storage.segmentFirstIndexes().size() < 2) {
                // Every append overlaps a sync that has not completed (a leader whose disk stalls), so the
                // append that rolls finds the first segment captured and not dirty.
                storage.beginSync();
                storage.append(List.of(entry(1, index++)));
            }
            rollAt = storage.segmentFirstIndexes().get(1);
            assertThat(fs.hasUnsyncedWrites(segment(1)))
                    .as("the roll forced the first segment")
                    .isFalse();
        }
        fs.crash(CrashMode.LOSE_UNSYNCED, new Random(0));
        try (FileLogStorage storage = open()) {
            // No sync completed, so nothing is promised (not even the files' directory entries); what
            // survives must still recover as a clean prefix.
            assertThat(storage.lastIndex()).isLessThan(rollAt + 1);
            assertThat(all(storage)).isEqualTo(range(1, 1, storage.lastIndex()));
        }
    }

    @Test
    void aPendingSyncThatFailsMakesTheStorageUnusable() {
        FileLogStorage storage = open();
        storage.append(range(1, 1, 3));
        var pending = storage.beginSync();
        fs.failForcesUnder(DIR);
        assertThatThrownBy(pending::complete).isInstanceOf(StorageException.class);
        assertThatThrownBy(() -> storage.append(range(1, 4, 4)))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("must be reopened");
        storage.close();
        fs.failForcesUnder(null);
    }

    @Test
    void aDirectoryIsLockedWhileOpenAndACrashReleasesTheLock() {
        FileLogStorage first = open();
        assertThatThrownBy(this::open).isInstanceOf(StorageException.class).hasMessageContaining("in use");
        fs.crash(CrashMode.KEEP_UNSYNCED, new Random(0)); // the process holding it died
        open().close();
        first.close(); // a stale instance closing late must not release the new owner's lock
        FileLogStorage second = open();
        assertThatThrownBy(this::open).isInstanceOf(StorageException.class);
        second.close();
    }

    @Test
    void oversizedEntriesAreRejectedBeforeAnythingIsWritten() {
        try (FileLogStorage storage = open(CONFIG.withEntryDataBytesMax(100))) {
            storage.append(range(1, 1, 2));
            assertThatThrownBy(() -> storage.append(List.of(Entry.normal(1, 3, new byte[101]))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("entryDataBytesMax");
            assertThatThrownBy(() -> storage.append(List.of(entry(1, 3), entry(1, 5))))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(storage.lastIndex()).isEqualTo(2);
        }
    }

    @Test
    void anEntryLargerThanASegmentGetsASegmentOfItsOwn() {
        FileLogStorageConfig small = CONFIG.withSegmentBytesMax(200);
        try (FileLogStorage storage = open(small)) {
            storage.append(range(1, 1, 2));
            storage.append(List.of(Entry.normal(1, 3, new byte[1000])));
            storage.append(range(1, 4, 5));
            storage.sync();
        }
        try (FileLogStorage storage = open(small)) {
            assertThat(storage.lastIndex()).isEqualTo(5);
            assertThat(storage.entries(3, 4, 0).get(0).data()).hasSize(1000);
            assertThat(storage.segmentFirstIndexes()).contains(3L, 4L);
        }
    }
}
