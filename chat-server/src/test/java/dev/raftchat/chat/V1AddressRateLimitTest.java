package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.chat.V1Client.Reply;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The per-address write limit on its own: per-user limits are generous, so only the address can refuse. */
class V1AddressRateLimitTest {
    private static final int WRITES_PER_ADDRESS = 4;

    @RegisterExtension
    final V1Cluster v1 = new V1Cluster();

    private ChatCluster cluster;

    @Test
    void writesFromOneAddressAreLimitedAcrossUsersAndARefusedWriteCreatesNothing(@TempDir Path dataRoot) {
        cluster = v1.start(dataRoot, 1, api -> {
            api.writesPerMinutePerAddress = WRITES_PER_ADDRESS;
            api.writesPerMinutePerUser = 1_000;
        });
        V1Client client = new V1Client(cluster);
        // Register and login are login attempts, not writes: they leave the write budget whole.
        String alice = client.signUp(1, "alice");
        String bob = client.signUp(1, "bob");
        assertThat(client.post(1, "/api/v1/rooms", alice, "{\"name\":\"shared\"}")
                        .status())
                .isEqualTo(201);
        // Two users on the same address (loopback) share its budget: 3 writes left after the room.
        String[] tokens = {alice, bob};
        int posted = 0;
        for (int i = 0; i < WRITES_PER_ADDRESS - 1; i++) {
            assertThat(client.post(1, "/api/v1/rooms/shared/messages", tokens[i % 2], "{\"text\":\"ok" + i + "\"}")
                            .status())
                    .isEqualTo(201);
            posted++;
        }
        for (String token : tokens) {
            Reply refused = client.post(1, "/api/v1/rooms/shared/messages", token, "{\"text\":\"refused\"}");
            assertThat(refused.status()).isEqualTo(429);
            assertThat(refused.header("Content-Type")).startsWith("application/json");
            assertThat(refused.errorCode()).isEqualTo("rate_limited");
            assertThat(refused.body().path("error").path("message").asText()).contains("address");
            assertThat(Long.parseLong(refused.header("Retry-After"))).isBetween(1L, 60L);
        }
        // A room creation is a write too, and is refused the same way without creating the room.
        Reply room = client.post(1, "/api/v1/rooms", bob, "{\"name\":\"not-created\"}");
        assertThat(room.status()).isEqualTo(429);
        assertThat(client.get(1, "/api/v1/rooms/not-created", bob).status()).isEqualTo(404);
        // Nothing refused reached the log: the room holds exactly the accepted posts.
        Reply history = client.get(1, "/api/v1/rooms/shared/messages?limit=50", alice);
        assertThat(history.status()).isEqualTo(200);
        assertThat(history.body().get("messages")).hasSize(posted);
        assertThat(history.body().get("messages").findValuesAsText("text")).doesNotContain("refused");
        assertThat(client.get(1, "/api/v1/rooms/shared", alice)
                        .body()
                        .get("messageCount")
                        .asLong())
                .isEqualTo(posted);
    }
}
