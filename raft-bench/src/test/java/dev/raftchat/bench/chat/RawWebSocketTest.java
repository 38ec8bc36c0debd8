package dev.raftchat.bench.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The fan-out bench's WebSocket client against a scripted server on loopback, and its frame field parser. */
class RawWebSocketTest {
    private static final Pattern KEY = Pattern.compile("Sec-WebSocket-Key: (\\S+)\r\n");

    @Test
    void readsTextFramesAnswersPingsSendsMaskedFramesAndReportsTheCloseCode() throws Exception {
        String longText = "{\"type\":\"message\",\"message\":{\"seq\":42,\"text\":\"t=123;" + "x".repeat(300) + "\"}}";
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<String> serverSaw = CompletableFuture.supplyAsync(() -> {
                try (Socket socket = server.accept()) {
                    DataInputStream in = new DataInputStream(socket.getInputStream());
                    OutputStream out = socket.getOutputStream();
                    String head = readHead(in);
                    Matcher key = KEY.matcher(head);
                    assertThat(key.find()).isTrue();
                    out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                    + "Sec-WebSocket-Accept: " + accept(key.group(1)) + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    ByteArrayOutputStream frames = new ByteArrayOutputStream();
                    frames.writeBytes(frame(9, "hi".getBytes(StandardCharsets.US_ASCII)));
                    frames.writeBytes(frame(1, longText.getBytes(StandardCharsets.UTF_8)));
                    out.write(frames.toByteArray());
                    out.flush();
                    String pong = readMasked(in, 10);
                    String text = readMasked(in, 1);
                    out.write(frame(8, new byte[] {(byte) (4008 >> 8), (byte) (4008 & 0xff), 'x'}));
                    out.flush();
                    return pong + "|" + text;
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            URI node = URI.create("http://127.0.0.1:" + server.getLocalPort());
            try (RawWebSocket socket = new RawWebSocket(node, "/api/v1/ws?token=t", 10_000)) {
                assertThat(socket.read()).isEqualTo(RawWebSocket.OPCODE_TEXT);
                assertThat(socket.payloadText()).isEqualTo(longText);
                assertThat(ChatFanout.numberAfter(
                                socket.payload(), socket.payloadLength(), "\"seq\":".getBytes(StandardCharsets.UTF_8)))
                        .isEqualTo(42);
                assertThat(ChatFanout.numberAfter(
                                socket.payload(),
                                socket.payloadLength(),
                                "\"text\":\"t=".getBytes(StandardCharsets.UTF_8)))
                        .isEqualTo(123);
                assertThat(ChatFanout.numberAfter(
                                socket.payload(), socket.payloadLength(), "\"nope\":".getBytes(StandardCharsets.UTF_8)))
                        .isEqualTo(-1);
                socket.sendText("{\"type\":\"subscribe\"}");
                assertThat(socket.read()).isEqualTo(RawWebSocket.OPCODE_CLOSE);
                assertThat(socket.closeCode()).isEqualTo(4008);
            }
            assertThat(serverSaw.get(10, TimeUnit.SECONDS)).isEqualTo("hi|{\"type\":\"subscribe\"}");
        }
    }

    @Test
    void aRefusedHandshakeIsAnError() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> serve = CompletableFuture.runAsync(() -> {
                try (Socket socket = server.accept()) {
                    readHead(new DataInputStream(socket.getInputStream()));
                    socket.getOutputStream()
                            .write("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n"
                                    .getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            URI node = URI.create("http://127.0.0.1:" + server.getLocalPort());
            assertThatThrownBy(() -> new RawWebSocket(node, "/api/v1/ws", 10_000))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("401");
            serve.get(10, TimeUnit.SECONDS);
        }
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed during the handshake");
            }
            head.append((char) b);
        }
        return head.toString();
    }

    private static String accept(String key) {
        try {
            return Base64.getEncoder()
                    .encodeToString(MessageDigest.getInstance("SHA-1")
                            .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
                                    .getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An unmasked server frame; payloads of 126+ bytes use the 16-bit length. */
    private static byte[] frame(int opcode, byte[] payload) {
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(0x80 | opcode);
        if (payload.length < 126) {
            frame.write(payload.length);
        } else {
            frame.write(126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length & 0xff);
        }
        frame.writeBytes(payload);
        return frame.toByteArray();
    }

    /** Reads one client frame, which must be masked and of {@code opcode}, and returns its unmasked text. */
    private static String readMasked(DataInputStream in, int opcode) throws IOException {
        int first = in.readUnsignedByte();
        int second = in.readUnsignedByte();
        assertThat(first).isEqualTo(0x80 | opcode);
        assertThat(second & 0x80).as("masked").isEqualTo(0x80);
        int length = second & 0x7f;
        byte[] mask = new byte[4];
        in.readFully(mask);
        byte[] payload = new byte[length];
        in.readFully(payload);
        for (int i = 0; i < length; i++) {
            payload[i] ^= mask[i & 3];
        }
        return new String(payload, StandardCharsets.UTF_8);
    }
}
