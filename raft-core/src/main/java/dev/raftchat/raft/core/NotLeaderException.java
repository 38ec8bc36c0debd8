package dev.raftchat.raft.core;

import java.util.Optional;

/**
 * The request needs the leader and this node is not it. {@link #leaderHint()} is the leader this node
 * believes in, or 0 when it knows none; {@link #leaderAddress()} is where to reach it, when the runtime
 * knows (by default the transport's address of that node, {@code Transport#peerAddress}; an embedder may
 * map ids to its clients' addresses instead, {@code RaftServer.Builder#leaderAddresses}). Clients retry there.
 */
public class NotLeaderException extends RaftException {
    private static final long serialVersionUID = 1L;

    private final long nodeId;
    private final long leaderHint;
    /** Null when unknown. */
    @SuppressWarnings("serial") // a String is serializable; Error Prone cannot tell from the field's type alone
    private final String leaderAddress;

    public NotLeaderException(long nodeId, long leaderHint) {
        this(nodeId, leaderHint, null);
    }

    /** @param leaderAddress where the leader can be reached, or null when unknown */
    public NotLeaderException(long nodeId, long leaderHint, String leaderAddress) {
        super("node " + nodeId + " is not the leader"
                + (leaderHint == 0
                        ? " and knows no leader"
                        : "; the leader is node " + leaderHint
                                + (leaderAddress == null ? "" : " at " + leaderAddress)));
        this.leaderHint = leaderHint;
        this.leaderAddress = leaderHint == 0 ? null : leaderAddress;
        this.nodeId = nodeId;
    }

    /** The node that refused. */
    public long nodeId() {
        return nodeId;
    }

    public long leaderHint() {
        return leaderHint;
    }

    /** Where the leader can be reached, when a leader is known and its address too. */
    public Optional<String> leaderAddress() {
        return Optional.ofNullable(leaderAddress);
    }
}
