package dev.raftchat.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy on loopback between the browser and one node, to give the client a faulty network while
 * the cluster itself behaves normally:
 * <ul>
 *   <li>{@link #swallowResponses(boolean)}: requests still reach the node, but whatever the node answers
 *       is thrown away and the connection is closed, so the browser sees a failed request whose effect
 *       may well have happened (the case idempotent retries exist for);</li>
 *   <li>{@link #blockWebSockets(boolean)} closes new connections that ask for the WebSocket, and
 *       {@link #dropWebSockets()} closes the open ones.</li>
 * </ul>
 * One thread per direction per connection (a browser opens a handful). Closing the proxy closes everything.
 */
final class FaultyProxy implements AutoCloseable {
    private static final int BUFFER_BYTES = 16 * 1024;
    private static final byte[] WEBSOCKET_REQUEST = "GET /api/v1/ws".getBytes(StandardCharsets.US_ASCII);

    private final int targetPort;
    private final ServerSocket listener;
    private final Set<Link> links = ConcurrentHashMap.newKeySet();
    private volatile boolean swallowResponses;
    private volatile boolean blockWebSockets;
    private volatile boolean closed;

    FaultyProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "faulty-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    void swallowResponses(boolean on) {
        swallowResponses = on;
    }

    void blockWebSockets(boolean on) {
        blockWebSockets = on;
    }

    /** Closes every open WebSocket connection (the browser sees the server go away). */
    void dropWebSockets() {
        links.stream().filter(link -> link.webSocket).forEach(Link::close);
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            try {
                Socket server = new Socket();
                try {
                    server.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 5_000);
                } catch (IOException e) {
                    closeQuietly(server);
                    throw e;
                }
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                Link link = new Link(client, server);
                links.add(link);
                start("faulty-proxy-up", () -> link.pumpUp());
                start("faulty-proxy-down", () -> link.pumpDown());
            } catch (IOException e) {
                // The node is down: the browser sees its connection closed, as it would without the proxy.
                closeQuietly(client);
            }
        }
    }

    private static void start(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        listener.close();
        links.forEach(Link::close);
    }

    private final class Link {
        final Socket client;
        final Socket server;
        volatile boolean webSocket;
        /** Whether the first chunk from the browser was seen (the pumpUp thread's own). */
        private boolean sawRequest;

        Link(Socket client, Socket server) {
            this.client = client;
            this.server = server;
        }

        /** Browser to node: everything passes; the first bytes tell whether this is the WebSocket. */
        void pumpUp() {
            pump(client, server, (buffer, length) -> {
                if (sawRequest) {
                    return false;
                }
                sawRequest = true;
                webSocket = startsWith(buffer, length, WEBSOCKET_REQUEST);
                return webSocket && blockWebSockets;
            });
        }

        /** Node to browser: passes, unless answers are being swallowed, which also ends the connection. */
        void pumpDown() {
            pump(server, client, (buffer, length) -> swallowResponses);
        }

        /** Copies {@code from} to {@code to} until either side closes or {@code cut} stops it before a chunk. */
        private void pump(Socket from, Socket to, Cut cut) {
            byte[] buffer = new byte[BUFFER_BYTES];
            try (InputStream in = from.getInputStream();
                    OutputStream out = to.getOutputStream()) {
                for (int read; (read = in.read(buffer)) >= 0; ) {
                    if (cut.before(buffer, read)) {
                        break;
                    }
                    out.write(buffer, 0, read);
                    out.flush();
                }
            } catch (IOException e) {
                // one side closed: the link ends
            } finally {
                close();
            }
        }

        void close() {
            links.remove(this);
            closeQuietly(client);
            closeQuietly(server);
        }
    }

    /** Whether a link stops before passing on the chunk {@code buffer[0, length)}. */
    @FunctionalInterface
    private interface Cut {
        boolean before(byte[] buffer, int length);
    }

    private static boolean startsWith(byte[] buffer, int length, byte[] prefix) {
        if (length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (buffer[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }
}
