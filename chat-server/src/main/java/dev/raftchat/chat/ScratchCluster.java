package dev.raftchat.chat;

import dev.raftchat.chat.api.v1.ApiConfig;
import dev.raftchat.chat.auth.PasswordHasher;
import dev.raftchat.raft.transport.netty.PeerAddress;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * A throwaway three-node chat cluster in this JVM, driven through its own HTTP ports with the original's
 * {@code POST /rooms/{room}}, then closed and deleted: it makes this JVM load and compile the classes of a
 * post's whole path (HTTP decode, JSON, the command codec, Raft on leader and follower, the peer transport,
 * the file log, apply, the answer) on scratch objects.
 *
 * <p>Two users: {@code raft-chat cds-training} ({@link ClassArchiveTraining}), the run whose loaded classes
 * {@code bin/raft-chat} archives for class data sharing; and a node's startup exercise
 * ({@code --startup-exercise-ms}), which runs it before the node serves HTTP so that the JIT compiles the
 * post path before the first client arrives rather than during its first seconds of load.
 *
 * <p>Everything it touches is its own: a fresh temporary directory (data directories and the generated
 * cluster secret, deleted at the end), peer and HTTP ports bound to 127.0.0.1 only, its own Raft servers and
 * state machines. It never sees a real node's state or log. Its threads log nothing below ERROR while it runs
 * ({@link ScratchLogFilter}).
 */
final class ScratchCluster {
    /** Nodes of the scratch cluster: three, so that the follower's side of replication runs too. */
    static final int NODES = 3;
    /** Client connections posting at once; each keeps one request outstanding. */
    static final int CONNECTIONS = 8;
    /** The scratch cluster's Raft tick: short, so that its first election is quick. */
    private static final long TICK_MILLIS = 20;

    private static final long REQUEST_TIMEOUT_MILLIS = 2_000;
    /** A message the size of the benchmark's (256 bytes), so that the same buffer sizes are exercised. */
    private static final String BODY = "{\"Message\":\"" + "x".repeat(256) + "\",\"User\":\"exercise\"}";

    /**
     * What one run did.
     *
     * @param posts          posts answered 201
     * @param elapsedMillis  from the start to the scratch cluster's deletion
     * @param leaderMillis   from the start to the first answered post (the scratch cluster's election), -1 when
     *                       none was answered within the budget
     */
    record Result(long posts, long elapsedMillis, long leaderMillis) {}

    private ScratchCluster() {}

