package dev.raftchat.raft.storage.file;

import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.model.SnapshotMeta;
import dev.raftchat.raft.storage.StorageException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshot files in one directory: each a checksummed header with the {@link SnapshotMeta}, the state
 * machine's bytes, and a checksummed trailer. Byte layout in {@code docs/log-format.md}.
 *
 * <p><b>Writing</b> streams: {@link #create} returns a {@link SnapshotWriter} (an {@link OutputStream}) that
 * writes under a temporary name; {@link SnapshotWriter#commit()} writes the trailer, forces the file, renames
 * it to {@code snapshot-<index>-<term>.snap}, forces the directory, and only then deletes older snapshots. A
 * crash at any point leaves the previous snapshot intact; temporary files are removed at the next open.
 *
 * <p><b>Reading</b> streams too: {@link #openLatest()} returns a {@link SnapshotReader} whose last
 * {@code read} throws {@link StorageException} if the data checksum does not match.
 *
 * <p><b>Startup</b> ({@link #open}): the newest snapshot (highest index, then term) is verified in full; older
 * ones are deleted. A newest snapshot that fails verification refuses to open with a {@link StorageException}
 * naming the file and byte offset: it was complete when renamed, so the damage is real, and silently falling
 * back to an older one could lose committed state that the log no longer holds.
 *
 * <p><b>Threading.</b> The store's methods are synchronized, so a snapshot can be written or sent from
 * another thread than the Raft thread. Each writer and reader is used by one thread at a time.
 */
public final class FileSnapshotStore {

    private static final Logger LOG = LoggerFactory.getLogger(FileSnapshotStore.class);

    static final int HEADER_MAGIC = 0x5243534E; // "RCSN"
    static final int TRAILER_MAGIC = 0x52435345; // "RCSE"
    static final short FORMAT_VERSION = 1;
    /** magic, version, reserved, index, term, conf length. */
    static final int HEADER_FIXED_BYTES = 28;

    static final int TRAILER_BYTES = 16;
    static final String PREFIX = "snapshot-";
    static final String SUFFIX = ".snap";
    static final String TEMPORARY_MARKER = ".tmp-";
    private static final int IO_BUFFER_BYTES = 64 * 1024;
    /** A conf of more members than this is certainly a corrupt length field. */
    private static final int CONF_MEMBERS_MAX = 1 << 16;

    private final StorageFileSystem fileSystem;
    private final Path directory;
    private final FileSnapshotStoreConfig config;
    private SnapshotMeta latest;
    private long nextTemporaryId;

    private FileSnapshotStore(StorageFileSystem fileSystem, Path directory, FileSnapshotStoreConfig config) {
        this.fileSystem = Objects.requireNonNull(fileSystem, "fileSystem");
        this.directory = Objects.requireNonNull(directory, "directory");
        this.config = Objects.requireNonNull(config, "config");
    }

    /** Opens the store in {@code directory} of the real file system. */
    public static FileSnapshotStore open(Path directory, FileSnapshotStoreConfig config) {
        return open(NioFileSystem.INSTANCE, directory, config);
    }

    /** Opens (creating if needed) the store in {@code directory}, finding and verifying the newest snapshot. */
    public static FileSnapshotStore open(StorageFileSystem fileSystem, Path directory, FileSnapshotStoreConfig config) {
        FileSnapshotStore store = new FileSnapshotStore(fileSystem, directory, config);
        store.recover();
        if (config.syncDisabled()) {
            LOG.warn(
                    "snapshot store in {} opened with syncDisabled=true: snapshots are not forced to disk. "
                            + "Use only for benchmarks.",
                    directory);
        }
        return store;
    }

    /** The metadata of the newest durable snapshot, or empty. */
    public synchronized Optional<SnapshotMeta> latest() {
        return Optional.ofNullable(latest);
    }

    /** The file name of the snapshot {@code meta}. */
    public static String fileName(SnapshotMeta meta) {
        return PREFIX + String.format("%020d-%020d", meta.index(), meta.term()) + SUFFIX;
    }

    /** The path of the newest snapshot file, or empty (for operators: a backup copies this file). */
    public synchronized Optional<Path> latestPath() {
        return latest().map(meta -> directory.resolve(fileName(meta)));
    }

    /**
     * Starts writing a snapshot for {@code meta}. Nothing is visible until {@link SnapshotWriter#commit()}.
     * Throws {@link IllegalArgumentException} if {@code meta} is older than the latest snapshot.
     */
    public synchronized SnapshotWriter create(SnapshotMeta meta) {
        Objects.requireNonNull(meta, "meta");
        checkNotOlderThanLatest(meta);
        Path temporary = directory.resolve(fileName(meta) + TEMPORARY_MARKER + (nextTemporaryId++));
        fileSystem.delete(temporary);
        return new SnapshotWriter(meta, temporary, fileSystem.open(temporary, true));
    }

    /** Writes a whole snapshot held in memory; returns once it is durable. */
    public void save(SnapshotMeta meta, byte[] data) {
        try (SnapshotWriter writer = create(meta)) {
            writer.write(data);
            writer.commit();
        }
    }

    /** A stream over the newest snapshot, or empty. The caller closes it. */
    public synchronized Optional<SnapshotReader> openLatest() {
        if (latest == null) {
            return Optional.empty();
        }
        Path path = directory.resolve(fileName(latest));
        StorageFile file = fileSystem.open(path, false);
        try {
            Layout layout = readLayout(file);
            return Optional.of(new SnapshotReader(layout, file));
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /**
     * Up to {@code maxBytes} data bytes of snapshot {@code meta} from {@code offset} (fewer only at the end),
     * for streaming it to a follower; null when {@code meta} is no longer the latest snapshot (a newer one
     * replaced it). Chunks are not checksummed one by one: the receiver's copy gets its own checksum when it
     * commits, and the whole file was verified when this store opened it.
     */
    public synchronized byte[] readChunk(SnapshotMeta meta, long offset, int maxBytes) {
        if (!meta.equals(latest)) {
            return null;
        }
        StorageFile file = fileSystem.open(directory.resolve(fileName(latest)), false);
        try {
            Layout layout = readLayout(file);
            if (offset < 0 || offset > layout.dataBytes) {
                throw new IllegalArgumentException(
                        "offset " + offset + " outside snapshot data [0, " + layout.dataBytes + "]");
            }
            int count = (int) Math.min(maxBytes, layout.dataBytes - offset);
            byte[] chunk = new byte[count];
            file.readFully(layout.dataOffset + offset, ByteBuffer.wrap(chunk));
            return chunk;
        } finally {
            file.close();
        }
    }

    /** The data size of snapshot {@code meta}, or -1 when it is no longer the latest. */
    public synchronized long dataBytes(SnapshotMeta meta) {
        if (!meta.equals(latest)) {
            return -1;
        }
        StorageFile file = fileSystem.open(directory.resolve(fileName(latest)), false);
        try {
            return readLayout(file).dataBytes;
        } finally {
            file.close();
        }
    }

    /**
     * The newest snapshot's data, read in full and verified, or empty. Throws {@link StorageException} if it is
     * larger than {@code dataBytesMax}.
     */
    public Optional<byte[]> readLatestData(int dataBytesMax) {
        Optional<SnapshotReader> reader = openLatest();
        if (reader.isEmpty()) {
            return Optional.empty();
        }
        try (SnapshotReader in = reader.get()) {
            if (in.dataBytes() > dataBytesMax) {
                throw new StorageException("snapshot " + in.path() + " holds " + in.dataBytes()
                        + " data bytes, more than the " + dataBytesMax + " the caller accepts");
            }
            byte[] data = new byte[(int) in.dataBytes()];
            int at = 0;
            while (at < data.length) {
                int read = in.read(data, at, data.length - at);
                if (read < 0) {
                    throw new StorageException("snapshot " + in.path() + " ended early at data byte " + at);
                }
                at += read;
            }
            if (in.read() != -1) {
                throw new StorageException("snapshot " + in.path() + " has more data than its trailer says");
            }
            return Optional.of(data);
        }
    }

    // ---------------------------------------------------------------------------------------------

    private void checkNotOlderThanLatest(SnapshotMeta meta) {
        if (latest != null && compare(meta, latest) < 0) {
            throw new IllegalArgumentException(
                    "snapshot " + meta.position() + " is older than the latest " + latest.position());
        }
    }

    private static int compare(SnapshotMeta a, SnapshotMeta b) {
        int byIndex = Long.compare(a.index(), b.index());
        return byIndex != 0 ? byIndex : Long.compare(a.term(), b.term());
    }

    private synchronized void committed(SnapshotWriter writer) {
        SnapshotMeta meta = writer.meta;
        if (latest != null && compare(meta, latest) < 0) {
            fileSystem.delete(writer.temporary);
            throw new IllegalStateException("snapshot " + meta.position() + " became older than the latest "
                    + latest.position() + " while it was written; discarded");
        }
        Path target = directory.resolve(fileName(meta));
        fileSystem.rename(writer.temporary, target);
        if (!config.syncDisabled()) {
            fileSystem.forceDirectory(directory);
        }
        latest = meta;
        deleteAllBut(fileName(meta));
        LOG.info("snapshot {} written to {}", meta.position(), target);
    }

    private void deleteAllBut(String keep) {
        boolean deleted = false;
        for (String name : fileSystem.list(directory)) {
            if (name.startsWith(PREFIX) && name.endsWith(SUFFIX) && !name.equals(keep)) {
                fileSystem.delete(directory.resolve(name));
                deleted = true;
            }
        }
        if (deleted && !config.syncDisabled()) {
            fileSystem.forceDirectory(directory);
        }
    }

    private void recover() {
        fileSystem.createDirectories(directory);
        List<String> complete = new ArrayList<>();
        for (String name : fileSystem.list(directory)) {
            if (name.startsWith(PREFIX) && name.contains(TEMPORARY_MARKER)) {
                LOG.info("deleting unfinished snapshot {} left by a crash", directory.resolve(name));
                fileSystem.delete(directory.resolve(name));
            } else if (name.startsWith(PREFIX) && name.endsWith(SUFFIX)) {
                complete.add(name);
            }
        }
        if (complete.isEmpty()) {
            return;
        }
        // Zero-padded index then term: the lexicographically greatest name is the newest snapshot.
        String newest = complete.get(complete.size() - 1);
        Path path = directory.resolve(newest);
        try (StorageFile file = fileSystem.open(path, false)) {
            Layout layout = readLayout(file);
            if (!fileName(layout.meta).equals(newest)) {
                throw new StorageException(path + " is damaged at byte offset 8: its header says snapshot "
                        + layout.meta.position() + ", its name says otherwise");
            }
            verifyData(file, layout);
            latest = layout.meta;
        }
        deleteAllBut(newest);
    }

    private void verifyData(StorageFile file, Layout layout) {
        CRC32C crc = new CRC32C();
        ByteBuffer buffer = ByteBuffer.allocate(IO_BUFFER_BYTES);
        long position = layout.dataOffset;
        long end = layout.dataOffset + layout.dataBytes;
        while (position < end) {
            buffer.clear().limit((int) Math.min(buffer.capacity(), end - position));
            file.readFully(position, buffer);
            crc.update(buffer.array(), 0, buffer.limit());
            position += buffer.limit();
        }
        if ((int) crc.getValue() != layout.dataCrc) {
            throw new StorageException(layout.path + " is damaged: data checksum mismatch over bytes ["
                    + layout.dataOffset + ", " + end + ") (checksum stored at byte offset " + (end + 8) + ")");
        }
    }

    /** Reads and checks the header and trailer; the data checksum is checked by whoever reads the data. */
    private Layout readLayout(StorageFile file) {
        Path path = file.path();
        long size = file.size();
        if (size < HEADER_FIXED_BYTES + 4 + TRAILER_BYTES) {
            throw new StorageException(path + " is damaged: only " + size + " bytes (byte offset " + size + ")");
        }
        ByteBuffer fixed = ByteBuffer.allocate(HEADER_FIXED_BYTES);
        file.readFully(0, fixed);
        fixed.flip();
        int magic = fixed.getInt();
        short version = fixed.getShort();
        fixed.getShort();
        long index = fixed.getLong();
        long term = fixed.getLong();
        int confBytes = fixed.getInt();
        if (magic != HEADER_MAGIC) {
            throw new StorageException(path + " is damaged at byte offset 0: not a snapshot file (magic 0x"
                    + Integer.toHexString(magic) + ")");
        }
        if (version != FORMAT_VERSION) {
            throw new StorageException(
                    path + " has format version " + version + " at byte offset 4; this build reads " + FORMAT_VERSION);
        }
        if (confBytes < 12
                || confBytes > 12 + 8L * CONF_MEMBERS_MAX
                || HEADER_FIXED_BYTES + confBytes + 4L + TRAILER_BYTES > size) {
            throw new StorageException(path + " is damaged at byte offset 24: configuration length " + confBytes);
        }
        ByteBuffer header = ByteBuffer.allocate(HEADER_FIXED_BYTES + confBytes + 4);
        file.readFully(0, header);
        int headerCrc = header.getInt(HEADER_FIXED_BYTES + confBytes);
        if (Crc.of(header.array(), 0, HEADER_FIXED_BYTES + confBytes) != headerCrc) {
            throw new StorageException(path + " is damaged: header checksum mismatch over bytes [0, "
                    + (HEADER_FIXED_BYTES + confBytes) + ")");
        }
        ConfState conf;
        SnapshotMeta meta;
        try {
            conf = decodeConf(ByteBuffer.wrap(header.array(), HEADER_FIXED_BYTES, confBytes));
            meta = new SnapshotMeta(index, term, conf);
        } catch (RuntimeException e) {
            throw new StorageException(
                    path + " is damaged at byte offset " + HEADER_FIXED_BYTES + ": invalid configuration: "
                            + e.getMessage(),
                    e);
        }
        ByteBuffer trailer = ByteBuffer.allocate(TRAILER_BYTES);
        file.readFully(size - TRAILER_BYTES, trailer);
        trailer.flip();
        long dataBytes = trailer.getLong();
        int dataCrc = trailer.getInt();
        int trailerMagic = trailer.getInt();
        long dataOffset = HEADER_FIXED_BYTES + confBytes + 4L;
        if (trailerMagic != TRAILER_MAGIC || dataBytes != size - TRAILER_BYTES - dataOffset) {
            throw new StorageException(path + " is damaged at byte offset " + (size - TRAILER_BYTES)
                    + ": bad trailer (incomplete snapshot)");
        }
        return new Layout(path, meta, dataOffset, dataBytes, dataCrc);
    }

    static byte[] encodeConf(ConfState conf) {
        int members = conf.voters().size()
                + conf.votersOutgoing().size()
                + conf.learners().size();
        ByteBuffer buffer = ByteBuffer.allocate(12 + 8 * members);
        for (SortedSet<Long> set : List.of(conf.voters(), conf.votersOutgoing(), conf.learners())) {
            buffer.putInt(set.size());
            for (long id : set) {
                buffer.putLong(id);
            }
        }
        return buffer.array();
    }

    static ConfState decodeConf(ByteBuffer buffer) {
        List<SortedSet<Long>> sets = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            int count = buffer.getInt();
            if (count < 0 || count > CONF_MEMBERS_MAX || count * 8L > buffer.remaining()) {
                throw new IllegalArgumentException("member count " + count);
            }
            TreeSet<Long> set = new TreeSet<>();
            for (int i = 0; i < count; i++) {
                set.add(buffer.getLong());
            }
            sets.add(set);
        }
        if (buffer.hasRemaining()) {
            throw new IllegalArgumentException(buffer.remaining() + " unexpected trailing bytes");
        }
        return new ConfState(sets.get(0), sets.get(1), sets.get(2));
    }

    private record Layout(Path path, SnapshotMeta meta, long dataOffset, long dataBytes, int dataCrc) {}

    /**
     * Streams the data of one snapshot to a temporary file. {@link #commit()} makes it the latest snapshot;
     * {@link #close()} without commit (or {@link #abort()}) discards it. Any failure is a
     * {@link StorageException} and leaves the previous snapshot in place.
     */
    public final class SnapshotWriter extends OutputStream {
        private final SnapshotMeta meta;
        private final Path temporary;
        private final StorageFile file;
        private final ByteBuffer buffer = ByteBuffer.allocate(IO_BUFFER_BYTES);
        private final CRC32C crc = new CRC32C();
        private long position;
        private long dataBytes;
        private boolean finished;

        private SnapshotWriter(SnapshotMeta meta, Path temporary, StorageFile file) {
            this.meta = meta;
            this.temporary = temporary;
            this.file = file;
            byte[] conf = encodeConf(meta.conf());
            ByteBuffer header = ByteBuffer.allocate(HEADER_FIXED_BYTES + conf.length + 4);
            header.putInt(HEADER_MAGIC)
                    .putShort(FORMAT_VERSION)
                    .putShort((short) 0)
                    .putLong(meta.index())
                    .putLong(meta.term())
                    .putInt(conf.length)
                    .put(conf);
            header.putInt(Crc.of(header.array(), 0, header.position()));
            header.flip();
            try {
                file.write(0, header);
            } catch (RuntimeException e) {
                abort();
                throw e;
            }
            position = header.limit();
        }

        /** The snapshot being written. */
        public SnapshotMeta meta() {
            return meta;
        }

        /** Data bytes written so far. */
        public long dataBytes() {
            return dataBytes;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes) {
            write(bytes, 0, bytes.length);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            Objects.checkFromIndexSize(offset, length, bytes.length);
            checkOpen();
            if (dataBytes + length > config.snapshotDataBytesMax()) {
                abort();
                throw new StorageException("snapshot " + meta.position() + " exceeds snapshotDataBytesMax="
                        + config.snapshotDataBytesMax() + "; discarded");
            }
            crc.update(bytes, offset, length);
            dataBytes += length;
            int at = offset;
            int remaining = length;
            while (remaining > 0) {
                int chunk = Math.min(remaining, buffer.remaining());
                buffer.put(bytes, at, chunk);
                at += chunk;
                remaining -= chunk;
                if (!buffer.hasRemaining()) {
                    flushBuffer();
                }
            }
        }

        /** Writes the trailer, forces, renames into place, forces the directory, deletes older snapshots. */
        public void commit() {
            checkOpen();
            try {
                ensureRoom(TRAILER_BYTES);
                buffer.putLong(dataBytes).putInt((int) crc.getValue()).putInt(TRAILER_MAGIC);
                flushBuffer();
                if (!config.syncDisabled()) {
                    file.force();
                }
                file.close();
                finished = true;
                committed(this);
            } catch (RuntimeException e) {
                abort();
                throw e;
            }
        }

        /** Discards the snapshot. Idempotent. */
        public void abort() {
            if (finished) {
                return;
            }
            finished = true;
            try {
                file.close();
            } finally {
                fileSystem.delete(temporary);
            }
        }

        /** Aborts unless committed. */
        @Override
        public void close() {
            abort();
        }

        private void ensureRoom(int bytes) {
            if (buffer.remaining() < bytes) {
                flushBuffer();
            }
        }

        private void flushBuffer() {
            buffer.flip();
            int count = buffer.remaining();
            try {
                file.write(position, buffer);
            } catch (RuntimeException e) {
                abort();
                throw e;
            }
            position += count;
            buffer.clear();
        }

        private void checkOpen() {
            if (finished) {
                throw new IllegalStateException("snapshot writer for " + meta.position() + " is already finished");
            }
        }
    }

    /**
     * Streams the data of one snapshot. The read that reaches the end verifies the data checksum and throws
     * {@link StorageException} on a mismatch, so a consumer never silently installs damaged bytes.
     */
    public static final class SnapshotReader extends InputStream {
        private final Layout layout;
        private final StorageFile file;
        private final CRC32C crc = new CRC32C();
        private long dataRead;
        private boolean verified;

        private SnapshotReader(Layout layout, StorageFile file) {
            this.layout = layout;
            this.file = file;
        }

        public SnapshotMeta meta() {
            return layout.meta;
        }

        /** The number of data bytes, from the trailer. */
        public long dataBytes() {
            return layout.dataBytes;
        }

        public Path path() {
            return layout.path;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            int read = read(one, 0, 1);
            return read < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] bytes, int offset, int length) {
            Objects.checkFromIndexSize(offset, length, bytes.length);
            long remaining = layout.dataBytes - dataRead;
            if (remaining == 0) {
                verify();
                return -1;
            }
            if (length == 0) {
                return 0;
            }
            int count = (int) Math.min(length, remaining);
            file.readFully(layout.dataOffset + dataRead, ByteBuffer.wrap(bytes, offset, count));
            crc.update(bytes, offset, count);
            dataRead += count;
            if (dataRead == layout.dataBytes) {
                verify();
            }
            return count;
        }

        private void verify() {
            if (!verified) {
                if ((int) crc.getValue() != layout.dataCrc) {
                    throw new StorageException(layout.path + " is damaged: data checksum mismatch over bytes ["
                            + layout.dataOffset + ", " + (layout.dataOffset + layout.dataBytes) + ")");
                }
                verified = true;
            }
        }

        @Override
        public void close() {
            file.close();
        }
    }
}
