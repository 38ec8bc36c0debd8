package dev.raftchat.raft.transport.netty;

/**
 * A peer message could not be encoded or decoded: the bytes are not a valid frame, a required part is
 * missing, a number is out of range, or an enum value is unknown.
 *
 * <p>This is the only exception {@link MessageCodec} throws for bad input. On the receiving side it
 * means the remote end is broken or hostile; the transport closes that connection and counts it. On
 * the sending side it means a message record held a value the wire format cannot carry (a bug in the
 * caller); the transport drops that message and counts it.
 */
public final class CodecException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CodecException(String message) {
        super(message);
    }

    public CodecException(String message, Throwable cause) {
        super(message, cause);
    }
}
