package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.raftchat.chat.RawHttp.Response;
import dev.raftchat.chat.api.v1.WebSocketHub;
import dev.raftchat.chat.http.HttpConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 19, "One client locks everyone out": idle, silent and slow connections are capped per address and closed
 * by their deadlines, while other clients are served; WebSockets that never authenticate, and firehose peers that
 * are gone, are dropped.
 */
class ConnectionDeadlinesTest {
    private static final long HEADER_TIMEOUT_MILLIS = 1_500;
    private static final long BODY_TIMEOUT_MILLIS = 1_500;
    private static final long IDLE_TIMEOUT_MILLIS = 2_000;
    private static final int PER_ADDRESS_MAX = 256;

    @RegisterExtension
    static final V1Cluster v1 = V1Cluster.perClass(1, c -> c.httpConfig = shortDeadlines());

    private final ChatCluster cluster = v1.cluster();
    private final int port = cluster.node(1).httpPort();

    private static HttpConfig shortDeadlines() {
        HttpConfig.Builder http = HttpConfig.defaults().toBuilder();
        http.connectionsPerAddressMax = PER_ADDRESS_MAX;
        http.headerReadTimeoutMillis = HEADER_TIMEOUT_MILLIS;
        http.bodyReadTimeoutMillis = BODY_TIMEOUT_MILLIS;
        http.keepAliveIdleTimeoutMillis = IDLE_TIMEOUT_MILLIS;
        http.webSocketAuthTimeoutMillis = 1_500;
        http.firehosePingIntervalMillis = 300;
        http.firehoseIdleTimeoutMillis = 1_500;
        return http.build();
    }

