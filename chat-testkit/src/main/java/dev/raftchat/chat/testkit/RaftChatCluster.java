package dev.raftchat.chat.testkit;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftchat.testsupport.FreePorts;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A raft-chat cluster of real processes: the one fixture of the project for tests and runners that need
 * raft-chat JVMs (chat-server's process tests, chat-e2e's browser tests, jepsen-tests' fault runs, raft-bench's
 * chat benchmarks). Each node is a JVM started from chat-server's fat jar ({@code java -jar}) or from a class
 * path ({@code java -cp ... dev.raftchat.chat.RaftChatMain}) with:
 *
 * <ul>
 *   <li>peer and HTTP ports picked free when the node is defined ({@link FreePorts}), kept across restarts, so a
 *       restarted node keeps its URLs;
 *   <li>its own working directory {@code <root>/node-<id>} and, in it, the data directory the node chooses by
 *       default ({@code raft-chat-<id>}), kept across restarts; {@code java.io.tmpdir} points there too;
 *   <li>its output appended to {@code <logDir>/node-<id>.log} (log directory {@code <root>} unless set), each start
 *       preceded by a line with the command, for failure reports ({@link #output}, {@link #logTails});
 *   <li>one peer secret for the cluster, written by this fixture to {@code <root>/cluster.secret} and given to
 *       every node through {@code RAFT_CHAT_CLUSTER_SECRET_FILE} (nodes in separate directories would otherwise
 *       each generate their own); every other {@code RAFT_CHAT_*} variable of this JVM is removed;
 *   <li>{@code --id}, {@code --cluster} (the initial nodes, plus the node itself when it joins), {@code --port},
 *       {@code --http-host} and, for a joining node, {@code --join}; then the builder's arguments, then the start's.
 * </ul>
 *
 * <p>Nodes are stopped by pid only: {@link #kill} (SIGKILL, as a crash), {@link #stop} (SIGTERM, graceful),
 * {@link #pause}/{@link #resume} (SIGSTOP/SIGCONT). {@link #close()} ends every process this cluster started
 * (SIGCONT, then SIGKILL); it also runs from a shutdown hook, so a run interrupted by Ctrl-C or a failing
 * test JVM leaves nothing behind. {@link RaftChatClusters} is the JUnit extension that closes clusters after
 * each test and prints the nodes' log tails when it failed.
 *
 * <p>Thread-safe: process bookkeeping is synchronized, HTTP calls are made outside the lock.
 */
public final class RaftChatCluster implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RaftChatCluster.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** JVM options of a test node: small heap and C1 only, since several share two cores with the build. */
    public static final List<String> SMALL_JVM_OPTIONS =
            List.of("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k");

    /** Generous: a JVM start under a loaded 2-core CI machine was seen to take 40 s. */
    public static final Duration READY_WAIT = Duration.ofMinutes(2);

    /** The system property that names the fat jar when the builder is given neither a jar nor a class path. */
    public static final String JAR_PROPERTY = "raftchat.jar";

    /** The main class run when the nodes start from a class path. */
    public static final String MAIN_CLASS = "dev.raftchat.chat.RaftChatMain";

    /** The environment variable through which every node gets the cluster's secret file. */
    public static final String SECRET_FILE_VARIABLE = "RAFT_CHAT_CLUSTER_SECRET_FILE";

    static final int LOG_TAIL_LINES = 60;
    static final long EXIT_WAIT_SECONDS = 20;
    static final long SIGNAL_TIMEOUT_SECONDS = 10;

    /** The address node {@code from} uses for node {@code to}'s peer port (jepsen's proxy puts itself between). */
    @FunctionalInterface
    public interface PeerUrls {
        /**
         * The URL {@code from} gives for {@code to} in its {@code --cluster} list.
         *
         * @param from the node whose {@code --cluster} list is being made; 0 for a list not made for a node
         */
        String peerUrl(int from, int to, String hostOfTo, int peerPortOfTo);
    }

    /** How a node's process is launched, for runners that change the user a node runs as (jepsen's iptables). */
    public interface Launcher {
        /** Runs before each start of {@code node}, e.g. to hand its working directory to another user. */
        default void prepare(Node node) throws IOException {}

        /** The command that starts {@code node}; by default {@code java} itself. */
        default List<String> command(Node node, List<String> java) {
            return java;
        }
    }

    /** One node: its ports and directories stay the same across restarts. */
    public static final class Node {
        private final int id;
        private final String host;
        private final int httpPort;
        private final int peerPort;
        private final Path workDir;
        private final Path logFile;
        private final boolean joining;
        private Process process;
        private boolean paused;
        private boolean wanted;
        private int starts;

        Node(int id, String host, int httpPort, int peerPort, Path workDir, Path logFile, boolean joining) {
            this.id = id;
            this.host = host;
            this.httpPort = httpPort;
            this.peerPort = peerPort;
            this.workDir = workDir;
            this.logFile = logFile;
            this.joining = joining;
        }

        public int id() {
            return id;
        }

        /** The address its HTTP and peer ports bind to. */
        public String host() {
            return host;
        }

        public int httpPort() {
            return httpPort;
        }

        public int peerPort() {
            return peerPort;
        }

        /** The process's working directory. */
        public Path workDir() {
            return workDir;
        }

        /** The node's data directory (its default, {@code raft-chat-<id>} in its working directory). */
        public Path dataDir() {
            return workDir.resolve("raft-chat-" + id);
        }

        public Path logFile() {
            return logFile;
        }

        /** Started with {@code --join}, after the initial nodes. */
        public boolean joining() {
            return joining;
        }

        /** {@code http://host:peerPort}: how the node names itself in {@code --cluster}. */
        public String peerUrl() {
            return "http://" + host + ":" + peerPort;
        }

        @Override
        public String toString() {
            return "node " + id;
        }
    }

    /** A finished command (e.g. {@code restore}): its exit code and everything it printed. */
    public record Result(int exitCode, String output) {}

    private final Builder settings;
    private final Path secretFile;
    private final HttpClient http;
    private final Map<Integer, Node> nodes = new TreeMap<>();
    private final Thread shutdownHook;
    private boolean closed;

    private RaftChatCluster(Builder builder) {
        this.settings = builder;
        this.http = builder.http != null
                ? builder.http
                : HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(5))
                        .build();
        try {
            Files.createDirectories(builder.root);
            Files.createDirectories(builder.logDir);
            secretFile = builder.root.resolve("cluster.secret");
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            Files.writeString(
                    secretFile,
                    "# raft-chat test cluster\n" + Base64.getEncoder().encodeToString(random) + "\n");
            Files.setPosixFilePermissions(secretFile, PosixFilePermissions.fromString(builder.secretPermissions));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + builder.root, e);
        }
        for (int id = 1; id <= builder.nodes; id++) {
            define(id, false);
        }
        shutdownHook = new Thread(this::close, "raft-chat-cluster-cleanup");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** A cluster whose nodes live under {@code root}. */
    public static Builder builder(Path root) {
        return new Builder(root);
    }

    /** How to run the nodes; {@link #build()} defines nodes 1..{@link #nodes} and starts none. */
    public static final class Builder {
        private final Path root;
        private Path logDir;
        private int nodes;
        private Path jar;
        private String classPath;
        private List<String> jvmOptions = SMALL_JVM_OPTIONS;
        private final List<String> arguments = new ArrayList<>();
        private final Map<String, String> environment = new LinkedHashMap<>();
        private IntFunction<String> host = id -> "127.0.0.1";
        private PeerUrls peerUrls = (from, to, hostOfTo, port) -> "http://" + hostOfTo + ":" + port;
        private Launcher launcher = new Launcher() {};
        private String secretPermissions = "rw-------";
        private String scheme = "http";
        private HttpClient http;
        private Duration statusTimeout = Duration.ofSeconds(3);

        private Builder(Path root) {
            this.root = root.toAbsolutePath();
            this.logDir = this.root;
        }

        /** Defines the initial nodes 1..{@code count} (more can be defined later, see {@link #define}). */
        public Builder nodes(int count) {
            if (count < 0 || count > 15) {
                throw new IllegalArgumentException("nodes must be in [0, 15], got " + count);
            }
            this.nodes = count;
            return this;
        }

        /** Runs {@code java -jar jar}. Default: the jar named by {@code -Draftchat.jar}. */
        public Builder jar(Path jar) {
            this.jar = jar.toAbsolutePath(); // the nodes run in their own working directories
            this.classPath = null;
            return this;
        }

        /** Runs {@code java -cp classPath dev.raftchat.chat.RaftChatMain} (e.g. a test's own class path). */
        public Builder classPath(String classPath) {
            this.classPath = classPath;
            this.jar = null;
            return this;
        }

        /** The nodes' JVM options, in place of {@link #SMALL_JVM_OPTIONS}. */
        public Builder jvmOptions(List<String> options) {
            this.jvmOptions = List.copyOf(options);
            return this;
        }

        /** raft-chat arguments for every node, after the fixture's own. */
        public Builder arguments(String... more) {
            arguments.addAll(List.of(more));
            return this;
        }

        public Builder arguments(List<String> more) {
            arguments.addAll(more);
            return this;
        }

        /** An environment variable for every node (e.g. {@code RAFT_CHAT_ADMIN_TOKEN}). */
        public Builder environment(String name, String value) {
            environment.put(name, value);
            return this;
        }

        /** Where the node logs go (default: the root). */
        public Builder logDir(Path directory) {
            this.logDir = directory.toAbsolutePath();
            return this;
        }

        /** The loopback address each node binds to (default 127.0.0.1). */
        public Builder host(IntFunction<String> hostOfNode) {
            this.host = hostOfNode;
            return this;
        }

        /** How a node names its peers in {@code --cluster} (default {@code http://host:peerPort}). */
        public Builder peerUrls(PeerUrls urls) {
            this.peerUrls = urls;
            return this;
        }

        public Builder launcher(Launcher nodeLauncher) {
            this.launcher = nodeLauncher;
            return this;
        }

        /** The secret file's permissions (default {@code rw-------}; readable by others when nodes run as others). */
        public Builder secretPermissions(String posix) {
            PosixFilePermissions.fromString(posix);
            this.secretPermissions = posix;
            return this;
        }

        /** Talks HTTPS to the nodes through {@code tlsClient} (which trusts their certificate). */
        public Builder https(HttpClient tlsClient) {
            this.scheme = "https";
            this.http = tlsClient;
            return this;
        }

        /** The client for the fixture's own requests (readiness, status, the helpers). */
        public Builder httpClient(HttpClient client) {
            this.http = client;
            return this;
        }

        /** How long a status request may take before the node counts as not answering (default 3 s). */
        public Builder statusTimeout(Duration timeout) {
            this.statusTimeout = timeout;
            return this;
        }

        public RaftChatCluster build() {
            if (jar == null && classPath == null) {
                jar = jarFromProperty(JAR_PROPERTY).toAbsolutePath();
            }
            if (jar != null && !Files.isRegularFile(jar)) {
                throw new IllegalArgumentException("the raft-chat jar " + jar + " does not exist; build it with "
                        + "./mvnw -B -pl chat-server -am package -DskipTests");
            }
            return new RaftChatCluster(this);
        }
    }

    /** The fat jar named by a system property (failsafe sets {@code raftchat.jar} for chat-server's tests). */
    public static Path jarFromProperty(String property) {
        String jar = System.getProperty(property);
        if (jar == null) {
            throw new IllegalStateException(
                    "-D" + property + " is not set: run these tests with failsafe (./mvnw verify)");
        }
        return Path.of(jar);
    }

    /**
     * Defines node {@code id}: picks its ports and names its directories. {@code joining} starts it with
     * {@code --join}. Define every initial node before starting any: a node's {@code --cluster} lists the
     * initial nodes defined when it starts.
     */
    public synchronized Node define(int id, boolean joining) {
        if (id < 1) {
            throw new IllegalArgumentException("node ids start at 1, got " + id);
        }
        if (nodes.containsKey(id)) {
            throw new IllegalArgumentException("node " + id + " is already defined");
        }
        String host = settings.host.apply(id);
        Node node = new Node(
                id,
                host,
                FreePorts.loopback(host),
                FreePorts.loopback(host),
                settings.root.resolve("node-" + id),
                settings.logDir.resolve("node-" + id + ".log"),
                joining);
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

    /** Every defined node, by id. */
    public synchronized List<Node> nodes() {
        return new ArrayList<>(nodes.values());
    }

    /** The ids of every defined node. */
    public synchronized List<Integer> ids() {
        return new ArrayList<>(nodes.keySet());
    }

    /** The ids of the nodes whose process runs now. */
    public synchronized List<Integer> running() {
        return nodes.values().stream()
                .filter(RaftChatCluster::isAlive)
                .map(Node::id)
                .toList();
    }

    /** Starts every defined node that is not running (joining nodes included: define those when they are due). */
    public void startAll() {
        for (int id : ids()) {
            if (!alive(id)) {
                start(id);
            }
        }
    }

    /** Starts node {@code id}'s process with its kept ports and data; {@code extra} arguments come last. */
    public synchronized void start(int id, String... extra) {
        Node node = node(id);
        if (isAlive(node)) {
            throw new IllegalStateException(node + " is already running as pid " + node.process.pid());
        }
        List<String> arguments = new ArrayList<>(List.of(
                "--id",
                Integer.toString(id),
                "--cluster",
                clusterList(node),
                "--port",
                Integer.toString(node.httpPort),
                "--http-host",
                node.host));
        if (node.joining) {
            arguments.add("--join");
        }
        arguments.addAll(settings.arguments);
        arguments.addAll(List.of(extra));
        try {
            Files.createDirectories(node.workDir);
            settings.launcher.prepare(node);
            List<String> command = settings.launcher.command(node, java(node.workDir, arguments));
            Files.writeString(
                    node.logFile,
                    "\n==== raft-chat-cluster: starting " + node + " (start " + (node.starts + 1) + "): "
                            + String.join(" ", command) + "\n",
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(node.workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(node.logFile.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            cleanEnvironment(builder.environment());
            builder.environment().put(SECRET_FILE_VARIABLE, secretFile.toString());
            builder.environment().putAll(settings.environment);
            node.process = builder.start();
            node.paused = false;
            node.wanted = true;
            node.starts++;
            LOG.info(
                    "started {} as pid {} (http {}, peer {}, log {})",
                    node,
                    node.process.pid(),
                    baseUrl(id),
                    node.peerUrl(),
                    node.logFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + node, e);
        }
    }

    private List<String> java(Path workDir, List<String> arguments) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(settings.jvmOptions);
        command.add("-Djava.io.tmpdir=" + workDir);
        if (settings.jar != null) {
            command.addAll(List.of("-jar", settings.jar.toString()));
        } else {
            command.addAll(List.of("-cp", settings.classPath, MAIN_CLASS));
        }
        command.addAll(arguments);
        return command;
    }

    private static void cleanEnvironment(Map<String, String> environment) {
        environment.keySet().removeIf(name -> name.startsWith("RAFT_CHAT_"));
    }

    /** The {@code --cluster} list of the initial nodes (for commands such as {@code restore}). */
    public synchronized String clusterArgument() {
        return clusterList(0, 0);
    }

    private String clusterList(Node self) {
        return clusterList(self.id, self.joining ? self.id : 0);
    }

    /** Nodes 1..max(initial ids, lastAtLeast), as {@code from} names them; ids must be contiguous. */
    private String clusterList(int from, int lastAtLeast) {
        int last = lastAtLeast;
        for (Node n : nodes.values()) {
            if (!n.joining) {
                last = Math.max(last, n.id);
            }
        }
        List<String> urls = new ArrayList<>();
        for (int j = 1; j <= last; j++) {
            Node peer = nodes.get(j);
            if (peer == null) {
                throw new IllegalStateException("node ids must be contiguous; node " + j + " is not defined");
            }
            urls.add(j == from ? peer.peerUrl() : settings.peerUrls.peerUrl(from, j, peer.host, peer.peerPort));
        }
        return String.join(",", urls);
    }

    /** {@code kill -9} by pid (its descendants too) and waits for it to be gone; its data stays. */
    public synchronized void kill(int id) {
        Node node = node(id);
        node.wanted = false;
        Process process = node.process;
        if (process == null) {
            return;
        }
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            if (!process.waitFor(EXIT_WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException(
                        node + " (pid " + process.pid() + ") survived SIGKILL for " + EXIT_WAIT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while killing " + node, e);
        }
        node.paused = false;
        LOG.info("killed {} (pid {})", node, process.pid());
    }

    /**
     * SIGTERM, then waits (bounded) for a graceful exit, with SIGKILL if it does not come. Returns the exit code,
     * or -1 when the node was not started.
     */
    public int stop(int id) {
        Process process;
        synchronized (this) {
            Node node = node(id);
            node.wanted = false;
            process = node.process;
            if (process == null) {
                return -1;
            }
            if (node.paused) {
                signal(process, "CONT");
                node.paused = false;
            }
        }
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(EXIT_WAIT_SECONDS, TimeUnit.SECONDS)) {
                kill(id);
            }
            return process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill(id);
            return -1;
        }
    }

    /** SIGSTOP: the process stays, frozen (a GC pause or a stalled machine). */
    public synchronized void pause(int id) {
        Node node = node(id);
        if (isAlive(node)) {
            signal(node.process, "STOP");
            node.paused = true;
        }
    }

    /** SIGCONT. */
    public synchronized void resume(int id) {
        Node node = node(id);
        if (isAlive(node)) {
            signal(node.process, "CONT");
        }
        node.paused = false;
    }

    private static void signal(Process process, String signal) {
        List<String> command = List.of("kill", "-" + signal, Long.toString(process.pid()));
        try {
            Process kill = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!kill.waitFor(SIGNAL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                kill.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish");
            }
            String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (kill.exitValue() != 0 && process.isAlive()) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output.strip());
            }
            LOG.info("sent SIG{} to pid {}", signal, process.pid());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending SIG" + signal, e);
        }
    }

    public synchronized boolean alive(int id) {
        return isAlive(node(id));
    }

    public synchronized boolean paused(int id) {
        return node(id).paused;
    }

    private static boolean isAlive(Node node) {
        return node.process != null && node.process.isAlive();
    }

    /** The pid of node {@code id}'s current (or last) process. */
    public synchronized long pid(int id) {
        Node node = node(id);
        if (node.process == null) {
            throw new IllegalStateException(node + " was never started");
        }
        return node.process.pid();
    }

    /** The exit code of node {@code id}'s last process once it has exited; empty while it runs or before a start. */
    public synchronized OptionalInt exitCode(int id) {
        Process process = node(id).process;
        return process == null || process.isAlive() ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
    }

    /** Deletes node {@code id}'s working directory (data included; its log stays). The node must not run. */
    public synchronized void wipe(int id) {
        Node node = node(id);
        if (isAlive(node)) {
            throw new IllegalStateException(node + " is running");
        }
        deleteTree(node.workDir);
    }

    /** Everything node {@code id} printed in all its starts (its log file). */
    public String output(int id) {
        Path log = node(id).logFile;
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /** The last lines of every node's log, each under a header with its pid and state: for failure reports. */
    public String logTails() {
        StringBuilder report = new StringBuilder();
        for (Node node : nodes()) {
            String state;
            synchronized (this) {
                state = node.process == null
                        ? "never started"
                        : "pid " + node.process.pid() + ", "
                                + (node.process.isAlive() ? "running" : "exited " + node.process.exitValue());
            }
            report.append("===== ")
                    .append(node)
                    .append(" (")
                    .append(state)
                    .append("), ")
                    .append(node.logFile)
                    .append(" =====\n")
                    .append(tail(output(node.id)))
                    .append('\n');
        }
        return report.toString();
    }

    static String tail(String text) {
        String[] lines = text.split("\n", -1);
        int from = Math.max(0, lines.length - LOG_TAIL_LINES);
        return String.join("\n", Arrays.asList(lines).subList(from, lines.length));
    }

    // ---- HTTP ----

    /** {@code http://host:port} or {@code https://...} of node {@code id}'s HTTP API. */
    public String baseUrl(int id) {
        Node node = node(id);
        return settings.scheme + "://" + node.host + ":" + node.httpPort;
    }

    public URI uri(int id) {
        return URI.create(baseUrl(id));
    }

    public String url(int id, String path) {
        return baseUrl(id) + path;
    }

    public int httpPort(int id) {
        return node(id).httpPort;
    }

    public String peerUrl(int id) {
        return node(id).peerUrl();
    }

    public Path workDir(int id) {
        return node(id).workDir;
    }

    public Path dataDir(int id) {
        return node(id).dataDir();
    }

    public Path logFile(int id) {
        return node(id).logFile;
    }

    /** The client the fixture talks to the nodes with (HTTPS when so built). */
    public HttpClient client() {
        return http;
    }

    public HttpResponse<String> get(int id, String path) {
        return send(HttpRequest.newBuilder(URI.create(url(id, path))).GET());
    }

    public HttpResponse<String> post(int id, String path, String body) {
        return send(HttpRequest.newBuilder(URI.create(url(id, path))).POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    public HttpResponse<String> post(int id, String path, String body, String authorization) {
        return send(HttpRequest.newBuilder(URI.create(url(id, path)))
                .header("Authorization", authorization)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    public HttpResponse<String> delete(int id, String path) {
        return send(HttpRequest.newBuilder(URI.create(url(id, path))).DELETE());
    }

    /** Sends with a 30 s timeout; an I/O failure is thrown unchecked. */
    public HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    // ---- status and readiness ----

    /** Node {@code id}'s own view of the cluster ({@code GET /raft}); empty when it does not answer in time. */
    public Optional<JsonNode> status(int id) {
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create(url(id, "/raft")))
                            .timeout(settings.statusTimeout)
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? Optional.of(JSON.readTree(response.body())) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** A numeric field of {@link #status} ({@code AppliedIndex}, {@code CommitIndex}, {@code LeaderId}); -1 when absent. */
    public long statusField(int id, String field) {
        return status(id)
                .map(status -> status.path(field))
                .filter(JsonNode::canConvertToLong)
                .map(JsonNode::asLong)
                .orElse(-1L);
    }

    /** A running, unpaused node that reports itself leader, or -1. */
    public int leader() {
        for (Node node : nodes()) {
            synchronized (this) {
                if (!isAlive(node) || node.paused) {
                    continue;
                }
            }
            if (status(node.id)
                    .map(s -> "LEADER".equals(s.path("Role").asText()))
                    .orElse(false)) {
                return node.id;
            }
        }
        return -1;
    }

    /** Voters (outgoing ones included) and learners as node {@code viewer} sees them; empty when it does not answer. */
    public Optional<SortedSet<Integer>> members(int viewer) {
        return status(viewer).map(status -> {
            SortedSet<Integer> members = new TreeSet<>();
            for (String field : List.of("Voters", "VotersOutgoing", "Learners")) {
                status.path(field).forEach(id -> members.add(id.asInt()));
            }
            return members;
        });
    }

    private boolean ready(int id) {
        try {
            return http.send(
                                    HttpRequest.newBuilder(URI.create(url(id, "/readyz")))
                                            .timeout(settings.statusTimeout)
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode()
                    == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** {@link #awaitReady(Duration, int...)} with {@link #READY_WAIT}. */
    public int awaitReady(int... ids) {
        return awaitReady(READY_WAIT, ids);
    }

    /**
     * Waits until each given node (none given: each node started and not since killed or stopped) answers
     * {@code /readyz} with 200 and they all name the same leader, itself one of the running nodes; returns that
     * leader. Fails at once, with the node's log tail, when one of them has exited.
     */
    public int awaitReady(Duration timeout, int... ids) {
        int[] leader = new int[1];
        await().atMost(timeout).pollInterval(Duration.ofMillis(100)).until(() -> {
            int[] waitingFor = ids.length > 0 ? ids : wanted();
            if (waitingFor.length == 0) {
                throw new IllegalStateException("no node is meant to run");
            }
            Integer agreed = null;
            for (int id : waitingFor) {
                if (!alive(id)) {
                    throw new IllegalStateException(node(id) + " exited"
                            + exitCode(id).stream()
                                    .mapToObj(code -> " with " + code)
                                    .findFirst()
                                    .orElse("")
                            + "; the end of " + logFile(id) + ":\n" + tail(output(id)));
                }
                if (!ready(id)) {
                    return false;
                }
                long seen = statusField(id, "LeaderId");
                if (seen <= 0 || (agreed != null && agreed != seen) || !definedAndAlive(seen)) {
                    return false;
                }
                agreed = (int) seen;
            }
            leader[0] = agreed;
            return true;
        });
        return leader[0];
    }

    private synchronized boolean definedAndAlive(long id) {
        Node node = nodes.get((int) Math.min(id, Integer.MAX_VALUE));
        return node != null && isAlive(node);
    }

    private synchronized int[] wanted() {
        return nodes.values().stream().filter(n -> n.wanted).mapToInt(Node::id).toArray();
    }

    // ---- other commands of the same jar ----

    /**
     * Runs the raft-chat command line with {@code args} (e.g. {@code restore ...}) in {@code workDir} to completion
     * (60 s at most), with this cluster's JVM options and no {@code RAFT_CHAT_*} variables.
     */
    public Result run(Path workDir, String... args) {
        List<String> command = java(workDir, List.of(args));
        try {
            Files.createDirectories(workDir);
            Path output = Files.createTempFile(settings.root, "run", ".log");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            cleanEnvironment(builder.environment());
            Process process = builder.start();
            try {
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new IllegalStateException("'" + String.join(" ", args) + "' did not finish in 60 s; output:\n"
                            + Files.readString(output, StandardCharsets.UTF_8));
                }
                return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
            } finally {
                Files.delete(output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    // ---- cleanup ----

    /** Ends every process this cluster started that still runs (SIGCONT if paused, then SIGKILL), by pid. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            for (Node node : nodes.values()) {
                Process process = node.process;
                node.wanted = false;
                if (process == null || !process.isAlive()) {
                    continue;
                }
                if (node.paused) {
                    try {
                        signal(process, "CONT");
                    } catch (RuntimeException e) {
                        // SIGKILL below ends a stopped process too
                    }
                }
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                try {
                    process.waitFor(EXIT_WAIT_SECONDS, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                LOG.info("stopped {} (pid {})", node, process.pid());
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // close() runs as the hook itself, or the JVM is exiting anyway
        }
    }

    /** Deletes a directory tree (nothing when it does not exist). */
    public static void deleteTree(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + directory, e);
        }
    }
}
