package dev.raftchat.chat.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftchat.chat.testkit.RaftChatCluster;
import dev.raftchat.chat.testkit.RaftChatClusters;
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
 * Where the original failed, on real processes: a node restarted (after kill -9) with more than 10,000
 * posts and many snapshots serves every post; a 2-node cluster with one node down never answers 201.
 */
class RestartAndQuorumIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int POSTS = 10_050;
    private static final int SNAPSHOT_COUNT = 500;
    private static final int CONCURRENT_REQUESTS_MAX = 32;
    private static final int REQUEST_TIMEOUT_MILLIS = 2_000;
    /** This test is one client address posting thousands of times a second: lift the per-address write limit. */
    private static final String WRITES_FROM_THIS_TEST = "--writes-per-minute-per-address=100000000";

    @RegisterExtension
    final RaftChatClusters clusters = new RaftChatClusters();

    private RaftChatCluster cluster;

    @TempDir
    Path root;

    @Test
    void aNodeKilledWithTenThousandPostsAndSnapshotsComesBackServingEveryPost() throws Exception {
        cluster = clusters.build(RaftChatCluster.builder(root).nodes(1));
        cluster.start(1, "--snapshot-count", Integer.toString(SNAPSHOT_COUNT), WRITES_FROM_THIS_TEST);
        cluster.awaitReady(1);
        postConcurrently(1, "load", POSTS);
        Path snapshots = cluster.workDir(1).resolve("raft-chat-1").resolve("snapshots");
        try (Stream<Path> files = Files.list(snapshots)) {
            assertThat(files.filter(file -> file.toString().endsWith(".snap")).count())
                    .as("snapshot files")
                    .isPositive();
        }

        cluster.kill(1);
        cluster.start(1, "--snapshot-count", Integer.toString(SNAPSHOT_COUNT), WRITES_FROM_THIS_TEST);
        cluster.awaitReady(1);

        HttpResponse<String> room = cluster.get(1, "/rooms/load");
        assertThat(room.statusCode()).isEqualTo(200);
        JsonNode posts = JSON.readTree(room.body());
        assertThat(posts.size()).isEqualTo(POSTS);
        assertThat(new HashSet<>(posts.findValuesAsText("Message")))
                .as("distinct posts")
                .hasSize(POSTS);
        assertThat(cluster.output(1)).contains("restored the state machine from snapshot");
        assertThat(cluster.post(1, "/rooms/load", "{\"Message\":\"after restart\",\"User\":\"u\"}")
                        .statusCode())
                .isEqualTo(201);
    }

    @Test
    void aTwoNodeClusterWithOneNodeDownAnswers503NeverA201() throws Exception {
        cluster = clusters.build(RaftChatCluster.builder(root)
                .nodes(2)
                .arguments("--request-timeout-ms", Integer.toString(REQUEST_TIMEOUT_MILLIS)));
        // Never started together: the lone node has no quorum from the first moment.
        cluster.start(1);
        await().atMost(RaftChatCluster.READY_WAIT)
                .ignoreExceptions()
                .until(() -> cluster.get(1, "/healthz").statusCode() == 200);
        assertThat(cluster.get(1, "/readyz").statusCode()).isEqualTo(503);
        HttpResponse<String> lonely = cluster.post(1, "/rooms/general", "{\"Message\":\"no quorum\",\"User\":\"u\"}");
        assertThat(lonely.statusCode()).as(lonely.body()).isEqualTo(503);
        assertThat(lonely.body()).contains("\"code\"");

        // Both up: writes work. Then one goes down: the original answered 201 and lost the post.
        cluster.start(2);
        cluster.awaitReady(1, 2);
        assertThat(cluster.post(1, "/rooms/general", "{\"Message\":\"with quorum\",\"User\":\"u\"}")
                        .statusCode())
                .isEqualTo(201);
        cluster.kill(2);
        for (int attempt = 0; attempt < 3; attempt++) {
            long startedNanos = System.nanoTime();
            HttpResponse<String> response =
                    cluster.post(1, "/rooms/general", "{\"Message\":\"one node down " + attempt + "\",\"User\":\"u\"}");
            long tookMillis = (System.nanoTime() - startedNanos) / 1_000_000;
            assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
            assertThat(JSON.readTree(response.body()).at("/error/code").asText())
                    .isIn("timeout", "no_leader", "not_committed");
            // Bounded: the request timeout plus scheduling slack on a loaded machine, not forever.
            assertThat(tookMillis).isLessThan(REQUEST_TIMEOUT_MILLIS + 30_000L);
        }
        await().atMost(RaftChatCluster.READY_WAIT)
                .ignoreExceptions()
                .until(() -> cluster.get(1, "/readyz").statusCode() == 503);
        // The lost-quorum posts were refused, and a stale local read shows only what was acknowledged before.
        List<String> local = JSON.readTree(
                        cluster.get(1, "/rooms/general?consistency=stale").body())
                .findValuesAsText("Message");
        assertThat(local).containsExactly("with quorum");
    }

    private void postConcurrently(int node, String room, int count) throws Exception {
        Semaphore inFlight = new Semaphore(CONCURRENT_REQUESTS_MAX);
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            inFlight.acquire();
            HttpRequest request = HttpRequest.newBuilder(URI.create(cluster.url(node, "/rooms/" + room)))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"Message\":\"post " + i + "\",\"User\":\"loader\"}"))
                    .build();
            responses.add(cluster.client()
                    .sendAsync(request, HttpResponse.BodyHandlers.ofString())
                    .whenComplete((response, failure) -> inFlight.release()));
        }
        for (CompletableFuture<HttpResponse<String>> response : responses) {
            assertThat(response.get().statusCode()).as(response.get().body()).isEqualTo(201);
        }
    }
}
