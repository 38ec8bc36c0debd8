package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.chat.state.ChatPolicy;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A write past the state budget gets 507 JSON on both APIs, and nothing acknowledged is lost (issue 19, item 5). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class V1StateBudgetTest {
    @RegisterExtension
    final V1Cluster v1 = new V1Cluster();

    private V1Client client;

    @BeforeAll
    void start(@TempDir Path dataRoot) {
        // As --state-bytes-max 1048576 sets it: the budget before the agreement, and the one this node offers.
        v1.start(dataRoot, 1, api -> {
            api.policy = ChatPolicy.defaults().withStateBytesMax(1024 * 1024);
            api.stateBudgetBytes = 1024 * 1024;
        });
        client = v1.client();
    }

    @Test
    void aWritePastTheBudgetGets507AndEveryAcknowledgedMessageStays() {
        String token = client.signUp(1, "ann");
        assertThat(client.post(1, "/api/v1/rooms", token, "{\"name\":\"big\"}").status())
                .isEqualTo(201);
        String text = "z".repeat(4_000);
        int acknowledged = 0;
        V1Client.Reply reply;
        do {
            reply = client.post(1, "/api/v1/rooms/big/messages", token, "{\"text\":\"" + text + "\"}");
            acknowledged += reply.status() == 201 ? 1 : 0;
        } while (reply.status() == 201 && acknowledged < 1_000);
        assertThat(reply.status()).isEqualTo(507);
        assertThat(reply.errorCode()).isEqualTo("state_full");
        assertThat(reply.body().path("error").path("message").asText()).contains("--state-bytes-max");

        V1Client.Reply original = client.post(1, "/rooms/big", null, "{\"user\":\"bob\",\"message\":\"" + text + "\"}");
        assertThat(original.status()).isEqualTo(507);
        assertThat(original.errorCode()).isEqualTo("state_full");

        V1Client.Reply page = client.get(1, "/api/v1/rooms/big/messages?limit=200", token);
        assertThat(page.body().get("messages").size()).isEqualTo(acknowledged);
        assertThat(acknowledged).isGreaterThan(100);
    }
}
