package dev.raftchat.raft.core;

/**
 * The request needs the leader and this node is not it. {@link #leaderHint()} is the leader this node
 * believes in, or 0 when it knows none; clients retry there.
 */
public class NotLeaderException extends RaftException {
    private static final long serialVersionUID = 1L;

    private final long leaderHint;

    public NotLeaderException(long nodeId, long leaderHint) {
        super("node " + nodeId + " is not the leader"
                + (leaderHint == 0 ? " and knows no leader" : "; the leader is node " + leaderHint));
        this.leaderHint = leaderHint;
    }

    public long leaderHint() {
        return leaderHint;
    }
}
