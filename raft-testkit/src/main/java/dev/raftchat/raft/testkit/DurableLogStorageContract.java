package dev.raftchat.raft.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.raft.model.HardState;
import dev.raftchat.raft.model.LogPosition;
import dev.raftchat.raft.storage.LogStorage;
import org.junit.jupiter.api.Test;

/**
 * {@link LogStorageContract} plus what a storage that persists must keep across a restart: everything a sync
 * covered — entries, the hard state, a compaction, a replaced suffix. Say how to reopen the storage that
 * {@link #create()} made, once it is closed (a crash that loses unsynced writes is not tested here: that
 * needs control of the disk, as {@code FileLogStorageCrashTest} and the simulator have).
 */
public abstract class DurableLogStorageContract extends LogStorageContract {

    /** Opens again, over the same files (or whatever it persists to), the storage {@link #create()} made. */
    protected abstract LogStorage reopen();

    private void restart() {
        storage.close();
        storage = reopen();
    }

    @Test
    public void syncedEntriesAndHardStateSurviveARestart() {
        storage.append(entries(1, 1, 5));
        storage.saveHardState(new HardState(2, 1, 3));
        storage.sync();
        restart();
        assertThat(storage.lastIndex()).isEqualTo(5);
        assertThat(storage.hardState()).isEqualTo(new HardState(2, 1, 3));
        assertThat(storage.entries(1, 6, Long.MAX_VALUE)).containsExactlyElementsOf(entries(1, 1, 5));
    }

    @Test
    public void aReplacedSuffixAndACompactionSurviveARestart() {
        storage.append(entries(1, 1, 6));
        storage.sync();
        storage.append(entries(2, 4, 7));
        storage.sync();
        storage.compact(new LogPosition(1, 2));
        restart();
        assertThat(storage.compactedThrough()).isEqualTo(new LogPosition(1, 2));
        assertThat(storage.firstIndex()).isEqualTo(3);
        assertThat(storage.lastIndex()).isEqualTo(7);
        assertThat(storage.term(3)).isEqualTo(1);
        assertThat(storage.term(4)).isEqualTo(2);
        assertThat(storage.entries(4, 8, Long.MAX_VALUE)).containsExactlyElementsOf(entries(2, 4, 7));
    }

    @Test
    public void anOverlappedSyncIsDurableOnceComplete() {
        storage.append(entries(1, 1, 3));
        LogStorage.PendingSync pending = storage.beginSync();
        pending.complete();
        restart();
        assertThat(storage.entries(1, 4, Long.MAX_VALUE)).containsExactlyElementsOf(entries(1, 1, 3));
    }
}
