package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.chat.http.HttpConfig;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The HTTP front door's flags: defaults as documented in docs/operations.md, environment variables, validation. */
class HttpFlagsTest {

    @Test
    void withoutFlagsTheDocumentedDefaultsApply() {
        HttpConfig http = ParsedFlags.config(Map.of()).http();
        assertThat(http).isEqualTo(HttpConfig.defaults());
        assertThat(http.connectionsMax()).isEqualTo(4_096);
        assertThat(http.connectionsPerAddressMax()).isEqualTo(256);
        assertThat(http.headerReadTimeoutMillis()).isEqualTo(10_000);
        assertThat(http.bodyReadTimeoutMillis()).isEqualTo(30_000);
        assertThat(http.keepAliveIdleTimeoutMillis()).isEqualTo(60_000);
        assertThat(http.pipelinedRequestsMax()).isEqualTo(16);
        assertThat(http.webSocketAuthTimeoutMillis()).isEqualTo(10_000);
        assertThat(http.firehosePingIntervalMillis()).isEqualTo(15_000);
        assertThat(http.firehoseIdleTimeoutMillis()).isEqualTo(45_000);
        assertThat(http.allowedHosts()).isEmpty();
    }

    @Test
    void flagsAndEnvironmentVariablesSetTheFrontDoor() {
        HttpConfig http = ParsedFlags.config(
                        Map.of("RAFT_CHAT_HTTP_CONNECTIONS_PER_ADDRESS_MAX", "32"),
                        "--http-connections-max",
                        "100",
                        "--http-header-read-timeout-ms",
                        "2000",
                        "--websocket-auth-timeout-ms",
                        "3000",
                        "--http-allowed-hosts",
                        "Chat.Example.org, node_1")
                .http();
        assertThat(http.connectionsMax()).isEqualTo(100);
        assertThat(http.connectionsPerAddressMax()).isEqualTo(32);
        assertThat(http.headerReadTimeoutMillis()).isEqualTo(2_000);
        assertThat(http.webSocketAuthTimeoutMillis()).isEqualTo(3_000);
        assertThat(http.allowedHosts()).isEqualTo(Set.of("chat.example.org", "node_1"));
    }

    @Test
    void invalidValuesNameTheSetting() {
        ParsedFlags.assertRefused("--http-connections-per-address-max", "0", "connectionsPerAddressMax");
        ParsedFlags.assertRefused(
                "--http-connections-max", "10", "connectionsPerAddressMax"); // more per address than in total
        ParsedFlags.assertRefused("--firehose-idle-timeout-ms", "1000", "firehoseIdleTimeoutMillis");
        ParsedFlags.assertRefused("--http-allowed-hosts", "evil.example:80", "is not a host name");
        ParsedFlags.assertRefused("--admin-token", "short", "at least 24 characters");
    }
}
