package dev.raftchat.raft.runtime;

import dev.raftchat.raft.core.RaftException;

/** A read refused before it started: over {@code queryBytesMax} or {@code pendingReadsMax}. Retry later. */
public class ReadRejectedException extends RaftException {
    private static final long serialVersionUID = 1L;

    public ReadRejectedException(String message) {
        super(message);
    }
}
