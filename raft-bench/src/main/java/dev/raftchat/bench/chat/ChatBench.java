package dev.raftchat.bench.chat;

import dev.raftchat.bench.CommonOptions;
import dev.raftchat.chat.testkit.RaftChatCluster;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * Load on a real 3-node raft-chat cluster (processes of the chat-server fat jar on loopback), through the
 * original API:
 * <ol>
 *   <li><b>posts</b>: N closed-loop clients POST /rooms/{room}; a 201 means committed and applied on the node
 *       that received it. Posts per second and latency percentiles.</li>
 *   <li><b>reads</b>: N closed-loop clients GET /rooms/{room} (linearizable: a ReadIndex round per request)
 *       on rooms of {@link #READ_ROOM_MESSAGES} messages each.</li>
 *   <li><b>fan-out</b>: S WebSocket subscribers on the {@code /ws} firehose (spread over the nodes) while P
 *       closed-loop clients post; each message carries the poster's {@link System#nanoTime()}, so a
 *       subscriber in this same JVM measures end-to-end latency (POST sent → event received). Deliveries
 *       per second and their latency.</li>
 * </ol>
 * Clients are spread over all nodes by default ({@code --target all}), so most requests land on a follower
 * that forwards the post or asks the leader for a read index; {@code --target leader} sends all to the leader.
 * Before the first phase, {@code --jvm-warmup-seconds} (default {@link #DEFAULT_JVM_WARMUP_SECONDS}) of mixed posts
 * and reads let the JIT compilers of the four JVMs finish, and each phase reports the CPU every node and the load
 * generator used in its measured window, by thread group ({@link ThreadCpu}), so that compilation, the load
 * generator and the nodes' own work can be told apart. Every node process is stopped at the end, also on failure.
 */
@Command(
        name = "chat-bench",
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = "Posts, linearizable reads and WebSocket fan-out against a real 3-node raft-chat cluster.")
public final class ChatBench implements Callable<Integer> {
    static final int READ_ROOMS = 16;
    static final int READ_ROOM_MESSAGES = 10;
    /** Rooms the post phase spreads its posts over. */
    static final int POST_ROOMS = 64;
    /**
     * Load before the first phase, so that the phases measure compiled code: with 5 s of warm-up, the nodes' JIT
     * compiler threads used about half of the CPU the cluster got in the measured window (bin/chat-bench, 2 cores).
     */
    static final double DEFAULT_JVM_WARMUP_SECONDS = 60;

    @Option(
            names = "--clients",
            paramLabel = "N",
            defaultValue = "32",
            description = "Closed-loop clients (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(
            names = "--warmup-seconds",
            paramLabel = "S",
            defaultValue = "5",
            description = "Unmeasured load before each phase (default: ${DEFAULT-VALUE}).")
    double warmup;

    @Option(
            names = "--seconds",
            paramLabel = "S",
            defaultValue = "10",
            description = "Measured seconds per phase (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(
            names = "--message-chars",
            paramLabel = "N",
            defaultValue = "256",
            description = "Characters per message, at least 24 (default: ${DEFAULT-VALUE}).")
    int messageChars;

    @Option(
            names = "--subscribers",
            paramLabel = "N",
            defaultValue = "32",
            description = "WebSocket subscribers of the fan-out phase (default: ${DEFAULT-VALUE}).")
    int subscribers;

    @Option(
            names = "--fanout-posters",
            paramLabel = "N",
            defaultValue = "4",
            description = "Posting clients of the fan-out phase (default: ${DEFAULT-VALUE}).")
    int fanoutPosters;

    @Option(
            names = "--target",
            paramLabel = "all|leader",
            defaultValue = "all",
            description =
                    "Spread clients over all nodes, or send everything to the leader (default: ${DEFAULT-VALUE}).")
    String target;

    @Option(
            names = "--phases",
            paramLabel = "LIST",
            defaultValue = "posts,reads,fanout",
            description = "Phases to run, among posts,reads,fanout (default: ${DEFAULT-VALUE}).")
    String phaseList;

    @Option(
            names = "--jvm-warmup-seconds",
            paramLabel = "S",
            defaultValue = "" + DEFAULT_JVM_WARMUP_SECONDS,
            description = "Mixed load before the first phase, for the JIT compilers (default: ${DEFAULT-VALUE}).")
    double jvmWarmup;

    @Option(
            names = "--client",
            paramLabel = "raw|jdk",
            defaultValue = "raw",
            description =
                    "HTTP client of the load generator: the minimal raw one or java.net.http (default: ${DEFAULT-VALUE}).")
    String clientOption;

    @Mixin
    NodeJvmOptions nodeJvm;

    @Mixin
    NodeProcessOptions nodeProcesses;

    @Mixin
    CommonOptions common;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ChatBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (!clientOption.equals("raw") && !clientOption.equals("jdk")) {
            throw new ParameterException(common.commandLine(), "--client is raw or jdk");
        }
        ChatLoad.Client clientKind = clientOption.equals("raw") ? ChatLoad.Client.RAW : ChatLoad.Client.JDK;
        List<String> nodeJvmOptions = nodeJvm.list();
        Set<String> phases = new LinkedHashSet<>(List.of(phaseList.split(",")));
        Path dir = nodeProcesses.dir();
        if (clients < 1
                || subscribers < 0
                || fanoutPosters < 1
                || seconds <= 0
                || warmup < 0
                || jvmWarmup < 0
                || messageChars < 24
                || !(target.equals("all") || target.equals("leader"))
                || phases.isEmpty()
                || !Set.of("posts", "reads", "fanout").containsAll(phases)) {
            throw new ParameterException(
                    common.commandLine(),
                    "clients >= 1, subscribers >= 0, fan-out posters >= 1, seconds > 0, warm-up >= 0, JVM warm-up >= 0,"
                            + " message chars >= 24, target all or leader, phases among posts,reads,fanout");
        }
        System.out.printf(
                Locale.ROOT,
                "chat-bench: 3 nodes (%s, default node options), %d clients,"
                        + " %d-char messages, %s HTTP client, JVM warm-up %.0f s, then per phase warm-up %.0f s and %.0f s measured, target %s;"
                        + " load: %s; nodes in %s%n",
                String.join(" ", nodeJvmOptions),
                clients,
                messageChars,
                clientOption,
                jvmWarmup,
                warmup,
                seconds,
                target,
                loadAverage(),
                dir);
        try (RaftChatCluster cluster = ChatNodes.cluster(nodeProcesses.jar, dir, nodeJvmOptions, List.of())) {
            cluster.startAll();
            int leader = cluster.awaitReady(Duration.ofSeconds(60));
            System.out.println("cluster ready; leader is node " + leader);
            IntFunction<URI> node = ChatLoad.nodes(cluster, target.equals("leader") ? leader : 0);
            Map<String, Long> processes = new LinkedHashMap<>();
            for (int id : cluster.ids()) {
                processes.put("node " + id + (id == leader ? " (leader)" : ""), cluster.pid(id));
            }
            processes.put("load generator", ProcessHandle.current().pid());
            List<ChatLoad.Outcome> outcomes = new ArrayList<>();

            boolean readRoomsSeeded = false;
            if (jvmWarmup > 0) {
                // Once for all phases: the JIT compilers of four JVMs sharing two cores need about a minute of load
                // before the hot paths are compiled; measured sooner, most of the CPU goes to compilation.
                seedReadRooms(node);
                readRoomsSeeded = true;
                // Expected status 0: posts answer 201 and reads 200; nothing of this phase is reported.
                ChatLoad.run(
                        "JVM warm-up (posts and reads)",
                        clients,
                        jvmWarmup,
                        1,
                        0,
                        (client, sequence) -> client % 2 == 0
                                ? ChatLoad.postRequest(
                                        node.apply(client),
                                        "warmup-" + (client % POST_ROOMS),
                                        "user" + client,
                                        ChatLoad.message("w" + client + "s" + sequence + " ", messageChars))
                                : ChatLoad.readRequest(
                                        node.apply(client), "read-" + ((client + sequence) % READ_ROOMS), false),
                        Map.of(),
                        clientKind);
                System.out.printf(Locale.ROOT, "JVM warm-up: %.0f s of posts and linearizable reads done%n", jvmWarmup);
            }

            if (phases.contains("posts")) {
                outcomes.add(ChatLoad.run(
                        "posts (201 after commit)",
                        clients,
                        warmup,
                        seconds,
                        201,
                        (client, sequence) -> ChatLoad.postRequest(
                                node.apply(client),
                                "bench-" + (client % POST_ROOMS),
                                "user" + client,
                                ChatLoad.message("c" + client + "s" + sequence + " ", messageChars)),
                        processes,
                        clientKind));
                System.out.println(outcomes.get(outcomes.size() - 1).line());
                System.out.print(outcomes.get(outcomes.size() - 1).cpuLines());
            }

            if (phases.contains("reads")) {
                if (!readRoomsSeeded) {
                    seedReadRooms(node);
                }
                outcomes.add(ChatLoad.run(
                        "linearizable reads",
                        clients,
                        warmup,
                        seconds,
                        200,
                        (client, sequence) -> ChatLoad.readRequest(
                                node.apply(client), "read-" + ((client + sequence) % READ_ROOMS), false),
                        processes,
                        clientKind));
                System.out.println(outcomes.get(outcomes.size() - 1).line());
                System.out.print(outcomes.get(outcomes.size() - 1).cpuLines());
            }

            FanOut fanOut = null;
            if (phases.contains("fanout")) {
                fanOut = fanOut(cluster, node, subscribers, fanoutPosters, warmup, seconds, messageChars, clientKind);
                outcomes.add(fanOut.posts());
                System.out.println(outcomes.get(outcomes.size() - 1).line());
                System.out.println(fanOut.line());
            }

            System.out.printf(Locale.ROOT, "%nload after the run: %s%n", loadAverage());
            writeCsv(dir.resolve("chat-bench.csv"), outcomes, fanOut);
            System.out.println("wrote " + dir.resolve("chat-bench.csv") + "; node logs in " + dir);
        }
        // Data directories are large and of no use after the run; the logs and CSV stay.
        for (int id = 1; id <= ChatNodes.NODES; id++) {
            RaftChatCluster.deleteTree(dir.resolve("node-" + id));
        }
        return 0;
    }

    private static void seedReadRooms(IntFunction<URI> node) throws InterruptedException {
        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (int room = 0; room < READ_ROOMS; room++) {
            for (int i = 0; i < READ_ROOM_MESSAGES; i++) {
                try {
                    HttpResponse<String> response = http.send(
                            ChatLoad.post(
                                    node.apply(room), "read-" + room, "seeder", "message " + i + " of room " + room),
                            HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() != 201) {
                        throw new IllegalStateException(
                                "seeding read rooms: HTTP " + response.statusCode() + " " + response.body());
                    }
                } catch (IOException e) {
                    throw new IllegalStateException("seeding read rooms", e);
                }
            }
        }
    }

    /** What the fan-out phase measured: the posts, and deliveries to subscribers. */
    record FanOut(
            ChatLoad.Outcome posts,
            int subscribers,
            double seconds,
            long delivered,
            Histogram latency,
            long disconnected) {
        double deliveredPerSecond() {
            return delivered / seconds;
        }

        String line() {
            return String.format(
                    Locale.ROOT,
                    "%-28s subscribers %d  %9.0f deliveries/s  end-to-end p50 %7.2f ms  p99 %7.2f ms"
                            + "  p999 %7.2f ms  (%.2f deliveries per post in the window; %d subscribers disconnected)",
                    "fan-out (/ws firehose)",
                    subscribers,
                    deliveredPerSecond(),
                    latency.getValueAtPercentile(50) / 1e6,
                    latency.getValueAtPercentile(99) / 1e6,
                    latency.getValueAtPercentile(99.9) / 1e6,
                    posts.ok() == 0 ? 0 : (double) delivered / posts.ok(),
                    disconnected);
        }
    }

    private static FanOut fanOut(
            RaftChatCluster cluster,
            IntFunction<URI> node,
            int subscribers,
            int posters,
            double warmup,
            double seconds,
            int messageChars,
            ChatLoad.Client clientKind)
            throws Exception {
        Histogram latency = new ConcurrentHistogram(3);
        AtomicLong delivered = new AtomicLong();
        AtomicLong disconnected = new AtomicLong();
        long[] window = new long[2];
        long origin = System.nanoTime();
        window[0] = origin + (long) (warmup * 1e9) + 2_000_000_000L; // the subscribers connect first (below)
        window[1] = window[0] + (long) (seconds * 1e9);
        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<WebSocket> sockets = new ArrayList<>();
        for (int s = 0; s < subscribers; s++) {
            URI base = cluster.uri(1 + s % cluster.ids().size());
            URI ws = URI.create("ws://" + base.getHost() + ":" + base.getPort() + "/ws");
            sockets.add(http.newWebSocketBuilder()
                    .connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(ws, new Subscriber(latency, delivered, disconnected, window))
                    .get(10, TimeUnit.SECONDS));
        }
        // Let the upgrades settle so the posts' window starts with every subscriber in place.
        long settle = window[0] - (long) (warmup * 1e9) - System.nanoTime();
        if (settle > 0) {
            Thread.sleep(settle / 1_000_000);
        }
        ChatLoad.Outcome posts = ChatLoad.run(
                "fan-out posts",
                posters,
                warmup,
                seconds,
                201,
                (client, sequence) -> ChatLoad.postRequest(
                        node.apply(client),
                        "fanout-" + client,
                        "poster" + client,
                        ChatLoad.message("t=" + System.nanoTime() + ";", messageChars)),
                Map.of(),
                clientKind);
        // Deliveries of posts acknowledged just before the window closed still count if they arrive in it only.
        for (WebSocket socket : sockets) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").exceptionally(t -> null);
        }
        return new FanOut(posts, subscribers, seconds, delivered.get(), latency, disconnected.get());
    }

    /** Counts firehose events and times them by the poster's nanoTime carried in the message text. */
    private static final class Subscriber implements WebSocket.Listener {
        private final Histogram latency;
        private final AtomicLong delivered;
        private final AtomicLong disconnected;
        private final long[] window;
        private final StringBuilder partial = new StringBuilder();

        Subscriber(Histogram latency, AtomicLong delivered, AtomicLong disconnected, long[] window) {
            this.latency = latency;
            this.delivered = delivered;
            this.disconnected = disconnected;
            this.window = window;
        }

        @Override
        public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                long now = System.nanoTime();
                int at = partial.indexOf("t=");
                if (at >= 0 && now >= window[0] && now < window[1]) {
                    int end = partial.indexOf(";", at);
                    long sent = Long.parseLong(partial.substring(at + 2, end));
                    latency.recordValue(Math.max(0, now - sent));
                    delivered.incrementAndGet();
                }
                partial.setLength(0);
            }
            socket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket socket, int statusCode, String reason) {
            if (System.nanoTime() < window[1]) {
                disconnected.incrementAndGet();
            }
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void onError(WebSocket socket, Throwable error) {
            if (System.nanoTime() < window[1]) {
                disconnected.incrementAndGet();
            }
        }
    }

    private static void writeCsv(Path file, List<ChatLoad.Outcome> outcomes, FanOut fanOut) throws IOException {
        StringBuilder csv = new StringBuilder("phase,clients,seconds,ok,failed,per_second,p50_ms,p99_ms,p999_ms\n");
        for (ChatLoad.Outcome o : outcomes) {
            csv.append(String.format(
                    Locale.ROOT,
                    "%s,%d,%.1f,%d,%d,%.1f,%.3f,%.3f,%.3f%n",
                    o.name(),
                    o.clients(),
                    o.seconds(),
                    o.ok(),
                    o.failed(),
                    o.perSecond(),
                    o.millis(0.5),
                    o.millis(0.99),
                    o.millis(0.999)));
        }
        if (fanOut != null) {
            csv.append(String.format(
                    Locale.ROOT,
                    "fan-out deliveries,%d,%.1f,%d,%d,%.1f,%.3f,%.3f,%.3f%n",
                    fanOut.subscribers(),
                    fanOut.seconds(),
                    fanOut.delivered(),
                    fanOut.disconnected(),
                    fanOut.deliveredPerSecond(),
                    fanOut.latency().getValueAtPercentile(50) / 1e6,
                    fanOut.latency().getValueAtPercentile(99) / 1e6,
                    fanOut.latency().getValueAtPercentile(99.9) / 1e6));
        }
        Files.writeString(file, csv);
    }

    static String loadAverage() {
        try {
            return "loadavg " + Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "loadavg unknown";
        }
    }
}
