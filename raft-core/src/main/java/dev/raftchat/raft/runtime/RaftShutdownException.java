package dev.raftchat.raft.runtime;

import dev.raftchat.raft.core.RaftException;

/**
 * The {@link RaftServer} is closed or stopped after a fatal failure, so the request cannot complete
 * here. For a proposal that had already been handed to Raft the outcome is unknown: it may be
 * committed by the rest of the cluster. {@link #getCause()} is the fatal failure, if there was one.
 */
public class RaftShutdownException extends RaftException {
    private static final long serialVersionUID = 1L;

    public RaftShutdownException(String message) {
        super(message);
    }

    public RaftShutdownException(String message, Throwable cause) {
        super(message, cause);
    }
}
