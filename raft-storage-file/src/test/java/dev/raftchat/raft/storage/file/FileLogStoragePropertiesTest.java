package dev.raftchat.raft.storage.file;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.HardState;
import dev.raftchat.raft.model.LogPosition;
import dev.raftchat.raft.storage.file.SimulatedFileSystem.CrashMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Random sequences of append / overwrite (suffix truncation) / compact / save hard state / sync / crash /
 * reopen against a simple model. After every crash: the recovered log is a prefix of what was written that
 * holds every entry whose sync completed (and was not overwritten since), the compaction point is the last
 * one set, and the hard state is the last synced one or one saved after it.
 */
class FileLogStoragePropertiesTest {
    private static final Path DIR = Path.of("/prop/log");
    private static final FileLogStorageConfig CONFIG =
            FileLogStorageConfig.defaults().withSegmentBytesMax(160).withEntryCacheBytesMax(120);

    sealed interface Action permits Append, Overwrite, Compact, SaveHardState, Sync, Crash, Reopen {}

    record Append(int count, boolean newTerm, int dataBytes) implements Action {}

    record Overwrite(int back, int count) implements Action {}

    /** Compacts; with {@code foreignTerm} the position's term differs from the log's (a leader's snapshot). */
    record Compact(int percent, int beyond, boolean foreignTerm) implements Action {}

    record SaveHardState(int vote) implements Action {}

    record Sync() implements Action {}

    record Crash(CrashMode mode, long seed) implements Action {}

    record Reopen() implements Action {}

    @Provide
    Arbitrary<List<Action>> actions() {
        Arbitrary<Action> append = Combinators.combine(
                        Arbitraries.integers().between(1, 6),
                        Arbitraries.of(true, false),
                        Arbitraries.integers().between(0, 40))
                .as(Append::new);
        Arbitrary<Action> overwrite = Combinators.combine(
                        Arbitraries.integers().between(1, 6),
                        Arbitraries.integers().between(1, 5))
                .as(Overwrite::new);
        Arbitrary<Action> compact = Combinators.combine(
                        Arbitraries.integers().between(0, 100),
                        Arbitraries.integers().between(0, 3),
                        Arbitraries.of(false, false, false, true))
                .as(Compact::new);
        Arbitrary<Action> hardState = Arbitraries.integers().between(0, 5).map(SaveHardState::new);
        Arbitrary<Action> sync = Arbitraries.just(new Sync());
        Arbitrary<Action> crash = Combinators.combine(Arbitraries.of(CrashMode.class), Arbitraries.longs())
                .as(Crash::new);
        Arbitrary<Action> reopen = Arbitraries.just(new Reopen());
        Arbitrary<Action> action = Arbitraries.frequencyOf(
                Tuple.of(10, append),
                Tuple.of(3, overwrite),
                Tuple.of(2, compact),
                Tuple.of(3, hardState),
                Tuple.of(6, sync),
                Tuple.of(3, crash),
                Tuple.of(1, reopen));
        return action.list().ofMinSize(1).ofMaxSize(50);
    }

    @Property(tries = 250)
    void recoveredLogIsAPrefixOfWhatWasWrittenHoldingEverySyncedEntry(@ForAll("actions") List<Action> actions) {
        new Run().execute(actions);
    }

    /** One run: the storage under test and the model it is checked against. */
    private static final class Run {
        final SimulatedFileSystem fs = new SimulatedFileSystem();
        FileLogStorage storage = FileLogStorage.open(fs, DIR, CONFIG);
        long term = 1;
        LogPosition compacted = LogPosition.ZERO;
        /** The log as written: index -> entry, for indexes above the compaction point. */
        TreeMap<Long, Entry> written = new TreeMap<>();
        /** The log as of the last completed sync. */
        TreeMap<Long, Entry> synced = new TreeMap<>();

        HardState syncedHardState = HardState.EMPTY;
        List<HardState> hardStatesSinceSync = new ArrayList<>(List.of(HardState.EMPTY));

        long lastIndex() {
            return written.isEmpty() ? compacted.index() : written.lastKey();
        }

        void execute(List<Action> actions) {
            try {
                for (Action action : actions) {
                    apply(action);
                    checkReads();
                }
            } finally {
                storage.close();
            }
        }

