package dev.raftchat.chat.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftchat.chat.testkit.RaftChatCluster;
import dev.raftchat.chat.testkit.RaftChatClusters;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The original raft-chat README (../shared/seed/raft-chat-README.txt), step by step, against real
 * {@code raft-chat} processes from the fat jar: single node; three nodes; fault tolerance (stop node 1,
 * post to node 2, restart node 1, read the post from it); dynamic reconfiguration (POST /raft/4, start
 * node 4 with --join, DELETE /raft/3 and node 3 exits by itself).
 */
class ReadmeWalkthroughIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final RaftChatClusters clusters = new RaftChatClusters();

    @TempDir
    Path root;

    @Test
    void singleNode() throws Exception {
        RaftChatCluster cluster = clusters.build(RaftChatCluster.builder(root).nodes(1));
        cluster.start(1);
        cluster.awaitReady(1);

        HttpResponse<String> posted =
                cluster.post(1, "/rooms/general", "{\"Message\": \"hello\", \"User\": \"username\"}");
        assertThat(posted.statusCode()).as(posted.body()).isEqualTo(201);

        JsonNode posts = JSON.readTree(cluster.get(1, "/rooms/general").body());
        assertThat(posts).hasSize(1);
        assertThat(posts.get(0).get("User").asText()).isEqualTo("username");
        assertThat(posts.get(0).get("Message").asText()).isEqualTo("hello");
        assertThat(posts.get(0).get("PostedAt").asText()).isNotEmpty();
        assertThat(cluster.get(1, "/rooms").body()).isEqualTo("[\"general\"]");
        // The data directory is raft-chat-<id> in the working directory, as in the original.
        assertThat(cluster.workDir(1).resolve("raft-chat-1").resolve("log")).isDirectory();

        assertThat(cluster.stop(1)).as("exit code after SIGTERM").isZero();
    }

    @Test
    void threeNodesFaultToleranceAndReconfiguration() throws Exception {
        RaftChatCluster cluster = clusters.build(RaftChatCluster.builder(root).nodes(3));
        cluster.startAll();
        cluster.awaitReady(1, 2, 3);

        // Running a local cluster: write to any member, read from any member.
        for (int id = 1; id <= 3; id++) {
            assertThat(cluster.post(id, "/rooms/general", "{\"Message\": \"from " + id + "\", \"User\": \"username\"}")
                            .statusCode())
                    .isEqualTo(201);
        }
        for (int id = 1; id <= 3; id++) {
            assertThat(messages(cluster.get(id, "/rooms/general"))).containsExactly("from 1", "from 2", "from 3");
        }

        // Fault tolerance: foo; stop node 1; bar through node 2; start node 1; it has bar.
        assertThat(cluster.post(1, "/rooms/general", "{\"Message\": \"foo\", \"User\": \"username\"}")
                        .statusCode())
                .isEqualTo(201);
        assertThat(cluster.stop(1)).as("node 1 exit code after SIGTERM").isZero();
        HttpResponse<String> bar = cluster.post(2, "/rooms/general", "{\"Message\": \"bar\", \"User\": \"username\"}");
        assertThat(bar.statusCode()).as(bar.body()).isEqualTo(201);
        cluster.start(1);
        cluster.awaitReady(1, 2, 3);
        // The README reads it with "curl -L http://127.0.0.1:12380/general".
        assertThat(messages(cluster.get(1, "/general"))).endsWith("foo", "bar");

        // Dynamic reconfiguration: add node 4, then remove node 3.
        cluster.define(4, true); // its ports, for POST /raft/4; started with --join
        HttpResponse<String> added = cluster.post(1, "/raft/4", cluster.peerUrl(4));
        assertThat(added.statusCode()).as(added.body()).isIn(201, 202);
        cluster.start(4);
        await().atMost(RaftChatCluster.READY_WAIT)
                .ignoreExceptions()
                .untilAsserted(() ->
                        assertThat(messages(cluster.get(4, "/rooms/general"))).endsWith("foo", "bar"));
        await().atMost(RaftChatCluster.READY_WAIT)
                .ignoreExceptions()
                .untilAsserted(() -> assertThat(
                                JSON.readTree(cluster.get(1, "/api/v1/cluster").body())
                                        .get("members")
                                        .findValuesAsText("id"))
                        .containsExactly("1", "2", "3", "4"));
        assertThat(cluster.post(4, "/rooms/general", "{\"Message\": \"from 4\", \"User\": \"username\"}")
                        .statusCode())
                .isEqualTo(201);

        HttpResponse<String> removed = cluster.delete(1, "/raft/3");
        assertThat(removed.statusCode()).as(removed.body()).isIn(200, 202);
        await().atMost(RaftChatCluster.READY_WAIT).until(() -> !cluster.alive(3));
        assertThat(cluster.exitCode(3))
                .as("a removed node shuts itself down cleanly")
                .hasValue(0);
        assertThat(cluster.output(3)).contains("removed from the cluster");

        assertThat(cluster.post(2, "/rooms/general", "{\"Message\": \"after removal\", \"User\": \"username\"}")
                        .statusCode())
                .isEqualTo(201);
        for (int id : new int[] {1, 2, 4}) {
            assertThat(messages(cluster.get(id, "/rooms/general"))).endsWith("from 4", "after removal");
        }
        JsonNode members =
                JSON.readTree(cluster.get(2, "/api/v1/cluster").body()).get("members");
        assertThat(members.findValuesAsText("id")).containsExactly("1", "2", "4");
    }

    static List<String> messages(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body()).findValuesAsText("Message");
    }
}
