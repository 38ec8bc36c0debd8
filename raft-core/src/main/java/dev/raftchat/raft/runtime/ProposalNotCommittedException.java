package dev.raftchat.raft.runtime;

import dev.raftchat.raft.core.RaftException;

/**
 * A proposal is known <b>never</b> to be committed: this node appended it as leader at some log index,
 * and a different entry (from a newer leader) has since been committed at that index. Unlike
 * {@link RaftTimeoutException} the outcome is certain, so retrying cannot apply the command twice.
 */
public class ProposalNotCommittedException extends RaftException {
    private static final long serialVersionUID = 1L;

    public ProposalNotCommittedException(String message) {
        super(message);
    }
}
