package dev.raftchat.chat.state;

import java.util.Objects;

/**
 * A chat command or query broke a rule of {@link ChatLimits} or could not be decoded. {@link #code()} is
 * a stable, machine-readable identifier (it becomes the {@code code} of the HTTP error); the message
 * says what was wrong in words.
 */
public final class InvalidCommandException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ChatError error;

    public InvalidCommandException(ChatError error, String message) {
        super(message);
        this.error = Objects.requireNonNull(error, "error");
    }

    public ChatError error() {
        return error;
    }

    public String code() {
        return error.code();
    }
}
