package dev.raftchat.raft.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.EntryType;
import dev.raftchat.raft.model.HardState;
import dev.raftchat.raft.model.LogPosition;
import dev.raftchat.raft.storage.LogStorage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link LogStorage} must show, independent of durability: the log's shape, reads,
 * suffix replacement, hard state, compaction, overlapped syncs. Run it against your own storage by
 * extending it in a test class and saying how to create a fresh, empty storage:
 *
 * <pre>{@code
 * class MyStorageContractTest extends LogStorageContract {
 *     protected LogStorage create() { return new MyStorage(...); }
 * }
 * }</pre>
 *
 * A storage that persists extends {@link DurableLogStorageContract} instead, which adds restarts. Ours run it
 * too ({@code MemoryLogStorage}, {@code FileLogStorage} on the real and on the simulated file system).
 */
public abstract class LogStorageContract {

    protected LogStorage storage;

    /** A fresh, empty storage. */
    protected abstract LogStorage create();

    @BeforeEach
    public void createStorage() {
        storage = create();
    }

    @AfterEach
    public void closeStorage() {
        storage.close();
    }

    protected static Entry entry(long term, long index) {
        return Entry.normal(term, index, ("e" + index + "t" + term).getBytes(StandardCharsets.UTF_8));
    }

    protected static List<Entry> entries(long term, long fromIndex, long toIndexInclusive) {
        List<Entry> list = new ArrayList<>();
        for (long i = fromIndex; i <= toIndexInclusive; i++) {
            list.add(entry(term, i));
        }
        return list;
    }

    @Test
    public void newStorageIsEmpty() {
        assertThat(storage.hardState()).isEqualTo(HardState.EMPTY);
        assertThat(storage.compactedThrough()).isEqualTo(LogPosition.ZERO);
        assertThat(storage.firstIndex()).isEqualTo(1);
        assertThat(storage.lastIndex()).isEqualTo(0);
        assertThat(storage.term(0)).isEqualTo(0);
        assertThat(storage.entries(1, 1, Long.MAX_VALUE)).isEmpty();
    }

    @Test
    public void appendedEntriesAreReadBack() {
        storage.append(entries(1, 1, 3));
        storage.append(List.of(
                new Entry(2, 4, EntryType.NO_OP, new byte[0]),
                new Entry(2, 5, EntryType.CONFIG_CHANGE, new byte[] {1, 2, 3})));
        storage.sync();
        assertThat(storage.lastIndex()).isEqualTo(5);
        assertThat(storage.term(3)).isEqualTo(1);
        assertThat(storage.term(4)).isEqualTo(2);
        List<Entry> all = storage.entries(1, 6, Long.MAX_VALUE);
        assertThat(all).hasSize(5);
        assertThat(all.get(0)).isEqualTo(entry(1, 1));
        assertThat(all.get(3).type()).isEqualTo(EntryType.NO_OP);
        assertThat(all.get(4).data()).containsExactly(1, 2, 3);
        assertThat(storage.entries(2, 4, Long.MAX_VALUE)).containsExactly(entry(1, 2), entry(1, 3));
    }

    @Test
    public void entriesStopAtTheByteBudgetButReturnAtLeastOne() {
        storage.append(entries(1, 1, 10));
        long one = entry(1, 1).sizeBytes();
        assertThat(storage.entries(1, 11, 0)).containsExactly(entry(1, 1));
        assertThat(storage.entries(1, 11, one)).containsExactly(entry(1, 1));
        assertThat(storage.entries(1, 11, 3 * one)).hasSize(3);
        assertThat(storage.entries(1, 11, 3 * one - 1)).hasSize(2);
        assertThat(storage.entries(4, 11, Long.MAX_VALUE)).hasSize(7);
    }

    @Test
    public void appendAtOrBelowLastIndexReplacesTheSuffix() {
        storage.append(entries(1, 1, 5));
        storage.append(entries(2, 3, 4));
        assertThat(storage.lastIndex()).isEqualTo(4);
        assertThat(storage.entries(1, 5, Long.MAX_VALUE))
                .containsExactly(entry(1, 1), entry(1, 2), entry(2, 3), entry(2, 4));
        assertThat(storage.term(3)).isEqualTo(2);
        storage.append(entries(3, 1, 1));
        assertThat(storage.lastIndex()).isEqualTo(1);
        assertThat(storage.term(1)).isEqualTo(3);
    }

