package dev.raftchat.raft.core;

/** A proposal refused before it entered the log: over a limit, or during a leadership transfer. */
public class ProposalRejectedException extends RaftException {
    public ProposalRejectedException(String message) {
        super(message);
    }
}
