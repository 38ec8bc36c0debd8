package dev.raftchat.bench.chat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;

/**
 * A minimal blocking WebSocket client (RFC 6455) for the fan-out load: one connection read by one thread, text
 * frames handed over as bytes in a reused buffer, no extensions, no fragmented messages from the server (chat-server
 * sends each event as one frame). It exists for the same reason as {@link RawHttpClient}: the subscribers of the
 * benchmark receive 100,000 frames per second or more on a machine whose cores the nodes under test need, and the
 * JDK's {@link java.net.http.WebSocket} hands every frame through a selector thread and an executor (one
 * decode to a {@code CharSequence} per frame), which would make the load generator the bottleneck. Pings are
 * answered with pongs inside {@link #read()}.
 *
 * <p>Not thread-safe: the thread that reads also sends (subscribe frames, pongs); {@link #close()} may be called
 * from another thread to end a blocked read.
 */
final class RawWebSocket implements AutoCloseable {
    /** A server frame larger than this is refused (chat-server's events are a few hundred bytes). */
    static final int FRAME_BYTES_MAX = 1024 * 1024;

    static final int CONNECT_TIMEOUT_MILLIS = 5_000;
    static final int READ_BUFFER_BYTES = 64 * 1024;

    static final int OPCODE_TEXT = 1;
    static final int OPCODE_BINARY = 2;
    static final int OPCODE_CLOSE = 8;
    static final int OPCODE_PING = 9;
    static final int OPCODE_PONG = 10;

    private static final String ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final byte[] buffer = new byte[READ_BUFFER_BYTES];
    private int position;
    private int limit;
    private byte[] payload = new byte[4096];
    private int payloadLength;
    private int closeCode = -1;
    private volatile boolean closedByUs;

