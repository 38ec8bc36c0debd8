package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.raftchat.raft.core.NodeConfig;
import dev.raftchat.raft.runtime.RaftServerConfig;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower that was down while the leader compacted its log past the follower's end catches up from the leader's
 * snapshot, streamed over the real transport in more chunks than one window holds, and then serves every post.
 */
class FollowerCatchUpBySnapshotTest {
    @RegisterExtension
    final V1Cluster v1 = new V1Cluster();

    private static final int POSTS = 3_000;
    private static final int MESSAGE_CHARS = 3_500;
    private static final int CONCURRENT_REQUESTS_MAX = 32;

    @TempDir
    Path dataRoot;

    @Test
    void aFollowerBehindTheLeadersLogInstallsItsSnapshotAndServesEveryPost() throws Exception {
        ChatCluster cluster = v1.startCluster(dataRoot, 3, c -> c.snapshotCount = 200);
        long leader = cluster.awaitReady();
        long follower = leader == 3 ? 2 : 3;
        long followerLastIndex = cluster.node(follower).raftStatus().appliedIndex();
        cluster.stop(follower);

        postConcurrently(cluster, leader, POSTS);
        long leaderSnapshotIndex = await().atMost(ChatCluster.WAIT)
                .until(
                        () -> newestSnapshotIndex(dataRoot.resolve("raft-chat-" + leader)),
                        index -> index - RaftServerConfig.DEFAULT_SNAPSHOT_LOG_TAIL_ENTRIES > followerLastIndex);
        long snapshotBytes = newestSnapshotBytes(dataRoot.resolve("raft-chat-" + leader));
        assertThat(snapshotBytes)
                .as("the snapshot spans more chunks than one window holds")
                .isGreaterThan((long) NodeConfig.DEFAULT_SNAPSHOT_CHUNK_BYTES
                        * NodeConfig.DEFAULT_SNAPSHOT_CHUNKS_INFLIGHT_MAX);

        cluster.start(follower);
        await().atMost(ChatCluster.WAIT)
                .until(() -> cluster.node(follower).chat().posts("big").size() == POSTS);
        assertThat(newestSnapshotIndex(dataRoot.resolve("raft-chat-" + follower)))
                .as("the follower holds a snapshot at least as new as the leader's")
                .isGreaterThanOrEqualTo(leaderSnapshotIndex);
        HttpResponse<String> room = cluster.get(follower, "/rooms/big?consistency=stale");
        assertThat(room.statusCode()).isEqualTo(200);
        assertThat(room.body()).contains("post 0 ").contains("post " + (POSTS - 1) + " ");
    }

    private static long newestSnapshotIndex(Path dataDir) throws Exception {
        Path newest = newestSnapshot(dataDir);
        // snapshot-<index>-<term>.snap, both zero-padded
        return newest == null
                ? 0
                : Long.parseLong(newest.getFileName().toString().split("-")[1]);
    }

    private static long newestSnapshotBytes(Path dataDir) throws Exception {
        Path newest = newestSnapshot(dataDir);
        return newest == null ? 0 : Files.size(newest);
    }

    private static Path newestSnapshot(Path dataDir) throws Exception {
        Path snapshots = dataDir.resolve("snapshots");
        if (!Files.isDirectory(snapshots)) {
            return null;
        }
        try (Stream<Path> files = Files.list(snapshots)) {
            return files.filter(f -> f.getFileName().toString().matches("snapshot-\\d+-\\d+\\.snap"))
                    .max(Path::compareTo)
                    .orElse(null);
        }
    }

    private static void postConcurrently(ChatCluster cluster, long node, int count) throws Exception {
        Semaphore inFlight = new Semaphore(CONCURRENT_REQUESTS_MAX);
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        String padding = "x".repeat(MESSAGE_CHARS);
        for (int i = 0; i < count; i++) {
            inFlight.acquire();
            HttpRequest request = HttpRequest.newBuilder(URI.create(cluster.url(node, "/rooms/big")))
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"Message\":\"post " + i + " " + padding + "\",\"User\":\"loader\"}"))
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
