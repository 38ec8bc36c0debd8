package dev.raftchat.raft.storage.file;

import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.EntryType;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * The byte layout of segment files (also documented in {@code docs/log-format.md}). All integers are
 * big-endian.
 *
 * <pre>
 * Segment header, {@value #HEADER_BYTES} bytes:
 *   offset size field
 *   0      4    magic "RCLG" (0x52434C47)
 *   4      2    format version ({@value #FORMAT_VERSION})
 *   6      2    reserved, 0
 *   8      8    index of the first record (equals the number in the file name)
 *   16     4    CRC32C of bytes [0, 16)
 *
 * Record, {@value #RECORD_OVERHEAD_BYTES} + n bytes:
 *   0      4    body length b = 17 + n
 *   4      4    CRC32C of the 4 length bytes followed by the b body bytes
 *   8      8    term
 *   16     8    index
 *   24     1    entry type code (EntryType.code())
 *   25     n    entry data
 * </pre>
 */
final class SegmentFormat {
    static final int MAGIC = 0x52434C47;
    static final short FORMAT_VERSION = 1;
    static final int HEADER_BYTES = 20;
    /** Length and CRC fields before the body. */
    static final int FRAME_BYTES = 8;
    /** Term, index and type. */
    static final int BODY_FIXED_BYTES = 17;

    static final int RECORD_OVERHEAD_BYTES = FRAME_BYTES + BODY_FIXED_BYTES;
    static final String SUFFIX = ".log";
    private static final int NAME_DIGITS = 20;

    private SegmentFormat() {}

    static String fileName(long firstIndex) {
        return String.format("%0" + NAME_DIGITS + "d", firstIndex) + SUFFIX;
    }

    static Path path(Path directory, long firstIndex) {
        return directory.resolve(fileName(firstIndex));
    }

    /** The first index encoded in a segment file name, or empty if the name is not a segment's. */
    static Optional<Long> parseFileName(String name) {
        if (name.length() != NAME_DIGITS + SUFFIX.length() || !name.endsWith(SUFFIX)) {
            return Optional.empty();
        }
        for (int i = 0; i < NAME_DIGITS; i++) {
            if (!Character.isDigit(name.charAt(i))) {
                return Optional.empty();
            }
        }
        try {
            return Optional.of(Long.parseLong(name.substring(0, NAME_DIGITS)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    static ByteBuffer header(long firstIndex) {
        ByteBuffer buffer = ByteBuffer.allocate(HEADER_BYTES);
        buffer.putInt(MAGIC).putShort(FORMAT_VERSION).putShort((short) 0).putLong(firstIndex);
        buffer.putInt(Crc.of(buffer.array(), 0, 16));
        return buffer.flip();
    }

    /** Why the header in {@code bytes} is not a valid header for {@code firstIndex}, or null if it is. */
    static String headerProblem(byte[] bytes, long firstIndex) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes, 0, HEADER_BYTES);
        int magic = buffer.getInt();
        short version = buffer.getShort();
        buffer.getShort();
        long headerFirstIndex = buffer.getLong();
        int storedCrc = buffer.getInt();
        if (magic != MAGIC) {
            return "bad magic 0x" + Integer.toHexString(magic) + " (not a segment file)";
        }
        if (Crc.of(bytes, 0, 16) != storedCrc) {
            return "header checksum mismatch";
        }
        if (version != FORMAT_VERSION) {
            return "format version " + version + ", this build reads " + FORMAT_VERSION;
        }
        if (headerFirstIndex != firstIndex) {
            return "header says first index " + headerFirstIndex + " but the file name says " + firstIndex;
        }
        return null;
    }

    static int recordBytes(Entry entry) {
        return RECORD_OVERHEAD_BYTES + entry.data().length;
    }

    /** Appends the record of {@code entry} at the buffer's position. */
    static void encode(Entry entry, ByteBuffer buffer) {
        int start = buffer.position();
        int bodyLength = BODY_FIXED_BYTES + entry.data().length;
        buffer.putInt(bodyLength);
        buffer.putInt(0); // CRC placeholder, filled once the body is in place
        buffer.putLong(entry.term())
                .putLong(entry.index())
                .put(entry.type().code())
                .put(entry.data());
        byte[] array = buffer.array();
        int arrayStart = buffer.arrayOffset() + start;
        CRC32C crc = new CRC32C();
        crc.update(array, arrayStart, 4);
        crc.update(array, arrayStart + FRAME_BYTES, bodyLength);
        buffer.putInt(start + 4, (int) crc.getValue());
    }

    /** The CRC32C a record at {@code offset} in {@code bytes} with body length {@code bodyLength} should carry. */
    static int recordCrc(byte[] bytes, int offset, int bodyLength) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset, 4);
        crc.update(bytes, offset + FRAME_BYTES, bodyLength);
        return (int) crc.getValue();
    }

    static int readInt(byte[] bytes, int offset) {
        return ((bytes[offset] & 0xFF) << 24)
                | ((bytes[offset + 1] & 0xFF) << 16)
                | ((bytes[offset + 2] & 0xFF) << 8)
                | (bytes[offset + 3] & 0xFF);
    }

    static long readLong(byte[] bytes, int offset) {
        return ((long) readInt(bytes, offset) << 32) | (readInt(bytes, offset + 4) & 0xFFFFFFFFL);
    }

    static boolean isValidTypeCode(byte code) {
        for (EntryType type : EntryType.values()) {
            if (type.code() == code) {
                return true;
            }
        }
        return false;
    }

    static boolean allZero(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
