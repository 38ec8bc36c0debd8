package dev.raftchat.chat;

import dev.raftchat.chat.http.HttpConfig;
import java.util.Set;
import picocli.CommandLine.Option;

/**
 * The command line flags of the HTTP front door (a picocli mixin of {@link RaftChatMain}): connection caps,
 * read deadlines, WebSocket deadlines and the host names admin routes answer to. Each is also an environment
 * variable {@code RAFT_CHAT_<FLAG>}; docs/operations.md lists them with their defaults.
 */
final class HttpFlags {

    @Option(
            names = "--http-connections-max",
            defaultValue = "" + HttpConfig.DEFAULT_CONNECTIONS_MAX,
            description =
                    "Open HTTP and WebSocket connections in total; more get 503 and are closed (default: ${DEFAULT-VALUE}).")
    int connectionsMax;

    @Option(
            names = "--http-connections-per-address-max",
            defaultValue = "" + HttpConfig.DEFAULT_CONNECTIONS_PER_ADDRESS_MAX,
            description =
                    "Open connections from one client IP address; more get 503 and are closed (default: ${DEFAULT-VALUE}).")
    int connectionsPerAddressMax;

    @Option(
            names = "--http-header-read-timeout-ms",
            defaultValue = "" + HttpConfig.DEFAULT_HEADER_READ_TIMEOUT_MILLIS,
            description =
                    "A request head must arrive within this after its first byte (or the connection's accept); else 408 (default: ${DEFAULT-VALUE}).")
    long headerReadTimeoutMillis;

    @Option(
            names = "--http-body-read-timeout-ms",
            defaultValue = "" + HttpConfig.DEFAULT_BODY_READ_TIMEOUT_MILLIS,
            description =
                    "A request body must arrive within this after its head; else 408 (default: ${DEFAULT-VALUE}).")
    long bodyReadTimeoutMillis;

    @Option(
            names = "--http-idle-timeout-ms",
            defaultValue = "" + HttpConfig.DEFAULT_KEEP_ALIVE_IDLE_TIMEOUT_MILLIS,
            description =
                    "A keep-alive connection with no request in progress is closed after this (default: ${DEFAULT-VALUE}).")
    long keepAliveIdleTimeoutMillis;

    @Option(
            names = "--http-pipelined-requests-max",
            defaultValue = "" + HttpConfig.DEFAULT_PIPELINED_REQUESTS_MAX,
            description =
                    "Requests of one connection received and not yet answered; beyond it the connection is not read (default: ${DEFAULT-VALUE}).")
    int pipelinedRequestsMax;

    @Option(
            names = "--websocket-auth-timeout-ms",
            defaultValue = "" + HttpConfig.DEFAULT_WEBSOCKET_AUTH_TIMEOUT_MILLIS,
            description =
                    "A /api/v1/ws connection not authenticated this long after its handshake is closed with 4401 (default: ${DEFAULT-VALUE}).")
    long webSocketAuthTimeoutMillis;

    @Option(
            names = "--firehose-ping-interval-ms",
            defaultValue = "" + HttpConfig.DEFAULT_FIREHOSE_PING_INTERVAL_MILLIS,
            description = "Server ping interval of the /ws firehose (default: ${DEFAULT-VALUE}).")
    long firehosePingIntervalMillis;

    @Option(
            names = "--firehose-idle-timeout-ms",
            defaultValue = "" + HttpConfig.DEFAULT_FIREHOSE_IDLE_TIMEOUT_MILLIS,
            description =
                    "A /ws client that sends nothing, not even a pong, this long is dropped (default: ${DEFAULT-VALUE}).")
    long firehoseIdleTimeoutMillis;

    @Option(
            names = "--http-allowed-hosts",
            defaultValue = "",
            description =
                    "Comma-separated host names (no port) that admin routes answer in the Host header, besides IP addresses, localhost, --http-host and this node's --cluster host (default: none).")
    String allowedHosts;

    /** {@code config} with these flags applied. @throws IllegalArgumentException naming the bad setting */
    ChatNodeConfig applyTo(ChatNodeConfig config) {
        Set<String> hosts = FlagValues.commaSeparated(allowedHosts);
        return config.withHttpConfig(new HttpConfig(
                connectionsMax,
                connectionsPerAddressMax,
                headerReadTimeoutMillis,
                bodyReadTimeoutMillis,
                keepAliveIdleTimeoutMillis,
                pipelinedRequestsMax,
                webSocketAuthTimeoutMillis,
                firehosePingIntervalMillis,
                firehoseIdleTimeoutMillis,
                hosts));
    }
}
