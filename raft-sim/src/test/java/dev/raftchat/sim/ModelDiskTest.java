package dev.raftchat.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.HardState;
import dev.raftchat.raft.storage.LogStorage;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ModelDiskTest {

    private static List<Entry> entries(long term, long from, int count) {
        List<Entry> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            list.add(Entry.normal(term, from + i, new byte[] {(byte) (from + i)}));
        }
        return list;
    }

    @Test
    void syncedWritesSurviveEveryCrash() {
        for (long seed = 0; seed < 50; seed++) {
            ModelDisk disk = new ModelDisk();
            LogStorage s = disk.open();
            s.append(entries(1, 1, 3));
            s.saveHardState(new HardState(1, 2, 2));
            s.sync();
            s.append(entries(1, 4, 5));
            s.saveHardState(new HardState(2, 0, 3));
            disk.crash(new SplittableRandom(seed));
            LogStorage after = disk.open();
            assertThat(after.lastIndex()).isBetween(3L, 8L);
            assertThat(after.entries(1, 4, Long.MAX_VALUE)).isEqualTo(entries(1, 1, 3));
            assertThat(after.hardState()).isIn(new HardState(1, 2, 2), new HardState(2, 0, 3));
        }
    }

    @Test
    void aSyncBegunBeforeLaterWritesMakesExactlyTheEarlierOnesDurable() {
        boolean sawLaterLost = false;
        for (long seed = 0; seed < 50; seed++) {
            ModelDisk disk = new ModelDisk();
            LogStorage s = disk.open();
            s.append(entries(1, 1, 3));
            LogStorage.PendingSync pending = s.beginSync();
            s.append(entries(1, 4, 3)); // written while the sync is pending: not covered by it
            pending.complete();
            disk.crash(new SplittableRandom(seed));
            LogStorage after = disk.open();
            assertThat(after.lastIndex()).isBetween(3L, 6L);
            assertThat(after.entries(1, after.lastIndex() + 1, Long.MAX_VALUE))
                    .isEqualTo(entries(1, 1, (int) after.lastIndex()));
            sawLaterLost |= after.lastIndex() == 3;
        }
        assertThat(sawLaterLost)
                .as("the later writes stay unsynced, so some crash loses them")
                .isTrue();
    }

    @Test
    void aPendingSyncCompletedAfterACrashChangesNothing() {
        ModelDisk disk = new ModelDisk();
        LogStorage s = disk.open();
        s.append(entries(1, 1, 3));
        LogStorage.PendingSync pending = s.beginSync();
        disk.crash(new SplittableRandom(1));
        long survived = disk.open().lastIndex();
        pending.complete();
        assertThat(disk.open().lastIndex()).isEqualTo(survived);
    }

    @Test
    void crashKeepsOnlyAPrefixOfUnsyncedWritesSometimesTorn() {
        boolean sawLoss = false;
        boolean sawKeep = false;
        boolean sawTorn = false;
        for (long seed = 0; seed < 200; seed++) {
            ModelDisk disk = new ModelDisk();
            LogStorage s = disk.open();
            s.append(entries(1, 1, 4));
            s.saveHardState(new HardState(1, 1, 0));
            s.append(entries(1, 5, 4));
            SimDisk.CrashReport report = disk.crash(new SplittableRandom(seed));
            LogStorage after = disk.open();
            long last = after.lastIndex();
            // What survives is always a prefix of what was written, in write order.
            assertThat(after.entries(1, last + 1, Long.MAX_VALUE)).isEqualTo(entries(1, 1, (int) last));
            if (last > 4) {
                assertThat(after.hardState())
                        .as("the hard state was written before entries 5..8")
                        .isEqualTo(new HardState(1, 1, 0));
            }
            assertThat(report.unsyncedEntriesLost() + report.unsyncedEntriesKept())
                    .isEqualTo(8);
            assertThat(report.unsyncedEntriesKept()).isEqualTo((int) last);
            sawLoss |= report.unsyncedEntriesLost() > 0;
            sawKeep |= report.unsyncedEntriesKept() > 0;
            sawTorn |= report.tornWrite();
        }
        assertThat(sawLoss).isTrue();
        assertThat(sawKeep).isTrue();
        assertThat(sawTorn).isTrue();
    }

    @Test
    void forgetfulDiskLosesSyncedWrites() {
        ModelDisk disk = new ModelDisk(true);
        LogStorage s = disk.open();
        s.append(entries(1, 1, 2));
        s.saveHardState(new HardState(3, 1, 1));
        s.sync();
        disk.crash(new SplittableRandom(1));
        LogStorage after = disk.open();
        assertThat(after.lastIndex()).isZero();
        assertThat(after.hardState()).isEqualTo(HardState.EMPTY);
    }

    @Test
    void storageOfACrashedIncarnationRefusesWrites() {
        ModelDisk disk = new ModelDisk();
        LogStorage old = disk.open();
        disk.crash(new SplittableRandom(1));
        assertThatThrownBy(() -> old.append(entries(1, 1, 1))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(old::sync).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void overwritingASuffixIsReplayedFaithfully() {
        ModelDisk disk = new ModelDisk();
        LogStorage s = disk.open();
        s.append(entries(1, 1, 5));
        s.sync();
        s.append(entries(2, 3, 1));
        s.sync();
        disk.crash(new SplittableRandom(3));
        LogStorage after = disk.open();
        assertThat(after.lastIndex()).isEqualTo(3);
        assertThat(after.term(3)).isEqualTo(2);
    }
}
