package dev.raftchat.bench;

import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.HardState;
import dev.raftchat.raft.storage.file.FileLogStorage;
import dev.raftchat.raft.storage.file.FileLogStorageConfig;
import dev.raftchat.testsupport.FileTrees;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Appends per second and MB/s of {@link FileLogStorage} with sync on, for several entry sizes and batch
 * sizes (entries per {@code sync}), printed beside a raw loop of {@code FileChannel.write} + {@code force} of
 * the same number of bytes on the same disk: the physical limit. The ratio column is log bytes/s over raw
 * bytes/s.
 *
 * <p>Usage: {@code bin/storage-bench [--dir PATH] [--seconds N] [--sizes 64,256,4096] [--batches 1,16,128] [--rounds N]}.
 * Not a JMH benchmark: each measurement is seconds of fsync-bound work, where JIT noise is negligible.
 */
@Command(
        name = "storage-bench",
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = "Appends per second and MB/s of the file log with sync on, beside a raw write+force loop of the"
                + " same bytes on the same disk.")
public final class StorageBench implements Callable<Integer> {

    /** Bytes a record adds to an entry's data in a segment file (length, CRC, term, index, type). */
    static final int RECORD_OVERHEAD_BYTES = 25;

    @Option(
            names = "--dir",
            paramLabel = "PATH",
            defaultValue = "raft-bench/target/storage-bench",
            description = "Directory on the disk to measure (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(
            names = "--seconds",
            paramLabel = "N",
            defaultValue = "3",
            description = "Seconds per case, for the log and as much for the raw loop (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(
            names = "--sizes",
            paramLabel = "a,b",
            split = ",",
            defaultValue = "64,256,4096",
            description = "Entry sizes in bytes (default: ${DEFAULT-VALUE}).")
    int[] sizes;

    @Option(
            names = "--batches",
            paramLabel = "a,b",
            split = ",",
            defaultValue = "1,16,128",
            description = "Entries per sync (default: ${DEFAULT-VALUE}).")
    int[] batches;

