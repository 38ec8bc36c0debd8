package dev.raftchat.chat;

import static dev.raftchat.chat.state.RangeCheck.requireInRange;

import dev.raftchat.chat.api.v1.ApiConfig;
import dev.raftchat.chat.http.AdminGate;
import dev.raftchat.chat.http.HttpConfig;
import dev.raftchat.chat.state.ChatLimits;
import dev.raftchat.raft.transport.netty.PeerAddress;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Everything a {@link ChatNode} needs, validated once.
 *
 * @param nodeId                   this node's id: its 1-based position in {@code cluster}
 * @param cluster                  peer addresses by node id (this node listens for peers on its own entry)
 * @param join                     the node joins a running cluster: it starts as a non-member and waits
 *                                 for the leader to add it (after {@code POST /raft/{id}} on a member)
 * @param httpHost                 the interface the HTTP API binds to
 * @param httpPort                 the HTTP API port (0 picks a free one, for tests)
 * @param dataDir                  where the Raft log lives
 * @param snapshotCount            applied entries between snapshots (the log is compacted behind each)
 * @param tickMillis               the Raft tick; elections take 10 ticks, heartbeats every 2
 * @param requestTimeoutMillis     the longest a client request waits for a commit or a read before 503
 * @param httpContentBytesMax      the largest HTTP request body
 * @param http                     the HTTP front door: connection caps, read deadlines, allowed host names
 * @param webSocketQueueFramesMax  frames queued for one WebSocket client; beyond that it is disconnected
 * @param shutdownGraceMillis      how long a graceful stop waits for in-flight requests
 * @param limits                   the chat's limits (must be the same on every node)
 * @param adminToken               when not null, membership routes need {@code Authorization: Bearer <token>};
 *                                 when null they answer loopback clients only
 * @param api                      the chat API v1's settings, with the replicated {@link ApiConfig#policy()}
 * @param startupExerciseMillis    how long the node exercises a scratch cluster's post path before it serves
 *                                 HTTP, so that its first clients meet compiled code ({@link ScratchCluster});
 *                                 0 (the default, here and on the command line) skips it
 */
