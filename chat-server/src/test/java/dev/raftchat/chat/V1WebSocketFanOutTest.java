package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fan-out of one room to many v1 WebSockets: every subscriber gets every message once, in seq order, with the same
 * frame (encoded once, shared), while posts arrive concurrently and are applied in batches; and a subscriber that
 * stops reading is still cut (4008) without costing the others a single frame.
 */
class V1WebSocketFanOutTest {
    static final int SUBSCRIBERS = 6;
    static final int POSTERS = 4;
    static final int POSTS_EACH = 40;

    @RegisterExtension
    final V1Cluster v1 = new V1Cluster();

    @Test
    void everySubscriberGetsEveryMessageOnceInOrderWithTheSameFrame(@TempDir Path dataRoot) throws Exception {
        ChatCluster cluster = v1.start(dataRoot, 1);
        V1Client client = v1.client();
        String token = client.signUp(1, "fan");
        assertThat(client.post(1, "/api/v1/rooms", token, "{\"name\":\"fan\"}").status())
                .isEqualTo(201);
        List<V1Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < SUBSCRIBERS; i++) {
                V1Socket ws = new V1Socket(cluster, 1, "?token=" + token);
                sockets.add(ws);
                ws.next("ready");
                ws.send("{\"type\":\"subscribe\",\"room\":\"fan\",\"after\":null}");
                ws.next("subscribed");
            }
            // Concurrent posters, so that entries are committed and applied in batches of several messages.
            List<Thread> posters = new ArrayList<>();
            for (int p = 0; p < POSTERS; p++) {
                int poster = p;
                Thread thread = new Thread(() -> {
                    for (int i = 0; i < POSTS_EACH; i++) {
                        assertThat(client.post(
                                                1,
                                                "/api/v1/rooms/fan/messages",
                                                token,
                                                "{\"text\":\"p" + poster + "-" + i + "\"}")
                                        .status())
                                .isEqualTo(201);
                    }
                });
                posters.add(thread);
                thread.start();
            }
            for (Thread thread : posters) {
                thread.join();
            }
            int total = POSTERS * POSTS_EACH;
            List<List<JsonNode>> received = new ArrayList<>();
            for (V1Socket ws : sockets) {
                List<JsonNode> frames = new ArrayList<>();
                while (frames.size() < total) {
                    frames.add(ws.next("message"));
                }
                received.add(frames);
                List<Long> seqs = frames.stream()
                        .map(frame -> frame.path("message").get("seq").asLong())
                        .toList();
                assertThat(seqs)
                        .isEqualTo(LongStream.rangeClosed(1, total).boxed().toList());
                Set<String> texts = new HashSet<>();
                frames.forEach(
                        frame -> texts.add(frame.path("message").get("text").asText()));
                assertThat(texts).hasSize(total);
            }
            for (List<JsonNode> frames : received) {
                assertThat(frames).isEqualTo(received.get(0));
            }
            // Nothing more: no duplicate trails the last message.
            V1Socket first = sockets.get(0);
            client.post(1, "/api/v1/rooms/fan/messages", token, "{\"text\":\"last\"}");
            assertThat(first.next("message").path("message").get("seq").asLong())
                    .isEqualTo(total + 1);
        } finally {
            sockets.forEach(V1Socket::close);
        }
    }

    @Test
    void aSubscriberThatStopsReadingIsCutAndTheOthersGetEveryFrame(@TempDir Path dataRoot) throws Exception {
        ChatCluster cluster = v1.start(dataRoot, 1, api -> api.webSocketOutboundBytesMax = 4_096);
        V1Client client = v1.client();
        String token = client.signUp(1, "slowfan");
        client.post(1, "/api/v1/rooms", token, "{\"name\":\"flood\"}");
        String big = "x".repeat(3_000);
        client.post(1, "/api/v1/rooms/flood/messages", token, "{\"text\":\"" + big + "\"}");
        List<V1Socket> readers = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                V1Socket ws = new V1Socket(cluster, 1, "?token=" + token);
                readers.add(ws);
                ws.next("ready");
                ws.send("{\"type\":\"subscribe\",\"room\":\"flood\",\"after\":0}");
                ws.next("subscribed");
                assertThat(ws.next("message").path("message").get("seq").asLong())
                        .isEqualTo(1);
            }
            Socket stalled = V1Socket.stalledSubscriber(cluster, 1, token, "flood");
            try (stalled) {
                // It reads nothing more: edits of the delivered message are always written, and pile up until it is
                // cut.
                int[] edits = {0};
                await().atMost(ChatCluster.WAIT).until(() -> {
                    edits[0]++;
                    assertThat(client.call(
                                            1,
                                            "PATCH",
                                            "/api/v1/rooms/flood/messages/1",
                                            token,
                                            "{\"text\":\"" + edits[0] + big + "\"}")
                                    .status())
                            .isEqualTo(200);
                    return cluster.node(1).webSocketHub().slowConsumersClosed() > 0;
                });
                await().atMost(ChatCluster.WAIT)
                        .until(() -> cluster.node(1).webSocketHub().connectionCount() == 2);
                for (V1Socket ws : readers) {
                    for (int i = 1; i <= edits[0]; i++) {
                        assertThat(ws.next("edited").path("message").get("text").asText())
                                .startsWith(i + "x");
                    }
                    assertThat(ws.closeCode).isNotDone();
                }
            }
        } finally {
            readers.forEach(V1Socket::close);
        }
    }
}
