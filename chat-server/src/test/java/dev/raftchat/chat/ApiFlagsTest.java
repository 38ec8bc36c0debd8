package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftchat.chat.api.v1.ApiConfig;
import dev.raftchat.chat.state.ChatPolicy;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The v1 flags: defaults as documented in docs/api.md, environment variables, validation. */
class ApiFlagsTest {

    @Test
    void withoutFlagsTheDocumentedDefaultsApply() {
        ChatNodeConfig config = ParsedFlags.config(Map.of());
        assertThat(config.api()).isEqualTo(ApiConfig.defaults());
        assertThat(config.api().policy()).isEqualTo(ChatPolicy.defaults());
        assertThat(config.limits().messageBytesMax()).isEqualTo(4096);
        assertThat(config.httpContentBytesMax()).isEqualTo(65_536);
    }

    @Test
    void theStateBudgetFollowsTheHeapUnlessSetAndIsFixedUntilTheMembersAgree() {
        long gib = 1024L * 1024 * 1024;
        ChatNodeConfig byDefault = ParsedFlags.config(Map.of());
        assertThat(byDefault.api().stateBudgetBytes()).isZero();
        assertThat(byDefault.api().stateBudgetBytesFor(6 * gib)).isEqualTo(2 * gib);
        // What every node applies before the agreement must not depend on its heap.
        assertThat(byDefault.api().policy().stateBytesMax()).isEqualTo(ChatPolicy.DEFAULT_STATE_BYTES_MAX);

        ChatNodeConfig set = ParsedFlags.config(Map.of("RAFT_CHAT_STATE_BYTES_MAX", "" + 3 * gib));
        assertThat(set.api().stateBudgetBytesFor(6 * gib)).isEqualTo(3 * gib);
        assertThat(set.api().policy().stateBytesMax()).isEqualTo(3 * gib);

        assertThatThrownBy(() -> ParsedFlags.config(Map.of(), "--state-bytes-max", "1000"))
                .hasMessageContaining("stateBytesMax");
    }

    @Test
    void flagsAndEnvironmentVariablesSetTheApi() {
        ChatNodeConfig config = ParsedFlags.config(
                Map.of("RAFT_CHAT_REQUIRE_LOGIN", "true", "RAFT_CHAT_RETENTION_MAX_MESSAGES", "500"),
                "--admin-users",
                "Ann, root",
                "--max-message-bytes",
                "1000",
                "--page-size-max",
                "20",
                "--page-size-default",
                "10",
                "--websocket-ping-interval-ms",
                "1000",
                "--empty-room-grace-seconds",
                "0",
                "--max-body-bytes",
                "4096");
        assertThat(config.api().requireLogin()).isTrue();
        assertThat(config.api().adminUsers()).isEqualTo(Set.of("ann", "root"));
        assertThat(config.api().isAdmin("ANN")).isTrue();
        assertThat(config.api().policy().retentionMaxMessages()).isEqualTo(500);
        assertThat(config.api().policy().emptyRoomGraceSeconds()).isZero();
        assertThat(config.api().pageSizeMax()).isEqualTo(20);
        assertThat(config.limits().messageBytesMax()).isEqualTo(1000);
        assertThat(config.httpContentBytesMax()).isEqualTo(4096);
    }

    @Test
    void invalidValuesNameTheSetting() {
        assertThatThrownBy(() -> ParsedFlags.config(Map.of(), "--page-size-default", "500"))
                .hasMessageContaining("pageSizeDefault");
        assertThatThrownBy(() -> ParsedFlags.config(Map.of(), "--retention-max-age-seconds", "-1"))
                .hasMessageContaining("retentionMaxAgeSeconds");
        assertThatThrownBy(() -> ParsedFlags.config(Map.of(), "--websocket-idle-timeout-ms", "10"))
                .hasMessageContaining("webSocketIdleTimeoutMillis");
    }
}
