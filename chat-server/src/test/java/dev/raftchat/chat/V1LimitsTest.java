package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.chat.V1Client.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Rate limits (429 + Retry-After) and --require-login on a node with small limits. */
class V1LimitsTest {
    @RegisterExtension
    static final V1Cluster v1 = V1Cluster.perClass(1, V1Cluster.api(api -> {
        api.loginAttemptsPerMinutePerUser = 3;
        api.writesPerMinutePerUser = 6;
        api.requireLogin = true;
    }));

    private final V1Client client = v1.client();

    @Test
    void loginAttemptsAreLimitedPerUser() {
        client.post(1, "/api/v1/auth/register", null, "{\"username\":\"limited\",\"password\":\"12345678\"}");
        for (int i = 0; i < 3; i++) {
            assertThat(client.post(
                                    1,
                                    "/api/v1/auth/login",
                                    null,
                                    "{\"username\":\"limited\",\"password\":\"wrong one\"}")
                            .status())
                    .isEqualTo(401);
        }
        Reply refused =
                client.post(1, "/api/v1/auth/login", null, "{\"username\":\"LIMITED\",\"password\":\"12345678\"}");
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.errorCode()).isEqualTo("rate_limited");
        assertThat(Long.parseLong(refused.header("Retry-After"))).isBetween(1L, 60L);
    }

    @Test
    void writesAreLimitedPerUser() {
        String token = client.signUp(1, "writer");
        client.post(1, "/api/v1/rooms", token, "{\"name\":\"w\"}");
        int created = 0;
        Reply last = null;
        for (int i = 0; i < 8; i++) {
            last = client.post(1, "/api/v1/rooms/w/messages", token, "{\"text\":\"m\"}");
            if (last.status() == 201) {
                created++;
            }
        }
        assertThat(created).isEqualTo(5);
        assertThat(last.status()).isEqualTo(429);
        assertThat(last.header("Retry-After")).isNotNull();
    }

    @Test
    void requireLoginClosesTheOriginalRouteToAnonymousPosts() {
        assertThat(v1.cluster()
                        .post(1, "/rooms/open", "{\"Message\":\"hi\",\"User\":\"guest\"}")
                        .statusCode())
                .isEqualTo(401);
        String token = client.signUp(1, "member");
        assertThat(client.post(1, "/rooms/open", token, "{\"Message\":\"hi\",\"User\":\"someone-else\"}")
                        .status())
                .isEqualTo(403);
        assertThat(client.post(1, "/rooms/open", token, "{\"Message\":\"hi\",\"User\":\"member\"}")
                        .status())
                .isEqualTo(201);
        assertThat(client.get(1, "/api/v1/info", null)
                        .body()
                        .get("requireLogin")
                        .asBoolean())
                .isTrue();
    }
}
