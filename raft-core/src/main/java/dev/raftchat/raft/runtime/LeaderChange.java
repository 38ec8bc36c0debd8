package dev.raftchat.raft.runtime;

import dev.raftchat.raft.core.Role;

/**
 * What a node believes about leadership after a change.
 *
 * @param nodeId    the node that observed the change
 * @param term      the node's current term
 * @param leaderId  the leader this node follows, or 0 when it knows none (an election is under way)
 * @param localRole the observing node's own role
 */
public record LeaderChange(long nodeId, long term, long leaderId, Role localRole) {

    public boolean hasLeader() {
        return leaderId != 0;
    }

    public boolean isLocalLeader() {
        return localRole == Role.LEADER;
    }
}
