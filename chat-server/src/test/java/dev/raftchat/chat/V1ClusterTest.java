package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.raftchat.chat.V1Client.Reply;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The v1 API on three nodes: a send retried with the same transaction id across a leader failover creates
 * one message; pages are identical on every node; a WebSocket client cut off mid-stream resumes on another
 * node without a gap or a duplicate; a logout is seen by every node.
 */
class V1ClusterTest {

    @RegisterExtension
    final V1Cluster v1 = new V1Cluster();

    private ChatCluster cluster;

    @Test
    void aRetriedSendAcrossALeaderFailoverCreatesOneMessage() {
        cluster = v1.start(3);
        long leader = cluster.awaitReady();
        V1Client client = new V1Client(cluster);
        String token = client.signUp(leader, "ann");
        assertThat(client.post(leader, "/api/v1/rooms", token, "{\"name\":\"failover\"}")
                        .status())
                .isEqualTo(201);

        Reply first = client.post(
                leader, "/api/v1/rooms/failover/messages", token, "{\"text\":\"exactly once\",\"txnId\":\"tx-42\"}");
        assertThat(first.status()).isEqualTo(201);
        // The client never saw that answer (say): it retries on another node after the leader dies.
        cluster.stop(leader);
        long survivor = cluster.nodes.keySet().iterator().next();
        await().atMost(ChatCluster.WAIT)
                .until(() -> cluster.node(survivor).raftStatus().leaderId() != 0
                        && cluster.node(survivor).raftStatus().leaderId() != leader);
        Reply retry = client.post(
                survivor, "/api/v1/rooms/failover/messages", token, "{\"text\":\"exactly once\",\"txnId\":\"tx-42\"}");
        assertThat(retry.status()).isEqualTo(200);
        assertThat(retry.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(retry.body().get("id")).isEqualTo(first.body().get("id"));
        for (long node : cluster.nodes.keySet()) {
            JsonNode page =
                    client.get(node, "/api/v1/rooms/failover/messages", token).body();
            assertThat(page.get("messages")).hasSize(1);
            assertThat(page.get("messages").get(0).get("id"))
                    .isEqualTo(first.body().get("id"));
        }
        // The restarted old leader replays the log and agrees too.
        cluster.start(leader);
        cluster.awaitReady();
        JsonNode page =
                client.get(leader, "/api/v1/rooms/failover/messages", token).body();
        assertThat(page.get("messages")).hasSize(1);
    }

    @Test
    void pagesAreTheSameOnEveryNodeAndLogoutIsSeenEverywhere() {
        cluster = v1.start(3);
        V1Client client = new V1Client(cluster);
        String token = client.signUp(1, "ben");
        assertThat(client.post(2, "/api/v1/rooms", token, "{\"name\":\"same\"}").status())
                .isEqualTo(201);
        for (int i = 0; i < 30; i++) {
            long node = 1L + i % 3;
            assertThat(client.post(node, "/api/v1/rooms/same/messages", token, "{\"text\":\"n" + i + "\"}")
                            .status())
                    .isEqualTo(201);
        }
        client.call(3, "PATCH", "/api/v1/rooms/same/messages/7", token, "{\"text\":\"edited\"}");
        client.call(1, "DELETE", "/api/v1/rooms/same/messages/8", token, null);
        for (String query : new String[] {"", "?limit=7", "?before=20&limit=5", "?after=3&limit=11"}) {
            JsonNode one =
                    client.get(1, "/api/v1/rooms/same/messages" + query, null).body();
            assertThat(client.get(2, "/api/v1/rooms/same/messages" + query, null)
                            .body())
                    .isEqualTo(one);
            assertThat(client.get(3, "/api/v1/rooms/same/messages" + query, null)
                            .body())
                    .isEqualTo(one);
        }
        assertThat(client.post(3, "/api/v1/auth/logout", token, null).status()).isEqualTo(204);
        for (long node = 1; node <= 3; node++) {
            assertThat(client.get(node, "/api/v1/me", token).status()).isEqualTo(401);
        }
    }

    @Test
    void aWebSocketClientCutOffMidStreamResumesOnAnotherNodeWithoutGapsOrDuplicates() throws Exception {
        cluster = v1.start(3);
        V1Client client = new V1Client(cluster);
        String token = client.signUp(1, "cy");
        client.post(1, "/api/v1/rooms", token, "{\"name\":\"stream\"}");
        int total = 60;
        AtomicInteger sent = new AtomicInteger();
        Thread writer = new Thread(() -> {
            for (int i = 1; i <= total; i++) {
                Reply reply = client.post(
                        3,
                        "/api/v1/rooms/stream/messages",
                        token,
                        "{\"text\":\"s" + i + "\",\"txnId\":\"s-" + i + "\"}");
                if (reply.status() >= 300) {
                    throw new AssertionError(reply.body().toString());
                }
                sent.incrementAndGet();
            }
        });
        List<Long> seqs = new ArrayList<>();
        try (V1Socket first = new V1Socket(cluster, 2, "?token=" + token)) {
            first.next("ready");
            first.send("{\"type\":\"subscribe\",\"room\":\"stream\",\"after\":0}");
            first.next("subscribed");
            writer.start();
            while (seqs.size() < 20) {
                seqs.add(first.next("message").path("message").get("seq").asLong());
            }
        }
        // Frames already queued to the dead socket are lost with it; the client resumes from what it saw.
        long cursor = seqs.get(seqs.size() - 1);
        try (V1Socket second = new V1Socket(cluster, 1, "?token=" + token)) {
            second.next("ready");
            second.send("{\"type\":\"subscribe\",\"room\":\"stream\",\"after\":\"" + cursor + "\"}");
            second.next("subscribed");
            while (seqs.size() < total) {
                seqs.add(second.next("message").path("message").get("seq").asLong());
            }
        }
        writer.join();
        assertThat(sent.get()).isEqualTo(total);
        assertThat(seqs).isEqualTo(LongStream.rangeClosed(1, total).boxed().toList());
    }
}
