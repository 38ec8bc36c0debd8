package dev.raftchat.chat.ops;

import dev.raftchat.raft.model.ConfState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.zip.CRC32C;

/**
 * Reads and verifies a snapshot file as raft-storage-file writes it (docs/log-format.md, "Snapshot files"),
 * which is also the backup format:
 * <pre>
 * header : magic "RCSN" i32, version i16 (1), reserved i16, index i64, term i64, confLength i32,
 *          conf (voters, outgoing voters, learners: count i32 then ids i64), CRC32C of the header i32
 * data   : the chat state machine's snapshot bytes
 * trailer: data length i64, CRC32C of the data i32, magic "RCSE" i32
 * </pre>
 * Big-endian throughout. Used by backup (to name and describe the file) and restore (to verify it in full
 * before writing anything). Stateless.
 */
final class SnapshotFileFormat {
    static final int HEADER_MAGIC = 0x5243534E;
    static final int TRAILER_MAGIC = 0x52435345;
    static final short FORMAT_VERSION = 1;
    static final int HEADER_FIXED_BYTES = 28;
    static final int TRAILER_BYTES = 16;
    /** A configuration of more members than this is certainly a corrupt length field. */
    private static final int CONF_MEMBERS_MAX = 1 << 16;

    private static final int READ_BUFFER_BYTES = 64 * 1024;

    private SnapshotFileFormat() {}

    /** The header: the snapshot's position, its configuration, and where the data starts. */
    record Header(long index, long term, ConfState conf, long dataOffset) {}

    /** The trailer: the data's length and CRC32C. */
    record Trailer(long dataBytes, int dataCrc32c) {}

    /** A verified file: header, trailer, and the data's position. */
    record Verified(Header header, Trailer trailer) {}

    /** Receives progress while a file is verified or copied. */
    interface Progress {
        void bytesDone(long done, long total);
    }

    static Header readHeader(FileChannel file) throws IOException {
        if (file.size() < HEADER_FIXED_BYTES + 4 + TRAILER_BYTES) {
            throw new IOException("the file has " + file.size() + " bytes, fewer than the smallest snapshot file");
        }
        ByteBuffer fixed = ByteBuffer.allocate(HEADER_FIXED_BYTES);
        ChatNodeOperations.readFully(file, fixed, 0);
        fixed.flip();
        int magic = fixed.getInt();
        if (magic != HEADER_MAGIC) {
            throw new IOException(String.format(
                    "not a raft-chat snapshot/backup file: magic %08x at byte 0, expected %08x", magic, HEADER_MAGIC));
        }
        short version = fixed.getShort();
        if (version != FORMAT_VERSION) {
            throw new IOException(
                    "unsupported snapshot format version " + version + " (this build reads " + FORMAT_VERSION + ")");
        }
        fixed.getShort();
        long index = fixed.getLong();
        long term = fixed.getLong();
        int confBytes = fixed.getInt();
        if (confBytes < 12
                || confBytes > 12 + 3L * 8 * CONF_MEMBERS_MAX
                || HEADER_FIXED_BYTES + confBytes + 4 > file.size()) {
            throw new IOException("corrupt header: configuration length " + confBytes + " at byte 24");
        }
        ByteBuffer header = ByteBuffer.allocate(HEADER_FIXED_BYTES + confBytes + 4);
        ChatNodeOperations.readFully(file, header, 0);
        CRC32C crc = new CRC32C();
        crc.update(header.array(), 0, HEADER_FIXED_BYTES + confBytes);
        header.position(HEADER_FIXED_BYTES + confBytes);
        int storedCrc = header.getInt();
        if ((int) crc.getValue() != storedCrc) {
            throw new IOException(String.format(
                    "header checksum mismatch: stored %08x, computed %08x", storedCrc, (int) crc.getValue()));
        }
        header.position(HEADER_FIXED_BYTES);
        long[][] sets = new long[3][];
        for (int set = 0; set < 3; set++) {
            int count = header.getInt();
            if (count < 0 || count > CONF_MEMBERS_MAX || header.remaining() < 8L * count + 4) {
                throw new IOException("corrupt configuration in the header");
            }
            sets[set] = new long[count];
            for (int i = 0; i < count; i++) {
                sets[set][i] = header.getLong();
            }
        }
        ConfState conf = new ConfState(toSet(sets[0]), toSet(sets[1]), toSet(sets[2]));
        return new Header(index, term, conf, HEADER_FIXED_BYTES + confBytes + 4L);
    }

    private static SortedSet<Long> toSet(long[] ids) {
        TreeSet<Long> set = new TreeSet<>();
        for (long id : ids) {
            set.add(id);
        }
        return set;
    }

    static Trailer readTrailer(FileChannel file) throws IOException {
        ByteBuffer trailer = ByteBuffer.allocate(TRAILER_BYTES);
        ChatNodeOperations.readFully(file, trailer, file.size() - TRAILER_BYTES);
        trailer.flip();
        long dataBytes = trailer.getLong();
        int dataCrc = trailer.getInt();
        int magic = trailer.getInt();
        if (magic != TRAILER_MAGIC) {
            throw new IOException(String.format(
                    "truncated or corrupt file: trailer magic %08x, expected %08x", magic, TRAILER_MAGIC));
        }
        return new Trailer(dataBytes, dataCrc);
    }

    /**
     * Verifies the whole file: header checksum, trailer, data length and data CRC32C.
     *
     * @throws IOException naming what does not match
     */
    static Verified verify(FileChannel file, Progress progress) throws IOException {
        Header header = readHeader(file);
        Trailer trailer = readTrailer(file);
        long expectedBytes = file.size() - header.dataOffset() - TRAILER_BYTES;
        if (trailer.dataBytes() != expectedBytes) {
            throw new IOException("the trailer says " + trailer.dataBytes() + " data bytes but the file holds "
                    + expectedBytes + ": truncated or corrupt");
        }
        CRC32C crc = new CRC32C();
        ByteBuffer buffer = ByteBuffer.allocate(READ_BUFFER_BYTES);
        long position = header.dataOffset();
        long end = header.dataOffset() + trailer.dataBytes();
        while (position < end) {
            buffer.clear();
            buffer.limit((int) Math.min(buffer.capacity(), end - position));
            ChatNodeOperations.readFully(file, buffer, position);
            crc.update(buffer.array(), 0, buffer.limit());
            position += buffer.limit();
            progress.bytesDone(position - header.dataOffset(), trailer.dataBytes());
        }
        if ((int) crc.getValue() != trailer.dataCrc32c()) {
            throw new IOException(String.format(
                    "data checksum mismatch: the trailer says CRC32C %08x, the data gives %08x",
                    trailer.dataCrc32c(), (int) crc.getValue()));
        }
        return new Verified(header, trailer);
    }
}
