package dev.raftchat.raft.runtime;

import dev.raftchat.raft.core.Role;
import dev.raftchat.raft.core.Status;

/**
 * An immutable snapshot of a {@link RaftServer}, published by its Raft thread after each loop
 * iteration that changed its role, term, leader or applied index, and at least every tick after one that
 * changed anything else; reading it is safe from any thread and never waits for Raft.
 *
 * @param state                  the server's life-cycle state
 * @param raft                   the Raft node's view (role, term, leader, commit index, members...)
 * @param appliedIndex           the highest log index applied to the state machine on this node
 * @param pendingProposals       proposals of this node that are accepted and not yet completed
 * @param pendingReads           linearizable reads of this node that are accepted and not yet completed
 * @param inboundMessagesDropped messages dropped because the inbox was full, since start
 * @param failure                the error that stopped the server when {@code state} is
 *                               {@link State#FAILED}, else null
 */
public record ServerStatus(
        State state,
        Status raft,
        long appliedIndex,
        int pendingProposals,
        int pendingReads,
        long inboundMessagesDropped,
        Throwable failure) {

    /** Life cycle of a server: NEW → RUNNING → CLOSED, or RUNNING → FAILED. */
    public enum State {
        NEW,
        RUNNING,
        /** Closed by {@link RaftServer#close()}. */
        CLOSED,
        /** Stopped by a fatal failure; see {@link ServerStatus#failure()}. */
        FAILED
    }

    public long id() {
        return raft.id();
    }

    public Role role() {
        return raft.role();
    }

    public long term() {
        return raft.term();
    }

    /** The leader this node follows, or 0 when it knows none. */
    public long leaderId() {
        return raft.leaderId();
    }

    public long commitIndex() {
        return raft.commitIndex();
    }

    /**
     * True once an applied membership change no longer lists this node: it takes no further part in the
     * cluster and should be closed (rejoining needs a fresh id or wiped storage and a new add).
     */
    public boolean isRemoved() {
        return !raft.conf().isMember(raft.id());
    }

    public boolean isLeader() {
        return state == State.RUNNING && raft.role() == Role.LEADER;
    }
}
