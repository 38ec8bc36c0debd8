package dev.raftchat.chat.state;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * The reader of a chat snapshot: big-endian numbers and length-prefixed UTF-8 strings ({@link ChatCodec}'s
 * layout) decoded straight out of one large buffer refilled from the stream. It replaces a
 * {@code DataInputStream} over a {@code BufferedInputStream}, whose synchronized single-byte reads and
 * per-string temporary arrays made a restore of a million messages slow, and it shares repeated short strings
 * (authors, user names in read markers): a restored room whose million messages have a handful of authors holds
 * a handful of author strings, not a million copies, which also halves the garbage collector's copying while a
 * large snapshot is read.
 *
 * <p>Not thread-safe; reads {@code in} ahead by up to {@link #BUFFER_BYTES} (the snapshot is the rest of the
 * stream, as for the buffered stream it replaces). Never trusts a length: a string longer than the bytes left or
 * than the caller's bound is an {@link IOException}, not an allocation.
 */
final class SnapshotInput {
    static final int BUFFER_BYTES = 256 * 1024;
    /** Strings up to this many bytes are looked up in the shared-string table. */
    static final int SHARED_STRING_BYTES_MAX = 64;
    /** Slots of the shared-string table (a power of two); a colliding string replaces the slot's. */
    static final int SHARED_STRING_SLOTS = 4096;

    private final InputStream in;
    private byte[] buffer;
    private int position;
    private int limit;
    private final byte[][] sharedBytes = new byte[SHARED_STRING_SLOTS][];
    private final String[] sharedStrings = new String[SHARED_STRING_SLOTS];

    SnapshotInput(InputStream in) {
        this.in = Objects.requireNonNull(in, "in");
        this.buffer = new byte[BUFFER_BYTES];
    }

    /** Makes at least {@code count} bytes available from {@code position}, or throws {@link EOFException}. */
    private void require(int count) throws IOException {
        if (limit - position >= count) {
            return;
        }
        if (count > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(count, buffer.length * 2));
        }
        if (position > 0) {
            System.arraycopy(buffer, position, buffer, 0, limit - position);
            limit -= position;
            position = 0;
        }
        while (limit < count) {
            int read = in.read(buffer, limit, buffer.length - limit);
            if (read < 0) {
                throw new EOFException("chat snapshot ends " + (count - limit) + " bytes early");
            }
            limit += read;
        }
    }

    byte readByte() throws IOException {
        require(1);
        return buffer[position++];
    }

    /** A byte that must be 0 or 1. */
    boolean readBoolean() throws IOException {
        byte value = readByte();
        if (value != 0 && value != 1) {
            throw new IOException("boolean byte " + value + " is neither 0 nor 1");
        }
        return value == 1;
    }

    int readInt() throws IOException {
        require(4);
        byte[] b = buffer;
        int p = position;
        position = p + 4;
        return (b[p] & 0xff) << 24 | (b[p + 1] & 0xff) << 16 | (b[p + 2] & 0xff) << 8 | (b[p + 3] & 0xff);
    }

    long readLong() throws IOException {
        require(8);
        byte[] b = buffer;
        int p = position;
        position = p + 8;
        return (b[p] & 0xffL) << 56
                | (b[p + 1] & 0xffL) << 48
                | (b[p + 2] & 0xffL) << 40
                | (b[p + 3] & 0xffL) << 32
                | (b[p + 4] & 0xffL) << 24
                | (b[p + 5] & 0xffL) << 16
                | (b[p + 6] & 0xffL) << 8
                | (b[p + 7] & 0xffL);
    }

    /** A string of at most {@code bytesMax} bytes; a longer declared length is corruption, not an allocation. */
    String readString(int bytesMax) throws IOException {
        int length = readInt();
        if (length < 0 || length > bytesMax) {
            throw new IOException("string length " + length + " is outside [0, " + bytesMax + "]");
        }
        require(length);
        String value = new String(buffer, position, length, StandardCharsets.UTF_8);
        position += length;
        return value;
    }

    /**
     * Like {@link #readString} for a value that repeats across the snapshot (an author, a user name): the same
     * bytes give the same {@code String} instance when the table still holds it.
     */
    String readSharedString(int bytesMax) throws IOException {
        int length = readInt();
        if (length < 0 || length > bytesMax) {
            throw new IOException("string length " + length + " is outside [0, " + bytesMax + "]");
        }
        require(length);
        if (length > SHARED_STRING_BYTES_MAX) {
            String value = new String(buffer, position, length, StandardCharsets.UTF_8);
            position += length;
            return value;
        }
        int hash = length;
        for (int i = position; i < position + length; i++) {
            hash = 31 * hash + buffer[i];
        }
        int slot = (hash ^ (hash >>> 16)) & (SHARED_STRING_SLOTS - 1);
        byte[] known = sharedBytes[slot];
        if (known != null && Arrays.equals(known, 0, known.length, buffer, position, position + length)) {
            position += length;
            return sharedStrings[slot];
        }
        byte[] bytes = Arrays.copyOfRange(buffer, position, position + length);
        String value = new String(bytes, StandardCharsets.UTF_8);
        position += length;
        sharedBytes[slot] = bytes;
        sharedStrings[slot] = value;
        return value;
    }

    /** {@code 00}, or {@code 01} then a string. */
    String readNullableString(int bytesMax) throws IOException {
        return readBoolean() ? readString(bytesMax) : null;
    }

    /** {@link #readNullableString} through the shared-string table. */
    String readNullableSharedString(int bytesMax) throws IOException {
        return readBoolean() ? readSharedString(bytesMax) : null;
    }
}
