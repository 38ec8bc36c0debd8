package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A v1 WebSocket client that stops reading is disconnected (4008) once its outbound buffer passes the bound. */
class V1SlowConsumerTest {

    @Test
    void aClientThatStopsReadingIsDisconnected(@TempDir Path dataRoot) throws Exception {
        try (ChatCluster cluster = new ChatCluster(dataRoot, 1)) {
            var api = ChatCluster.testApiConfig();
            api.webSocketOutboundBytesMax = 4_096;
            cluster.apiConfig = api.build();
            cluster.startAll();
            cluster.awaitReady();
            V1Client client = new V1Client(cluster);
            String token = client.signUp(1, "slow");
            client.post(1, "/api/v1/rooms", token, "{\"name\":\"flood\"}");
            String big = "x".repeat(4_000);
            client.post(1, "/api/v1/rooms/flood/messages", token, "{\"text\":\"" + big + "\"}");
            try (Socket raw = new Socket()) {
                raw.setReceiveBufferSize(1_024);
                raw.connect(new InetSocketAddress(
                        InetAddress.getLoopbackAddress(), cluster.node(1).httpPort()));
                OutputStream out = raw.getOutputStream();
                out.write(("GET /api/v1/ws?token=" + token + " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = raw.getInputStream();
                StringBuilder head = new StringBuilder();
                while (!head.toString().endsWith("\r\n\r\n")) {
                    head.append((char) in.read());
                }
                assertThat(head.toString()).startsWith("HTTP/1.1 101");
                out.write(maskedTextFrame("{\"type\":\"subscribe\",\"room\":\"flood\",\"after\":0}"));
                out.flush();
                // Now the client reads nothing more: every edit of the delivered message must be written, and piles up.
                await().atMost(ChatCluster.WAIT).until(() -> {
                    client.call(1, "PATCH", "/api/v1/rooms/flood/messages/1", token, "{\"text\":\"" + big + "\"}");
                    return cluster.node(1).webSocketHub().slowConsumersClosed() > 0;
                });
                await().atMost(ChatCluster.WAIT)
                        .until(() -> cluster.node(1).webSocketHub().connectionCount() == 0);
            }
        }
    }

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
