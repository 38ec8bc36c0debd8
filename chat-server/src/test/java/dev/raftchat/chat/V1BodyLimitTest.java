package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --max-body-bytes} end to end: the flag as parsed by the CLI, a node built from it, and a raw socket
 * that sends the headers and only the start of an oversized body, then reads the answer. (A client that keeps
 * streaming the body may see the connection reset instead, which would make the test flaky.)
 */
class V1BodyLimitTest {
    private static final int BODY_BYTES_MAX = 1_024;
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final V1Cluster v1 = new V1Cluster();

    private ChatCluster cluster;

    @Test
    void aBodyOverTheFlagsLimitGetsAJson413AndCreatesNothing(@TempDir Path dataRoot) throws IOException {
        cluster = v1.closeAfterTest(new ChatCluster(dataRoot, 1));
        RaftChatMain main = (RaftChatMain) RaftChatMain.commandLine(Map.of())
                .parseArgs(
                        "--id",
                        "1",
                        "--cluster",
                        "http://127.0.0.1:" + cluster.members.get(1L).port(),
                        "--port",
                        "0",
                        "--http-host",
                        "127.0.0.1",
                        "--data-dir",
                        dataRoot.resolve("node-1").toString(),
                        "--tick-ms",
                        String.valueOf(ChatCluster.TICK_MILLIS),
                        "--password-hash-iterations",
                        "1000",
                        "--max-body-bytes",
                        String.valueOf(BODY_BYTES_MAX))
                .commandSpec()
                .userObject();
        ChatNodeConfig config = main.toConfig();
        assertThat(config.httpContentBytesMax()).isEqualTo(BODY_BYTES_MAX);
        cluster.nodes.put(1L, ChatNode.start(config));
        cluster.awaitReady();
        V1Client client = new V1Client(cluster);
        String alice = client.signUp(1, "alice");
        assertThat(client.post(1, "/api/v1/rooms", alice, "{\"name\":\"big\"}").status())
                .isEqualTo(201);
        assertThat(client.get(1, "/api/v1/info", null)
                        .body()
                        .path("limits")
                        .path("maxBodyBytes")
                        .asInt())
                .isEqualTo(BODY_BYTES_MAX);

        // A body just under the limit is accepted (the node's message limit is larger than the body limit here).
        String fits = "{\"text\":\"" + "f".repeat(BODY_BYTES_MAX - 12) + "\"}";
        assertThat(fits.length()).isLessThanOrEqualTo(BODY_BYTES_MAX);
        assertThat(client.post(1, "/api/v1/rooms/big/messages", alice, fits).status())
                .isEqualTo(201);

        // Over it: the answer comes while the body is still unfinished.
        String oversized = "{\"text\":\"" + "x".repeat(3 * BODY_BYTES_MAX) + "\"}";
        byte[] body = oversized.getBytes(StandardCharsets.UTF_8);
        try (Socket socket =
                new Socket(InetAddress.getLoopbackAddress(), cluster.node(1).httpPort())) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            String head = "POST /api/v1/rooms/big/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                    + alice + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n";
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(body, 0, 100);
            out.flush();
            String response = readResponse(socket.getInputStream());
            assertThat(response).startsWith("HTTP/1.1 413 ");
            String headers = response.substring(0, response.indexOf("\r\n\r\n")).toLowerCase(Locale.ROOT);
            assertThat(headers).contains("content-type: application/json");
            JsonNode error = JSON.readTree(response.substring(response.indexOf("\r\n\r\n") + 4))
                    .path("error");
            assertThat(error.path("code").asText()).isEqualTo("body_too_large");
            assertThat(error.path("message").asText()).contains(String.valueOf(BODY_BYTES_MAX));
        }
        // Nothing was created: only the message that fit is in the room.
        assertThat(client.get(1, "/api/v1/rooms/big", alice)
                        .body()
                        .get("messageCount")
                        .asLong())
                .isEqualTo(1);
        // The node still serves new connections.
        assertThat(client.post(1, "/api/v1/rooms/big/messages", alice, "{\"text\":\"after\"}")
                        .status())
                .isEqualTo(201);
    }

    /** Reads one response: the headers, then Content-Length bytes of body (the server closes after a 413). */
    private static String readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        int headerEnd = -1;
        int contentLength = -1;
        byte[] chunk = new byte[4096];
        while (true) {
            String text = buffer.toString(StandardCharsets.ISO_8859_1);
            if (headerEnd < 0 && (headerEnd = text.indexOf("\r\n\r\n")) >= 0) {
                for (String line : text.substring(0, headerEnd).split("\r\n")) {
                    if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                        contentLength = Integer.parseInt(
                                line.substring("content-length:".length()).trim());
                    }
                }
            }
            if (headerEnd >= 0 && contentLength >= 0 && buffer.size() >= headerEnd + 4 + contentLength) {
                return text.substring(0, headerEnd + 4 + contentLength);
            }
            int read = in.read(chunk);
            if (read < 0) {
                return text;
            }
            buffer.write(chunk, 0, read);
        }
    }
}
