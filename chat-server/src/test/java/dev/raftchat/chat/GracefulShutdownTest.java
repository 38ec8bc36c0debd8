package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftchat.chat.state.Post;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Closing a node while posts are in flight: every request gets an answer, and every 201 survives. */
class GracefulShutdownTest {
    @RegisterExtension
    final V1Cluster v1 = new V1Cluster();

    private static final int POSTS = 200;

    @Test
    void everyAcknowledgedPostSurvivesAGracefulStopUnderLoad() throws Exception {
        ChatCluster cluster = v1.start(1);
        AtomicInteger acknowledged = new AtomicInteger();
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < POSTS; i++) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(cluster.url(1, "/rooms/busy")))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"Message\":\"p" + i + "\",\"User\":\"u\"}"))
                    .build();
            responses.add(cluster.http
                    .sendAsync(request, HttpResponse.BodyHandlers.ofString())
                    .whenComplete((response, failure) -> {
                        if (response != null && response.statusCode() == 201) {
                            acknowledged.incrementAndGet();
                        }
                    }));
        }
        await().atMost(ChatCluster.WAIT).until(() -> acknowledged.get() > 0);

        cluster.stop(1);

        List<String> acknowledgedMessages = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> response : responses) {
            // Each request ends: answered (201, or 503 while stopping) or refused at the connection.
            try {
                HttpResponse<String> answered = response.get(30, TimeUnit.SECONDS);
                assertThat(answered.statusCode()).as(answered.body()).isIn(201, 503);
                if (answered.statusCode() == 201) {
                    acknowledgedMessages.add(new ObjectMapper()
                            .readTree(answered.body())
                            .get("Message")
                            .asText());
                }
            } catch (ExecutionException refused) {
                assertThat(refused.getCause()).isInstanceOf(IOException.class);
            }
        }
        assertThat(acknowledgedMessages).isNotEmpty();

        ChatNode restarted = cluster.start(1);
        cluster.awaitReady();
        List<String> kept =
                restarted.chat().posts("busy").stream().map(Post::message).toList();
        assertThat(kept).containsAll(acknowledgedMessages);
    }
}
