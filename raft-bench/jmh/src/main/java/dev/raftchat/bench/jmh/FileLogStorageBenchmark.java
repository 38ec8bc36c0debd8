package dev.raftchat.bench.jmh;

import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.LogPosition;
import dev.raftchat.raft.storage.file.FileLogStorage;
import dev.raftchat.raft.storage.file.FileLogStorageConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The file log ({@link FileLogStorage}) on the real disk, in temporary directories under {@code java.io.tmpdir}
 * (pass {@code -jvmArgs -Djava.io.tmpdir=...} to choose the disk). Times are per batch of {@code batchEntries}
 * entries of {@code payloadBytes}.
 * <ul>
 *   <li>{@code append}: one batch, then {@code sync()}; with {@code sync=true} that is one fsync per batch
 *       (group commit), with {@code sync=false} the log runs with syncing disabled, which leaves framing,
 *       CRC32C, the write system call and the entry cache. The log is compacted behind the writer so it
 *       never holds more than a few segments.</li>
 *   <li>{@code readCached} / {@code readFromFile}: one batch from a random position of a log of
 *       {@link ReadState#LOG_ENTRIES} entries, out of the entry cache, or with the cache off (read from the
 *       file, CRC check, decode; the page cache is warm, so this is not a disk read).</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class FileLogStorageBenchmark {

    /** A growing log written by {@link #append}. */
    @State(Scope.Thread)
    public static class AppendState {
        /** Compact once the log holds this many entries beyond its compaction point. */
        static final long LOG_ENTRIES_MAX = 200_000;

        @Param({"64"})
        public int batchEntries;

        @Param({"256"})
        public int payloadBytes;

        @Param({"false", "true"})
        public boolean sync;

        Path directory;
        FileLogStorage log;
        List<Entry> template;
        long nextIndex = 1;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            template = Fixtures.entries(1, 1, batchEntries, payloadBytes);
            directory = Files.createTempDirectory("jmh-log-append");
            log = FileLogStorage.open(directory, FileLogStorageConfig.defaults().withSyncDisabled(!sync));
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            log.close();
            delete(directory);
        }
    }

    /** Two logs of the same entries: one wholly in the entry cache, one without a cache. */
    @State(Scope.Thread)
    public static class ReadState {
        static final int LOG_ENTRIES = 50_000;

        @Param({"64"})
        public int batchEntries;

        @Param({"256"})
        public int payloadBytes;

        Path directory;
        FileLogStorage cachedLog;
        FileLogStorage uncachedLog;
        final SplittableRandom random = new SplittableRandom(42);

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            List<Entry> template = Fixtures.entries(1, 1, batchEntries, payloadBytes);
            directory = Files.createTempDirectory("jmh-log-read");
            cachedLog = fill(
                    FileLogStorage.open(
                            directory.resolve("cached"),
                            FileLogStorageConfig.defaults().withEntryCacheBytesMax(1L << 30)),
                    template);
            uncachedLog = fill(
                    FileLogStorage.open(
                            directory.resolve("uncached"),
                            FileLogStorageConfig.defaults().withEntryCacheBytesMax(0)),
                    template);
        }

        private FileLogStorage fill(FileLogStorage log, List<Entry> template) {
            for (long first = 1; first <= LOG_ENTRIES; first += template.size()) {
                int count = (int) Math.min(template.size(), LOG_ENTRIES - first + 1);
                log.append(Fixtures.renumber(template.subList(0, count), 1, first));
            }
            log.sync();
            return log;
        }

        List<Entry> read(FileLogStorage log) {
            long from = 1 + random.nextLong(LOG_ENTRIES - batchEntries);
            List<Entry> entries = log.entries(from, from + batchEntries, Long.MAX_VALUE);
            if (entries.size() != batchEntries) {
                throw new IllegalStateException("read " + entries.size() + " entries, expected " + batchEntries);
            }
            return entries;
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            cachedLog.close();
            uncachedLog.close();
            delete(directory);
        }
    }

    @Benchmark
    public long append(AppendState state) {
        List<Entry> batch = Fixtures.renumber(state.template, 1, state.nextIndex);
        state.log.append(batch);
        state.log.sync();
        state.nextIndex += batch.size();
        long held = state.nextIndex - 1 - state.log.compactedThrough().index();
        if (held > AppendState.LOG_ENTRIES_MAX) {
            state.log.compact(new LogPosition(1, state.nextIndex - 1 - AppendState.LOG_ENTRIES_MAX / 2));
        }
        return state.nextIndex;
    }

    @Benchmark
    public List<Entry> readCached(ReadState state) {
        return state.read(state.cachedLog);
    }

    @Benchmark
    public List<Entry> readFromFile(ReadState state) {
        return state.read(state.uncachedLog);
    }

    static void delete(Path directory) {
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + directory, e);
        }
    }
}
