package dev.raftchat.chat.http;

import dev.raftchat.chat.state.ChatError;
import java.util.Objects;

/**
 * A request failed in a way the client should hear about: an HTTP status, a stable machine-readable
 * {@code code} and a message in words. Rendered as {@code {"error":{"code":..,"message":..}}}.
 */
public final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;

    public ApiException(ChatError error, String message) {
        this(error.httpStatus(), error.code(), message);
    }

    /** An error whose code may be of another build (a state machine's rejection). */
    public ApiException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = Objects.requireNonNull(code, "code");
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }
}
