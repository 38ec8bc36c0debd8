package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The password-hash pool through HTTP: one thread, a queue of one, and hashes slow enough (high iteration
 * count) that a burst of registrations arrives while the first is still hashing. What does not fit gets a
 * 503 {@code overloaded} with Retry-After at once, instead of waiting without bound, and registers nobody.
 */
class V1PasswordOverloadTest {
    /** Each hash takes on the order of a second here, far longer than the burst takes to arrive. */
    private static final int SLOW_ITERATIONS = 1_500_000;

    private static final int BURST = 8;
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final V1Cluster v1 = new V1Cluster();

    private ChatCluster cluster;

    @Test
    void registrationsBeyondThePoolAndItsQueueGetA503AndRegisterNobody(@TempDir Path dataRoot) throws Exception {
        cluster = v1.start(dataRoot, 1, api -> {
            api.passwordHashIterations = SLOW_ITERATIONS;
            api.passwordHashThreads = 1;
            api.passwordHashQueueMax = 1;
        });

        List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
        for (int i = 0; i < BURST; i++) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(cluster.url(1, "/api/v1/auth/register")))
                    .timeout(Duration.ofSeconds(60))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"username\":\"user" + i + "\",\"password\":\"correct horse\"}"))
                    .build();
            burst.add(cluster.http.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
        }
        CompletableFuture.allOf(burst.toArray(CompletableFuture[]::new)).join();

        List<String> refusedUsers = new ArrayList<>();
        int created = 0;
        for (int i = 0; i < BURST; i++) {
            HttpResponse<String> response = burst.get(i).join();
            assertThat(response.statusCode()).as(response.body()).isIn(201, 503);
            String username = "user" + i;
            boolean registered = cluster.node(1).chat().read(model -> model.user(username)) != null;
            if (response.statusCode() == 201) {
                created++;
                assertThat(registered).isTrue();
                continue;
            }
            refusedUsers.add(username);
            assertThat(response.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
            JsonNode error = JSON.readTree(response.body()).path("error");
            assertThat(error.path("code").asText()).isEqualTo("overloaded");
            assertThat(error.path("message").asText()).isNotBlank();
            assertThat(response.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(registered)
                    .as("a refused registration must register nobody")
                    .isFalse();
        }
        // One hashing and one waiting fit; the rest of a burst that arrives within one hash cannot.
        assertThat(created).isBetween(1, BURST - 1);
        assertThat(refusedUsers).isNotEmpty();

        // Once the pool is free again, the refused request succeeds when retried.
        V1Client client = new V1Client(cluster);
        String retried = refusedUsers.get(0);
        assertThat(client.post(
                                1,
                                "/api/v1/auth/register",
                                null,
                                "{\"username\":\"" + retried + "\",\"password\":\"correct horse\"}")
                        .status())
                .isEqualTo(201);
    }
}