public record ChatNodeConfig(
        long nodeId,
        SortedMap<Long, PeerAddress> cluster,
        boolean join,
        String httpHost,
        int httpPort,
        Path dataDir,
        long snapshotCount,
        long tickMillis,
        long requestTimeoutMillis,
        int httpContentBytesMax,
        HttpConfig http,
        int webSocketQueueFramesMax,
        long shutdownGraceMillis,
        ChatLimits limits,
        String adminToken,
        ApiConfig api,
        long startupExerciseMillis) {

    public static final String DEFAULT_HTTP_HOST = "0.0.0.0";
    public static final int DEFAULT_HTTP_PORT = 9121;
    public static final long DEFAULT_SNAPSHOT_COUNT = 10_000;
    public static final long DEFAULT_TICK_MILLIS = 100;
    public static final long DEFAULT_REQUEST_TIMEOUT_MILLIS = 5_000;
    public static final int DEFAULT_HTTP_CONTENT_BYTES_MAX = 64 * 1024;
    public static final int DEFAULT_WEBSOCKET_QUEUE_FRAMES_MAX = 256;
    public static final long DEFAULT_SHUTDOWN_GRACE_MILLIS = 5_000;
    /**
     * The command line's default startup exercise: off, because no measurement has shown it to help yet (on the
     * shared machine a 3 s exercise had not elected its scratch leader by its end, and of three pairs with 10 s only
     * one was faster in its first 10 s; docs/benchmarks.md, "cold start").
     */
    public static final long DEFAULT_STARTUP_EXERCISE_MILLIS = 0;
    /** The longest startup exercise: it delays serving HTTP by about this much. */
    public static final long STARTUP_EXERCISE_MILLIS_MAX = 60_000;

    public ChatNodeConfig {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(httpHost, "httpHost");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(api, "api");
        cluster = Collections.unmodifiableSortedMap(new TreeMap<>(cluster));
        if (!cluster.containsKey(nodeId)) {
            throw new IllegalArgumentException("--id " + nodeId + " is not a position in --cluster, which has "
                    + cluster.size() + " member(s): ids are 1.." + cluster.size());
        }
        requireInRange("httpPort", httpPort, 0, 65_535);
        requireInRange("snapshotCount", snapshotCount, 1, Long.MAX_VALUE);
        requireInRange("tickMillis", tickMillis, 1, 10_000);
        requireInRange("requestTimeoutMillis", requestTimeoutMillis, 10, 600_000);
        requireInRange("httpContentBytesMax", httpContentBytesMax, 1_024, 64 * 1024 * 1024);
        Objects.requireNonNull(http, "http");
        requireInRange("webSocketQueueFramesMax", webSocketQueueFramesMax, 1, 1_000_000);
        requireInRange("shutdownGraceMillis", shutdownGraceMillis, 0, 600_000);
        requireInRange("startupExerciseMillis", startupExerciseMillis, 0, STARTUP_EXERCISE_MILLIS_MAX);
        AdminGate.checkTokenStrength(adminToken);
    }

    /** The defaults for node {@code nodeId} of {@code cluster}, data in {@code raft-chat-<id>}. */
    public static ChatNodeConfig defaults(long nodeId, SortedMap<Long, PeerAddress> cluster) {
        return new ChatNodeConfig(
                nodeId,
                cluster,
                false,
                DEFAULT_HTTP_HOST,
                DEFAULT_HTTP_PORT,
                Path.of("raft-chat-" + nodeId),
                DEFAULT_SNAPSHOT_COUNT,
                DEFAULT_TICK_MILLIS,
                DEFAULT_REQUEST_TIMEOUT_MILLIS,
                DEFAULT_HTTP_CONTENT_BYTES_MAX,
                HttpConfig.defaults(),
                DEFAULT_WEBSOCKET_QUEUE_FRAMES_MAX,
                DEFAULT_SHUTDOWN_GRACE_MILLIS,
                ChatLimits.defaults(),
                null,
                ApiConfig.defaults(),
                0);
    }

    public ChatNodeConfig withJoin(boolean value) {
        return with(b -> b.join = value);
    }

    public ChatNodeConfig withHttp(String host, int port) {
        return with(b -> {
            b.httpHost = host;
            b.httpPort = port;
        });
    }

    public ChatNodeConfig withDataDir(Path value) {
        return with(b -> b.dataDir = value);
    }

    public ChatNodeConfig withSnapshotCount(long value) {
        return with(b -> b.snapshotCount = value);
    }

    public ChatNodeConfig withTiming(long tick, long requestTimeout) {
        return with(b -> {
            b.tickMillis = tick;
            b.requestTimeoutMillis = requestTimeout;
        });
    }

    public ChatNodeConfig withAdminToken(String value) {
        return with(b -> b.adminToken = value);
    }

    public ChatNodeConfig withApi(ApiConfig value) {
        return with(b -> b.api = value);
    }

    public ChatNodeConfig withLimits(ChatLimits value) {
        return with(b -> b.limits = value);
    }

    public ChatNodeConfig withHttpConfig(HttpConfig value) {
        return with(b -> b.http = value);
    }

    public ChatNodeConfig withStartupExerciseMillis(long value) {
        return with(b -> b.startupExerciseMillis = value);
    }

    public ChatNodeConfig withShutdownGraceMillis(long value) {
        return with(b -> b.shutdownGraceMillis = value);
    }

    public ChatNodeConfig withHttpContentBytesMax(int value) {
        return with(b -> b.httpContentBytesMax = value);
    }

    /** Everything but the admin token, which is shown only as set or not. */
    @Override
    public String toString() {
        return "ChatNodeConfig[nodeId=" + nodeId + ", cluster=" + cluster + ", join=" + join + ", http=" + httpHost
                + ":"
                + httpPort + ", dataDir=" + dataDir + ", snapshotCount=" + snapshotCount + ", tickMillis=" + tickMillis
                + ", requestTimeoutMillis=" + requestTimeoutMillis + ", httpContentBytesMax=" + httpContentBytesMax
                + ", http=" + http + ", webSocketQueueFramesMax=" + webSocketQueueFramesMax
                + ", shutdownGraceMillis=" + shutdownGraceMillis + ", startupExerciseMillis=" + startupExerciseMillis
                + ", limits=" + limits + ", api=" + api
                + ", adminToken="
                + (adminToken == null ? "(unset: loopback only)" : "(redacted)") + "]";
    }

    /** This node's own peer address. */
    public PeerAddress peerAddress() {
        return cluster.get(nodeId);
    }

    /** Applies {@code change} to a copy of these fields; the canonical constructor validates the result again. */
    private ChatNodeConfig with(Consumer<Builder> change) {
        Builder builder = new Builder(this);
        change.accept(builder);
        return builder.build();
    }

    /** The mutable copy that the {@code with...} methods change, so that each names only what it changes. */
    private static final class Builder {
        private long nodeId;
        private SortedMap<Long, PeerAddress> cluster;
        private boolean join;
        private String httpHost;
        private int httpPort;
        private Path dataDir;
        private long snapshotCount;
        private long tickMillis;
        private long requestTimeoutMillis;
        private int httpContentBytesMax;
        private HttpConfig http;
        private int webSocketQueueFramesMax;
        private long shutdownGraceMillis;
        private ChatLimits limits;
        private String adminToken;
        private ApiConfig api;
        private long startupExerciseMillis;

        Builder(ChatNodeConfig c) {
            nodeId = c.nodeId;
            cluster = c.cluster;
            join = c.join;
            httpHost = c.httpHost;
            httpPort = c.httpPort;
            dataDir = c.dataDir;
            snapshotCount = c.snapshotCount;
            tickMillis = c.tickMillis;
            requestTimeoutMillis = c.requestTimeoutMillis;
            httpContentBytesMax = c.httpContentBytesMax;
            http = c.http;
            webSocketQueueFramesMax = c.webSocketQueueFramesMax;
            shutdownGraceMillis = c.shutdownGraceMillis;
            limits = c.limits;
            adminToken = c.adminToken;
            api = c.api;
            startupExerciseMillis = c.startupExerciseMillis;
        }

        ChatNodeConfig build() {
            return new ChatNodeConfig(
                    nodeId,
                    cluster,
                    join,
                    httpHost,
                    httpPort,
                    dataDir,
                    snapshotCount,
                    tickMillis,
                    requestTimeoutMillis,
                    httpContentBytesMax,
                    http,
                    webSocketQueueFramesMax,
                    shutdownGraceMillis,
                    limits,
                    adminToken,
                    api,
                    startupExerciseMillis);
        }
    }
}
