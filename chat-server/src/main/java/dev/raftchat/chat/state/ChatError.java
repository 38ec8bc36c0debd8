package dev.raftchat.chat.state;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Every error either API answers: a stable machine-readable {@link #code} (the {@code "code"} of the JSON error,
 * the constant's name in lower case), the HTTP status it is answered with, and a default message in words. One
 * list, so that a code means one thing with one status on every route (docs/api.md, "Error codes"). The state
 * machine's rejections ({@link ChatResult}) carry the code as a string, since results travel as bytes; {@link
 * #of} maps it back.
 *
 * <p>One code per fault, on both APIs: a bad user name is {@code invalid_username} (the original route answered
 * {@code invalid_user} before, v1 and the web client use {@code invalid_username}), a bad room name
 * {@code invalid_room_name} (was {@code invalid_room} on the original route), a bad text {@code invalid_text}
 * and a text above the byte limit {@code message_too_large} (were {@code invalid_message}).
 */
public enum ChatError {
    // ---- A command's or a request's content (both APIs; the state machine rejects these too)
    MALFORMED_COMMAND(400, "the command could not be decoded"),
    UNSUPPORTED_COMMAND_VERSION(400, "the command needs a newer cluster version"),
    STALE_CLUSTER_VERSION(400, "the cluster version cannot go down"),
    INVALID_VERSION_REPORT(400, "the version report is invalid"),
    INVALID_STATE_BUDGET(400, "the state budget is out of range"),
    INVALID_NODE_ID(400, "the node id is not a positive integer"),
    INVALID_PEER_URL(400, "the peer URL is invalid"),
    INVALID_CLOCK_STEP(400, "the clock step is out of range"),
    INVALID_ROOM_NAME(400, "the room name is invalid"),
    INVALID_USERNAME(400, "the user name is invalid"),
    INVALID_TEXT(400, "the text is invalid"),
    MESSAGE_TOO_LARGE(413, "the text is too long"),
    INVALID_TXN_ID(400, "the transaction id is invalid"),
    INVALID_RETENTION(400, "the retention is invalid"),
    INVALID_SEQ(400, "the seq is invalid"),
    INVALID_PASSWORD(400, "a password has 8 to 256 characters"),
    INVALID_TOKEN(400, "the token hash is malformed or in use"),
    INVALID_EXPIRY(400, "the session would expire before it starts"),
    UNAUTHORIZED(401, "a valid bearer token is required (missing, malformed, unknown, expired or revoked)"),
    INVALID_CREDENTIALS(401, "unknown user or wrong password"),
    FORBIDDEN(403, "not allowed"),
    ROOM_NOT_FOUND(404, "no such room"),
    MESSAGE_NOT_FOUND(404, "no such message"),
    SESSION_NOT_FOUND(404, "no such session"),
    ROOM_EXISTS(409, "the room exists already"),
    USERNAME_TAKEN(409, "the username is taken"),
    MESSAGE_DELETED(409, "the message was deleted"),
    TOO_MANY_ROOMS(409, "the chat has the most rooms allowed"),
    TOO_MANY_USERS(409, "the chat has the most users allowed"),
    TOO_MANY_SESSIONS(409, "the chat has the most sessions allowed"),
    STATE_FULL(507, "the chat's state is full (--state-bytes-max)"),

    // ---- The request itself (HTTP)
    BAD_REQUEST(400, "the request could not be parsed as HTTP"),
    INVALID_PATH(400, "the path is not strictly percent-encoded UTF-8"),
    INVALID_QUERY(400, "the query is not strictly percent-encoded UTF-8"),
    INVALID_PARAMETER(400, "a query parameter has an invalid value"),
    UNKNOWN_PARAMETER(400, "unknown query parameter"),
    INVALID_JSON(400, "the body is not the JSON expected"),
    UNKNOWN_FIELD(400, "unknown field"),
    MISSING_FIELD(400, "a required field is missing"),
    INVALID_TYPE(400, "a field has the wrong type"),
    INVALID_LIMIT(400, "the limit is out of range"),
    INVALID_CURSOR(400, "the cursor is invalid"),
    CURSOR_EXPIRED(410, "the cursor is older than the oldest retained message"),
    INVALID_CONSISTENCY(400, "consistency must be 'linearizable' or 'stale'"),
    RESERVED_USERNAME(403, "the username is reserved for an admin"),
    FORBIDDEN_HOST(403, "the Host is not one of this node's names"),
    FORBIDDEN_ORIGIN(403, "admin routes refuse requests sent by a page of another site"),
    NOT_FOUND(404, "no such route; see docs/api.md"),
    NOT_A_MEMBER(404, "the node is not a member of the cluster"),
    NOT_A_LEARNER(404, "the node is not a learner"),
    METHOD_NOT_ALLOWED(405, "the method is not allowed here"),
    REQUEST_TIMEOUT(408, "the request was not received in time"),
    BODY_TOO_LARGE(413, "the request body is too large"),
    UNSUPPORTED_MEDIA_TYPE(415, "the body's content type is not accepted here"),
    EXPECTATION_FAILED(417, "the only expectation this server supports is 'Expect: 100-continue'"),
    UPGRADE_REQUIRED(426, "this server speaks WebSocket version 13 (RFC 6455) only"),
    RATE_LIMITED(429, "too many requests"),
    REQUEST_HEADER_TOO_LARGE(431, "the request head is too large"),
    WEBSOCKET_UPGRADE_REQUIRED(400, "this is a WebSocket: connect with a WebSocket client"),
    INVALID_HANDSHAKE(400, "the WebSocket handshake is invalid"),

    // ---- WebSocket frames of /api/v1/ws (an error frame, no HTTP status of its own)
    UNKNOWN_TYPE(400, "type must be auth, subscribe or unsubscribe"),
    ALREADY_AUTHENTICATED(400, "this connection is authenticated already"),
    TOO_MANY_SUBSCRIPTIONS(400, "too many subscriptions on this connection"),

    // ---- The node
    INTERNAL_ERROR(500, "unexpected error"),
    NO_LEADER(503, "no leader is known"),
    TIMEOUT(503, "not committed or confirmed in time"),
    OVERLOADED(503, "the node refused the request to protect itself"),
    NOT_COMMITTED(503, "the write was lost in a leader change and not committed; retry"),
    READ_NOT_CONFIRMED(503, "the leader could not confirm its leadership; retry"),
    SHUTTING_DOWN(503, "this node is stopping"),
    NOT_READY(503, "the node is not ready"),
    NOT_RUNNING(503, "the Raft server is not running"),
    NO_SNAPSHOT(503, "no snapshot exists yet");

    private static final Map<String, ChatError> BY_CODE =
            Stream.of(values()).collect(Collectors.toUnmodifiableMap(ChatError::code, Function.identity()));

    private final String code;
    private final int httpStatus;
    private final String defaultMessage;

    ChatError(int httpStatus, String defaultMessage) {
        this.code = name().toLowerCase(Locale.ROOT);
        this.httpStatus = httpStatus;
        this.defaultMessage = defaultMessage;
    }

    /** The stable code, as clients see it ({@code "invalid_username"}). */
    public String code() {
        return code;
    }

    /** The HTTP status this error is answered with. */
    public int httpStatus() {
        return httpStatus;
    }

    /** Words for when the place that raises it has nothing more precise to say. */
    public String defaultMessage() {
        return defaultMessage;
    }

    /**
     * The error of this code; {@link #MALFORMED_COMMAND} for a code this build does not know (a result decoded
     * from bytes of another build), so that an unknown code is still a client error and never a crash.
     */
    public static ChatError of(String code) {
        return BY_CODE.getOrDefault(Objects.requireNonNull(code, "code"), MALFORMED_COMMAND);
    }

    /** Whether this build knows the code. */
    public static boolean known(String code) {
        return BY_CODE.containsKey(code);
    }
}
