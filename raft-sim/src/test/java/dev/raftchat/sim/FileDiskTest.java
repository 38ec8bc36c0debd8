package dev.raftchat.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.raft.core.Entry;
import dev.raftchat.raft.core.HardState;
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
    void syncedStateSurvivesEveryCrashModeAndUnsyncedSurvivesOnlyAsAPrefix() {
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
            assertThat(last).isBetween(60L, 100L);
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

    private static List<Entry> concat(List<Entry> a, List<Entry> b) {
        List<Entry> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
