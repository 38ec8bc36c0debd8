package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /api/v1/cluster}, {@code /readyz} and {@code /metrics} on nodes in this JVM. */
class OpsEndpointsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final V1Cluster v1 = new V1Cluster();

    @TempDir
    Path dataRoot;

    @Test
    void clusterShowsLeaderTermMembersAndTheirProgress() throws Exception {
        ChatCluster cluster = v1.start(dataRoot, 3);
        long leader = cluster.awaitReady();
        assertThat(cluster.post(leader, "/rooms/general", "{\"Message\":\"hi\",\"User\":\"u\"}")
                        .statusCode())
                .isEqualTo(201);
        // The leader also proposes entries of its own (time ticks), so indexes keep moving: compare with the
        // post's.
        long postIndex = cluster.node(leader).raftStatus().appliedIndex();

        await().atMost(ChatCluster.WAIT).untilAsserted(() -> {
            JsonNode view = JSON.readTree(cluster.get(leader, "/api/v1/cluster").body());
            assertThat(view.get("nodeId").asLong()).isEqualTo(leader);
            assertThat(view.get("leaderId").asLong()).isEqualTo(leader);
            assertThat(view.get("term").asLong()).isPositive();
            assertThat(view.get("commitIndex").asLong()).isGreaterThanOrEqualTo(postIndex);
            assertThat(view.get("appliedIndex").asLong()).isGreaterThanOrEqualTo(postIndex);
            assertThat(view.get("progressKnown").asBoolean()).isTrue();
            JsonNode members = view.get("members");
            assertThat(members.findValuesAsText("id")).containsExactly("1", "2", "3");
            for (JsonNode member : members) {
                long id = member.get("id").asLong();
                assertThat(member.get("url").asText()).isEqualTo("http://" + cluster.members.get(id));
                assertThat(member.get("role").asText()).isEqualTo("voter");
                assertThat(member.get("leader").asBoolean()).isEqualTo(id == leader);
                long match = member.get("matchIndex").asLong();
                assertThat(match).isGreaterThanOrEqualTo(postIndex);
                assertThat(member.get("lag").asLong())
                        .isEqualTo(Math.max(0, view.get("commitIndex").asLong() - match));
                assertThat(member.get("healthy").asBoolean()).isTrue();
            }
        });

        long follower = leader == 1 ? 2 : 1;
        JsonNode fromFollower =
                JSON.readTree(cluster.get(follower, "/api/v1/cluster").body());
        assertThat(fromFollower.get("leaderId").asLong()).isEqualTo(leader);
        assertThat(fromFollower.get("role").asText()).isEqualTo("follower");
        assertThat(fromFollower.get("progressKnown").asBoolean()).isFalse();
        assertThat(fromFollower.get("members").get(0).get("matchIndex").isNull())
                .isTrue();

        cluster.stop(follower);
        await().atMost(ChatCluster.WAIT).untilAsserted(() -> {
            JsonNode view = JSON.readTree(cluster.get(leader, "/api/v1/cluster").body());
            JsonNode stopped = view.get("members").get((int) follower - 1);
            assertThat(stopped.get("healthy").asBoolean())
                    .as("a stopped follower")
                    .isFalse();
        });
        assertThat(cluster.post(leader, "/api/v1/cluster", "{}").statusCode()).isEqualTo(405);
    }

    @Test
    void readyzWaitsForALeaderAndMembership() throws Exception {
        try (ChatCluster cluster = new ChatCluster(dataRoot, 3)) {
            cluster.start(1);
            HttpResponse<String> alone = cluster.get(1, "/readyz");
            assertThat(alone.statusCode()).isEqualTo(503);
            assertThat(alone.body()).contains("not_ready", "no leader");
            assertThat(cluster.get(1, "/healthz").statusCode())
                    .as("alive, only not ready")
                    .isEqualTo(200);

            cluster.start(2);
            await().atMost(ChatCluster.WAIT)
                    .until(() -> cluster.get(1, "/readyz").statusCode() == 200
                            && cluster.get(2, "/readyz").statusCode() == 200);

            // A follower that missed many entries is ready only once it applied what the leader had committed.
            cluster.stop(2);
            cluster.start(3);
            cluster.awaitReady();
            for (int i = 0; i < 300; i++) {
                assertThat(cluster.post(3, "/rooms/general", "{\"Message\":\"m" + i + "\",\"User\":\"u\"}")
                                .statusCode())
                        .isEqualTo(201);
            }
            long committedBefore = cluster.node(1).raftStatus().commitIndex();
            cluster.start(2);
            await().atMost(ChatCluster.WAIT)
                    .pollInterval(Duration.ofMillis(5))
                    .until(() -> cluster.get(2, "/readyz").statusCode() == 200);
            assertThat(cluster.node(2).raftStatus().appliedIndex()).isGreaterThanOrEqualTo(committedBefore);

            cluster.addMemberAddress(4);
            cluster.start(4, true);
            HttpResponse<String> joining = cluster.get(4, "/readyz");
            assertThat(joining.statusCode()).isEqualTo(503);
            assertThat(joining.body()).contains("not a member");
        }
    }

    @Test
    void metricsArePrometheusTextWithRequestsRaftProgressFsyncAndSnapshots() throws Exception {
        try (ChatCluster cluster = new ChatCluster(dataRoot, 1)) {
            cluster.snapshotCount = 20;
            cluster.startAll();
            cluster.awaitReady();
            for (int i = 0; i < 30; i++) {
                assertThat(cluster.post(1, "/rooms/room-" + (i % 3), "{\"Message\":\"m" + i + "\",\"User\":\"u\"}")
                                .statusCode())
                        .isEqualTo(201);
            }
            assertThat(cluster.get(1, "/no/such/route").statusCode()).isEqualTo(404);
            await().atMost(ChatCluster.WAIT)
                    .untilAsserted(() -> assertThat(value(scrape(cluster), "raft_snapshot_size_bytes\\{node=\"1\"\\}"))
                            .isPositive());

            HttpResponse<String> response = cluster.get(1, "/metrics");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("content-type").orElseThrow())
                    .startsWith("text/plain");
            String text = response.body();
            assertThat(
                            value(
                                    text,
                                    "http_server_requests_seconds_count\\{method=\"POST\",node=\"1\",route=\"/rooms/\\{\\}\",status=\"201\"\\}"))
                    .as("three room names, one route label")
                    .isEqualTo(30);
            assertThat(
                            value(
                                    text,
                                    "http_server_requests_seconds_count\\{method=\"GET\",node=\"1\",route=\"unmatched\",status=\"404\"\\}"))
                    .isEqualTo(1);
            long applied = cluster.node(1).raftStatus().appliedIndex();
            assertThat(value(text, "raft_term\\{node=\"1\"\\}"))
                    .isEqualTo((double) cluster.node(1).raftStatus().term());
            assertThat(value(text, "raft_commit_index\\{node=\"1\"\\}")).isGreaterThanOrEqualTo(31);
            assertThat(value(text, "raft_applied_index\\{node=\"1\"\\}"))
                    .isGreaterThanOrEqualTo(31)
                    .isLessThanOrEqualTo((double) applied);
            assertThat(value(text, "raft_apply_lag_entries\\{node=\"1\"\\}")).isZero();
            assertThat(value(text, "raft_fsync_seconds_count\\{node=\"1\"\\}")).isPositive();
            assertThat(value(text, "raft_proposal_seconds_count\\{node=\"1\"\\}"))
                    .as("the 30 posts, and the leader's periodic time ticks")
                    .isGreaterThanOrEqualTo(30);
            assertThat(value(text, "raft_leader\\{node=\"1\"\\}")).isEqualTo(1);
            assertThat(value(text, "raft_has_leader\\{node=\"1\"\\}")).isEqualTo(1);

            // Latencies are histograms (buckets that add up across nodes), not summaries.
            for (String histogram : new String[] {
                "raft_fsync_seconds",
                "raft_proposal_seconds",
                "raft_apply_seconds",
                "http_server_requests_seconds",
                "chat_snapshot_write_seconds"
            }) {
                assertThat(text).contains("# TYPE " + histogram + " histogram");
                assertThat(text).containsPattern("(?m)^" + histogram + "_bucket\\{[^}]*le=\"\\+Inf\"[^}]*\\} ");
            }
            // No client-side percentiles anywhere (a summary without quantiles, count and sum, still adds up).
            assertThat(text).doesNotContain("quantile=");
            assertThat(value(text, "raft_apply_seconds_count\\{node=\"1\"\\}")).isGreaterThanOrEqualTo(31);
            assertThat(value(text, "chat_snapshot_write_seconds_count\\{node=\"1\"\\}"))
                    .isPositive();
            assertThat(
                            value(
                                    text,
                                    "http_server_requests_seconds_bucket\\{method=\"POST\",node=\"1\",route=\"/rooms/\\{\\}\",status=\"201\",le=\"\\+Inf\"\\}"))
                    .isEqualTo(30);

            assertThat(text)
                    .containsPattern(
                            "(?m)^raft_chat_build_info\\{java_version=\"[^\"]+\",node=\"1\",version=\"[^\"]+\"\\} 1");
            assertThat(value(text, "jvm_memory_used_bytes\\{area=\"heap\",id=\"[^\"]+\",node=\"1\"\\}"))
                    .isPositive();
            assertThat(value(text, "process_uptime_seconds\\{node=\"1\"\\}")).isPositive();
            assertThat(text)
                    .contains("jvm_threads_live_threads{")
                    .contains("process_cpu_usage{")
                    .contains("jvm_gc_");
            assertThat(value(text, "chat_websocket_connections\\{endpoint=\"/api/v1/ws\",node=\"1\"\\}"))
                    .isZero();
            assertThat(value(text, "chat_websocket_connections\\{endpoint=\"/ws\",node=\"1\"\\}"))
                    .isZero();
            assertThat(value(text, "raft_transport_peers\\{node=\"1\"\\}")).isZero();
        }
    }

    @Test
    void everyMetricHasHelpTextAndPeersHaveTheirOwnSeries() throws Exception {
        ChatCluster cluster = v1.start(dataRoot, 3);
        long leader = cluster.awaitReady();
        assertThat(cluster.post(leader, "/rooms/general", "{\"Message\":\"hi\",\"User\":\"u\"}")
                        .statusCode())
                .isEqualTo(201);
        await().atMost(ChatCluster.WAIT).untilAsserted(() -> {
            String text = cluster.get(leader, "/metrics").body();
            assertThat(value(text, "raft_transport_peers\\{node=\"" + leader + "\"\\}"))
                    .isEqualTo(2);
            for (long peer = 1; peer <= 3; peer++) {
                if (peer != leader) {
                    String labels = "\\{node=\"" + leader + "\",peer=\"" + peer + "\"\\}";
                    assertThat(value(text, "raft_transport_peer_connected" + labels))
                            .isEqualTo(1);
                    assertThat(value(text, "raft_transport_peer_messages_sent_total" + labels))
                            .isPositive();
                    assertThat(value(text, "raft_transport_peer_queued_messages" + labels))
                            .isNotNegative();
                    assertThat(text).contains("raft_transport_peer_messages_dropped_total{node=\"" + leader);
                    assertThat(text).contains("raft_transport_peer_reconnects_total{node=\"" + leader);
                }
            }
        });
        String text = cluster.get(leader, "/metrics").body();
        Matcher types = Pattern.compile("(?m)^# TYPE (\\S+) (\\S+)$").matcher(text);
        int families = 0;
        while (types.find()) {
            families++;
            String family = types.group(1);
            Matcher help = Pattern.compile("(?m)^# HELP " + Pattern.quote(family) + " (.*)$")
                    .matcher(text);
            assertThat(help.find()).as("a HELP line for %s", family).isTrue();
            assertThat(help.group(1).trim()).as("the HELP text of %s", family).isNotEmpty();
        }
        assertThat(families).isGreaterThan(40);
    }

    @Test
    void reservedNamesAreNotRoomsButUnknownRoutes() throws Exception {
        ChatCluster cluster = v1.start(dataRoot, 1);
        // Issue 22: the original's GET /{room} used to answer these 200 [] so a mistyped probe passed.
        for (String path : new String[] {"/health", "/livez", "/favicon.ico", "/robots.txt", "/status"}) {
            HttpResponse<String> response = cluster.get(1, path);
            assertThat(response.statusCode()).as(path).isEqualTo(404);
            assertThat(response.body()).as(path).doesNotStartWith("[");
        }
        assertThat(cluster.get(1, "/readyz").statusCode()).isEqualTo(200);
    }

    @Test
    void backupNeedsTheAdminTokenWhenOneIsSet() throws Exception {
        try (ChatCluster cluster = new ChatCluster(dataRoot, 1)) {
            cluster.adminToken = "t0ken-for-the-ops-endpoints-test";
            cluster.startAll();
            cluster.awaitReady();
            assertThat(cluster.post(1, "/rooms/general", "{\"Message\":\"m\",\"User\":\"u\"}")
                            .statusCode())
                    .isEqualTo(201);
            assertThat(cluster.get(1, "/api/v1/admin/backup").statusCode()).isEqualTo(401);
            HttpResponse<byte[]> backup = cluster.http.send(
                    HttpRequest.newBuilder(URI.create(cluster.url(1, "/api/v1/admin/backup")))
                            .header("Authorization", "Bearer t0ken-for-the-ops-endpoints-test")
                            .build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(backup.statusCode()).isEqualTo(200);
            assertThat(backup.body()).hasSizeGreaterThan(40);
            assertThat(new String(backup.body(), 0, 4, StandardCharsets.US_ASCII))
                    .isEqualTo("RCSN");
            // The connection still serves requests after a streamed file.
            assertThat(cluster.get(1, "/rooms/general").statusCode()).isEqualTo(200);
            assertThat(cluster.post(1, "/api/v1/admin/backup", "").statusCode()).isEqualTo(405);
        }
    }

    private static String scrape(ChatCluster cluster) {
        return cluster.get(1, "/metrics").body();
    }

    private static double value(String text, String series) {
        Matcher matcher = Pattern.compile("(?m)^" + series + " (\\S+)$").matcher(text);
        if (!matcher.find()) {
            throw new AssertionError("no series " + series + " in:\n" + text);
        }
        return Double.parseDouble(matcher.group(1));
    }
}