        void apply(Action action) {
            if (action instanceof Append a) {
                if (a.newTerm()) {
                    term++;
                }
                append(lastIndex() + 1, a.count(), a.dataBytes());
            } else if (action instanceof Overwrite o) {
                term++;
                long from = Math.max(compacted.index() + 1, lastIndex() + 1 - o.back());
                append(from, o.count(), 7);
            } else if (action instanceof Compact c) {
                long target = compacted.index() + (lastIndex() - compacted.index()) * c.percent() / 100 + c.beyond();
                if (target > compacted.index()) {
                    boolean foreign = c.foreignTerm() && target <= lastIndex();
                    if (foreign) {
                        term++; // a newer leader's snapshot: its term at target is not ours
                    }
                    long targetTerm = target <= lastIndex() && !foreign
                            ? written.get(target).term()
                            : term;
                    compacted = new LogPosition(targetTerm, target);
                    storage.compact(compacted);
                    if (foreign) {
                        written.clear(); // nothing we hold follows a history we do not share
                        synced.clear();
                    }
                    written.headMap(target, true).clear();
                    synced.headMap(target, true).clear();
                }
            } else if (action instanceof SaveHardState h) {
                HardState state = new HardState(term, h.vote(), Math.min(lastIndex(), compacted.index() + 1));
                storage.saveHardState(state);
                hardStatesSinceSync.add(state);
            } else if (action instanceof Sync) {
                storage.sync();
                synced = new TreeMap<>(written);
                syncedHardState = hardStatesSinceSync.get(hardStatesSinceSync.size() - 1);
                hardStatesSinceSync = new ArrayList<>(List.of(syncedHardState));
            } else if (action instanceof Crash c) {
                storage.close();
                fs.crash(c.mode(), new SplittableRandom(c.seed()));
                reopenAndCheck();
            } else if (action instanceof Reopen) {
                storage.close();
                reopenAndCheck();
            }
        }

        void append(long from, int count, int dataBytes) {
            List<Entry> batch = new ArrayList<>();
            for (long i = from; i < from + count; i++) {
                byte[] data = new byte[dataBytes];
                for (int b = 0; b < dataBytes; b++) {
                    data[b] = (byte) (i * 7 + term * 13 + b);
                }
                batch.add(Entry.normal(term, i, data));
            }
            storage.append(batch);
            written.tailMap(from, true).clear();
            for (Entry e : batch) {
                written.put(e.index(), e);
            }
        }

        void reopenAndCheck() {
            storage = FileLogStorage.open(fs, DIR, CONFIG);
            assertThat(storage.compactedThrough()).isEqualTo(compacted);
            List<Entry> recovered = storage.entries(storage.firstIndex(), storage.lastIndex() + 1, Long.MAX_VALUE);
            // A prefix of what was written...
            for (Entry e : recovered) {
                assertThat(e).as("recovered entry %s", e.index()).isEqualTo(written.get(e.index()));
            }
            // ...that holds every synced entry still in the written log.
            long mustHold = compacted.index();
            for (Map.Entry<Long, Entry> e : synced.entrySet()) {
                if (!e.getValue().equals(written.get(e.getKey()))) {
                    break;
                }
                mustHold = e.getKey();
            }
            // ...and nothing after it, whatever the crash kept: an unsynced tail is never trusted (after a failed
            // force its pages may be clean in the page cache without being on the disk).
            assertThat(storage.lastIndex()).as("last index after recovery").isEqualTo(mustHold);
            assertThat(hardStatesSinceSync).as("hard state after recovery").contains(storage.hardState());

            written = new TreeMap<>();
            for (Entry e : recovered) {
                written.put(e.index(), e);
            }
            // Recovery forces what it found, so all of it counts as synced; a hard state saved but never
            // synced was never written, so the recovered one is the only candidate from now on.
            synced = new TreeMap<>(written);
            syncedHardState = storage.hardState();
            hardStatesSinceSync = new ArrayList<>(List.of(syncedHardState));
            if (!written.isEmpty()) {
                term = Math.max(term, written.lastEntry().getValue().term());
            }
        }

        void checkReads() {
            assertThat(storage.lastIndex()).isEqualTo(lastIndex());
            assertThat(storage.firstIndex()).isEqualTo(compacted.index() + 1);
            assertThat(storage.term(compacted.index())).isEqualTo(compacted.term());
            List<Entry> all = storage.entries(storage.firstIndex(), storage.lastIndex() + 1, Long.MAX_VALUE);
            assertThat(all).containsExactlyElementsOf(written.values());
            for (Entry e : written.values()) {
                assertThat(storage.term(e.index())).isEqualTo(e.term());
            }
        }
    }
}
