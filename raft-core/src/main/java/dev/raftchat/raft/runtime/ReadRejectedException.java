package dev.raftchat.raft.runtime;

import dev.raftchat.raft.core.RaftException;

/** A read refused before it started: over {@code queryBytesMax} or {@code pendingReadsMax}. Retry later. */
public class ReadRejectedException extends RaftException {
    public ReadRejectedException(String message) {
        super(message);
    }
}
