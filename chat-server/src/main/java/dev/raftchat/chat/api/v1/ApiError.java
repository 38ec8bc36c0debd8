package dev.raftchat.chat.api.v1;

import dev.raftchat.chat.state.ChatError;
import java.util.Objects;

/**
 * A v1 request failed in a way the client should hear about. Rendered as
 * {@code {"error":{"code","message","field"?,"oldestRetainedSeq"?}}} with {@code Retry-After} for a 429
 * and {@code WWW-Authenticate: Bearer} for a 401.
 */
public final class ApiError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;
    private final String field;
    private final long retryAfterSeconds;
    private final Long oldestRetainedSeq;

    public ApiError(ChatError error, String message) {
        this(error, message, null, 0, null);
    }

    public ApiError(ChatError error, String message, String field, long retryAfterSeconds, Long oldestRetainedSeq) {
        this(error.httpStatus(), error.code(), message, field, retryAfterSeconds, oldestRetainedSeq);
    }

    /** An error whose code may be of another build (a state machine's rejection): {@code status} from {@link ChatError#of}. */
    public ApiError(
            int status, String code, String message, String field, long retryAfterSeconds, Long oldestRetainedSeq) {
        super(message, null, false, false);
        this.status = status;
        this.code = Objects.requireNonNull(code, "code");
        this.field = field;
        this.retryAfterSeconds = retryAfterSeconds;
        this.oldestRetainedSeq = oldestRetainedSeq;
    }

    static ApiError field(ChatError error, String field, String message) {
        return new ApiError(error, message, field, 0, null);
    }

    static ApiError unauthorized() {
        return new ApiError(ChatError.UNAUTHORIZED, ChatError.UNAUTHORIZED.defaultMessage());
    }

    static ApiError rateLimited(long retryAfterSeconds, String what) {
        return new ApiError(
                ChatError.RATE_LIMITED,
                "too many " + what + "; retry in " + retryAfterSeconds + " s",
                null,
                retryAfterSeconds,
                null);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String field() {
        return field;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public Long oldestRetainedSeq() {
        return oldestRetainedSeq;
    }
}
