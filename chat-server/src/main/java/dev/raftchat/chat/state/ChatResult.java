package dev.raftchat.chat.state;

import java.util.Objects;

/**
 * The outcome of applying one {@link ChatCommand}, returned to the proposer through the Raft future.
 * A rejected command changes nothing and carries a stable {@link #errorCode()}, a {@link ChatError}'s code.
 *
 * @param post     the post as applied (with its final time) for an accepted {@code PostMessage}, else null
 * @param message  the message created, edited or deleted by a v1 command (or found by an idempotent replay), else null
 * @param replayed whether the command repeated a transaction id already seen, so nothing new was created
 * @param value    a number the command produced (the session id of a login), else 0
 */
public record ChatResult(
        boolean accepted,
        Post post,
        String errorCode,
        String errorMessage,
        Message message,
        boolean replayed,
        long value) {

    public ChatResult(boolean accepted, Post post, String errorCode, String errorMessage) {
        this(accepted, post, errorCode, errorMessage, null, false, 0);
    }

    public static ChatResult accepted(Post post) {
        return new ChatResult(true, post, null, null);
    }

    public static ChatResult accepted(Post post, boolean replayed) {
        return new ChatResult(true, post, null, null, null, replayed, 0);
    }

    public static ChatResult acceptedMessage(Message message, boolean replayed) {
        return new ChatResult(true, null, null, null, Objects.requireNonNull(message), replayed, 0);
    }

    public static ChatResult acceptedValue(long value) {
        return new ChatResult(true, null, null, null, null, false, value);
    }

    public static ChatResult rejected(ChatError error, String message) {
        return rejected(error.code(), message);
    }

    /** A rejection of this code; {@link ChatCodec} decodes results with it (the code may be of another build). */
    static ChatResult rejected(String code, String message) {
        return new ChatResult(false, null, Objects.requireNonNull(code), Objects.requireNonNull(message));
    }

    /** The error of a rejected result ({@link ChatError#of} its code), null for an accepted one. */
    public ChatError error() {
        return accepted ? null : ChatError.of(errorCode);
    }
}
