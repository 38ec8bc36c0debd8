package dev.raftchat.chat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A raw HTTP/1.1 connection for tests that need what {@code java.net.http} will not send: malformed targets,
 * pipelining, partial heads, a chosen source address. Responses are parsed by {@code Content-Length}.
 */
final class RawHttp implements AutoCloseable {
    final Socket socket;
    private final InputStream in;

    /** One parsed response. */
    record Response(int status, Map<String, String> headers, String body) {
        JsonNode json() {
            try {
                return V1Client.JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }

        String errorCode() {
            return json().path("error").path("code").asText();
        }
    }

    RawHttp(int port) {
        this(port, null);
    }

    /** Connects to 127.0.0.1:{@code port} from {@code source} (any 127.0.0.0/8 address), or any when null. */
    RawHttp(int port, String source) {
        try {
            socket = new Socket();
            if (source != null) {
                byte[] address = new byte[4];
                String[] parts = source.split("\\.");
                for (int i = 0; i < 4; i++) {
                    address[i] = (byte) Integer.parseInt(parts[i]);
                }
                socket.bind(new InetSocketAddress(InetAddress.getByAddress(address), 0));
            }
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
            socket.setSoTimeout(20_000);
            in = socket.getInputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    RawHttp send(String text) {
        return send(text.getBytes(StandardCharsets.UTF_8));
    }

    RawHttp send(byte[] bytes) {
        try {
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String get(String target, String... headers) {
        return request("GET", target, null, headers);
    }

    /** A request with {@code Host: 127.0.0.1} and a Content-Length when there is a body. */
    static String request(String method, String target, String body, String... headers) {
        StringBuilder text = new StringBuilder(method + " " + target + " HTTP/1.1\r\n");
        boolean hostGiven = false;
        for (String header : headers) {
            text.append(header).append("\r\n");
            hostGiven |= header.toLowerCase(Locale.ROOT).startsWith("host:");
        }
        if (!hostGiven) {
            text.append("Host: 127.0.0.1\r\n");
        }
        if (body != null) {
            text.append("Content-Length: ")
                    .append(body.getBytes(StandardCharsets.UTF_8).length)
                    .append("\r\n");
        }
        text.append("\r\n");
        if (body != null) {
            text.append(body);
        }
        return text.toString();
    }

    /** The next response; fails when the connection ends first. */
    Response read() {
        try {
            String statusLine = line();
            if (statusLine == null) {
                throw new AssertionError("the connection closed before a response");
            }
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (String header = line(); header != null && !header.isEmpty(); header = line()) {
                int colon = header.indexOf(':');
                headers.put(
                        header.substring(0, colon).trim(),
                        header.substring(colon + 1).trim());
            }
            int length = Integer.parseInt(headers.getOrDefault("Content-Length", "0"));
            byte[] body = in.readNBytes(length);
            return new Response(status, headers, new String(body, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every response until the server closes the connection. */
    List<Response> readUntilClosed() {
        List<Response> responses = new ArrayList<>();
        while (true) {
            String statusLine;
            try {
                statusLine = line();
            } catch (IOException e) {
                return responses; // a reset ends the connection too
            }
            if (statusLine == null) {
                return responses;
            }
            pushBack = statusLine;
            responses.add(read());
        }
    }

    /** True once the server closed the connection (reads end of stream or a reset); reads and drops any bytes. */
    boolean closedByServer() {
        try {
            byte[] buffer = new byte[4096];
            while (true) {
                int n = in.read(buffer);
                if (n < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private String pushBack;

    private String line() throws IOException {
        if (pushBack != null) {
            String line = pushBack;
            pushBack = null;
            return line;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                return bytes.size() == 0 ? null : bytes.toString(StandardCharsets.ISO_8859_1);
            }
            if (b == '\n') {
                String line = bytes.toString(StandardCharsets.ISO_8859_1);
                return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
            }
            bytes.write(b);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
