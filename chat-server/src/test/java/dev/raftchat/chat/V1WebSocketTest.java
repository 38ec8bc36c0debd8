package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The v1 WebSocket on one node: auth, live events, resume without gaps, reset, pings and dead connections. */
class V1WebSocketTest {
    @RegisterExtension
    static final V1Cluster v1 = V1Cluster.perClass(1, V1Cluster.api(api -> {
        api.webSocketPingIntervalMillis = 250;
        // Generous against a loaded 2-core machine (600 ms once closed a busy test's socket); still well
        // under the waits below.
        api.webSocketIdleTimeoutMillis = 2_000;
    }));

    private static String alice;
    private final ChatCluster cluster = v1.cluster();
    private final V1Client client = v1.client();

    @BeforeAll
    static void signUp() {
        alice = v1.client().signUp(1, "alice");
    }

    private void send(String room, String text) {
        assertThat(client.post(1, "/api/v1/rooms/" + room + "/messages", alice, "{\"text\":\"" + text + "\"}")
                        .status())
                .isEqualTo(201);
    }

    @Test
    void liveMessagesEditsDeletesAndRoomDeletion() {
        client.post(1, "/api/v1/rooms", alice, "{\"name\":\"live\"}");
        send("live", "before");
        try (V1Socket ws = new V1Socket(cluster, 1, "?token=" + alice)) {
            assertThat(ws.next().get("type").asText()).isEqualTo("ready");
            ws.send("{\"type\":\"subscribe\",\"room\":\"live\",\"after\":null}");
            JsonNode subscribed = ws.next();
            assertThat(subscribed.get("type").asText()).isEqualTo("subscribed");
            assertThat(subscribed.get("latestSeq").asLong()).isEqualTo(1);
            send("live", "hello");
            JsonNode message = ws.next();
            assertThat(message.get("type").asText()).isEqualTo("message");
            assertThat(message.path("message").get("seq").asLong()).isEqualTo(2);
            assertThat(message.path("message").get("text").asText()).isEqualTo("hello");
            client.call(1, "PATCH", "/api/v1/rooms/live/messages/2", alice, "{\"text\":\"hello!\"}");
            JsonNode edited = ws.next();
            assertThat(edited.get("type").asText()).isEqualTo("edited");
            assertThat(edited.path("message").get("text").asText()).isEqualTo("hello!");
            client.call(1, "DELETE", "/api/v1/rooms/live/messages/2", alice, null);
            JsonNode deleted = ws.next();
            assertThat(deleted.get("type").asText()).isEqualTo("deleted");
            assertThat(deleted.path("message").get("deleted").asBoolean()).isTrue();
            client.call(1, "DELETE", "/api/v1/rooms/live", alice, null);
            JsonNode gone = ws.next();
            assertThat(gone.get("type").asText()).isEqualTo("room_deleted");
            assertThat(gone.get("room").asText()).isEqualTo("live");
        }
    }

    @Test
    void resumeDeliversTheMissedMessagesThenLiveOnesWithoutGapOrDuplicate() {
        client.post(1, "/api/v1/rooms", alice, "{\"name\":\"resume\"}");
        for (int i = 1; i <= 3; i++) {
            send("resume", "m" + i);
        }
        long lastSeen;
        try (V1Socket ws = new V1Socket(cluster, 1, "")) {
            ws.send("{\"type\":\"auth\",\"token\":\"" + alice + "\"}");
            assertThat(ws.next().get("username").asText()).isEqualTo("alice");
            ws.send("{\"type\":\"subscribe\",\"room\":\"resume\",\"after\":\"1\"}");
            ws.next("subscribed");
            assertThat(ws.next("message").path("message").get("seq").asLong()).isEqualTo(2);
            lastSeen = ws.next("message").path("message").get("seq").asLong();
            assertThat(lastSeen).isEqualTo(3);
        }
        for (int i = 4; i <= 260; i++) {
            send("resume", "m" + i);
        }
        try (V1Socket ws = new V1Socket(cluster, 1, "?token=" + alice)) {
            ws.next("ready");
            ws.send("{\"type\":\"subscribe\",\"room\":\"resume\",\"after\":" + lastSeen + "}");
            ws.next("subscribed");
            List<Long> seqs = new ArrayList<>();
            Thread writer = new Thread(() -> {
                for (int i = 261; i <= 280; i++) {
                    send("resume", "m" + i);
                }
            });
            writer.start();
            while (seqs.size() < 277) {
                seqs.add(ws.next("message").path("message").get("seq").asLong());
            }
            assertThat(seqs).isEqualTo(LongStream.rangeClosed(4, 280).boxed().toList());
        }
    }

