package dev.raftchat.sim;

import java.nio.ByteBuffer;

/**
 * A client command in its envelope: the node that proposed it and a request id unique within the run,
 * so that the proposing node recognises its own command when it applies it (a follower that forwards a
 * proposal learns its outcome only this way).
 *
 * <p>Wire form (big-endian): magic byte, origin node (8), request id (8), kind (1), key (4),
 * argument (8), expected (8).
 */
public record KvCommand(long originNode, long requestId, KvOp.Kind kind, int key, long argument, long expected) {

    private static final byte MAGIC = (byte) 0x4b;
    static final int ENCODED_BYTES = 1 + 8 + 8 + 1 + 4 + 8 + 8;

    // EnumOrdinal (here and in decode): these bytes live only in one simulated run's memory, encoded and decoded
    // by the same build, so the ordinal is a stable code for them.
    @SuppressWarnings("EnumOrdinal")
    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(ENCODED_BYTES);
        b.put(MAGIC)
                .putLong(originNode)
                .putLong(requestId)
                .put((byte) kind.ordinal())
                .putInt(key)
                .putLong(argument)
                .putLong(expected);
        return b.array();
    }

    /** Decodes a command; a malformed one is reported, never guessed at. */
    @SuppressWarnings("EnumOrdinal")
    public static KvCommand decode(byte[] data) {
        if (data.length != ENCODED_BYTES || data[0] != MAGIC) {
            throw new IllegalArgumentException("not a KvCommand: " + data.length + " bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(data);
        b.get();
        long origin = b.getLong();
        long request = b.getLong();
        int kindOrdinal = b.get();
        if (kindOrdinal < 0 || kindOrdinal >= KvOp.Kind.values().length) {
            throw new IllegalArgumentException("unknown command kind " + kindOrdinal);
        }
        return new KvCommand(origin, request, KvOp.Kind.values()[kindOrdinal], b.getInt(), b.getLong(), b.getLong());
    }
}
