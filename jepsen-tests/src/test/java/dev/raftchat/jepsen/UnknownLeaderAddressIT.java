package dev.raftchat.jepsen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.raftchat.chat.testkit.RaftChatCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A liveness bug the fault runs found: a node that missed the membership changes adding the nodes that now
 * lead never learned their addresses, so it could never answer them.
 *
 * <p>Peer addresses reached a node only through applied log entries ({@code RegisterPeer}) or its
 * {@code --cluster} list. Node 3 is partitioned away while nodes 4 and 5 join and nodes 1 and 2 leave; after
 * healing, the leader (4 or 5) replicates to node 3, whose transport dropped every answer ("no address
 * known"), so the leader never learned node 3's match index and node 3 never committed the entries that
 * would tell it the address. Fixed in raft-transport-netty: the hello carries the sender's reply address,
 * which a node that knows no address for the sender adopts.
 */
class UnknownLeaderAddressIT {
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(1))
            .build();

    private int send(String method, String url, String body) {
        try {
            return http.send(
                            HttpRequest.newBuilder(URI.create(url))
                                    .timeout(Duration.ofSeconds(5))
                                    .method(method, HttpRequest.BodyPublishers.ofString(body))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    @Test
    void aNodeThatMissedTheNewLeadersJoinCatchesUpAfterHealing() throws Exception {
        Path results = Path.of(System.getProperty("jepsen.results", "target/jepsen-it"))
                .resolve("unknown-leader-address");
        Files.createDirectories(results);
        Path data = Files.createTempDirectory(results, "data");
        try (NetworkFaults network = new ProxyFaults();
                RaftChatCluster cluster = new JepsenNodes(
                                Path.of(System.getProperty("jepsen.jar")), data, results, 96, 100, 2_000, 200)
                        .cluster(network, http)) {
            for (int id = 1; id <= 3; id++) {
                cluster.define(id, false); // all three first: each node's --cluster lists the defined nodes
            }
            for (int id = 1; id <= 3; id++) {
                cluster.start(id);
            }
            String node1 = cluster.baseUrl(1);
            await().atMost(Duration.ofSeconds(90))
                    .until(() -> send("POST", node1 + "/rooms/r", "{\"User\":\"u\",\"Message\":\"m1\"}") == 201);

            network.partition(List.of(Set.of(3), Set.of(1, 2, 4, 5)));
            for (int spare = 4; spare <= 5; spare++) {
                cluster.define(spare, true);
                cluster.start(spare);
                String url = cluster.peerUrl(spare);
                int id = spare;
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> Set.of(201, 202).contains(send("POST", node1 + "/raft/" + id, url)));
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    return cluster.members(1)
                            .map(members -> members.contains(id))
                            .orElse(false);
                });
            }
            for (int removed = 1; removed <= 2; removed++) {
                String path = cluster.baseUrl(4) + "/raft/" + removed;
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> Set.of(200, 202).contains(send("DELETE", path, "")));
                int gone = removed;
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    return cluster.members(4)
                            .map(members -> !members.contains(gone))
                            .orElse(false);
                });
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> cluster.leader() == 4 || cluster.leader() == 5);
            int leader = cluster.leader();
            assertThat(send("POST", cluster.baseUrl(leader) + "/rooms/r", "{\"User\":\"u\",\"Message\":\"m2\"}"))
                    .isEqualTo(201);

            network.heal();

            String node3 = cluster.baseUrl(3);
            await("node 3 serves a linearizable read after healing")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> send("GET", node3 + "/rooms/r", "") == 200);
        }
    }
}
