package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A v1 WebSocket client for tests: frames arrive in a queue; the close code is kept. */
final class V1Socket implements WebSocket.Listener, AutoCloseable {
    final LinkedBlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
    final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    final WebSocket socket;

    V1Socket(ChatCluster cluster, long node, String query) {
        String url = cluster.url(node, "/api/v1/ws" + query).replace("http://", "ws://");
        socket = HttpClient.newHttpClient()
                .newWebSocketBuilder()
                .connectTimeout(Duration.ofSeconds(5))
                .buildAsync(URI.create(url), this)
                .join();
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            try {
                frames.add(V1Client.JSON.readTree(partial.toString()));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            partial.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closeCode.complete(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closeCode.complete(-1);
    }

    void send(String json) {
        socket.sendText(json, true).join();
    }

    /** The next frame, failing after 10 s. */
    JsonNode next() {
        try {
            JsonNode frame = frames.poll(10, TimeUnit.SECONDS);
            if (frame == null) {
                throw new AssertionError("no frame within 10 s");
            }
            return frame;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The next frame of {@code type}, skipping others. */
    JsonNode next(String type) {
        while (true) {
            JsonNode frame = next();
            if (frame.path("type").asText().equals(type)) {
                return frame;
            }
        }
    }

    @Override
    public void close() {
        socket.abort();
    }

    /**
     * A raw v1 WebSocket client of {@code node} with a 1 KiB receive buffer that subscribes to {@code room} from its
     * first message and then reads nothing more, so what the server sends it piles up in the server's buffer.
     */
    static Socket stalledSubscriber(ChatCluster cluster, long node, String token, String room) throws IOException {
        Socket raw = new Socket();
        try {
            raw.setReceiveBufferSize(1_024);
            raw.connect(new InetSocketAddress(
                    InetAddress.getLoopbackAddress(), cluster.node(node).httpPort()));
            OutputStream out = raw.getOutputStream();
            out.write(("GET /api/v1/ws?token=" + token + " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                            + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                            + "Sec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = raw.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int next = in.read();
                if (next < 0) {
                    throw new EOFException("the handshake's answer ended early: " + head);
                }
                head.append((char) next);
            }
            assertThat(head.toString()).startsWith("HTTP/1.1 101");
            out.write(maskedTextFrame("{\"type\":\"subscribe\",\"room\":\"" + room + "\",\"after\":0}"));
            out.flush();
            return raw;
        } catch (IOException | RuntimeException | AssertionError e) {
            raw.close();
            throw e;
        }
    }

    /** One masked text frame, as a client must send it. */
    private static byte[] maskedTextFrame(String text) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(0x81);
        frame.write(0x80 | payload.length);
        byte[] mask = {1, 2, 3, 4};
        frame.writeBytes(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i % 4]);
        }
        return frame.toByteArray();
    }
}