    @Test
    public void appendOutsideTheLogIsRejected() {
        storage.append(entries(1, 1, 3));
        assertThatThrownBy(() -> storage.append(entries(1, 5, 5))).isInstanceOf(IllegalArgumentException.class);
        assertThat(storage.lastIndex()).isEqualTo(3);
        // MemoryLogStorage keeps the contiguous prefix of a rejected batch, so only the exception is common.
        assertThatThrownBy(() -> storage.append(List.of(entry(1, 4), entry(1, 6))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    public void outOfRangeReadsThrow() {
        storage.append(entries(1, 1, 3));
        assertThatThrownBy(() -> storage.term(4)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> storage.entries(1, 5, 100)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> storage.entries(0, 2, 100)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    public void hardStateIsRemembered() {
        HardState state = new HardState(7, 3, 2);
        storage.saveHardState(state);
        storage.sync();
        assertThat(storage.hardState()).isEqualTo(state);
    }

    @Test
    public void compactionDropsThePrefixAndKeepsTheTermOfTheCompactionPoint() {
        storage.append(entries(1, 1, 4));
        storage.append(entries(2, 5, 8));
        storage.sync();
        storage.compact(new LogPosition(2, 6));
        assertThat(storage.compactedThrough()).isEqualTo(new LogPosition(2, 6));
        assertThat(storage.firstIndex()).isEqualTo(7);
        assertThat(storage.lastIndex()).isEqualTo(8);
        assertThat(storage.term(6)).isEqualTo(2);
        assertThat(storage.entries(7, 9, Long.MAX_VALUE)).containsExactly(entry(2, 7), entry(2, 8));
        assertThatThrownBy(() -> storage.term(5)).isInstanceOf(IndexOutOfBoundsException.class);
        storage.compact(new LogPosition(1, 3)); // older than the current point: nothing happens
        assertThat(storage.firstIndex()).isEqualTo(7);
    }

    @Test
    public void compactionBeyondTheLogDiscardsEverything() {
        storage.append(entries(1, 1, 4));
        storage.compact(new LogPosition(3, 10));
        assertThat(storage.firstIndex()).isEqualTo(11);
        assertThat(storage.lastIndex()).isEqualTo(10);
        assertThat(storage.term(10)).isEqualTo(3);
        storage.append(entries(3, 11, 12));
        assertThat(storage.entries(11, 13, Long.MAX_VALUE)).containsExactly(entry(3, 11), entry(3, 12));
    }

    @Test
    public void compactionToASnapshotWhoseTermDiffersDiscardsEverything() {
        // A follower installing a leader's snapshot at index 3, where it holds an entry of another term.
        storage.append(entries(1, 1, 2));
        storage.append(entries(2, 3, 6));
        storage.sync();
        storage.compact(new LogPosition(3, 3));
        assertThat(storage.compactedThrough()).isEqualTo(new LogPosition(3, 3));
        assertThat(storage.lastIndex())
                .as("nothing after a diverging point is kept")
                .isEqualTo(3);
        assertThat(storage.term(3)).isEqualTo(3);
        storage.append(entries(3, 4, 4));
        storage.sync();
        assertThat(storage.entries(4, 5, Long.MAX_VALUE)).containsExactly(entry(3, 4));
    }

    @Test
    public void aLongLogSpanningManySegmentsReadsBackInOrder() {
        List<Entry> written = new ArrayList<>();
        for (long i = 1; i <= 300; i++) {
            Entry e = Entry.normal(1 + i / 100, i, new byte[(int) (i % 37)]);
            written.add(e);
            storage.append(List.of(e));
            if (i % 17 == 0) {
                storage.sync();
            }
        }
        assertThat(storage.entries(1, 301, Long.MAX_VALUE)).containsExactlyElementsOf(written);
        assertThat(storage.entries(150, 160, Long.MAX_VALUE)).containsExactlyElementsOf(written.subList(149, 159));
        assertThat(storage.term(299)).isEqualTo(3);
    }

    @Test
    public void anOverlappedSyncLetsTheLogGrowWhileItCompletes() {
        storage.append(entries(1, 1, 3));
        LogStorage.PendingSync pending = storage.beginSync();
        storage.append(entries(1, 4, 5));
        assertThat(storage.lastIndex()).isEqualTo(5);
        pending.complete();
        storage.sync();
        assertThat(storage.entries(1, 6, Long.MAX_VALUE)).containsExactlyElementsOf(entries(1, 1, 5));
    }
}
