package dev.raftchat.raft.core;

/** A proposal refused before it entered the log: over a limit, or during a leadership transfer. */
public class ProposalRejectedException extends RaftException {
    private static final long serialVersionUID = 1L;

    public ProposalRejectedException(String message) {
        super(message);
    }
}