    /**
     * Starts the scratch cluster, posts to it until {@code postMillis} after its first answered post or until
     * {@code postsMax} posts were answered, then closes and deletes it. Starts no further scratch node and stops
     * posting at {@code budgetMillis} after the start, whatever happened; closing (and a node start under way at
     * the deadline) takes a little longer.
     */
    static Result run(long budgetMillis, long postMillis, long postsMax) {
        long start = System.nanoTime();
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(budgetMillis);
        Path root;
        try {
            root = Files.createTempDirectory("raft-chat-scratch-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for the scratch cluster", e);
        }
        List<ChatNode> nodes = new ArrayList<>();
        AtomicLong posts = new AtomicLong();
        long leaderMillis = -1;
        ScratchLogFilter.Quiet quiet = ScratchLogFilter.quiet();
        try {
            SortedMap<Long, PeerAddress> members = new TreeMap<>();
            for (long id = 1; id <= NODES; id++) {
                members.put(id, new PeerAddress("127.0.0.1", freeLoopbackPort()));
            }
            ApiConfig.Builder api = ApiConfig.defaults().toBuilder();
            api.passwordHashIterations = PasswordHasher.ITERATIONS_MIN; // nobody logs in; the decoy hash is cheap
            api.writesPerMinutePerAddress = 100_000_000;
            api.writesPerMinutePerUser = 100_000_000;
            for (long id = 1; id <= NODES && System.nanoTime() < deadline; id++) {
                nodes.add(ChatNode.start(ChatNodeConfig.defaults(id, members)
                        .withHttp("127.0.0.1", 0)
                        .withDataDir(root.resolve("raft-chat-" + id))
                        .withTiming(TICK_MILLIS, REQUEST_TIMEOUT_MILLIS)
                        .withShutdownGraceMillis(0)
                        .withApi(api.build())));
            }
            if (nodes.size() == NODES) {
                long leader = firstPost(nodes.get(0).httpPort(), deadline);
                if (leader < deadline) {
                    leaderMillis = TimeUnit.NANOSECONDS.toMillis(leader - start);
                    postFromClients(
                            nodes,
                            Math.min(deadline, leader + TimeUnit.MILLISECONDS.toNanos(postMillis)),
                            postsMax,
                            posts);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeAll(nodes);
            deleteTree(root);
            quiet.close();
        }
        return new Result(posts.get(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), leaderMillis);
    }

    /** {@link #CONNECTIONS} clients post until {@code postDeadline} or until {@code postsMax} posts are answered. */
    private static void postFromClients(List<ChatNode> nodes, long postDeadline, long postsMax, AtomicLong posts)
            throws InterruptedException {
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < CONNECTIONS; c++) {
            // Most connections post to node 1, as the benchmark does; one each to the others, so that
            // forwarding from a follower runs too, whichever node leads.
            int port = nodes.get(c < NODES ? c : 0).httpPort();
            Thread client = new Thread(() -> postUntil(port, postDeadline, postsMax, posts), "scratch-client-" + c);
            client.setDaemon(true);
            client.start();
            clients.add(client);
        }
        for (Thread client : clients) {
            // A client's socket times out after 2 request timeouts, so each ends soon after the deadline.
            client.join();
        }
    }

    /** Posts again and again (a tick apart) until one post is answered 201 (a leader is elected); its time. */
    private static long firstPost(int port, long deadline) throws InterruptedException {
        while (System.nanoTime() < deadline) {
            try (Client client = new Client(port)) {
                if (client.post() == 201) {
                    return System.nanoTime();
                }
            } catch (IOException e) {
                // not serving yet
            }
            TimeUnit.MILLISECONDS.sleep(TICK_MILLIS);
        }
        return deadline;
    }

    private static void postUntil(int port, long deadline, long postsMax, AtomicLong posts) {
        Client client = null;
        try {
            while (System.nanoTime() < deadline && posts.get() < postsMax) {
                if (client == null) {
                    client = new Client(port);
                }
                if (client.post() == 201) {
                    posts.incrementAndGet();
                }
            }
        } catch (IOException e) {
            // The scratch cluster is closing or a node refused: this client is done.
        } finally {
            if (client != null) {
                client.close();
            }
        }
    }

    /**
     * Closes the nodes at once, on threads of this one's (a shared pool's threads would not carry the
     * {@link ScratchLogFilter} mark, and their lines would reach the log).
     */
    private static void closeAll(List<ChatNode> nodes) {
        List<Thread> closers = new ArrayList<>();
        for (ChatNode node : nodes) {
            Thread closer = new Thread(node::close, "scratch-close-" + node.nodeId());
            closer.setDaemon(true);
            closer.start();
            closers.add(closer);
        }
        boolean interrupted = false;
        for (Thread closer : closers) {
            try {
                closer.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            // A temporary directory left behind is not worth failing a start for.
        }
    }

    private static int freeLoopbackPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port for the scratch cluster", e);
        }
    }

    /** One keep-alive HTTP/1.1 connection to a scratch node, one request at a time. */
    private static final class Client implements AutoCloseable {
        private static final byte[] REQUEST = ("POST /rooms/general HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Content-Type: application/json\r\nContent-Length: "
                        + BODY.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + BODY)
                .getBytes(StandardCharsets.UTF_8);
        private static final int HEAD_BYTES_MAX = 16 * 1024;
        private static final int BODY_BYTES_MAX = 1024 * 1024;

        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        Client(int port) throws IOException {
            socket = new Socket();
            try {
                socket.setTcpNoDelay(true);
                socket.setSoTimeout((int) (2 * REQUEST_TIMEOUT_MILLIS));
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2_000);
                in = new BufferedInputStream(socket.getInputStream());
                out = socket.getOutputStream();
            } catch (IOException e) {
                socket.close();
                throw e;
            }
        }

        /** Sends one post and reads its whole answer; its status code. */
        int post() throws IOException {
            out.write(REQUEST);
            out.flush();
            String head = readHead();
            int status = Integer.parseInt(head.substring(9, 12));
            int length = 0;
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
                    length = Integer.parseInt(line.substring(colon + 1).trim());
                }
            }
            if (length < 0 || length > BODY_BYTES_MAX) {
                throw new IOException("unexpected answer length " + length);
            }
            if (in.readNBytes(length).length != length) {
                throw new IOException("connection closed in an answer");
            }
            return status;
        }

        private String readHead() throws IOException {
            StringBuilder head = new StringBuilder();
            while (head.length() < HEAD_BYTES_MAX) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("connection closed");
                }
                head.append((char) b);
                int n = head.length();
                if (n >= 4
                        && head.charAt(n - 4) == '\r'
                        && head.charAt(n - 3) == '\n'
                        && head.charAt(n - 2) == '\r'
                        && head.charAt(n - 1) == '\n') {
                    if (n < 12 || !head.substring(0, 5).equals("HTTP/")) {
                        throw new IOException("not an HTTP answer");
                    }
                    return head.toString();
                }
            }
            throw new IOException("answer head too long");
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing a scratch connection
            }
        }
    }
}
