package dev.raftchat.chat.api.v1;

import static dev.raftchat.chat.state.RangeCheck.requireInRange;

import dev.raftchat.chat.state.ChatCodec;
import dev.raftchat.chat.state.ChatPolicy;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Settings of the chat API v1 on one node. {@link #policy} is replicated semantics and must be the same on
 * every node; the rest is local (page sizes, rate limits, WebSocket bounds) and may differ. Each field is
 * a command line flag of the same name in kebab case (see docs/api.md for the table of defaults).
 *
 * @param pageSizeDefault               messages or rooms in a page when {@code limit} is absent
 * @param pageSizeMax                   the largest {@code limit} accepted
 * @param requireLogin                  when true, the original {@code POST /rooms/{room}} needs a token too
 * @param adminUsers                    usernames (case-insensitive) allowed to delete any message or room
 * @param sessionTtlSeconds             how long a login lasts, in log time
 * @param passwordHashIterations        PBKDF2 iterations of new hashes
 * @param passwordHashThreads           threads computing password hashes (off the event loop)
 * @param passwordHashQueueMax          hashes waiting for a thread; beyond it, 503
 * @param loginAttemptsPerMinutePerUser login attempts per (username, client address) per minute (also the
 *                                      burst), refused beyond it; and per username from all addresses
 *                                      together, slowed (never refused) beyond it
 * @param loginAttemptsPerMinutePerAddress login and register attempts per client address per minute (also the burst)
 * @param loginDelayMaxMillis           the longest a login of a user attacked from many addresses is slowed
 * @param writesPerMinutePerUser        writes per user per minute (also the burst)
 * @param writesPerMinutePerAddress     writes per client address per minute (also the burst)
 * @param rateLimitKeysMax              users or addresses each rate limiter remembers
 * @param timeTickMillis                how often the leader proposes its clock, so retention and expiry advance
 * @param clockStepMaxMillis            the most one tick moves log time forward (at least {@code timeTickMillis});
 *                                      it bounds how fast a leader whose clock runs ahead can age anything
 * @param clockSkewMaxMillis            a node whose clock differs from log time by more than this says so in
 *                                      its log and in {@code chat_clock_skewed} (at least {@code clockStepMaxMillis})
 * @param commandVersionMax             the highest command version this node reads and reports (1 to
 *                                      {@code ChatCodec.COMMAND_VERSION_MAX}); lower holds the cluster version
 *                                      back during an upgrade, see docs/operations.md "Upgrading"
 * @param webSocketPingIntervalMillis   how often the server pings a v1 WebSocket
 * @param webSocketIdleTimeoutMillis    a v1 WebSocket silent (no pong, no frame) this long is closed
 * @param webSocketOutboundBytesMax     bytes queued for one v1 WebSocket; beyond it the client is disconnected (4008)
 * @param webSocketSubscriptionsMax     rooms one v1 WebSocket may subscribe to
 * @param policy                        the replicated rules (retention, empty rooms, idempotency, sessions)
 * @param stateBudgetBytes              the state budget this node reports to the cluster, which agrees on the
 *                                      lowest of its members' ({@code --state-bytes-max}); 0 = derived from the
 *                                      heap ({@link ChatPolicy#stateBytesMaxForHeap})
 */
public record ApiConfig(
        int pageSizeDefault,
        int pageSizeMax,
        boolean requireLogin,
        Set<String> adminUsers,
        long sessionTtlSeconds,
        int passwordHashIterations,
        int passwordHashThreads,
        int passwordHashQueueMax,
        int loginAttemptsPerMinutePerUser,
        int loginAttemptsPerMinutePerAddress,
        long loginDelayMaxMillis,
        int writesPerMinutePerUser,
        int writesPerMinutePerAddress,
        int rateLimitKeysMax,
        long timeTickMillis,
        long clockStepMaxMillis,
        long clockSkewMaxMillis,
        int commandVersionMax,
        long webSocketPingIntervalMillis,
        long webSocketIdleTimeoutMillis,
        int webSocketOutboundBytesMax,
        int webSocketSubscriptionsMax,
        ChatPolicy policy,
        long stateBudgetBytes) {

    public static final int DEFAULT_PAGE_SIZE = 50;
    public static final int DEFAULT_PAGE_SIZE_MAX = 200;
    public static final long DEFAULT_SESSION_TTL_SECONDS = 30L * 86_400;
    public static final int DEFAULT_PASSWORD_HASH_ITERATIONS = 600_000;
    public static final int DEFAULT_PASSWORD_HASH_THREADS = 2;
    public static final int DEFAULT_PASSWORD_HASH_QUEUE_MAX = 64;
    public static final int DEFAULT_LOGIN_ATTEMPTS_PER_MINUTE_PER_USER = 10;
    public static final int DEFAULT_LOGIN_ATTEMPTS_PER_MINUTE_PER_ADDRESS = 30;
    public static final long DEFAULT_LOGIN_DELAY_MAX_MILLIS = 2_000;
    public static final int DEFAULT_WRITES_PER_MINUTE_PER_USER = 300;
    public static final int DEFAULT_WRITES_PER_MINUTE_PER_ADDRESS = 600;
    public static final int DEFAULT_RATE_LIMIT_KEYS_MAX = 100_000;
    public static final long DEFAULT_TIME_TICK_MILLIS = 1_000;
    public static final long DEFAULT_CLOCK_STEP_MAX_MILLIS = 2_000;
    public static final long DEFAULT_CLOCK_SKEW_MAX_MILLIS = 60_000;
    public static final long DEFAULT_WEBSOCKET_PING_INTERVAL_MILLIS = 15_000;
    public static final long DEFAULT_WEBSOCKET_IDLE_TIMEOUT_MILLIS = 45_000;
    public static final int DEFAULT_WEBSOCKET_OUTBOUND_BYTES_MAX = 1024 * 1024;
    public static final int DEFAULT_WEBSOCKET_SUBSCRIPTIONS_MAX = 256;

    public ApiConfig {
        Objects.requireNonNull(policy, "policy");
        TreeSet<String> folded = new TreeSet<>();
        for (String admin : Objects.requireNonNull(adminUsers, "adminUsers")) {
            if (!admin.isBlank()) {
                folded.add(admin.trim().toLowerCase(Locale.ROOT));
            }
        }
        adminUsers = Set.copyOf(folded);
        requireInRange("pageSizeMax", pageSizeMax, 1, 10_000);
        requireInRange("pageSizeDefault", pageSizeDefault, 1, pageSizeMax);
        requireInRange("sessionTtlSeconds", sessionTtlSeconds, 60, ChatPolicy.SECONDS_LIMIT);
        requireInRange("passwordHashIterations", passwordHashIterations, 1_000, 10_000_000);
        requireInRange("passwordHashThreads", passwordHashThreads, 1, 64);
        requireInRange("passwordHashQueueMax", passwordHashQueueMax, 1, 100_000);
        requireInRange("loginAttemptsPerMinutePerUser", loginAttemptsPerMinutePerUser, 1, 1_000_000);
        requireInRange("loginAttemptsPerMinutePerAddress", loginAttemptsPerMinutePerAddress, 1, 1_000_000);
        requireInRange("loginDelayMaxMillis", loginDelayMaxMillis, 0, 60_000);
        requireInRange("writesPerMinutePerUser", writesPerMinutePerUser, 1, 100_000_000);
        requireInRange("writesPerMinutePerAddress", writesPerMinutePerAddress, 1, 100_000_000);
        requireInRange("rateLimitKeysMax", rateLimitKeysMax, 1, 10_000_000);
        requireInRange("timeTickMillis", timeTickMillis, 10, 3_600_000);
        if (clockStepMaxMillis < timeTickMillis || clockStepMaxMillis > 86_400_000) {
            throw new IllegalArgumentException("clockStepMaxMillis = " + clockStepMaxMillis + " is out of range ["
                    + timeTickMillis + " (timeTickMillis), 86400000]: log time could not keep up with the clock");
        }
        requireInRange("clockSkewMaxMillis", clockSkewMaxMillis, clockStepMaxMillis, 30L * 86_400_000);
        requireInRange("commandVersionMax", commandVersionMax, 1, ChatCodec.COMMAND_VERSION_MAX);
        requireInRange("webSocketPingIntervalMillis", webSocketPingIntervalMillis, 10, 3_600_000);
        requireInRange(
                "webSocketIdleTimeoutMillis", webSocketIdleTimeoutMillis, webSocketPingIntervalMillis + 1, 7_200_000);
        requireInRange("webSocketOutboundBytesMax", webSocketOutboundBytesMax, 4_096, 256 * 1024 * 1024);
        requireInRange("webSocketSubscriptionsMax", webSocketSubscriptionsMax, 1, 100_000);
        if (stateBudgetBytes != 0) {
            requireInRange(
                    "stateBudgetBytes",
                    stateBudgetBytes,
                    ChatPolicy.STATE_BYTES_MAX_MIN,
                    ChatPolicy.STATE_BYTES_MAX_LIMIT);
        }
    }

    /** The state budget this node reports: {@link #stateBudgetBytes}, or its share of {@code heapBytes} when 0. */
    public long stateBudgetBytesFor(long heapBytes) {
        return stateBudgetBytes != 0 ? stateBudgetBytes : ChatPolicy.stateBytesMaxForHeap(heapBytes);
    }

    public static ApiConfig defaults() {
        return new ApiConfig(
                DEFAULT_PAGE_SIZE,
                DEFAULT_PAGE_SIZE_MAX,
                false,
                Set.of(),
                DEFAULT_SESSION_TTL_SECONDS,
                DEFAULT_PASSWORD_HASH_ITERATIONS,
                DEFAULT_PASSWORD_HASH_THREADS,
                DEFAULT_PASSWORD_HASH_QUEUE_MAX,
                DEFAULT_LOGIN_ATTEMPTS_PER_MINUTE_PER_USER,
                DEFAULT_LOGIN_ATTEMPTS_PER_MINUTE_PER_ADDRESS,
                DEFAULT_LOGIN_DELAY_MAX_MILLIS,
                DEFAULT_WRITES_PER_MINUTE_PER_USER,
                DEFAULT_WRITES_PER_MINUTE_PER_ADDRESS,
                DEFAULT_RATE_LIMIT_KEYS_MAX,
                DEFAULT_TIME_TICK_MILLIS,
                DEFAULT_CLOCK_STEP_MAX_MILLIS,
                DEFAULT_CLOCK_SKEW_MAX_MILLIS,
                ChatCodec.COMMAND_VERSION_MAX,
                DEFAULT_WEBSOCKET_PING_INTERVAL_MILLIS,
                DEFAULT_WEBSOCKET_IDLE_TIMEOUT_MILLIS,
                DEFAULT_WEBSOCKET_OUTBOUND_BYTES_MAX,
                DEFAULT_WEBSOCKET_SUBSCRIPTIONS_MAX,
                ChatPolicy.defaults(),
                0);
    }

    public boolean isAdmin(String username) {
        return username != null && adminUsers.contains(username.toLowerCase(Locale.ROOT));
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Changes a few fields of an existing config; {@link #build} validates. */
    public static final class Builder {
        public int pageSizeDefault;
        public int pageSizeMax;
        public boolean requireLogin;
        public Set<String> adminUsers;
        public long sessionTtlSeconds;
        public int passwordHashIterations;
        public int passwordHashThreads;
        public int passwordHashQueueMax;
        public int loginAttemptsPerMinutePerUser;
        public int loginAttemptsPerMinutePerAddress;
        public long loginDelayMaxMillis;
        public int writesPerMinutePerUser;
        public int writesPerMinutePerAddress;
        public int rateLimitKeysMax;
        public long timeTickMillis;
        public long clockStepMaxMillis;
        public long clockSkewMaxMillis;
        public int commandVersionMax;
        public long webSocketPingIntervalMillis;
        public long webSocketIdleTimeoutMillis;
        public int webSocketOutboundBytesMax;
        public int webSocketSubscriptionsMax;
        public ChatPolicy policy;
        public long stateBudgetBytes;

        Builder(ApiConfig c) {
            pageSizeDefault = c.pageSizeDefault;
            pageSizeMax = c.pageSizeMax;
            requireLogin = c.requireLogin;
            adminUsers = c.adminUsers;
            sessionTtlSeconds = c.sessionTtlSeconds;
            passwordHashIterations = c.passwordHashIterations;
            passwordHashThreads = c.passwordHashThreads;
            passwordHashQueueMax = c.passwordHashQueueMax;
            loginAttemptsPerMinutePerUser = c.loginAttemptsPerMinutePerUser;
            loginAttemptsPerMinutePerAddress = c.loginAttemptsPerMinutePerAddress;
            loginDelayMaxMillis = c.loginDelayMaxMillis;
            writesPerMinutePerUser = c.writesPerMinutePerUser;
            writesPerMinutePerAddress = c.writesPerMinutePerAddress;
            rateLimitKeysMax = c.rateLimitKeysMax;
            timeTickMillis = c.timeTickMillis;
            clockStepMaxMillis = c.clockStepMaxMillis;
            clockSkewMaxMillis = c.clockSkewMaxMillis;
            commandVersionMax = c.commandVersionMax;
            webSocketPingIntervalMillis = c.webSocketPingIntervalMillis;
            webSocketIdleTimeoutMillis = c.webSocketIdleTimeoutMillis;
            webSocketOutboundBytesMax = c.webSocketOutboundBytesMax;
            webSocketSubscriptionsMax = c.webSocketSubscriptionsMax;
            policy = c.policy;
            stateBudgetBytes = c.stateBudgetBytes;
        }

        public ApiConfig build() {
            return new ApiConfig(
                    pageSizeDefault,
                    pageSizeMax,
                    requireLogin,
                    adminUsers,
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
                    stateBudgetBytes);
        }
    }
}
