package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.chat.state.ChatPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A write past the state budget gets 507 JSON on both APIs, and nothing acknowledged is lost (issue 19, item 5). */
class V1StateBudgetTest {
    @RegisterExtension
    // As --state-bytes-max 1048576 sets it: the budget before the agreement, and the one this node offers.
    static final V1Cluster v1 = V1Cluster.perClass(1, V1Cluster.api(api -> {
        api.policy = ChatPolicy.defaults().withStateBytesMax(1024 * 1024);
        api.stateBudgetBytes = 1024 * 1024;
    }));

    private final V1Client client = v1.client();

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
