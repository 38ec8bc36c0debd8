package dev.raftchat.jepsen;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Real {@code raft-chat} processes on this machine: one JVM per node (the chat-server fat jar), each with its
 * own data directory, small heap, free ports on its loopback address and a log file in the results
 * directory. Starts, kills ({@code kill -9}), pauses ({@code SIGSTOP}/{@code SIGCONT}) and restarts nodes by
 * pid, and reads their {@code /raft} status.
 *
 * <p>Every process this class starts is stopped by {@link #close()} (by pid, with SIGCONT then SIGKILL), which
 * the runner calls in a {@code finally} block and from a shutdown hook. Thread-safe (methods are
 * synchronized; HTTP calls are not made under the lock).
 */
public final class Cluster implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Cluster.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long STATUS_TIMEOUT_MILLIS = 1_500;
    private static final int WRITES_PER_MINUTE_MAX = 10_000_000;

    /** How to run the nodes. */
    public record Settings(
            Path jar,
            Path dataRoot,
            Path logDir,
            int heapMegabytes,
            long tickMillis,
            long requestTimeoutMillis,
            long snapshotCount) {
        public Settings {
            if (!Files.isRegularFile(jar)) {
                throw new IllegalArgumentException("the raft-chat jar " + jar + " does not exist; build it with "
                        + "./mvnw -B -pl chat-server -am package -DskipTests");
            }
            if (heapMegabytes < 32 || tickMillis < 1 || requestTimeoutMillis < 1 || snapshotCount < 1) {
                throw new IllegalArgumentException("bad node settings: " + this);
            }
        }
    }

    private final Settings settings;
    private final NetworkFaults network;
    private final HttpClient http;
    private final Map<Integer, Node> nodes = new TreeMap<>();
    private boolean closed;

    /** One node: its ports and directories stay the same across restarts. */
    public static final class Node {
        public final int id;
        public final String host;
        public final int httpPort;
        public final int peerPort;
        public final Path dataDir;
        public final Path logFile;
        final boolean joined;
        Process process;
        boolean paused;
        int incarnations;

        Node(int id, String host, int httpPort, int peerPort, Path dataDir, Path logFile, boolean joined) {
            this.id = id;
            this.host = host;
            this.httpPort = httpPort;
            this.peerPort = peerPort;
            this.dataDir = dataDir;
            this.logFile = logFile;
            this.joined = joined;
        }

        public String baseUrl() {
            return "http://" + host + ":" + httpPort;
        }

        public String peerUrl() {
            return "http://" + host + ":" + peerPort;
        }

        synchronized boolean alive() {
            return process != null && process.isAlive();
        }

        @Override
        public String toString() {
            return "n" + id;
        }
    }

    public Cluster(Settings settings, NetworkFaults network, HttpClient http) {
        this.settings = settings;
        this.network = network;
        this.http = http;
    }

    /**
     * Defines node {@code id} (ports, directories); {@code joined} starts it with {@code --join}. Define every
     * initial node before starting any: a node's {@code --cluster} lists the initial nodes defined when it starts.
     */
    public synchronized Node define(int id, boolean joined) {
        if (nodes.containsKey(id)) {
            throw new IllegalArgumentException("node " + id + " is already defined");
        }
        String host = network.host(id);
        Node node = new Node(
                id,
                host,
                freePort(host),
                freePort(host),
                settings.dataRoot().resolve("n" + id),
                settings.logDir().resolve("n" + id + ".log"),
                joined);
        nodes.put(id, node);
        return node;
    }

    public synchronized Node node(int id) {
        Node node = nodes.get(id);
        if (node == null) {
            throw new IllegalArgumentException("no node " + id);
        }
        return node;
    }

    public synchronized List<Node> nodes() {
        return new ArrayList<>(nodes.values());
    }

    /** Starts the node's process (its data directory kept from earlier runs). */
    public synchronized void start(int id) {
        Node node = node(id);
        if (node.alive()) {
            throw new IllegalStateException(node + " is already running as pid " + node.process.pid());
        }
        try {
            Files.createDirectories(node.dataDir);
            int uid = network.uid(id);
            List<String> command = new ArrayList<>();
            if (uid >= 0) {
                run(List.of("chown", "-R", uid + ":" + uid, node.dataDir.toString()));
                command.addAll(List.of(
                        IptablesFaults.executable("setpriv"), "--reuid=" + uid, "--regid=" + uid, "--clear-groups"));
            }
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(List.of(
                    "-Xmx" + settings.heapMegabytes() + "m",
                    "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1",
                    "-Xss512k",
                    "-XX:-UsePerfData",
                    "-Djava.io.tmpdir=" + node.dataDir,
                    "-D" + "dev.raftchat.storage.syncedLengthFile=true",
                    "-jar",
                    settings.jar().toString(),
                    "--id",
                    Integer.toString(id),
                    "--cluster",
                    clusterList(id),
                    "--port",
                    Integer.toString(node.httpPort),
                    "--http-host",
                    node.host,
                    "--data-dir",
                    node.dataDir.toString(),
                    "--tick-ms",
                    Long.toString(settings.tickMillis()),
                    "--request-timeout-ms",
                    Long.toString(settings.requestTimeoutMillis()),
                    "--snapshot-count",
                    Long.toString(settings.snapshotCount()),
                    // Peers authenticate with a secret the test writes once; node processes may run as
                    // different users (IptablesFaults), so it is readable by all of them.
                    "--cluster-secret-file",
                    clusterSecretFile().toString(),
                    // Every client connects from this machine's one address: the per-address write limit
                    // (a defence against abusive clients) would turn the workload into 429s.
                    "--writes-per-minute-per-address",
                    Integer.toString(WRITES_PER_MINUTE_MAX),
                    "--writes-per-minute-per-user",
                    Integer.toString(WRITES_PER_MINUTE_MAX)));
            if (node.joined) {
                command.add("--join");
            }
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(node.logFile.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            builder.environment().keySet().removeIf(name -> name.startsWith("RAFT_CHAT_"));
            Files.writeString(
                    node.logFile,
                    "\n==== jepsen: starting " + node + " (incarnation " + (node.incarnations + 1) + "): "
                            + String.join(" ", command) + "\n",
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            node.process = builder.start();
            node.paused = false;
            node.incarnations++;
            LOG.info(
                    "started {} as pid {} (http {}, peer {})",
                    node,
                    node.process.pid(),
                    node.baseUrl(),
                    node.peerUrl());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + node, e);
        }
    }

    /** The cluster secret of this run, created on first use in the data root. */
    private synchronized Path clusterSecretFile() throws IOException {
        Path file = settings.dataRoot().resolve("cluster.secret");
        if (!Files.exists(file)) {
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            Files.createDirectories(settings.dataRoot());
            Files.writeString(file, Base64.getEncoder().encodeToString(random) + "\n");
        }
        return file;
    }

    private String clusterList(int id) {
        Node self = node(id);
        int last = self.joined ? id : 0;
        for (Node n : nodes.values()) {
            if (!n.joined) {
                last = Math.max(last, n.id);
            }
        }
        List<String> urls = new ArrayList<>();
        for (int j = 1; j <= last; j++) {
            Node peer = nodes.get(j);
            if (j == id) {
                urls.add(self.peerUrl());
            } else if (peer == null) {
                throw new IllegalStateException("node ids must be contiguous; node " + j + " is not defined");
            } else {
                urls.add(network.peerUrl(id, j, peer.peerPort));
            }
        }
        return String.join(",", urls);
    }

    /** {@code kill -9}; waits for the process to be gone. */
    public synchronized void kill(int id) {
        Node node = node(id);
        if (node.process == null) {
            return;
        }
        node.process.destroyForcibly();
        try {
            if (!node.process.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException(node + " (pid " + node.process.pid() + ") survived SIGKILL for 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while killing " + node, e);
        }
        node.paused = false;
        LOG.info("killed {} (pid {})", node, node.process.pid());
    }

    public synchronized boolean alive(int id) {
        return node(id).alive();
    }

    public synchronized boolean paused(int id) {
        return node(id).paused;
    }

    public synchronized void pause(int id) {
        signal(node(id), "STOP");
        node(id).paused = true;
    }

    public synchronized void resume(int id) {
        signal(node(id), "CONT");
        node(id).paused = false;
    }

    private static void signal(Node node, String signal) {
        if (!node.alive()) {
            return;
        }
        run(List.of("kill", "-" + signal, Long.toString(node.process.pid())));
        LOG.info("sent SIG{} to {} (pid {})", signal, node, node.process.pid());
    }

    private static void run(List<String> command) {
        try {
            IptablesFaults.Result result = IptablesFaults.runCommand(command);
            if (result.exitCode() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: "
                        + result.output().strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
        }
    }

    /** The node's {@code GET /raft} status, or null when it does not answer in time. */
    public JsonNode status(int id) {
        Node node = node(id);
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create(node.baseUrl() + "/raft"))
                            .timeout(Duration.ofMillis(STATUS_TIMEOUT_MILLIS))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? JSON.readTree(response.body()) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** The leader that some running, unpaused node reports as itself, or -1. */
    public int leader() {
        for (Node node : nodes()) {
            if (!node.alive() || node.paused) {
                continue;
            }
            JsonNode status = status(node.id);
            if (status != null && "LEADER".equals(status.path("Role").asText())) {
                return node.id;
            }
        }
        return -1;
    }

    /** Voters and learners as the given node sees them, or null when it does not answer. */
    public SortedSet<Integer> members(int viewer) {
        JsonNode status = status(viewer);
        if (status == null) {
            return null;
        }
        TreeSet<Integer> members = new TreeSet<>();
        for (String field : List.of("Voters", "VotersOutgoing", "Learners")) {
            status.path(field).forEach(id -> members.add(id.asInt()));
        }
        return members;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Node node : nodes.values()) {
            Process process = node.process;
            if (process != null && process.isAlive()) {
                try {
                    new ProcessBuilder("kill", "-CONT", Long.toString(process.pid()))
                            .start()
                            .waitFor(5, TimeUnit.SECONDS);
                } catch (IOException | InterruptedException e) {
                    // SIGKILL below ends a stopped process too
                }
                process.destroyForcibly();
                try {
                    process.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                LOG.info("stopped {} (pid {})", node, process.pid());
            }
        }
    }

    private static int freePort(String host) {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + host, e);
        }
    }
}
