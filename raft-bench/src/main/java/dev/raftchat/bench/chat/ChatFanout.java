package dev.raftchat.bench.chat;

import dev.raftchat.bench.CommonOptions;
import dev.raftchat.chat.testkit.RaftChatCluster;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * WebSocket fan-out of the chat API v1 on a real raft-chat cluster (processes of the chat-server fat jar on
 * loopback): S subscribers of one room on {@code /api/v1/ws}, all on one node, while P posters send
 * {@code POST /api/v1/rooms/{room}/messages} over HTTP/1.1 keep-alive, as fast as they are answered or at a fixed
 * total rate. Reports frames delivered per second (the sum over subscribers), posts acknowledged per second, and
 * the end-to-end latency of each frame (HdrHistogram: p50, p90, p99, p999, max).
 *
 * <p><b>Latency.</b> Each message's text starts with {@code t=<nanoTime>;}: the moment its POST was sent, or with a
 * fixed rate the moment it was due (so a poster that falls behind its schedule shows up as latency rather than
 * hiding it: no coordinated omission). A subscriber in this same JVM reads it back from the frame: the latency is
 * "POST sent → frame received", which includes the commit (201 means committed and applied, and the frame is sent
 * when the entry is applied on the subscribers' node). The POST's own latency (sent → 201) is reported beside it.
 *
 * <p><b>Delivery check.</b> Every subscriber verifies that the seqs it receives are consecutive (each message once,
 * in order), and after the posters stop, waits until it has received the room's last acknowledged seq. A gap, a
 * duplicate, a disconnection or a missing tail is reported and fails the run (exit 1).
 *
 * <p>Only frames received inside the measured window count, after a warm-up window of the same load. The CPU of
 * every node and of this load generator in the window is reported by thread group ({@link ThreadCpu}), with CPU
 * microseconds per delivered frame. With {@code --jfr}, the subscribers' node records a JFR profile of the window.
 */
@Command(
        name = "chat-fanout",
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = "WebSocket fan-out of /api/v1/ws: S subscribers of one room, P posters, frames/s and latency.")
public final class ChatFanout implements Callable<Integer> {
    static final String ROOM = "fanout";
    static final String PASSWORD = "fan-out bench password";
    /** How long the subscribers may take, after the posters stop, to receive the last acknowledged message. */
    static final long DRAIN_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(20);
    /** A subscriber's blocking read gives up after this long without a frame (the server pings every 15 s). */
    static final int READ_TIMEOUT_MILLIS = 60_000;

    static final Pattern SEQ_FIELD = Pattern.compile("\"seq\":(\\d+)");
    static final Pattern TOKEN_FIELD = Pattern.compile("\"token\":\"([^\"]+)\"");

    @Option(
            names = "--nodes",
            paramLabel = "1|3",
            defaultValue = "3",
            description = "Cluster size (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(
            names = "--subscribers",
            paramLabel = "N",
            defaultValue = "32",
            description = "WebSocket subscribers of the room (default: ${DEFAULT-VALUE}).")
    int subscribers;

    @Option(
            names = "--posters",
            paramLabel = "N",
            defaultValue = "16",
            description = "Posting HTTP clients (default: ${DEFAULT-VALUE}).")
    int posters;

    @Option(
            names = "--rate",
            paramLabel = "POSTS_PER_SECOND",
            defaultValue = "0",
            description = "Total posts per second, paced; 0 = each poster sends its next post when the last is"
                    + " answered (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(
            names = "--warmup-seconds",
            paramLabel = "S",
            defaultValue = "20",
            description = "Unmeasured load before the window (default: ${DEFAULT-VALUE}).")
    double warmup;

    @Option(
            names = "--seconds",
            paramLabel = "S",
            defaultValue = "15",
            description = "Measured seconds (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(
            names = "--message-chars",
            paramLabel = "N",
            defaultValue = "256",
            description = "Characters per message text, at least 40 (default: ${DEFAULT-VALUE}).")
    int messageChars;

    @Option(
            names = "--subscribe-to",
            paramLabel = "leader|follower",
            defaultValue = "leader",
            description = "The node every subscriber connects to (default: ${DEFAULT-VALUE}).")
    String subscribeTo;

    @Option(
            names = "--post-to",
            paramLabel = "leader|all",
            defaultValue = "leader",
            description = "Posters send to the leader, or are spread over all nodes (default: ${DEFAULT-VALUE}).")
    String postTo;

    @Mixin
    NodeJvmOptions nodeJvm;

    @Option(
            names = "--jfr",
            description = "Record a JFR profile (settings=profile) of the subscribers' node over the measured window.")
    boolean jfr;

    @Mixin
    NodeProcessOptions nodeProcesses;

    @Mixin
    CommonOptions common;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ChatFanout()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if ((nodes != 1 && nodes != 3)
                || subscribers < 1
                || posters < 1
                || rate < 0
                || seconds <= 0
                || warmup < 0
                || messageChars < 40
                || !(subscribeTo.equals("leader") || subscribeTo.equals("follower"))
                || !(postTo.equals("leader") || postTo.equals("all"))) {
            throw new ParameterException(
                    common.commandLine(),
                    "nodes 1 or 3, subscribers >= 1, posters >= 1, rate >= 0, seconds > 0, warm-up >= 0,"
                            + " message chars >= 40, subscribe-to leader or follower, post-to leader or all");
        }
        if (subscribeTo.equals("follower") && nodes == 1) {
            throw new ParameterException(common.commandLine(), "a 1-node cluster has no follower");
        }
        List<String> nodeJvmOptions = nodeJvm.list();
        Path dir = nodeProcesses.dir();
        System.out.printf(
                Locale.ROOT,
                "chat-fanout: %d node(s) (%s), %d subscribers on the %s, %d posters to %s, rate %s,"
                        + " %d-char messages, warm-up %.0f s, %.0f s measured; %s; nodes in %s%n",
                nodes,
                String.join(" ", nodeJvmOptions),
                subscribers,
                subscribeTo,
                posters,
                postTo.equals("leader") ? "the leader" : "all nodes",
                rate == 0 ? "as fast as answered" : String.format(Locale.ROOT, "%.0f posts/s", rate),
                messageChars,
                warmup,
                seconds,
                ChatBench.loadAverage(),
                dir);
        int exit;
        try (RaftChatCluster cluster = ChatNodes.cluster(nodeProcesses.jar, dir, nodes, nodeJvmOptions, List.of())) {
            cluster.startAll();
            cluster.awaitReady(Duration.ofSeconds(60));
            exit = run(cluster, dir);
        }
        for (int id = 1; id <= nodes; id++) {
            RaftChatCluster.deleteTree(dir.resolve("node-" + id));
        }
        return exit;
    }

    private int run(RaftChatCluster cluster, Path dir) throws Exception {
        int leader = cluster.leader();
        int subscriberNode =
                subscribeTo.equals("leader") ? leader : leader % cluster.ids().size() + 1;
        System.out.println("cluster ready; leader is node " + leader + "; subscribers on node " + subscriberNode);

        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        URI leaderUri = cluster.uri(leader);
        String posterToken = registerAndLogin(http, leaderUri, "fanout-poster");
        String readerToken = registerAndLogin(http, leaderUri, "fanout-reader");
        expect(
                http,
                leaderUri,
                "POST",
                "/api/v1/rooms",
                posterToken,
                "{\"name\":\"" + ROOM + "\"}",
                201,
                "create the room");

        // Subscribers first, each confirmed subscribed, so that every post of the run reaches all of them.
        List<Subscriber> subscriberList = new ArrayList<>();
        for (int s = 0; s < subscribers; s++) {
            Subscriber subscriber = new Subscriber(
                    s,
                    new RawWebSocket(
                            cluster.uri(subscriberNode),
                            "/api/v1/ws?token=" + URLEncoder.encode(readerToken, StandardCharsets.UTF_8),
                            READ_TIMEOUT_MILLIS));
            subscriber.subscribe();
            subscriberList.add(subscriber);
        }
        // The windows start once every subscriber is in place, so that a paced poster does not start behind.
        long origin = System.nanoTime();
        long measureFrom = origin + (long) (warmup * 1e9);
        long measureTo = measureFrom + (long) (seconds * 1e9);
        for (Subscriber subscriber : subscriberList) {
            subscriber.measureFrom = measureFrom;
            subscriber.measureTo = measureTo;
            subscriber.start();
        }

        Map<String, Long> processes = new LinkedHashMap<>();
        for (int id : cluster.ids()) {
            processes.put(
                    "node " + id + (id == leader ? " (leader)" : "") + (id == subscriberNode ? " (subscribers)" : ""),
                    cluster.pid(id));
        }
        processes.put("load generator", ProcessHandle.current().pid());
        String subscriberLabel = processes.keySet().stream()
                .filter(label -> label.startsWith("node " + subscriberNode + " "))
                .findFirst()
                .orElseThrow();

        AtomicLong maxSeq = new AtomicLong();
        AtomicReference<String> firstFailure = new AtomicReference<>();
        List<Poster> posterList = new ArrayList<>();
        for (int p = 0; p < posters; p++) {
            URI target = postTo.equals("leader")
                    ? leaderUri
                    : cluster.uri(1 + p % cluster.ids().size());
            Poster poster = new Poster(p, target, posterToken, origin, measureFrom, measureTo, maxSeq, firstFailure);
            posterList.add(poster);
            poster.start();
        }

        sleepUntil(measureFrom);
        if (jfr) {
            startJfr(cluster.pid(subscriberNode), dir.resolve("node-" + subscriberNode + ".jfr"));
        }
        ThreadCpu.Sample first = ThreadCpu.sample(processes);
        // Sampled a little before the window closes: /proc forgets the time of threads that have exited.
        sleepUntil(measureTo - (long) Math.min(ChatLoad.CPU_SAMPLE_MARGIN_NANOS, (measureTo - measureFrom) / 10.0));
        ThreadCpu.Sample last = ThreadCpu.sample(processes);
        for (Poster poster : posterList) {
            poster.join();
        }

        // Every acknowledged message must reach every subscriber, in order, once.
        long finalSeq = maxSeq.get();
        long drainDeadline = System.nanoTime() + DRAIN_TIMEOUT_NANOS;
        for (Subscriber subscriber : subscriberList) {
            while (subscriber.lastSeq < finalSeq && subscriber.isAlive() && System.nanoTime() < drainDeadline) {
                TimeUnit.MILLISECONDS.sleep(10);
            }
        }
        for (Subscriber subscriber : subscriberList) {
            subscriber.socket.close();
            subscriber.join();
        }

        Histogram posts = new Histogram(3);
        long postsOk = 0;
        long postsFailed = 0;
        for (Poster poster : posterList) {
            posts.add(poster.latency);
            postsOk += poster.ok;
            postsFailed += poster.failed;
        }
        Histogram frames = new Histogram(3);
        long delivered = 0;
        long orderViolations = 0;
        long incomplete = 0;
        long disconnected = 0;
        for (Subscriber subscriber : subscriberList) {
            frames.add(subscriber.latency);
            delivered += subscriber.delivered;
            orderViolations += subscriber.orderViolations;
            if (subscriber.lastSeq < finalSeq) {
                incomplete++;
            }
            if (subscriber.closeCode >= 0 || subscriber.failure != null) {
                disconnected++;
            }
        }
        double framesPerSecond = delivered / seconds;
        double postsPerSecond = postsOk / seconds;
        double cores = ThreadCpu.totalCores(first, last);
        double subscriberNodeCores = ThreadCpu.totalCores(
                new ThreadCpu.Sample(
                        first.nanoTime(),
                        Map.of(subscriberLabel, first.ticksByProcess().get(subscriberLabel))),
                new ThreadCpu.Sample(
                        last.nanoTime(),
                        Map.of(subscriberLabel, last.ticksByProcess().get(subscriberLabel))));
        System.out.printf(
                Locale.ROOT,
                "posts   %9.0f /s  (sent -> 201)             %s  ok %d  failed %d%s%n",
                postsPerSecond,
                millisAtPercentiles(posts),
                postsOk,
                postsFailed,
                firstFailure.get() == null ? "" : "  (first failure: " + firstFailure.get() + ")");
        System.out.printf(
                Locale.ROOT,
                "frames  %9.0f /s  (POST sent -> frame)       %s  (%.2f frames per post, %d subscribers)%n",
                framesPerSecond,
                millisAtPercentiles(frames),
                postsOk == 0 ? 0 : (double) delivered / postsOk,
                subscribers);
        System.out.printf(
                Locale.ROOT,
                "delivery: last acknowledged seq %d; order violations (gap or duplicate) %d; subscribers missing the"
                        + " tail %d; disconnected %d%n",
                finalSeq,
                orderViolations,
                incomplete,
                disconnected);
        double eventLoopCores = eventLoopCores(first, last, subscriberLabel);
        System.out.printf(
                Locale.ROOT,
                "CPU in the window: %.2f cores in all (%.1f us per frame), the subscribers' node %.2f cores"
                        + " (%.1f us per frame), its Netty event loops %.2f cores (%.1f us per frame)%n",
                cores,
                delivered == 0 ? 0 : cores * seconds * 1e6 / delivered,
                subscriberNodeCores,
                delivered == 0 ? 0 : subscriberNodeCores * seconds * 1e6 / delivered,
                eventLoopCores,
                delivered == 0 ? 0 : eventLoopCores * seconds * 1e6 / delivered);
        ThreadCpu.report(first, last, ChatLoad.CPU_THREAD_GROUPS_SHOWN).forEach(System.out::println);
        System.out.printf(Locale.ROOT, "load after the run: %s%n", ChatBench.loadAverage());
        if (jfr) {
            Path recording = dir.resolve("node-" + subscriberNode + ".jfr");
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!Files.exists(recording) && System.nanoTime() < until) {
                TimeUnit.MILLISECONDS.sleep(100);
            }
            System.out.println("JFR recording of the subscribers' node: " + recording);
        }
        return orderViolations == 0 && incomplete == 0 && disconnected == 0 ? 0 : 1;
    }

    /**
     * Cores used between the samples by the Netty event loops of process {@code label} (Linux shows the first 15
     * characters of a thread's name: {@code multiThreadIoEv} for Netty 4.2's {@code multiThreadIoEventLoopGroup-N-N}).
     */
    static double eventLoopCores(ThreadCpu.Sample from, ThreadCpu.Sample to, String label) {
        Map<String, long[]> before = from.ticksByProcess().getOrDefault(label, Map.of());
        long ticks = 0;
        for (Map.Entry<String, long[]> thread :
                to.ticksByProcess().getOrDefault(label, Map.of()).entrySet()) {
            if (thread.getKey().contains("IoEv") || thread.getKey().contains("EventLoop")) {
                long[] start = before.getOrDefault(thread.getKey(), new long[2]);
                ticks += thread.getValue()[0] - start[0] + thread.getValue()[1] - start[1];
            }
        }
        double secondsBetween = (to.nanoTime() - from.nanoTime()) / 1e9;
        // /proc counts in clock ticks of 10 ms (USER_HZ 100).
        return secondsBetween <= 0 ? 0 : ticks / 100.0 / secondsBetween;
    }

    private static String registerAndLogin(HttpClient http, URI node, String username)
            throws IOException, InterruptedException {
        String credentials = "{\"username\":\"" + username + "\",\"password\":\"" + PASSWORD + "\"}";
        expect(http, node, "POST", "/api/v1/auth/register", null, credentials, 201, "register " + username);
        String body = expect(http, node, "POST", "/api/v1/auth/login", null, credentials, 200, "log in " + username);
        Matcher token = TOKEN_FIELD.matcher(body);
        if (!token.find()) {
            throw new IllegalStateException("login answered without a token: " + body);
        }
        return token.group(1);
    }

    private static String expect(
            HttpClient http, URI node, String method, String path, String token, String body, int status, String what)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(node.resolve(path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != status) {
            throw new IllegalStateException(
                    what + ": HTTP " + response.statusCode() + " " + ChatLoad.abbreviate(response.body()));
        }
        return response.body();
    }

    /** Starts a JFR recording of the measured window in the node; its own CPU (a jcmd JVM) lands in the window. */
    private void startJfr(long pid, Path file) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process process = new ProcessBuilder(
                        jcmd.toString(),
                        Long.toString(pid),
                        "JFR.start",
                        "name=fanout",
                        "settings=profile",
                        "duration=" + (long) Math.ceil(seconds) + "s",
                        "filename=" + file)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left = nanoTime - System.nanoTime();
        if (left > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    /** A message text of exactly {@code chars} ASCII characters carrying its send time. */
    static String text(long sentNanos, int poster, long sequence, int chars) {
        return ChatLoad.message("t=" + sentNanos + ";p" + poster + "s" + sequence + " ", chars);
    }

    /** The decimal number right after the first occurrence of {@code marker}; -1 if none. */
    static long numberAfter(byte[] bytes, int length, byte[] marker) {
        outer:
        for (int i = 0; i + marker.length <= length; i++) {
            for (int j = 0; j < marker.length; j++) {
                if (bytes[i + j] != marker[j]) {
                    continue outer;
                }
            }
            long value = 0;
            int digits = 0;
            for (int k = i + marker.length; k < length && bytes[k] >= '0' && bytes[k] <= '9'; k++) {
                value = value * 10 + (bytes[k] - '0');
                digits++;
            }
            return digits == 0 ? -1 : value;
        }
        return -1;
    }

    /** One posting client: its own thread and keep-alive connection. */
    private final class Poster extends Thread {
        private final int index;
        private final URI node;
        private final String authorization;
        private final long origin;
        private final long measureFrom;
        private final long measureTo;
        private final AtomicLong maxSeq;
        private final AtomicReference<String> firstFailure;
        final Histogram latency = new Histogram(3);
        long ok;
        long failed;

        Poster(
                int index,
                URI node,
                String token,
                long origin,
                long measureFrom,
                long measureTo,
                AtomicLong maxSeq,
                AtomicReference<String> firstFailure) {
            super("fanout-poster-" + index);
            setDaemon(true);
            this.index = index;
            this.node = node;
            this.authorization = "Authorization: Bearer " + token + "\r\n";
            this.origin = origin;
            this.measureFrom = measureFrom;
            this.measureTo = measureTo;
            this.maxSeq = maxSeq;
            this.firstFailure = firstFailure;
        }

        @Override
        public void run() {
            String path = "/api/v1/rooms/" + ROOM + "/messages";
            long interval = rate == 0 ? 0 : (long) (posters * 1e9 / rate);
            long due = origin + interval * index / posters;
            try (RawHttpClient client = new RawHttpClient(node, (int) ChatLoad.REQUEST_TIMEOUT.toMillis())) {
                for (long sequence = 0; ; sequence++) {
                    long sent;
                    if (interval > 0) {
                        for (long left = due - System.nanoTime(); left > 0; left = due - System.nanoTime()) {
                            LockSupport.parkNanos(left);
                        }
                        sent = due;
                        due += interval;
                    } else {
                        sent = System.nanoTime();
                    }
                    if (sent >= measureTo) {
                        return;
                    }
                    String body = "{\"text\":\"" + text(sent, index, sequence, messageChars) + "\"}";
                    String failure = null;
                    try {
                        RawHttpClient.Response response =
                                client.exchange("POST", path, body.getBytes(StandardCharsets.UTF_8), authorization);
                        if (response.status() == 201) {
                            Matcher seq = SEQ_FIELD.matcher(response.body());
                            if (seq.find()) {
                                maxSeq.accumulateAndGet(Long.parseLong(seq.group(1)), Math::max);
                            }
                        } else {
                            failure = "HTTP " + response.status() + " " + ChatLoad.abbreviate(response.body());
                        }
                    } catch (IOException e) {
                        failure = e.toString();
                    }
                    long done = System.nanoTime();
                    if (done >= measureFrom && done < measureTo) {
                        if (failure == null) {
                            ok++;
                            latency.recordValue(Math.max(0, done - sent));
                        } else {
                            failed++;
                        }
                    }
                    if (failure != null) {
                        firstFailure.compareAndSet(null, failure);
                    }
                }
            }
        }
    }

    /** One WebSocket subscriber: its own thread reading frames, checking seqs and timing the window's frames. */
    private static final class Subscriber extends Thread {
        private static final byte[] MESSAGE_PREFIX = "{\"type\":\"message\"".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] SEQ = "\"seq\":".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] TEXT = "\"text\":\"t=".getBytes(StandardCharsets.US_ASCII);

        final RawWebSocket socket;
        /** The measured window; set before {@link #start()}, which publishes them to the thread. */
        long measureFrom;

        long measureTo;
        final Histogram latency = new Histogram(3);
        long delivered;
        long orderViolations;
        volatile long lastSeq;
        volatile int closeCode = -1;
        volatile String failure;

        Subscriber(int index, RawWebSocket socket) {
            super("fanout-subscriber-" + index);
            setDaemon(true);
            this.socket = socket;
        }

        /** Waits for ready, subscribes to the room from its latest message on, waits for subscribed. */
        void subscribe() throws IOException {
            expectFrame("\"type\":\"ready\"");
            socket.sendText("{\"type\":\"subscribe\",\"room\":\"" + ROOM + "\",\"after\":null}");
            String subscribed = expectFrame("\"type\":\"subscribed\"");
            Matcher latest = Pattern.compile("\"latestSeq\":(\\d+)").matcher(subscribed);
            if (!latest.find()) {
                throw new IOException("subscribed without latestSeq: " + subscribed);
            }
            lastSeq = Long.parseLong(latest.group(1));
        }

        private String expectFrame(String marker) throws IOException {
            int opcode = socket.read();
            String text = socket.payloadText();
            if (opcode != RawWebSocket.OPCODE_TEXT || !text.contains(marker)) {
                throw new IOException("expected a frame with " + marker + ", got opcode " + opcode + ": " + text);
            }
            return text;
        }

        @Override
        public void run() {
            try {
                while (true) {
                    int opcode = socket.read();
                    if (opcode == RawWebSocket.OPCODE_CLOSE) {
                        closeCode = socket.closeCode();
                        return;
                    }
                    long now = System.nanoTime();
                    byte[] payload = socket.payload();
                    int length = socket.payloadLength();
                    if (!startsWith(payload, length, MESSAGE_PREFIX)) {
                        continue;
                    }
                    long seq = numberAfter(payload, length, SEQ);
                    if (seq != lastSeq + 1) {
                        orderViolations++;
                    }
                    if (seq > lastSeq) {
                        lastSeq = seq;
                    }
                    if (now >= measureFrom && now < measureTo) {
                        long sent = numberAfter(payload, length, TEXT);
                        if (sent >= 0) {
                            latency.recordValue(Math.max(0, now - sent));
                        }
                        delivered++;
                    }
                }
            } catch (IOException e) {
                // The end of the run closes the socket under the read; anything earlier is a failure.
                if (!socket.isClosedByUs()) {
                    failure = e.toString();
                }
            }
        }

        static boolean startsWith(byte[] bytes, int length, byte[] prefix) {
            if (length < prefix.length) {
                return false;
            }
            for (int i = 0; i < prefix.length; i++) {
                if (bytes[i] != prefix[i]) {
                    return false;
                }
            }
            return true;
        }
    }

    /** A histogram of nanoseconds as "p50 .. max" in milliseconds, in the columns both report lines share. */
    private static String millisAtPercentiles(Histogram nanos) {
        return String.format(
                Locale.ROOT,
                "p50 %7.2f ms  p90 %7.2f ms  p99 %7.2f ms  p999 %7.2f ms  max %7.2f ms",
                nanos.getValueAtPercentile(50) / 1e6,
                nanos.getValueAtPercentile(90) / 1e6,
                nanos.getValueAtPercentile(99) / 1e6,
                nanos.getValueAtPercentile(99.9) / 1e6,
                nanos.getMaxValue() / 1e6);
    }
}
