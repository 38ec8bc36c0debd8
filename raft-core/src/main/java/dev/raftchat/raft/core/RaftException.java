package dev.raftchat.raft.core;

/** Base of the exceptions a caller of the Raft API can expect and handle. */
public class RaftException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RaftException(String message) {
        super(message);
    }

    public RaftException(String message, Throwable cause) {
        super(message, cause);
    }
}
