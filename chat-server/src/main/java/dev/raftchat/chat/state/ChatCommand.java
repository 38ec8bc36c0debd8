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
     * Records the peer URL of node {@code nodeId}, so that every node (including ones that replay the log
     * later) learns how to reach a member added at run time.
     */
    record RegisterPeer(long nodeId, String url) implements ChatCommand {
        public RegisterPeer {
            Objects.requireNonNull(url, "url");
        }
    }
}