    /**
     * Connects and performs the opening handshake.
     *
     * @param pathAndQuery e.g. {@code /api/v1/ws?token=...}
     * @throws IOException when the connection or the handshake fails (anything but {@code 101} with the right accept key)
     */
    RawWebSocket(URI node, String pathAndQuery, int readTimeoutMillis) throws IOException {
        socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(readTimeoutMillis);
            socket.connect(new InetSocketAddress(node.getHost(), node.getPort()), CONNECT_TIMEOUT_MILLIS);
            in = socket.getInputStream();
            out = socket.getOutputStream();
            byte[] nonce = new byte[16];
            RANDOM.nextBytes(nonce);
            String key = Base64.getEncoder().encodeToString(nonce);
            String request = "GET " + pathAndQuery + " HTTP/1.1\r\nHost: " + node.getHost() + ":" + node.getPort()
                    + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key
                    + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String status = readLine();
            if (!status.startsWith("HTTP/1.1 101")) {
                throw new IOException("WebSocket handshake refused: " + status);
            }
            String expectedAccept = accept(key);
            boolean accepted = false;
            for (String line = readLine(); !line.isEmpty(); line = readLine()) {
                int colon = line.indexOf(':');
                if (colon > 0
                        && line.substring(0, colon)
                                .trim()
                                .toLowerCase(Locale.ROOT)
                                .equals("sec-websocket-accept")
                        && line.substring(colon + 1).trim().equals(expectedAccept)) {
                    accepted = true;
                }
            }
            if (!accepted) {
                throw new IOException("WebSocket handshake without the expected Sec-WebSocket-Accept");
            }
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private static String accept(String key) {
        try {
            byte[] digest =
                    MessageDigest.getInstance("SHA-1").digest((key + ACCEPT_GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every JDK", e);
        }
    }

    /** Sends a text frame (masked, as a client must). */
    void sendText(String text) throws IOException {
        send(OPCODE_TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    private void send(int opcode, byte[] data) throws IOException {
        if (data.length > 65_535) {
            throw new IllegalArgumentException("frames of this client are at most 65,535 bytes");
        }
        ByteArrayOutputStream frame = new ByteArrayOutputStream(data.length + 8);
        frame.write(0x80 | opcode);
        if (data.length < 126) {
            frame.write(0x80 | data.length);
        } else {
            frame.write(0x80 | 126);
            frame.write(data.length >>> 8);
            frame.write(data.length & 0xff);
        }
        byte[] mask = new byte[4];
        RANDOM.nextBytes(mask);
        frame.write(mask, 0, 4);
        for (int i = 0; i < data.length; i++) {
            frame.write(data[i] ^ mask[i & 3]);
        }
        out.write(frame.toByteArray());
        out.flush();
    }

    /**
     * Reads the next text, binary or close frame, answering pings on the way.
     *
     * @return its opcode; the payload is {@link #payload()}[0, {@link #payloadLength()}) until the next read
     * @throws IOException when the connection fails or a frame breaks the protocol
     */
    int read() throws IOException {
        while (true) {
            int first = nextByte();
            int second = nextByte();
            if ((first & 0x80) == 0) {
                throw new IOException("fragmented server message (not sent by chat-server)");
            }
            if ((second & 0x80) != 0) {
                throw new IOException("masked server frame");
            }
            int opcode = first & 0x0f;
            long length = second & 0x7f;
            if (length == 126) {
                length = ((long) nextByte() << 8) | nextByte();
            } else if (length == 127) {
                length = 0;
                for (int i = 0; i < 8; i++) {
                    length = (length << 8) | nextByte();
                }
            }
            if (length > FRAME_BYTES_MAX) {
                throw new IOException("server frame of " + length + " bytes");
            }
            readPayload((int) length);
            switch (opcode) {
                case OPCODE_PING -> {
                    byte[] data = new byte[payloadLength];
                    System.arraycopy(payload, 0, data, 0, payloadLength);
                    send(OPCODE_PONG, data);
                }
                case OPCODE_PONG -> {
                    // Unsolicited pongs are allowed and mean nothing.
                }
                case OPCODE_CLOSE -> {
                    closeCode = payloadLength >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
                    return opcode;
                }
                case OPCODE_TEXT, OPCODE_BINARY -> {
                    return opcode;
                }
                default -> throw new IOException("unknown opcode " + opcode);
            }
        }
    }

    byte[] payload() {
        return payload;
    }

    int payloadLength() {
        return payloadLength;
    }

    /** The status code of the close frame read last; -1 before one, 1005 when it had none. */
    int closeCode() {
        return closeCode;
    }

    /** The payload of the frame read last, as text (for setup frames; the hot path reads the bytes). */
    String payloadText() {
        return new String(payload, 0, payloadLength, StandardCharsets.UTF_8);
    }

    private void readPayload(int length) throws IOException {
        if (payload.length < length) {
            payload = new byte[Math.max(length, payload.length * 2)];
        }
        int copied = 0;
        while (copied < length) {
            if (position == limit) {
                fill();
            }
            int chunk = Math.min(length - copied, limit - position);
            System.arraycopy(buffer, position, payload, copied, chunk);
            position += chunk;
            copied += chunk;
        }
        payloadLength = length;
    }

    private int nextByte() throws IOException {
        if (position == limit) {
            fill();
        }
        return buffer[position++] & 0xff;
    }

    private void fill() throws IOException {
        int n = in.read(buffer, 0, buffer.length);
        if (n < 0) {
            throw new IOException("connection closed by the server");
        }
        position = 0;
        limit = n;
    }

    private String readLine() throws IOException {
        StringBuilder line = new StringBuilder(64);
        while (true) {
            int b = nextByte();
            if (b == '\n') {
                int length = line.length();
                return length > 0 && line.charAt(length - 1) == '\r' ? line.substring(0, length - 1) : line.toString();
            }
            if (line.length() >= 8192) {
                throw new IOException("handshake header line too long");
            }
            line.append((char) b);
        }
    }

    /** True once {@link #close()} was called: a read that fails afterwards failed because of it. */
    boolean isClosedByUs() {
        return closedByUs;
    }

    @Override
    public void close() {
        closedByUs = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // Closing a broken connection: nothing more to do.
        }
    }
}
