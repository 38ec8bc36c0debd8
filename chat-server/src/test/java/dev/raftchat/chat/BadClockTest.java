package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18, item 5: one node's clock jumps ten days ahead, then it proposes (a login, a message) and leads
 * (its clock ticks). Sessions, idempotency keys and age-retained messages that live an hour must all
 * survive; the node says its clock is off, and log time moves by at most one step per tick.
 */
class BadClockTest {

    private static final long TEN_DAYS_MILLIS = TimeUnit.DAYS.toMillis(10);
    private static final long TICK_MILLIS = 200;
    private static final long STEP_MAX_MILLIS = 400;

    @RegisterExtension
    final V1Cluster v1 = new V1Cluster();

    private ChatCluster cluster;

    @Test
    void aNodeTenDaysAheadExpiresNoSessionKeyOrMessage(@TempDir Path root) throws Exception {
        cluster = v1.closeAfterTest(new ChatCluster(root, 3));
        var api = ChatCluster.testApiConfig();
        api.timeTickMillis = TICK_MILLIS;
        api.clockStepMaxMillis = STEP_MAX_MILLIS;
        api.sessionTtlSeconds = 3_600;
        api.policy = api.policy.withIdempotency(1_000, 3_600);
        cluster.apiConfig = api.build();
        AtomicLong offsetMillis = new AtomicLong();
        cluster.clocks.put(1L, () -> System.currentTimeMillis() + offsetMillis.get());
        cluster.startAll();
        cluster.awaitReady();
        await().atMost(ChatCluster.WAIT)
                .until(() -> cluster.nodes.values().stream()
                        .allMatch(node -> node.chat().clusterVersion() >= 2));

        V1Client client = new V1Client(cluster);
        String token = client.signUp(2, "ann");
        assertThat(client.post(2, "/api/v1/rooms", token, "{\"name\":\"hour\",\"retention\":{\"maxAgeSeconds\":3600}}")
                        .status())
                .isEqualTo(201);
        V1Client.Reply first =
                client.post(2, "/api/v1/rooms/hour/messages", token, "{\"text\":\"kept\",\"txnId\":\"k1\"}");
        assertThat(first.status()).isEqualTo(201);

        offsetMillis.set(TEN_DAYS_MILLIS);
        // The bad node proposes: a login (its clock in the session) and a message (its clock in the post).
        String badToken = client.login(1, "ann", "correct horse");
        assertThat(client.post(1, "/api/v1/rooms/hour/messages", badToken, "{\"text\":\"from the future\"}")
                        .status())
                .isEqualTo(201);
        // ... and leads, so that its clock ticks.
        long leader = cluster.awaitReady();
        if (leader != 1) {
            cluster.node(leader).raftServer().transferLeadership(1).get(20, TimeUnit.SECONDS);
        }
        await().atMost(ChatCluster.WAIT)
                .until(() -> cluster.node(1).raftStatus().isLeader());
        long logTimeWhenLeading = cluster.node(2).chat().logTimeMillis();
        await().atMost(ChatCluster.WAIT)
                .until(() -> cluster.node(2).chat().logTimeMillis() > logTimeWhenLeading + 10 * STEP_MAX_MILLIS);

        assertThat(client.get(3, "/api/v1/me", token).status()).isEqualTo(200);
        V1Client.Reply replay =
                client.post(3, "/api/v1/rooms/hour/messages", token, "{\"text\":\"kept\",\"txnId\":\"k1\"}");
        assertThat(replay.status()).isEqualTo(200);
        assertThat(replay.body().get("id").asLong())
                .isEqualTo(first.body().get("id").asLong());
        V1Client.Reply page = client.get(3, "/api/v1/rooms/hour/messages", token);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body().get("messages").findValuesAsText("text")).containsExactly("kept", "from the future");
        // Log time moved at most one step per tick: seconds, not days, past the real clock; the node says so.
        for (ChatNode node : cluster.nodes.values()) {
            assertThat(node.chat().logTimeMillis()).isLessThan(System.currentTimeMillis() + 120_000);
        }
        await().atMost(ChatCluster.WAIT)
                .until(() -> cluster.get(1, "/metrics").body().contains("chat_clock_skewed{node=\"1\"} 1.0"));
        assertThat(cluster.get(2, "/metrics").body()).contains("chat_clock_skewed{node=\"2\"} 0.0");
    }
}
