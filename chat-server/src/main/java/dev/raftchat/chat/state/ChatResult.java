package dev.raftchat.chat.state;

import java.util.Objects;

/**
 * The outcome of applying one {@link ChatCommand}, returned to the proposer through the Raft future.
 * A rejected command changes nothing and carries a stable {@link #errorCode()}.
 *
 * @param post the post as applied (with its final time) for an accepted {@code PostMessage}, else null
 */
public record ChatResult(boolean accepted, Post post, String errorCode, String errorMessage) {

    public static ChatResult accepted(Post post) {
        return new ChatResult(true, post, null, null);
    }

    public static ChatResult rejected(String code, String message) {
        return new ChatResult(false, null, Objects.requireNonNull(code), Objects.requireNonNull(message));
    }
}
