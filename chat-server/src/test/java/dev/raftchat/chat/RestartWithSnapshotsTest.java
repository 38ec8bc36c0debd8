package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The original hung forever when restarted with more than a few posts, or with any snapshot. Ours
 * comes back serving every post, after snapshots and log compaction.
 */
class RestartWithSnapshotsTest {
    @RegisterExtension
    final V1Cluster v1 = new V1Cluster();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int POSTS = 3_000;
    private static final int CONCURRENT_REQUESTS_MAX = 32;

    @TempDir
    Path dataRoot;

    @Test
    void aRestartedNodeWithSnapshotsServesEveryPost() throws Exception {
        ChatCluster cluster = v1.startCluster(dataRoot, 1, c -> c.snapshotCount = 250);
        postConcurrently(cluster, POSTS);
        assertThat(cluster.node(1).chat().posts("load")).hasSize(POSTS);
        try (Stream<Path> files = Files.list(dataRoot.resolve("raft-chat-1").resolve("snapshots"))) {
            assertThat(files.count()).as("snapshot files").isPositive();
        }

        cluster.stop(1);
        cluster.start(1);
        cluster.awaitReady();

        HttpResponse<String> room = cluster.get(1, "/rooms/load");
        assertThat(room.statusCode()).isEqualTo(200);
        JsonNode posts = JSON.readTree(room.body());
        assertThat(posts.size()).isEqualTo(POSTS);
        List<String> messages = posts.findValuesAsText("Message");
        assertThat(new HashSet<>(messages)).hasSize(POSTS);
        assertThat(cluster.post(1, "/rooms/load", "{\"Message\":\"after restart\",\"User\":\"u\"}")
                        .statusCode())
                .isEqualTo(201);
    }

    private static void postConcurrently(ChatCluster cluster, int count) throws Exception {
        Semaphore inFlight = new Semaphore(CONCURRENT_REQUESTS_MAX);
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            inFlight.acquire();
            HttpRequest request = HttpRequest.newBuilder(URI.create(cluster.url(1, "/rooms/load")))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"Message\":\"post " + i + "\",\"User\":\"loader\"}"))
                    .build();
            responses.add(cluster.http
                    .sendAsync(request, HttpResponse.BodyHandlers.ofString())
                    .whenComplete((response, failure) -> inFlight.release()));
        }
        for (CompletableFuture<HttpResponse<String>> response : responses) {
            assertThat(response.get().statusCode()).as(response.get().body()).isEqualTo(201);
        }
    }
}
