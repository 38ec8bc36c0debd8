package dev.raftchat.bench.chat;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A minimal blocking HTTP/1.1 keep-alive client for the chat load: one connection, one request at a time, bodies
 * framed by {@code Content-Length} only (what chat-server sends for API answers). It exists because the JDK's
 * {@link java.net.http.HttpClient} cost the load generator 0.5-0.8 cores at 2,000-5,000 requests/s (a selector
 * thread and worker pool per client, several thread hand-offs per request) on a machine where the nodes get
 * less than two cores: the generator took CPU the cluster under test needed.
 *
 * <p>Not thread-safe: one client thread owns it. A failed exchange closes the connection; the next request
 * opens a new one.
 */
final class RawHttpClient implements AutoCloseable {
    /** A response's status line, headers or body larger than this is refused (the bench's rooms are small). */
    static final int RESPONSE_BYTES_MAX = 16 * 1024 * 1024;

    static final int CONNECT_TIMEOUT_MILLIS = 5_000;

    /** What came back: the status code and the body as text. */
    record Response(int status, String body) {}

    private final InetSocketAddress address;
    private final int readTimeoutMillis;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    RawHttpClient(URI node, int readTimeoutMillis) {
        this.address = new InetSocketAddress(node.getHost(), node.getPort());
        this.readTimeoutMillis = readTimeoutMillis;
    }

    /**
     * Sends one request and reads its response.
     *
     * @param pathAndQuery already encoded, starting with {@code /}
     * @param body         null for none (GET)
     * @throws IOException when the connection fails or the response is not HTTP/1.1 with a Content-Length
     */
    Response exchange(String method, String pathAndQuery, byte[] body) throws IOException {
        return exchange(method, pathAndQuery, body, "");
    }

    /**
     * As {@link #exchange(String, String, byte[])} with more request headers.
     *
     * @param headers complete header lines, each ending in CRLF (e.g. {@code "Authorization: Bearer x\r\n"}), or ""
     */
    Response exchange(String method, String pathAndQuery, byte[] body, String headers) throws IOException {
        if (socket == null) {
            connect();
        }
        try {
            StringBuilder head = new StringBuilder(128)
                    .append(method)
                    .append(' ')
                    .append(pathAndQuery)
                    .append(" HTTP/1.1\r\nHost: ")
                    .append(address.getHostString())
                    .append(':')
                    .append(address.getPort())
                    .append("\r\n")
                    .append(headers);
            if (body != null) {
                head.append("Content-Type: application/json\r\nContent-Length: ")
                        .append(body.length)
                        .append("\r\n");
            }
            head.append("\r\n");
            byte[] headBytes = head.toString().getBytes(StandardCharsets.US_ASCII);
            if (body == null) {
                out.write(headBytes);
            } else {
                // One write, so the request leaves in one segment.
                byte[] whole = new byte[headBytes.length + body.length];
                System.arraycopy(headBytes, 0, whole, 0, headBytes.length);
                System.arraycopy(body, 0, whole, headBytes.length, body.length);
                out.write(whole);
            }
            out.flush();
            return readResponse();
        } catch (IOException | RuntimeException e) {
            close();
            throw e instanceof IOException io ? io : new IOException(e);
        }
    }

    private void connect() throws IOException {
        Socket fresh = new Socket();
        try {
            fresh.setTcpNoDelay(true);
            fresh.setSoTimeout(readTimeoutMillis);
            fresh.connect(address, CONNECT_TIMEOUT_MILLIS);
        } catch (IOException e) {
            fresh.close();
            throw e;
        }
        socket = fresh;
        in = new BufferedInputStream(fresh.getInputStream(), 16 * 1024);
        out = fresh.getOutputStream();
    }

    private Response readResponse() throws IOException {
        String statusLine = readLine();
        if (!statusLine.startsWith("HTTP/1.1 ") || statusLine.length() < 12) {
            throw new IOException("not an HTTP/1.1 status line: " + statusLine);
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        long contentLength = -1;
        boolean close = false;
        for (String line = readLine(); !line.isEmpty(); line = readLine()) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("bad header line: " + line);
            }
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            if (name.equals("content-length")) {
                contentLength = Long.parseLong(value);
            } else if (name.equals("connection") && value.equalsIgnoreCase("close")) {
                close = true;
            } else if (name.equals("transfer-encoding")) {
                throw new IOException("transfer-encoding " + value + " is not supported by this client");
            }
        }
        if (contentLength < 0 || contentLength > RESPONSE_BYTES_MAX) {
            throw new IOException("response without a usable Content-Length (" + contentLength + ")");
        }
        byte[] body = in.readNBytes((int) contentLength);
        if (body.length != contentLength) {
            throw new IOException("connection closed after " + body.length + " of " + contentLength + " body bytes");
        }
        if (close) {
            close();
        }
        return new Response(status, new String(body, StandardCharsets.UTF_8));
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(64);
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed by the server");
            }
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
            }
            if (line.size() >= RESPONSE_BYTES_MAX) {
                throw new IOException("header line too long");
            }
            line.write(b);
        }
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // Closing a broken connection: nothing more to do.
            }
        }
        socket = null;
        in = null;
        out = null;
    }
}
