package dev.raftchat.chat;

import dev.raftchat.chat.api.v1.ApiConfig;
import dev.raftchat.chat.state.ChatCodec;
import dev.raftchat.chat.state.ChatLimits;
import dev.raftchat.chat.state.ChatPolicy;
import java.util.Set;
import picocli.CommandLine.Option;

/**
 * The command line flags of the chat API v1 and of the chat's limits (a picocli mixin of {@link RaftChatMain});
 * each is also an environment variable {@code RAFT_CHAT_<FLAG>}. Flags marked "replicated" must be the same
 * on every node. docs/api.md lists them with their defaults.
 */
final class ApiFlags {

    @Option(
            names = "--require-login",
            defaultValue = "false",
            fallbackValue = "true",
            arity = "0..1",
            description = "The original POST /rooms/{room} needs a bearer token too (default: ${DEFAULT-VALUE}).")
    boolean requireLogin;

    @Option(
            names = "--admin-users",
            defaultValue = "",
            description =
                    "Comma-separated usernames that may delete any message or room and change any room's retention (default: none).")
    String adminUsers;

    @Option(
            names = "--max-message-bytes",
            defaultValue = "" + ChatLimits.DEFAULT_MESSAGE_BYTES_MAX,
            description =
                    "Replicated. Largest message text in UTF-8 bytes; larger gets 413 (default: ${DEFAULT-VALUE}).")
    int maxMessageBytes;

    @Option(
            names = "--max-room-name-chars",
            defaultValue = "" + ChatLimits.DEFAULT_ROOM_NAME_CHARS_MAX,
            description = "Replicated. Longest room name in characters (default: ${DEFAULT-VALUE}).")
    int maxRoomNameChars;

    @Option(
            names = "--max-rooms",
            defaultValue = "" + ChatLimits.DEFAULT_ROOMS_MAX,
            description = "Replicated. Most rooms the chat holds (default: ${DEFAULT-VALUE}).")
    int maxRooms;

    @Option(
            names = "--max-body-bytes",
            defaultValue = "" + ChatNodeConfig.DEFAULT_HTTP_CONTENT_BYTES_MAX,
            description = "Largest HTTP request body; larger gets 413 body_too_large (default: ${DEFAULT-VALUE}).")
    int maxBodyBytes;

    @Option(
            names = "--page-size-default",
            defaultValue = "" + ApiConfig.DEFAULT_PAGE_SIZE,
            description = "Messages or rooms per page when limit is absent (default: ${DEFAULT-VALUE}).")
    int pageSizeDefault;

    @Option(
            names = "--page-size-max",
            defaultValue = "" + ApiConfig.DEFAULT_PAGE_SIZE_MAX,
            description = "Largest limit of a page (default: ${DEFAULT-VALUE}).")
    int pageSizeMax;

    @Option(
            names = "--session-ttl-seconds",
            defaultValue = "" + ApiConfig.DEFAULT_SESSION_TTL_SECONDS,
            description = "How long a login lasts, in log time (default: ${DEFAULT-VALUE}).")
    long sessionTtlSeconds;

    @Option(
            names = "--password-hash-iterations",
            defaultValue = "" + ApiConfig.DEFAULT_PASSWORD_HASH_ITERATIONS,
            description = "PBKDF2-HMAC-SHA256 iterations of new password hashes (default: ${DEFAULT-VALUE}).")
    int passwordHashIterations;

    @Option(
            names = "--password-hash-threads",
            defaultValue = "" + ApiConfig.DEFAULT_PASSWORD_HASH_THREADS,
            description = "Threads hashing passwords, off the network threads (default: ${DEFAULT-VALUE}).")
    int passwordHashThreads;

    @Option(
            names = "--password-hash-queue-max",
            defaultValue = "" + ApiConfig.DEFAULT_PASSWORD_HASH_QUEUE_MAX,
            description = "Password hashes waiting for a thread; beyond it 503 (default: ${DEFAULT-VALUE}).")
    int passwordHashQueueMax;

    @Option(
            names = "--login-attempts-per-minute-per-user",
            defaultValue = "" + ApiConfig.DEFAULT_LOGIN_ATTEMPTS_PER_MINUTE_PER_USER,
            description =
                    "Login attempts per username per minute, also the burst; beyond it 429 (default: ${DEFAULT-VALUE}).")
    int loginAttemptsPerMinutePerUser;

