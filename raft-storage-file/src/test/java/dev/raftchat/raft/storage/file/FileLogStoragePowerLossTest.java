package dev.raftchat.raft.storage.file;

import static dev.raftchat.raft.storage.file.TestEntries.range;
import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.HardState;
import dev.raftchat.raft.model.LogPosition;
import dev.raftchat.raft.storage.StorageException;
import dev.raftchat.raft.storage.file.SimulatedFileSystem.CrashMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Power lost between any two steps of a multi-step file operation (truncation across segments, compaction,
 * compaction over a different history, hard-state replacement): the log must open afterwards and hold the
 * state from before the operation or after it (or, for the parts the operation was discarding anyway, a
 * prefix in between), never a mix that refuses to open or puts old entries after new ones.
 */
class FileLogStoragePowerLossTest {
    private static final Path DIR = Path.of("/node1/log");
    /** About five records per segment, so entries 1..40 span eight segments. */
    private static final FileLogStorageConfig CONFIG =
            FileLogStorageConfig.defaults().withSegmentBytesMax(256);

    private static final int LAST = 40;

    /** A synced log of entries 1..40 (term 1) over eight segments, hard state (1, 2, 30). */
    private static SimulatedFileSystem syncedLog() {
        return syncedLog(range(1, 1, LAST));
    }

    /** A synced log of {@code entries} (1..40) over eight segments, hard state (term of the last, 2, 30). */
    private static SimulatedFileSystem syncedLog(List<Entry> entries) {
        SimulatedFileSystem fs = new SimulatedFileSystem();
        try (FileLogStorage storage = FileLogStorage.open(fs, DIR, CONFIG)) {
            storage.append(entries);
            storage.saveHardState(new HardState(entries.get(entries.size() - 1).term(), 2, 30));
            storage.sync();
            assertThat(storage.segmentFirstIndexes()).hasSizeGreaterThan(5);
        }
        return fs;
    }

    /**
     * Runs {@code operation} on a fresh copy of the synced log with the power lost after 0, 1, 2, ... file
     * system calls, until one run completes without losing power; after each loss crashes the disk in every
     * mode (several seeds for the torn ones), reopens and hands the recovered log to {@code check}. Before the
     * check, the sync mark as the crash left it must name an entry the recovered log holds, with that entry's
     * term: a mark lowered without its term (or never lowered) would let a later loss claim a log position that
     * held nothing the node acknowledged.
     */
    private static void powerLossAtEveryStep(Consumer<FileLogStorage> operation, Consumer<FileLogStorage> check) {
        powerLossAtEveryStep(FileLogStoragePowerLossTest::syncedLog, operation, check);
    }

    private static void powerLossAtEveryStep(
            Supplier<SimulatedFileSystem> initial, Consumer<FileLogStorage> operation, Consumer<FileLogStorage> check) {
        int lossesSeen = 0;
        for (long calls = 0; ; calls++) {
            boolean completed = false;
            for (CrashMode mode : CrashMode.values()) {
                int seeds = mode == CrashMode.TORN || mode == CrashMode.TORN_ZERO_FILLED ? 8 : 1;
                for (int seed = 0; seed < seeds; seed++) {
                    SimulatedFileSystem fs = initial.get();
                    FileLogStorage storage = FileLogStorage.open(fs, DIR, CONFIG);
                    fs.powerLossAfter(DIR, calls);
                    try {
                        operation.accept(storage);
                    } catch (SimulatedFileSystem.PowerLossException expected) {
                        // the machine went off in the middle of the operation
                    } catch (StorageException e) {
                        assertThat(fs.powerLost()).as("%s", e).isTrue();
                    }
                    storage.close();
                    if (!fs.powerLost()) {
                        completed = true;
                    } else {
                        lossesSeen++;
                    }
                    fs.crash(mode, new SplittableRandom(calls * 100 + seed));
                    Optional<SyncMark.Value> mark = new SyncMark(fs, DIR).read();
                    try (FileLogStorage recovered = FileLogStorage.open(fs, DIR, CONFIG)) {
                        // Nothing was corrupted: a power loss must never look like lost synced entries.
                        assertThat(recovered.recoveryLostSyncedEntries()).isZero();
                        assertThat(recovered.repairThroughIndex()).isZero();
                        assertThat(recovered.repairThroughTerm()).isEmpty();
                        assertThat(mark).as("the sync mark").isPresent();
                        long markIndex = mark.get().syncedIndex();
                        if (markIndex >= recovered.compactedThrough().index()) {
                            assertThat(markIndex).as("the mark's index").isLessThanOrEqualTo(recovered.lastIndex());
                            assertThat(recovered.term(markIndex))
                                    .as("the term of the mark's entry %s", markIndex)
                                    .isEqualTo(mark.get().syncedTerm());
                        }
                        check.accept(recovered);
                    } catch (RuntimeException | AssertionError e) {
                        throw new AssertionError(
                                "power lost after " + calls + " calls, crash mode " + mode + ", seed " + seed + ": "
                                        + e,
                                e);
                    }
                }
            }
            if (completed) {
                assertThat(lossesSeen).isGreaterThan(3);
                return;
            }
        }
    }

