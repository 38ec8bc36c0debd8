package dev.raftchat.raft.runtime;

import dev.raftchat.raft.core.RaftException;

/**
 * A proposal was not seen applied within {@link RaftServerConfig#proposalTimeoutMillis()}.
 *
 * <p><b>The outcome is unknown.</b> The command may still be committed and applied later (for example
 * when a partition heals), or it may have been lost with a deposed leader. A client that retries must
 * make its command idempotent (for example with a client-chosen id carried inside the command).
 */
public class RaftTimeoutException extends RaftException {
    private static final long serialVersionUID = 1L;

    public RaftTimeoutException(String message) {
        super(message);
    }
}