    @Test
    void elevenHundredIdleSocketsFromOneAddressLockNobodyOutAndAreClosedWithinAMinute() throws Exception {
        List<Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 1_100; i++) {
                Socket socket = new Socket();
                socket.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 2}), 0));
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
                socket.setSoTimeout(60_000);
                idle.add(socket);
            }
            // Another address is served at once, several times over.
            for (int i = 0; i < 5; i++) {
                try (RawHttp http = new RawHttp(port, "127.0.0.1")) {
                    assertThat(http.send(RawHttp.get("/rooms")).read().status()).isEqualTo(200);
                }
            }
            // Beyond the per-address cap the idle sockets got a JSON 503 and were closed; the others are closed by
            // the header deadline (they never sent a byte): every one of them ends within a minute.
            long start = System.nanoTime();
            int refused = 0;
            for (Socket socket : idle) {
                String answer = readToEnd(socket);
                if (answer.startsWith("HTTP/1.1 503")) {
                    assertThat(answer).contains("\"too_many_connections\"");
                    refused++;
                } else {
                    assertThat(answer).isEmpty();
                }
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(60));
            // At most the cap were admitted at once; sockets closed by their deadline meanwhile made room for more.
            assertThat(refused).isBetween(1, 1_100 - PER_ADDRESS_MAX);
            assertThat(cluster.node(1).httpRefusedConnections()).isGreaterThanOrEqualTo(refused);
            // And the address may connect again once its sockets are gone.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                try (RawHttp http = new RawHttp(port, "127.0.0.2")) {
                    assertThat(http.send(RawHttp.get("/rooms")).read().status()).isEqualTo(200);
                }
            });
        } finally {
            for (Socket socket : idle) {
                socket.close();
            }
        }
    }

    /** Reads until the server closes the socket (or resets it); fails the test when it stays open for 60 s. */
    private static String readToEnd(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        StringBuilder text = new StringBuilder();
        byte[] buffer = new byte[1024];
        try {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                text.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("an idle socket stayed open for 60 s", e);
        } catch (IOException e) {
            // a reset ends it too
        }
        return text.toString();
    }

    @Test
    void aRequestHeadThatNeverCompletesGets408AtItsDeadline() {
        try (RawHttp http = new RawHttp(port)) {
            long start = System.nanoTime();
            http.send("GET /rooms HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
            Response response = http.read();
            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
            assertThat(response.status()).isEqualTo(408);
            assertThat(response.errorCode()).isEqualTo("request_timeout");
            assertThat(elapsedMillis).isBetween(HEADER_TIMEOUT_MILLIS - 100, HEADER_TIMEOUT_MILLIS + 5_000);
            assertThat(http.closedByServer()).isTrue();
        }
    }

    @Test
    void aHeadTrickledByteByByteStillEndsAtItsDeadline() throws Exception {
        ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
        try (RawHttp http = new RawHttp(port)) {
            http.send("GET /rooms HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
            long start = System.nanoTime();
            ScheduledFuture<?> unused = trickle.scheduleAtFixedRate(
                    () -> {
                        try {
                            http.send("a");
                        } catch (RuntimeException e) {
                            // closed by the server: the point of the test
                        }
                    },
                    100,
                    100,
                    TimeUnit.MILLISECONDS);
            Response response = http.read();
            assertThat(response.status()).isEqualTo(408);
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(HEADER_TIMEOUT_MILLIS + 5_000);
        } finally {
            trickle.shutdownNow();
        }
    }

    @Test
    void aBodyThatNeverCompletesGets408() {
        try (RawHttp http = new RawHttp(port)) {
            http.send("POST /rooms/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 100\r\n\r\n{\"Message\":");
            Response response = http.read();
            assertThat(response.status()).isEqualTo(408);
            assertThat(response.errorCode()).isEqualTo("request_timeout");
            assertThat(http.closedByServer()).isTrue();
        }
        assertThat(cluster.get(1, "/rooms/slow").body()).isEqualTo("[]");
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout() {
        try (RawHttp http = new RawHttp(port)) {
            // Measured from before the request: the server's idle time starts after its answer, later still.
            long start = System.nanoTime();
            assertThat(http.send(RawHttp.get("/healthz")).read().status()).isEqualTo(200);
            assertThat(http.closedByServer()).isTrue();
            assertThat((System.nanoTime() - start) / 1_000_000)
                    .isBetween(IDLE_TIMEOUT_MILLIS - 100, IDLE_TIMEOUT_MILLIS + 5_000);
        }
    }

    @Test
    void anUnauthenticatedV1WebSocketThatOnlyPingsIsClosed() {
        try (V1Socket socket = new V1Socket(cluster, 1, "")) {
            ScheduledExecutorService pinger = Executors.newSingleThreadScheduledExecutor();
            try {
                ScheduledFuture<?> unused = pinger.scheduleAtFixedRate(
                        () -> socket.socket
                                .sendPing(ByteBuffer.wrap(new byte[] {7}))
                                .join(),
                        0,
                        200,
                        TimeUnit.MILLISECONDS);
                assertThat(socket.closeCode.orTimeout(20, TimeUnit.SECONDS).join())
                        .isEqualTo(WebSocketHub.CLOSE_UNAUTHORIZED);
                assertThat(socket.next("error").path("message").asText()).contains("not authenticated within");
            } finally {
                pinger.shutdownNow();
            }
        }
    }

    @Test
    void aDeadFirehosePeerIsDropped() throws Exception {
        var firehose = cluster.node(1).firehose();
        long droppedBefore = firehose.deadClientsDropped();
        try (RawHttp http = new RawHttp(port)) {
            // A handshake, then silence: never a pong (reading is not answering).
            http.send(RawHttp.get(
                    "/ws?client=raw",
                    "Upgrade: websocket",
                    "Connection: Upgrade",
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                    "Sec-WebSocket-Version: 13"));
            assertThat(http.read().status()).isEqualTo(101);
            await().atMost(Duration.ofSeconds(5)).until(() -> firehose.clientCount() == 1);
            assertThat(http.closedByServer()).isTrue();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> firehose.clientCount() == 0);
        assertThat(firehose.deadClientsDropped()).isEqualTo(droppedBefore + 1);
    }

    @Test
    void aLiveFirehoseClientThatAnswersPingsStays() {
        var received = new LinkedBlockingQueue<String>();
        var pings = new AtomicInteger();
        var socket = HttpClient.newHttpClient()
                .newWebSocketBuilder()
                .buildAsync(URI.create(cluster.url(1, "/ws").replace("http://", "ws://")), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        received.add(data.toString());
                        webSocket.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
                        pings.incrementAndGet(); // the JDK client answers each with a pong
                        webSocket.request(1);
                        return null;
                    }
                })
                .join();
        try {
            var firehose = cluster.node(1).firehose();
            await().atMost(Duration.ofSeconds(5)).until(() -> firehose.clientCount() == 1);
            long droppedBefore = firehose.deadClientsDropped();
            // Ten pings (300 ms apart, twice the 1.5 s idle timeout), each answered: it is still subscribed.
            await().atMost(Duration.ofSeconds(20)).until(() -> pings.get() >= 10);
            assertThat(firehose.deadClientsDropped()).isEqualTo(droppedBefore);
            assertThat(firehose.clientCount()).isEqualTo(1);
            assertThat(cluster.post(1, "/rooms/live", "{\"Message\":\"hi\",\"User\":\"u\"}")
                            .statusCode())
                    .isEqualTo(201);
            await().atMost(Duration.ofSeconds(5)).until(() -> received.stream().anyMatch(f -> f.contains("hi")));
        } finally {
            socket.abort();
        }
    }
}