    @Option(
            names = "--login-attempts-per-minute-per-address",
            defaultValue = "" + ApiConfig.DEFAULT_LOGIN_ATTEMPTS_PER_MINUTE_PER_ADDRESS,
            description =
                    "Login and register attempts per client address per minute, also the burst (default: ${DEFAULT-VALUE}).")
    int loginAttemptsPerMinutePerAddress;

    @Option(
            names = "--login-delay-max-ms",
            defaultValue = "" + ApiConfig.DEFAULT_LOGIN_DELAY_MAX_MILLIS,
            description = "Longest a login of a user attacked from many addresses is slowed; never refused"
                    + " (default: ${DEFAULT-VALUE}).")
    long loginDelayMaxMillis;

    @Option(
            names = "--writes-per-minute-per-user",
            defaultValue = "" + ApiConfig.DEFAULT_WRITES_PER_MINUTE_PER_USER,
            description = "Writes per user per minute, also the burst; beyond it 429 (default: ${DEFAULT-VALUE}).")
    int writesPerMinutePerUser;

    @Option(
            names = "--writes-per-minute-per-address",
            defaultValue = "" + ApiConfig.DEFAULT_WRITES_PER_MINUTE_PER_ADDRESS,
            description = "Writes per client address per minute, also the burst (default: ${DEFAULT-VALUE}).")
    int writesPerMinutePerAddress;

    @Option(
            names = "--rate-limit-keys-max",
            defaultValue = "" + ApiConfig.DEFAULT_RATE_LIMIT_KEYS_MAX,
            description = "Users or addresses each rate limiter remembers (default: ${DEFAULT-VALUE}).")
    int rateLimitKeysMax;

    @Option(
            names = "--time-tick-ms",
            defaultValue = "" + ApiConfig.DEFAULT_TIME_TICK_MILLIS,
            description =
                    "How often the leader logs its clock so retention and expiry advance when idle (default: ${DEFAULT-VALUE}).")
    long timeTickMillis;

    @Option(
            names = "--clock-step-max-ms",
            defaultValue = "" + ApiConfig.DEFAULT_CLOCK_STEP_MAX_MILLIS,
            description = "The most one time tick moves log time forward, at least --time-tick-ms; bounds how fast a"
                    + " leader whose clock runs ahead can age sessions and messages (default: ${DEFAULT-VALUE}).")
    long clockStepMaxMillis;

    @Option(
            names = "--clock-skew-max-ms",
            defaultValue = "" + ApiConfig.DEFAULT_CLOCK_SKEW_MAX_MILLIS,
            description = "A node whose clock differs from log time by more than this logs a warning and sets"
                    + " chat_clock_skewed (default: ${DEFAULT-VALUE}).")
    long clockSkewMaxMillis;

    @Option(
            names = "--command-version-max",
            defaultValue = "" + ChatCodec.COMMAND_VERSION_MAX,
            description = "The highest command version this node reads and reports; lower holds the cluster"
                    + " version back during an upgrade (docs/operations.md, Upgrading) (default: ${DEFAULT-VALUE}).")
    int commandVersionMax;

    @Option(
            names = "--websocket-ping-interval-ms",
            defaultValue = "" + ApiConfig.DEFAULT_WEBSOCKET_PING_INTERVAL_MILLIS,
            description = "Server ping interval of /api/v1/ws (default: ${DEFAULT-VALUE}).")
    long webSocketPingIntervalMillis;

    @Option(
            names = "--websocket-idle-timeout-ms",
            defaultValue = "" + ApiConfig.DEFAULT_WEBSOCKET_IDLE_TIMEOUT_MILLIS,
            description = "A /api/v1/ws connection silent this long is closed (default: ${DEFAULT-VALUE}).")
    long webSocketIdleTimeoutMillis;

    @Option(
            names = "--websocket-outbound-bytes-max",
            defaultValue = "" + ApiConfig.DEFAULT_WEBSOCKET_OUTBOUND_BYTES_MAX,
            description =
                    "Bytes queued for one /api/v1/ws client before it is disconnected with 4008 (default: ${DEFAULT-VALUE}).")
    int webSocketOutboundBytesMax;

    @Option(
            names = "--websocket-subscriptions-max",
            defaultValue = "" + ApiConfig.DEFAULT_WEBSOCKET_SUBSCRIPTIONS_MAX,
            description = "Rooms one /api/v1/ws connection may subscribe to (default: ${DEFAULT-VALUE}).")
    int webSocketSubscriptionsMax;

    @Option(
            names = "--retention-max-messages",
            defaultValue = "" + ChatPolicy.DEFAULT_RETENTION_MAX_MESSAGES,
            description = "Replicated. Default most messages a room keeps, 0 = unlimited (default: ${DEFAULT-VALUE}).")
    long retentionMaxMessages;

