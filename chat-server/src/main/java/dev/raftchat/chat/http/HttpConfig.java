package dev.raftchat.chat.http;

import static dev.raftchat.chat.state.RangeCheck.requireInRange;

import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The HTTP front door's limits and names (docs/operations.md, "HTTP limits"): every deadline and cap that
 * keeps one client from holding the node's sockets, and the host names admin routes answer to.
 *
 * @param connectionsMax              open HTTP and WebSocket connections in total; more are answered 503 and closed
 * @param connectionsPerAddressMax    open connections from one client IP address; more are answered 503 and closed
 * @param headerReadTimeoutMillis     a connection's first request head, or any request head once its first byte
 *                                    arrived, must be complete within this time (else 408, or a silent close when
 *                                    nothing was sent)
 * @param bodyReadTimeoutMillis       a request's body must be complete within this time after its head (else 408)
 * @param keepAliveIdleTimeoutMillis  a keep-alive connection with no request in progress is closed after this
 * @param pipelinedRequestsMax        requests of one connection received and not yet answered; the connection is
 *                                    not read further until one is answered
 * @param webSocketAuthTimeoutMillis  a {@code /api/v1/ws} connection that has not authenticated within this is
 *                                    closed (4401)
 * @param firehosePingIntervalMillis  how often the server pings a {@code /ws} client
 * @param firehoseIdleTimeoutMillis   a {@code /ws} client silent this long (no pong, no frame) is dropped
 * @param allowedHosts                host names (lower case, no port) that admin routes and the detailed views
 *                                    answer besides IP literals and {@code localhost} (DNS rebinding defence)
 */
