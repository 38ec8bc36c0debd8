package dev.raftchat.raft.runtime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The runtime's wrapper around each user command in a NORMAL log entry, so that the node that proposed
 * a command can recognise it when it is applied and complete the right future — also when a follower
 * forwarded it to the leader. The state machine only ever sees {@link #command()}.
 *
 * <p>Byte layout (big-endian), {@value #HEADER_BYTES} bytes of header then the command:
 * <pre>
 *   offset 0   u8   format version, {@value #FORMAT_VERSION}
 *   offset 1   i64  origin node id
 *   offset 9   i64  origin session: random per server start, so that a restarted node replaying its
 *                   log never mistakes an old entry for a new request with the same sequence
 *   offset 17  i64  sequence of the request within the session, from 1
 *   offset 25  ...  the command
 * </pre>
 * This layout is part of the log format: change it only with a new version byte.
 */
record CommandEnvelope(long originId, long session, long sequence, byte[] command) {

    static final byte FORMAT_VERSION = 1;
    static final int HEADER_BYTES = 1 + 8 + 8 + 8;

    private static final VarHandle BIG_ENDIAN_LONG =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    byte[] encode() {
        return encode(originId, session, sequence, command);
    }

    /** The envelope of {@code command}, written straight into one array (the proposal path makes one per command). */
    static byte[] encode(long originId, long session, long sequence, byte[] command) {
        byte[] envelope = new byte[HEADER_BYTES + command.length];
        envelope[0] = FORMAT_VERSION;
        BIG_ENDIAN_LONG.set(envelope, 1, originId);
        BIG_ENDIAN_LONG.set(envelope, 9, session);
        BIG_ENDIAN_LONG.set(envelope, 17, sequence);
        System.arraycopy(command, 0, envelope, HEADER_BYTES, command.length);
        return envelope;
    }

    /**
     * Why {@code data} is not an envelope of a known version, or null when it is one. Every NORMAL entry
     * a runtime proposes is an envelope, so anything else was forged, corrupted in flight or written by
     * foreign software; the answer depends on the bytes alone, so every replica judges it alike.
     */
    static String defect(byte[] data) {
        if (data.length < HEADER_BYTES || data[0] != FORMAT_VERSION) {
            return "not a command envelope of version " + FORMAT_VERSION + " (" + data.length + " bytes"
                    + (data.length > 0 ? ", first byte " + data[0] : "") + ")";
        }
        return null;
    }

    /** The origin node id of an envelope without a {@link #defect}. */
    static long originId(byte[] envelope) {
        return (long) BIG_ENDIAN_LONG.get(envelope, 1);
    }

    /** The origin session of an envelope without a {@link #defect}. */
    static long session(byte[] envelope) {
        return (long) BIG_ENDIAN_LONG.get(envelope, 9);
    }

    /** The sequence of an envelope without a {@link #defect}. */
    static long sequence(byte[] envelope) {
        return (long) BIG_ENDIAN_LONG.get(envelope, 17);
    }

    /** A copy of the command of an envelope without a {@link #defect}. */
    static byte[] command(byte[] envelope) {
        return Arrays.copyOfRange(envelope, HEADER_BYTES, envelope.length);
    }

    /**
     * Decodes an entry's data.
     *
     * @throws IllegalStateException when the data is not an envelope of a known version (see {@link #defect})
     */
    static CommandEnvelope decode(long index, byte[] data) {
        String defect = defect(data);
        if (defect != null) {
            throw new IllegalStateException("log entry " + index + " is " + defect);
        }
        ByteBuffer buffer = ByteBuffer.wrap(data);
        buffer.get();
        long originId = buffer.getLong();
        long session = buffer.getLong();
        long sequence = buffer.getLong();
        return new CommandEnvelope(originId, session, sequence, Arrays.copyOfRange(data, HEADER_BYTES, data.length));
    }
}