    @Option(
            names = "--retention-max-age-seconds",
            defaultValue = "" + ChatPolicy.DEFAULT_RETENTION_MAX_AGE_SECONDS,
            description = "Replicated. Default longest a message is kept, 0 = unlimited (default: ${DEFAULT-VALUE}).")
    long retentionMaxAgeSeconds;

    @Option(
            names = "--empty-room-grace-seconds",
            defaultValue = "" + ChatPolicy.DEFAULT_EMPTY_ROOM_GRACE_SECONDS,
            description = "Replicated. How long a room left without messages stays listed (default: ${DEFAULT-VALUE}).")
    long emptyRoomGraceSeconds;

    @Option(
            names = "--idempotency-keys-max",
            defaultValue = "" + ChatPolicy.DEFAULT_IDEMPOTENCY_KEYS_MAX,
            description = "Replicated. Client transaction ids remembered (default: ${DEFAULT-VALUE}).")
    int idempotencyKeysMax;

    @Option(
            names = "--idempotency-key-age-seconds",
            defaultValue = "" + ChatPolicy.DEFAULT_IDEMPOTENCY_KEY_AGE_SECONDS,
            description = "Replicated. How long a client transaction id is remembered (default: ${DEFAULT-VALUE}).")
    long idempotencyKeyAgeSeconds;

    @Option(
            names = "--users-max",
            defaultValue = "" + ChatPolicy.DEFAULT_USERS_MAX,
            description = "Replicated. Most registered users (default: ${DEFAULT-VALUE}).")
    int usersMax;

    @Option(
            names = "--sessions-per-user-max",
            defaultValue = "" + ChatPolicy.DEFAULT_SESSIONS_PER_USER_MAX,
            description =
                    "Replicated. Open sessions per user; a new login ends the oldest beyond it (default: ${DEFAULT-VALUE}).")
    int sessionsPerUserMax;

    @Option(
            names = "--sessions-max",
            defaultValue = "" + ChatPolicy.DEFAULT_SESSIONS_MAX,
            description = "Replicated. Open sessions in total (default: ${DEFAULT-VALUE}).")
    int sessionsMax;

    @Option(
            names = "--state-bytes-max",
            defaultValue = "0",
            description = "Budget of the replicated chat state in estimated heap bytes; writes past it get 507."
                    + " Each node reports its own and the cluster applies the lowest of its members'; 0 (the"
                    + " default): a third of this node's heap (docs/operations.md, Sizing).")
    long stateBytesMax;

    /** {@code config} with these flags applied. @throws IllegalArgumentException naming the bad setting */
    ChatNodeConfig applyTo(ChatNodeConfig config) {
        ChatLimits old = config.limits();
        ChatLimits limits = new ChatLimits(
                maxMessageBytes, old.userNameBytesMax(), maxRoomNameChars, maxRooms, old.peerUrlBytesMax());
        ChatPolicy policy = new ChatPolicy(
                retentionMaxMessages,
                retentionMaxAgeSeconds,
                emptyRoomGraceSeconds,
                idempotencyKeysMax,
                idempotencyKeyAgeSeconds,
                usersMax,
                sessionsPerUserMax,
                sessionsMax,
                // Before the members agree on a budget (cluster version 3), every node applies this one, so it
                // must not depend on the node: the flag, or the fixed default that older builds apply too.
                stateBytesMax > 0 ? stateBytesMax : ChatPolicy.DEFAULT_STATE_BYTES_MAX);
        Set<String> admins = FlagValues.commaSeparated(adminUsers);
        ApiConfig api = new ApiConfig(
                pageSizeDefault,
                pageSizeMax,
                requireLogin,
                admins,
                sessionTtlSeconds,
                passwordHashIterations,
                passwordHashThreads,
                passwordHashQueueMax,
                loginAttemptsPerMinutePerUser,
                loginAttemptsPerMinutePerAddress,
                loginDelayMaxMillis,
                writesPerMinutePerUser,
                writesPerMinutePerAddress,
                rateLimitKeysMax,
                timeTickMillis,
                clockStepMaxMillis,
                clockSkewMaxMillis,
                commandVersionMax,
                webSocketPingIntervalMillis,
                webSocketIdleTimeoutMillis,
                webSocketOutboundBytesMax,
                webSocketSubscriptionsMax,
                policy,
                stateBytesMax);
        return config.withLimits(limits).withApi(api).withHttpContentBytesMax(maxBodyBytes);
    }
}