    @Option(
            names = "--rounds",
            paramLabel = "N",
            defaultValue = "6",
            description = "Alternations of the log and the raw loop per case (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Mixin
    CommonOptions common;

    private StorageBench() {}

    public static void main(String[] args) {
        // Keep the table readable: the storage logs one INFO line per open.
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        System.exit(new CommandLine(new StorageBench()).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        Files.createDirectories(dir);
        System.out.printf(
                Locale.ROOT,
                "storage bench in %s, sync on, %.1f s per case for the log and as much for the raw"
                        + " loop, alternating in %d rounds%n",
                dir.toAbsolutePath(),
                seconds,
                rounds);
        System.out.printf(
                Locale.ROOT,
                "%6s %6s | %12s %10s %10s | %12s %10s | %6s%n",
                "entry",
                "batch",
                "appends/s",
                "data MB/s",
                "disk MB/s",
                "raw forces/s",
                "raw MB/s",
                "ratio");
        for (int size : sizes) {
            for (int batch : batches) {
                Result[] results = measurePair(dir, size, batch, seconds, rounds);
                Result log = results[0];
                Result raw = results[1];
                System.out.println(String.format(
                        Locale.ROOT,
                        "%6d %6d | %12.0f %10.2f %10.2f | %12.0f %10.2f | %5.0f%%",
                        size,
                        batch,
                        log.entriesPerSecond,
                        log.dataMegabytesPerSecond(size),
                        log.diskMegabytesPerSecond,
                        raw.entriesPerSecond,
                        raw.diskMegabytesPerSecond,
                        100 * log.diskMegabytesPerSecond / raw.diskMegabytesPerSecond));
            }
        }
        // What the runtime pays when the commit index changes with every batch: the hard-state file is
        // replaced (temporary file, force, rename, directory force) on top of the log force.
        int size = 256;
        int batch = 16;
        try (LogRunner plain = new LogRunner(dir.resolve("log-plain"), size, batch, false);
                LogRunner withHardState = new LogRunner(dir.resolve("log-hs"), size, batch, true)) {
            long plainSyncs = 0;
            long hardStateSyncs = 0;
            long plainNanos = 0;
            long hardStateNanos = 0;
            long slice = (long) (seconds * 1e9 / rounds);
            for (int round = 0; round < rounds; round++) {
                long t0 = System.nanoTime();
                plainSyncs += plain.runFor(slice);
                long t1 = System.nanoTime();
                hardStateSyncs += withHardState.runFor(slice);
                long t2 = System.nanoTime();
                plainNanos += t1 - t0;
                hardStateNanos += t2 - t1;
            }
            System.out.printf(
                    Locale.ROOT,
                    "%n%d B x %d per sync: %.0f syncs/s with the hard state unchanged, %.0f syncs/s "
                            + "with a new hard state every sync%n",
                    size,
                    batch,
                    plainSyncs / (plainNanos / 1e9),
                    hardStateSyncs / (hardStateNanos / 1e9));
        }
        FileTrees.delete(dir);
        return 0;
    }

    private record Result(double entriesPerSecond, double diskMegabytesPerSecond) {
        double dataMegabytesPerSecond(int entryBytes) {
            return entriesPerSecond * entryBytes / 1e6;
        }
    }

    /**
     * Measures the log and the raw loop in alternating slices, so that both see the same disk: on a shared
     * machine fsync latency drifts by several times within a minute, and back-to-back runs would compare
     * different disks.
     */
    private static Result[] measurePair(Path dir, int size, int batch, double seconds, int rounds) throws IOException {
        int bytesPerForce = batch * (size + RECORD_OVERHEAD_BYTES);
        try (LogRunner log = new LogRunner(dir.resolve("log-" + size + "-" + batch), size, batch, false);
                RawRunner raw = new RawRunner(dir.resolve("raw-" + size + "-" + batch), bytesPerForce)) {
            log.runFor(200_000_000L); // warm-up
            raw.runFor(200_000_000L);
            long slice = (long) (seconds * 1e9 / rounds);
            long logSyncs = 0;
            long rawForces = 0;
            long logNanos = 0;
            long rawNanos = 0;
            for (int round = 0; round < rounds; round++) {
                long t0 = System.nanoTime();
                logSyncs += log.runFor(slice);
                long t1 = System.nanoTime();
                rawForces += raw.runFor(slice);
                long t2 = System.nanoTime();
                logNanos += t1 - t0;
                rawNanos += t2 - t1;
            }
            double appendsPerSecond = logSyncs * batch / (logNanos / 1e9);
            double forcesPerSecond = rawForces / (rawNanos / 1e9);
            return new Result[] {
                new Result(appendsPerSecond, appendsPerSecond * (size + RECORD_OVERHEAD_BYTES) / 1e6),
                new Result(forcesPerSecond, forcesPerSecond * bytesPerForce / 1e6)
            };
        }
    }

    /** Appends batches to a FileLogStorage with one sync per batch. */
    private static final class LogRunner implements AutoCloseable {
        private final Path dir;
        private final FileLogStorage log;
        private final byte[] data;
        private final int batch;
        private final boolean newHardStateEverySync;
        private long nextIndex = 1;

        LogRunner(Path dir, int size, int batch, boolean newHardStateEverySync) {
            FileTrees.delete(dir);
            this.dir = dir;
            this.log = FileLogStorage.open(dir, FileLogStorageConfig.defaults());
            this.data = new byte[size];
            for (int i = 0; i < size; i++) {
                data[i] = (byte) (i * 31);
            }
            this.batch = batch;
            this.newHardStateEverySync = newHardStateEverySync;
        }

        /** Runs for about {@code nanos}; returns the number of syncs done. */
        long runFor(long nanos) {
            long end = System.nanoTime() + nanos;
            long syncs = 0;
            do {
                List<Entry> entries = new ArrayList<>(batch);
                for (int i = 0; i < batch; i++) {
                    entries.add(Entry.normal(1, nextIndex + i, data));
                }
                log.append(entries);
                nextIndex += batch;
                if (newHardStateEverySync) {
                    log.saveHardState(new HardState(1, 1, nextIndex - 1));
                }
                log.sync();
                syncs++;
            } while (System.nanoTime() < end);
            return syncs;
        }

        @Override
        public void close() {
            log.close();
            FileTrees.delete(dir);
        }
    }

    /** One write of {@code bytesPerForce} then one force, in a loop: what the disk can do at best. */
    public static final class RawRunner implements AutoCloseable {
        private final Path file;
        private final FileChannel channel;
        private final ByteBuffer buffer;
        private long position;

        public RawRunner(Path file, int bytesPerForce) throws IOException {
            Files.createDirectories(file.getParent());
            Files.deleteIfExists(file);
            this.file = file;
            this.channel = FileChannel.open(
                    file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
            this.buffer = ByteBuffer.allocate(bytesPerForce);
        }

        /** Writes and forces until {@code nanos} have passed; returns the number of forces. */
        public long runFor(long nanos) throws IOException {
            long end = System.nanoTime() + nanos;
            long forces = 0;
            do {
                buffer.clear();
                while (buffer.hasRemaining()) {
                    position += channel.write(buffer, position);
                }
                channel.force(false); // the same call FileLogStorage makes (fdatasync)
                forces++;
            } while (System.nanoTime() < end);
            return forces;
        }

        @Override
        public void close() throws IOException {
            channel.close();
            Files.deleteIfExists(file);
        }
    }
}
