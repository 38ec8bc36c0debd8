package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The original README's cluster, fault-tolerance and reconfiguration walkthroughs, three nodes in one JVM. */
class ClusterHttpTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final V1Cluster v1 = new V1Cluster();

    @TempDir
    Path dataRoot;

    @Test
    void writesToAnyNodeAreReadFromEveryOtherAtOnce() throws Exception {
        ChatCluster cluster = v1.start(dataRoot, 3);
        for (long id = 1; id <= 3; id++) {
            HttpResponse<String> posted =
                    cluster.post(id, "/rooms/general", "{\"Message\": \"from " + id + "\", \"User\": \"username\"}");
            assertThat(posted.statusCode()).as(posted.body()).isEqualTo(201);
            // Applied on the node that answered before it answered, leader or follower.
            assertThat(cluster.node(id).chat().posts("general"))
                    .extracting(p -> p.message())
                    .contains("from " + id);
            // A linearizable read on another node sees the acknowledged write without waiting.
            long other = id % 3 + 1;
            assertThat(messages(cluster.get(other, "/rooms/general"))).contains("from " + id);
        }
        assertThat(cluster.post(2, "/rooms/beta", "{\"Message\":\"b\",\"User\":\"u\"}")
                        .statusCode())
                .isEqualTo(201);
        assertThat(cluster.post(3, "/rooms/alpha", "{\"Message\":\"a\",\"User\":\"u\"}")
                        .statusCode())
                .isEqualTo(201);
        for (long id = 1; id <= 3; id++) {
            assertThat(messages(cluster.get(id, "/rooms/general"))).containsExactly("from 1", "from 2", "from 3");
            assertThat(JSON.readTree(cluster.get(id, "/rooms").body()).toString())
                    .isEqualTo("[\"alpha\",\"beta\",\"general\"]");
        }
    }

    @Test
    void faultToleranceAndNoFalse201WithoutQuorum() throws Exception {
        ChatCluster cluster = v1.start(dataRoot, 3);
        assertThat(cluster.post(1, "/rooms/general", "{\"Message\": \"foo\", \"User\": \"username\"}")
                        .statusCode())
                .isEqualTo(201);

        // The README: stop node 1, post "bar" to node 2, bring node 1 back, read "bar" from it.
        cluster.stop(1);
        HttpResponse<String> bar = cluster.post(2, "/rooms/general", "{\"Message\": \"bar\", \"User\": \"username\"}");
        assertThat(bar.statusCode()).as(bar.body()).isEqualTo(201);
        cluster.start(1);
        await().atMost(ChatCluster.WAIT)
                .until(() -> cluster.get(1, "/rooms/general").statusCode() == 200);
        assertThat(messages(cluster.get(1, "/rooms/general"))).containsExactly("foo", "bar");
        // The README's own command for this step: curl -L http://127.0.0.1:12380/general
        assertThat(messages(cluster.get(1, "/general"))).containsExactly("foo", "bar");

        // Only node 3 left: no quorum, so a clear 503 after a bounded wait, never a 201.
        cluster.stop(1);
        cluster.stop(2);
        long started = System.nanoTime();
        HttpResponse<String> lonely = cluster.post(3, "/rooms/general", "{\"Message\": \"lost?\", \"User\": \"u\"}");
        long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
        assertThat(lonely.statusCode()).as(lonely.body()).isEqualTo(503);
        assertThat(JSON.readTree(lonely.body()).get("error").get("code").asText())
                .isIn("timeout", "no_leader");
        assertThat(elapsedMillis).isLessThan(ChatCluster.REQUEST_TIMEOUT_MILLIS + 5_000);
        HttpResponse<String> read = cluster.get(3, "/rooms/general");
        assertThat(read.statusCode()).isEqualTo(503);
        // A stale read still answers from local state.
        assertThat(messages(cluster.get(3, "/rooms/general?consistency=stale"))).startsWith("foo", "bar");

        // Restarted nodes replay their logs and keep every acknowledged post.
        cluster.start(1);
        cluster.start(2);
        cluster.awaitReady();
        for (long id = 1; id <= 3; id++) {
            assertThat(messages(cluster.get(id, "/rooms/general"))).startsWith("foo", "bar");
        }
    }

    @Test
    void aTwoNodeClusterWithOneNodeDownNeverAnswers201() throws Exception {
        // The original acknowledged this post before commit, and it never appeared.
        ChatCluster cluster = v1.start(dataRoot, 2);
        cluster.stop(2);
        HttpResponse<String> posted = cluster.post(1, "/rooms/general", "{\"Message\":\"alone\",\"User\":\"u\"}");
        assertThat(posted.statusCode()).as(posted.body()).isEqualTo(503);
        assertThat(cluster.node(1).chat().posts("general")).isEmpty();
    }

    @Test
    void nodesAreAddedAndRemovedThroughTheRaftRoutes() throws Exception {
        ChatCluster cluster = v1.start(dataRoot, 3);
        assertThat(cluster.post(1, "/rooms/general", "{\"Message\":\"before 4\",\"User\":\"u\"}")
                        .statusCode())
                .isEqualTo(201);

        // curl -L http://127.0.0.1:12380/raft/4 -d http://127.0.0.1:42379 — on node 1, leader or not.
        String peerUrl = "http://" + cluster.addMemberAddress(4);
        HttpResponse<String> added = cluster.post(1, "/raft/4", peerUrl);
        assertThat(added.statusCode()).as(added.body()).isIn(201, 202);
        ChatNode fourth = cluster.start(4, true);
        await().atMost(ChatCluster.WAIT)
                .until(() -> fourth.raftStatus().raft().conf().voters().contains(4L)
                        && fourth.chat().posts("general").size() == 1);
        HttpResponse<String> fromFour = cluster.post(4, "/rooms/general", "{\"Message\":\"from 4\",\"User\":\"u\"}");
        assertThat(fromFour.statusCode()).as(fromFour.body()).isEqualTo(201);
        assertThat(messages(cluster.get(2, "/rooms/general"))).containsExactly("before 4", "from 4");

        // curl -L http://127.0.0.1:12380/raft/3 -X DELETE — node 3 shuts itself down.
        ChatNode third = cluster.node(3);
        long leader = cluster.awaitReady();
        JsonNode view = JSON.readTree(cluster.get(leader, "/raft").body());
        assertThat(view.get("Voters").toString()).isEqualTo("[1,2,3,4]");
        assertThat(view.get("Progress").get("4").get("MatchIndex").asLong()).isPositive();
        HttpResponse<String> removed = cluster.send(
                HttpRequest.newBuilder(URI.create(cluster.url(1, "/raft/3"))).DELETE());
        assertThat(removed.statusCode()).as(removed.body()).isIn(200, 202);
        await().atMost(ChatCluster.WAIT).until(() -> third.terminated().isDone());
        cluster.nodes.remove(3L);
        await().atMost(ChatCluster.WAIT)
                .until(() -> !cluster.node(1).raftStatus().raft().conf().isMember(3));
        assertThat(cluster.post(2, "/rooms/general", "{\"Message\":\"after 3\",\"User\":\"u\"}")
                        .statusCode())
                .isEqualTo(201);
        assertThat(messages(cluster.get(4, "/rooms/general"))).containsExactly("before 4", "from 4", "after 3");

        // Extension: a learner first, promoted once it has caught up.
        String fifthUrl = "http://" + cluster.addMemberAddress(5);
        HttpResponse<String> learner = cluster.post(2, "/raft/5?learner=true", fifthUrl);
        assertThat(learner.statusCode()).as(learner.body()).isIn(201, 202);
        ChatNode fifth = cluster.start(5, true);
        await().atMost(ChatCluster.WAIT)
                .until(() -> fifth.raftStatus().raft().conf().learners().contains(5L)
                        && fifth.chat().posts("general").size() == 3);
        assertThat(fifth.raftStatus().raft().conf().voters()).containsExactly(1L, 2L, 4L);
        HttpResponse<String> promoted = cluster.post(1, "/raft/5/promote", "");
        assertThat(promoted.statusCode()).as(promoted.body()).isIn(200, 202);
        await().atMost(ChatCluster.WAIT)
                .until(() -> cluster.node(1).raftStatus().raft().conf().voters().contains(5L));
        assertThat(cluster.post(1, "/raft/1/promote", "").statusCode()).isEqualTo(404);
    }

    private static List<String> messages(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body()).findValuesAsText("Message");
    }
}