    @Test
    void aCursorOlderThanRetainedHistoryGetsReset() {
        client.post(1, "/api/v1/rooms", alice, "{\"name\":\"short\",\"retention\":{\"maxMessages\":2}}");
        for (int i = 1; i <= 5; i++) {
            send("short", "s" + i);
        }
        try (V1Socket ws = new V1Socket(cluster, 1, "?token=" + alice)) {
            ws.next("ready");
            ws.send("{\"type\":\"subscribe\",\"room\":\"short\",\"after\":1}");
            ws.next("subscribed");
            JsonNode reset = ws.next();
            assertThat(reset.get("type").asText()).isEqualTo("reset");
            assertThat(reset.get("oldestRetainedSeq").asLong()).isEqualTo(4);
            send("short", "s6");
            assertThat(ws.next("message").path("message").get("seq").asLong()).isEqualTo(6);
        }
    }

    @Test
    void badTokensAndUnknownRoomsAreErrors() throws Exception {
        try (V1Socket ws = new V1Socket(cluster, 1, "?token=" + "q".repeat(43))) {
            assertThat(ws.next().get("code").asText()).isEqualTo("unauthorized");
            assertThat(ws.closeCode.get(10, TimeUnit.SECONDS)).isEqualTo(4401);
        }
        try (V1Socket ws = new V1Socket(cluster, 1, "")) {
            ws.send("{\"type\":\"subscribe\",\"room\":\"x\"}");
            assertThat(ws.next().get("code").asText()).isEqualTo("unauthorized");
            assertThat(ws.closeCode.get(10, TimeUnit.SECONDS)).isEqualTo(4401);
        }
        try (V1Socket ws = new V1Socket(cluster, 1, "?token=" + alice)) {
            ws.next("ready");
            ws.send("{\"type\":\"subscribe\",\"room\":\"no-such-room\"}");
            assertThat(ws.next().get("code").asText()).isEqualTo("room_not_found");
            ws.send("not json");
            assertThat(ws.next().get("code").asText()).isEqualTo("invalid_json");
            ws.send("{\"type\":\"subscribe\",\"room\":\"x\",\"after\":\"abc\"}");
            assertThat(ws.next().get("code").asText()).isEqualTo("invalid_cursor");
            ws.send("{\"type\":\"dance\"}");
            assertThat(ws.next().get("code").asText()).isEqualTo("unknown_type");
            ws.send("{\"type\":\"auth\",\"token\":\"" + alice + "\"}");
            assertThat(ws.next().get("code").asText()).isEqualTo("already_authenticated");
        }
        // Frames sent right after connecting, before the token check answers, wait for it.
        client.post(1, "/api/v1/rooms", alice, "{\"name\":\"eager\"}");
        try (V1Socket ws = new V1Socket(cluster, 1, "")) {
            ws.send("{\"type\":\"auth\",\"token\":\"" + alice + "\"}");
            ws.send("{\"type\":\"subscribe\",\"room\":\"eager\"}");
            assertThat(ws.next().get("type").asText()).isEqualTo("ready");
            assertThat(ws.next().get("type").asText()).isEqualTo("subscribed");
        }
    }

    @Test
    void aLoggedOutSessionIsClosedAtTheNextPing() throws Exception {
        String token = client.login(1, "alice", "correct horse");
        try (V1Socket ws = new V1Socket(cluster, 1, "?token=" + token)) {
            ws.next("ready");
            assertThat(client.post(1, "/api/v1/auth/logout", token, null).status())
                    .isEqualTo(204);
            assertThat(ws.closeCode.get(10, TimeUnit.SECONDS)).isEqualTo(4401);
        }
    }

    @Test
    // StringConcatToTextBlock: the raw request needs CRLF line ends, which a text block would spell out anyway.
    @SuppressWarnings("StringConcatToTextBlock")
    void answeringPingsKeepsAConnectionAliveAndSilenceClosesIt() throws Exception {
        try (V1Socket ws = new V1Socket(cluster, 1, "?token=" + alice)) {
            ws.next("ready");
            // The JDK client answers pings: alive well past the idle timeout.
            await().pollDelay(Duration.ofSeconds(5))
                    .atMost(Duration.ofSeconds(8))
                    .until(() -> true);
            assertThat(ws.closeCode).isNotDone();
        }
        // A raw client that upgrades and then never answers is closed after the idle timeout.
        try (Socket raw =
                new Socket(InetAddress.getLoopbackAddress(), cluster.node(1).httpPort())) {
            OutputStream out = raw.getOutputStream();
            out.write(("GET /api/v1/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            raw.setSoTimeout(15_000);
            InputStream in = raw.getInputStream();
            long started = System.nanoTime();
            // Reads the 101 response, pings and the close frame; ends at EOF once the server closes.
            while (in.read() != -1) {
                assertThat(System.nanoTime() - started).isLessThan(TimeUnit.SECONDS.toNanos(15));
            }
            assertThat(System.nanoTime() - started).isGreaterThan(TimeUnit.MILLISECONDS.toNanos(1_500));
        }
    }
}