public record HttpConfig(
        int connectionsMax,
        int connectionsPerAddressMax,
        long headerReadTimeoutMillis,
        long bodyReadTimeoutMillis,
        long keepAliveIdleTimeoutMillis,
        int pipelinedRequestsMax,
        long webSocketAuthTimeoutMillis,
        long firehosePingIntervalMillis,
        long firehoseIdleTimeoutMillis,
        Set<String> allowedHosts) {

    public static final int DEFAULT_CONNECTIONS_MAX = 4_096;
    public static final int DEFAULT_CONNECTIONS_PER_ADDRESS_MAX = 256;
    public static final long DEFAULT_HEADER_READ_TIMEOUT_MILLIS = 10_000;
    public static final long DEFAULT_BODY_READ_TIMEOUT_MILLIS = 30_000;
    public static final long DEFAULT_KEEP_ALIVE_IDLE_TIMEOUT_MILLIS = 60_000;
    public static final int DEFAULT_PIPELINED_REQUESTS_MAX = 16;
    public static final long DEFAULT_WEBSOCKET_AUTH_TIMEOUT_MILLIS = 10_000;
    public static final long DEFAULT_FIREHOSE_PING_INTERVAL_MILLIS = 15_000;
    public static final long DEFAULT_FIREHOSE_IDLE_TIMEOUT_MILLIS = 45_000;

    public HttpConfig {
        requireInRange("connectionsMax", connectionsMax, 1, 1_000_000);
        requireInRange("connectionsPerAddressMax", connectionsPerAddressMax, 1, connectionsMax);
        requireInRange("headerReadTimeoutMillis", headerReadTimeoutMillis, 10, 3_600_000);
        requireInRange("bodyReadTimeoutMillis", bodyReadTimeoutMillis, 10, 3_600_000);
        requireInRange("keepAliveIdleTimeoutMillis", keepAliveIdleTimeoutMillis, 10, 86_400_000);
        requireInRange("pipelinedRequestsMax", pipelinedRequestsMax, 1, 1_024);
        requireInRange("webSocketAuthTimeoutMillis", webSocketAuthTimeoutMillis, 10, 3_600_000);
        requireInRange("firehosePingIntervalMillis", firehosePingIntervalMillis, 10, 3_600_000);
        requireInRange("firehoseIdleTimeoutMillis", firehoseIdleTimeoutMillis, 10, 3_600_000);
        if (firehoseIdleTimeoutMillis <= firehosePingIntervalMillis) {
            throw new IllegalArgumentException("firehoseIdleTimeoutMillis = " + firehoseIdleTimeoutMillis
                    + " must be longer than firehosePingIntervalMillis = " + firehosePingIntervalMillis
                    + ", or every client is dropped before it can answer a ping");
        }
        TreeSet<String> hosts = new TreeSet<>();
        for (String host : Objects.requireNonNull(allowedHosts, "allowedHosts")) {
            String name = host.trim().toLowerCase(Locale.ROOT);
            if (name.isEmpty()) {
                continue;
            }
            if (!name.matches("[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?")) {
                throw new IllegalArgumentException(
                        "allowed host '" + host + "' is not a host name (letters, digits, '.', '-'; no port)");
            }
            hosts.add(name);
        }
        allowedHosts = Set.copyOf(hosts);
    }

    public static HttpConfig defaults() {
        return new HttpConfig(
                DEFAULT_CONNECTIONS_MAX,
                DEFAULT_CONNECTIONS_PER_ADDRESS_MAX,
                DEFAULT_HEADER_READ_TIMEOUT_MILLIS,
                DEFAULT_BODY_READ_TIMEOUT_MILLIS,
                DEFAULT_KEEP_ALIVE_IDLE_TIMEOUT_MILLIS,
                DEFAULT_PIPELINED_REQUESTS_MAX,
                DEFAULT_WEBSOCKET_AUTH_TIMEOUT_MILLIS,
                DEFAULT_FIREHOSE_PING_INTERVAL_MILLIS,
                DEFAULT_FIREHOSE_IDLE_TIMEOUT_MILLIS,
                Set.of());
    }

    /** The same settings with {@code host} added to {@link #allowedHosts} (ignored when it is an IP literal). */
    public HttpConfig withAllowedHost(String host) {
        if (host == null || AdminGate.isIpLiteral(host) || host.equals("0.0.0.0")) {
            return this;
        }
        Builder builder = toBuilder();
        TreeSet<String> hosts = new TreeSet<>(allowedHosts);
        hosts.add(host);
        builder.allowedHosts = hosts;
        return builder.build();
    }

    /** A builder starting from these settings (tests and flags). */
    public Builder toBuilder() {
        Builder builder = new Builder();
        builder.connectionsMax = connectionsMax;
        builder.connectionsPerAddressMax = connectionsPerAddressMax;
        builder.headerReadTimeoutMillis = headerReadTimeoutMillis;
        builder.bodyReadTimeoutMillis = bodyReadTimeoutMillis;
        builder.keepAliveIdleTimeoutMillis = keepAliveIdleTimeoutMillis;
        builder.pipelinedRequestsMax = pipelinedRequestsMax;
        builder.webSocketAuthTimeoutMillis = webSocketAuthTimeoutMillis;
        builder.firehosePingIntervalMillis = firehosePingIntervalMillis;
        builder.firehoseIdleTimeoutMillis = firehoseIdleTimeoutMillis;
        builder.allowedHosts = allowedHosts;
        return builder;
    }

    /** Mutable fields for {@link #build()}. */
    public static final class Builder {
        public int connectionsMax;
        public int connectionsPerAddressMax;
        public long headerReadTimeoutMillis;
        public long bodyReadTimeoutMillis;
        public long keepAliveIdleTimeoutMillis;
        public int pipelinedRequestsMax;
        public long webSocketAuthTimeoutMillis;
        public long firehosePingIntervalMillis;
        public long firehoseIdleTimeoutMillis;
        public Set<String> allowedHosts;

        public HttpConfig build() {
            return new HttpConfig(
                    connectionsMax,
                    connectionsPerAddressMax,
                    headerReadTimeoutMillis,
                    bodyReadTimeoutMillis,
                    keepAliveIdleTimeoutMillis,
                    pipelinedRequestsMax,
                    webSocketAuthTimeoutMillis,
                    firehosePingIntervalMillis,
                    firehoseIdleTimeoutMillis,
                    allowedHosts);
        }
    }
}
