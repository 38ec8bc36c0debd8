package dev.raftchat.chat.state;

import java.util.Objects;

/**
 * A change to the chat, proposed by one node and applied by all. Everything that could differ between
 * nodes (the time of a post) is chosen by the proposer and carried here, so applying is deterministic.
 * Encoded by {@link ChatCodec}.
 */
public sealed interface ChatCommand {

    /** Appends a message to {@code room}, creating the room when it is new. */
    record PostMessage(String room, String user, String message, long postedAtMillis) implements ChatCommand {
        public PostMessage {
            Objects.requireNonNull(room, "room");
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(message, "message");
        }
    }

    /**
     * Asks for node {@code nodeId} to be a voter (or a non-voting learner), reachable at peer URL {@code url};
     * registering a learner again as a voter promotes it. Every node (including
     * ones that replay the log later) learns the address from it; the leader of the moment carries out
     * the membership change (see {@code MembershipReconciler}), so the request survives leader changes.
     */
    record RegisterPeer(long nodeId, String url, boolean learner) implements ChatCommand {
        public RegisterPeer {
            Objects.requireNonNull(url, "url");
        }

        /** A voter. */
        public RegisterPeer(long nodeId, String url) {
            this(nodeId, url, false);
        }
    }

    /** Asks for node {@code nodeId} to leave the cluster; the leader of the moment carries it out. */
    record RemovePeer(long nodeId) implements ChatCommand {}
}
