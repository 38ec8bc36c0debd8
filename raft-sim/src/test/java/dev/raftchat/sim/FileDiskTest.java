package dev.raftchat.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.HardState;
import dev.raftchat.raft.storage.LogStorage;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FileDiskTest {

    private static List<Entry> entries(long term, long from, int count) {
        List<Entry> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            list.add(Entry.normal(term, from + i, new byte[] {(byte) (from + i), 7, 7, 7}));
        }
        return list;
    }

    @Test
    void syncedStateSurvivesEveryCrashModeAndTheUnsyncedTailIsNeverTrusted() {
        boolean sawLoss = false;
        for (long seed = 0; seed < 40; seed++) {
            FileDisk disk = new FileDisk(1);
            LogStorage s = disk.open();
            s.append(entries(1, 1, 60));
            s.saveHardState(new HardState(1, 1, 30));
            s.sync();
            s.append(entries(2, 61, 40));
            SimDisk.CrashReport report = disk.crash(new SplittableRandom(seed));
            LogStorage after = disk.open();
            assertThat(after.hardState()).isEqualTo(new HardState(1, 1, 30));
            long last = after.lastIndex();
            // Whatever the crash kept of 61..100, no sync vouched for it: recovery cuts back to the sync mark.
            assertThat(last).isEqualTo(60L);
            assertThat(after.entries(1, last + 1, Long.MAX_VALUE))
                    .isEqualTo(concat(entries(1, 1, 60), entries(2, 61, (int) last - 60)));
            assertThat(report.unsyncedEntriesLost()).isEqualTo(100 - (int) last);
            sawLoss |= report.unsyncedEntriesLost() > 0;
            // The restarted storage accepts new writes where the survivor ends.
            after.append(entries(3, last + 1, 1));
            after.sync();
            assertThat(after.term(last + 1)).isEqualTo(3);
        }
        assertThat(sawLoss).isTrue();
    }

    @Test
    void injectedFaultsStopTheStorageAndTheRestartKeepsEverySyncedEntry() {
        int powerLosses = 0;
        int failedForces = 0;
        int flipsReported = 0;
        int termsReported = 0;
        for (long seed = 0; seed < 30; seed++) {
            FileDisk disk = new FileDisk(1, new SplittableRandom(seed), new FileDisk.Group());
            disk.setFaultsEnabled(true);
            SplittableRandom crashRandom = new SplittableRandom(seed + 1000);
            LogStorage s = disk.open();
            long index = 0;
            long synced = 0;
            long syncedTerm = 0;
            for (int round = 0; round < 400; round++) {
                try {
                    s.append(entries(1 + round / 50, index + 1, 3));
                    index += 3;
                    s.saveHardState(new HardState(1 + round / 50, 1, 0));
                    s.sync();
                    synced = index;
                    syncedTerm = 1 + round / 50L;
                } catch (FileDisk.DiskStopped stopped) {
                    if (stopped.failedForce) {
                        failedForces++;
                    } else {
                        powerLosses++;
                    }
                    disk.crash(crashRandom);
                    s = disk.open();
                    if (s.repairThroughIndex() == 0) {
                        assertThat(s.lastIndex())
                                .as("seed %s round %s", seed, round)
                                .isGreaterThanOrEqualTo(synced);
                    } else {
                        flipsReported++; // a bit flip: the loss is reported, and owed a repair
                        assertThat(s.repairThroughIndex()).isGreaterThanOrEqualTo(synced);
                        // When this crash lost synced entries, the lost log's last position as the mark recorded
                        // it: this test's terms only grow, so the last synced term, or an earlier repair still owed
                        // that dominates it. (A repair owed from an earlier crash, with nothing lost now, may name
                        // an older term: the node's own log then still holds the newer entries and votes by it.)
                        if (s.lastIndex() < synced && s.repairThroughTerm().isPresent()) {
                            termsReported++;
                            assertThat(s.repairThroughTerm().getAsLong())
                                    .as("seed %s round %s", seed, round)
                                    .isGreaterThanOrEqualTo(syncedTerm);
                        }
                    }
                    index = s.lastIndex();
                    synced = index;
                    syncedTerm = index == 0 ? 0 : s.term(index);
                }
            }
        }
        assertThat(powerLosses).isPositive();
        assertThat(failedForces).isPositive();
        assertThat(flipsReported).isPositive();
        assertThat(termsReported).isPositive();
    }

    private static List<Entry> concat(List<Entry> a, List<Entry> b) {
        List<Entry> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