    private static List<Entry> all(FileLogStorage storage) {
        return storage.entries(storage.firstIndex(), storage.lastIndex() + 1, Long.MAX_VALUE);
    }

    @Test
    void truncationAcrossSegmentsSurvivesPowerLossAtEveryStep() {
        powerLossAtEveryStep(
                storage -> {
                    storage.append(range(2, 8, 10)); // overwrites 8..40: six segments go, one is cut
                    storage.sync();
                },
                recovered -> {
                    long last = recovered.lastIndex();
                    assertThat(last).isGreaterThanOrEqualTo(7);
                    List<Entry> entries = all(recovered);
                    // Entries 1..7 were never touched; after them: old entries only, or new entries only.
                    assertThat(entries.subList(0, 7)).isEqualTo(range(1, 1, 7));
                    if (last > 7 && entries.get(7).term() == 2) {
                        assertThat(entries).isEqualTo(concat(range(1, 1, 7), range(2, 8, last)));
                    } else {
                        assertThat(entries).isEqualTo(range(1, 1, last));
                    }
                });
    }

    /**
     * A truncation into an earlier term (1..20 of term 1, 21..40 of term 2, overwritten from 15 with term 3),
     * across segments: the mark is lowered to 14 with entry 14's term (1), not the old last term (2) nor the new
     * one (3), so mark and log agree at every step.
     */
    @Test
    void truncationIntoAnEarlierTermLowersTheMarksIndexAndTermTogether() {
        powerLossAtEveryStep(
                () -> syncedLog(concat(range(1, 1, 20), range(2, 21, LAST))),
                storage -> {
                    storage.append(range(3, 15, 16));
                    storage.sync();
                },
                recovered -> {
                    long last = recovered.lastIndex();
                    assertThat(last).isGreaterThanOrEqualTo(14);
                    List<Entry> entries = all(recovered);
                    if (last > 14 && entries.get(14).term() == 3) {
                        assertThat(entries).isEqualTo(concat(range(1, 1, 14), range(3, 15, last)));
                    } else {
                        List<Entry> old = concat(range(1, 1, 20), range(2, 21, LAST));
                        assertThat(entries).isEqualTo(old.subList(0, (int) last));
                    }
                });
    }

    @Test
    void compactionSurvivesPowerLossAtEveryStep() {
        powerLossAtEveryStep(storage -> storage.compact(new LogPosition(1, 23)), recovered -> {
            LogPosition point = recovered.compactedThrough();
            assertThat(point).isIn(LogPosition.ZERO, new LogPosition(1, 23));
            assertThat(recovered.lastIndex()).isEqualTo(LAST);
            assertThat(all(recovered)).isEqualTo(range(1, point.index() + 1, LAST));
        });
    }

    @Test
    void compactionOverADifferentHistorySurvivesPowerLossAtEveryStep() {
        powerLossAtEveryStep(storage -> storage.compact(new LogPosition(3, 23)), recovered -> {
            LogPosition point = recovered.compactedThrough();
            if (point.equals(new LogPosition(3, 23))) {
                // Nothing of the old history may follow the new compaction point.
                assertThat(recovered.lastIndex()).isEqualTo(23);
            } else {
                assertThat(point).isEqualTo(LogPosition.ZERO);
                assertThat(all(recovered)).isEqualTo(range(1, 1, recovered.lastIndex()));
            }
        });
    }

    @Test
    void hardStateReplacementSurvivesPowerLossAtEveryStep() {
        powerLossAtEveryStep(
                storage -> {
                    storage.saveHardState(new HardState(2, 3, 35));
                    storage.sync();
                },
                recovered -> {
                    assertThat(recovered.hardState()).isIn(new HardState(1, 2, 30), new HardState(2, 3, 35));
                    assertThat(all(recovered)).isEqualTo(range(1, 1, LAST));
                });
    }

    @Test
    void aSyncThatCoversANewSegmentAndANewHardStateSurvivesPowerLossAtEveryStep() {
        powerLossAtEveryStep(
                storage -> {
                    storage.append(range(1, LAST + 1, LAST + 8)); // rolls into a new segment
                    storage.saveHardState(new HardState(2, 3, 35));
                    storage.sync();
                },
                recovered -> {
                    assertThat(recovered.hardState()).isIn(new HardState(1, 2, 30), new HardState(2, 3, 35));
                    assertThat(recovered.lastIndex()).isBetween((long) LAST, LAST + 8L);
                    assertThat(all(recovered)).isEqualTo(range(1, 1, recovered.lastIndex()));
                    if (recovered.hardState().term() == 2) {
                        // The hard state is replaced last: everything the sync covered is there.
                        assertThat(recovered.lastIndex()).isEqualTo(LAST + 8L);
                    }
                });
    }

    private static List<Entry> concat(List<Entry> a, List<Entry> b) {
        List<Entry> result = new ArrayList<>(a);
        result.addAll(b);
        return result;
    }
}
