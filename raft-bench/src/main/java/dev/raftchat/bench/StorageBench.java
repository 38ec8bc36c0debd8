package dev.raftchat.bench;

import dev.raftchat.raft.core.Entry;
import dev.raftchat.raft.core.HardState;
import dev.raftchat.raft.storage.file.FileLogStorage;
import dev.raftchat.raft.storage.file.FileLogStorageConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Appends per second and MB/s of {@link FileLogStorage} with sync on, for several entry sizes and batch
 * sizes (entries per {@code sync}), printed beside a raw loop of {@code FileChannel.write} + {@code force} of
 * the same number of bytes on the same disk: the physical limit. The ratio column is log bytes/s over raw
 * bytes/s.
 *
 * <p>Usage: {@code bin/storage-bench [--dir PATH] [--seconds N] [--sizes 64,256,4096] [--batches 1,16,128]}.
 * Not a JMH benchmark: each measurement is seconds of fsync-bound work, where JIT noise is negligible.
 */
public final class StorageBench {

    /** Bytes a record adds to an entry's data in a segment file (length, CRC, term, index, type). */
    private static final int RECORD_OVERHEAD_BYTES = 25;

    private StorageBench() {}

    public static void main(String[] args) throws IOException {
        // Keep the table readable: the storage logs one INFO line per open.
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        Path dir = Path.of("raft-bench/target/storage-bench");
        double seconds = 3;
        int[] sizes = {64, 256, 4096};
        int[] batches = {1, 16, 128};
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--dir" -> dir = Path.of(args[++i]);
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--sizes" -> sizes = parseInts(args[++i]);
                case "--batches" -> batches = parseInts(args[++i]);
                default -> {
                    System.err.println("usage: storage-bench [--dir PATH] [--seconds N] [--sizes a,b] [--batches a,b]");
                    System.exit(2);
                }
            }
        }
        Files.createDirectories(dir);
        System.out.printf(Locale.ROOT, "storage bench in %s, %.1f s per measurement, sync on%n", dir.toAbsolutePath(),
                seconds);
        System.out.printf(Locale.ROOT, "%6s %6s | %12s %10s %10s | %12s %10s | %6s%n", "entry", "batch",
                "appends/s", "data MB/s", "disk MB/s", "raw forces/s", "raw MB/s", "ratio");
        List<String> rows = new ArrayList<>();
        for (int size : sizes) {
            for (int batch : batches) {
                Result log = measureLog(dir.resolve("log-" + size + "-" + batch), size, batch, seconds, false);
                Result raw = measureRaw(dir.resolve("raw-" + size + "-" + batch), batch * (size + RECORD_OVERHEAD_BYTES),
                        seconds);
                String row = String.format(Locale.ROOT, "%6d %6d | %12.0f %10.2f %10.2f | %12.0f %10.2f | %5.0f%%",
                        size, batch, log.entriesPerSecond, log.dataMegabytesPerSecond(size),
                        log.diskMegabytesPerSecond, raw.entriesPerSecond, raw.diskMegabytesPerSecond,
                        100 * log.diskMegabytesPerSecond / raw.diskMegabytesPerSecond);
                System.out.println(row);
                rows.add(row);
            }
        }
        // What the runtime pays when the commit index changes with every batch: the hard-state file is
        // replaced (temporary file, force, rename, directory force) on top of the log force.
        int size = 256;
        int batch = 16;
        Result withHardState = measureLog(dir.resolve("log-hs"), size, batch, seconds, true);
        System.out.printf(Locale.ROOT, "%n%d B x %d with a new hard state every sync: %.0f appends/s, %.0f syncs/s%n",
                size, batch, withHardState.entriesPerSecond, withHardState.entriesPerSecond / batch);
        deleteRecursively(dir);
    }

    private record Result(double entriesPerSecond, double diskMegabytesPerSecond) {
        double dataMegabytesPerSecond(int entryBytes) {
            return entriesPerSecond * entryBytes / 1e6;
        }
    }

    private static Result measureLog(Path dir, int size, int batch, double seconds, boolean newHardStateEverySync) {
        deleteRecursively(dir);
        FileLogStorageConfig config = FileLogStorageConfig.defaults();
        try (FileLogStorage log = FileLogStorage.open(dir, config)) {
            byte[] data = new byte[size];
            for (int i = 0; i < size; i++) {
                data[i] = (byte) (i * 31);
            }
            long index = 1;
            long warmupEnd = System.nanoTime() + 300_000_000L;
            while (System.nanoTime() < warmupEnd) {
                index = appendBatch(log, index, batch, data);
                log.sync();
            }
            long entries = 0;
            long start = System.nanoTime();
            long end = start + (long) (seconds * 1e9);
            long now = start;
            while (now < end) {
                index = appendBatch(log, index, batch, data);
                if (newHardStateEverySync) {
                    log.saveHardState(new HardState(1, 1, index - 1));
                }
                log.sync();
                entries += batch;
                now = System.nanoTime();
            }
            double elapsed = (now - start) / 1e9;
            double perSecond = entries / elapsed;
            return new Result(perSecond, perSecond * (size + RECORD_OVERHEAD_BYTES) / 1e6);
        } finally {
            deleteRecursively(dir);
        }
    }

    private static long appendBatch(FileLogStorage log, long firstIndex, int batch, byte[] data) {
        List<Entry> entries = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
            entries.add(Entry.normal(1, firstIndex + i, data));
        }
        log.append(entries);
        return firstIndex + batch;
    }

    /** One write of {@code bytesPerForce} then one force, in a loop: what the disk can do at best. */
    private static Result measureRaw(Path file, int bytesPerForce, double seconds) {
        try {
            Files.createDirectories(file.getParent());
            Files.deleteIfExists(file);
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.READ)) {
                ByteBuffer buffer = ByteBuffer.allocate(bytesPerForce);
                long position = 0;
                long warmupEnd = System.nanoTime() + 300_000_000L;
                while (System.nanoTime() < warmupEnd) {
                    position += writeAndForce(channel, buffer, position);
                }
                long forces = 0;
                long start = System.nanoTime();
                long end = start + (long) (seconds * 1e9);
                long now = start;
                while (now < end) {
                    position += writeAndForce(channel, buffer, position);
                    forces++;
                    now = System.nanoTime();
                }
                double elapsed = (now - start) / 1e9;
                double forcesPerSecond = forces / elapsed;
                return new Result(forcesPerSecond, forcesPerSecond * bytesPerForce / 1e6);
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int writeAndForce(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        buffer.clear();
        int written = 0;
        while (buffer.hasRemaining()) {
            written += channel.write(buffer, position + written);
        }
        channel.force(false); // the same call FileLogStorage makes (fdatasync)
        return written;
    }

    private static int[] parseInts(String list) {
        return Stream.of(list.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
