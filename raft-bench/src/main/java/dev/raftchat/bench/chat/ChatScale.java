package dev.raftchat.bench.chat;

import dev.raftchat.bench.CommonOptions;
import dev.raftchat.bench.StorageBench;
import dev.raftchat.chat.testkit.RaftChatCluster;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The scale run: {@code --messages} posts spread round-robin over {@code --rooms} rooms on a 3-node raft-chat
 * cluster, loaded through the original API by closed-loop clients, stopping early at {@code --load-seconds}.
 * Then, per node: heap in use after a full GC and resident memory (VmRSS); the snapshots' size on disk and how
 * long the leader took to write each one; and, on a follower, two restarts timed until the node holds every
 * message: after kill -9 with its data (recovery from its own snapshot and log), and after it stayed down while
 * the others took a few log tails of further posts and the leader took a snapshot (its log no longer reaches back to
 * the follower's, so the leader sends its snapshot). A follower whose data is wiped and that comes back under
 * the same id is not a case Raft repairs (its log would go back in time; the leader ignores its rejections
 * as stale), so it is not measured: such a node must be removed and added again. Finally the restarted node's rooms are read back (stale reads, on that
 * node alone) and counted against what was acknowledged.
 *
 * <p>Snapshot timing: the leader starts a snapshot in the Ready where its applied index crosses a multiple of
 * {@code --snapshot-count}; this run polls the leader's applied index every {@link #POLL_MILLIS} ms and takes
 * the first poll at or past the snapshot's index as its start, and the node's log line "snapshot ... written"
 * as its end (so each take time is high by up to one poll interval).
 */
@Command(
        name = "chat-scale",
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = "The scale run: heap, RSS, snapshot sizes and times, and restart times of a 3-node cluster"
                + " holding many messages.")
public final class ChatScale implements Callable<Integer> {
    static final long POLL_MILLIS = 100;
    /** The runtime keeps this many entries behind each snapshot (RaftServerConfig's default log tail). */
    static final long LOG_TAIL_ENTRIES = 1000;

    /** The date at the start of a node's plain log line: ISO-8601 in UTC (chat-server's logback.xml). */
    private static final String LOG_TIME = "^(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z)";

    private static final Pattern WRITTEN = Pattern.compile(
            LOG_TIME + " .*node \\d+: snapshot (\\d+)@(\\d+) written \\((\\d+) bytes\\); log compacted");
    private static final Pattern RESTORED =
            Pattern.compile(LOG_TIME + " .*restored the state machine from snapshot (\\d+)@");
    private static final Pattern INSTALLED = Pattern.compile(LOG_TIME + " .*installed snapshot (\\d+)@");
    /** SnapshotManager's install line: bytes, then ms to receive them, to make them durable, to restore the state. */
    private static final Pattern INSTALL_TIMES = Pattern.compile(
            "installed snapshot \\S+ from the leader: (\\d+) bytes"
                    + " received in (\\d+) ms \\(first chunk to last\\), made durable in (\\d+) ms, state restored in (\\d+) ms");
    /**
     * The steps of a node's start, by the first log line of each after a (re)start, for the restart's timeline: label
     * and pattern.
     */
    private static final List<String[]> START_STEPS = List.of(
            new String[] {"first log line", " INFO "},
            new String[] {"log opened", "opened log "},
            new String[] {"own snapshot restored", "restored the state machine from snapshot"},
            new String[] {"peer port listening", "raft transport listening"},
            new String[] {"HTTP serving", "serving HTTP on port"},
            new String[] {"leader heard", "leader is now"},
            new String[] {"snapshot receiving", "receiving snapshot "},
            new String[] {"snapshot installed", "installed snapshot "});

    /** Bytes written per force when measuring the disk's sequential write+force bandwidth. */
    static final int DISK_BYTES_PER_FORCE = 4 * 1024 * 1024;

    static final double DISK_SECONDS = 3;
    /** Refused posts printed (the rest are only counted): a full state refuses every post after it. */
    static final int REFUSALS_PRINTED_MAX = 10;

    private static final AtomicLong REFUSALS_PRINTED = new AtomicLong();

    @Option(
            names = "--messages",
            paramLabel = "N",
            defaultValue = "1000000",
            description = "Posts to load (default: ${DEFAULT-VALUE}).")
    long messages;

    @Option(
            names = "--rooms",
            paramLabel = "N",
            defaultValue = "10000",
            description = "Rooms the posts go round-robin over (default: ${DEFAULT-VALUE}).")
    int rooms;

    @Option(
            names = "--clients",
            paramLabel = "N",
            defaultValue = "64",
            description = "Closed-loop clients (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(
            names = "--message-chars",
            paramLabel = "N",
            defaultValue = "64",
            description = "Characters per message, at least 16 (default: ${DEFAULT-VALUE}).")
    int messageChars;

    @Option(
            names = "--load-seconds",
            paramLabel = "S",
            defaultValue = "600",
            description =
                    "The load stops after this long even if not every message is posted (default: ${DEFAULT-VALUE}).")
    double loadSeconds;

    @Option(
            names = "--snapshot-count",
            paramLabel = "N",
            defaultValue = "50000",
            description = "The nodes' --snapshot-count (default: ${DEFAULT-VALUE}).")
    long snapshotCount;

    @Option(
            names = "--heap",
            paramLabel = "SIZE",
            defaultValue = "2g",
            description = "Each node's -Xmx (default: ${DEFAULT-VALUE}).")
    String heap;

    @Mixin
    NodeProcessOptions nodeProcesses;

    @Mixin
    CommonOptions common;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ChatScale()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Path dir = nodeProcesses.dir();
        if (messages < 1 || rooms < 1 || clients < 1 || messageChars < 16 || loadSeconds <= 0 || snapshotCount < 1) {
            throw new ParameterException(common.commandLine(), "every number must be positive; message chars >= 16");
        }
        System.out.printf(
                Locale.ROOT,
                "chat-scale: %d messages of %d chars over %d rooms, %d clients, load stops after %.0f s;"
                        + " 3 nodes -Xmx%s -XX:+UseSerialGC --snapshot-count %d; %s; nodes in %s%n",
                messages,
                messageChars,
                rooms,
                clients,
                loadSeconds,
                heap,
                snapshotCount,
                ChatBench.loadAverage(),
                dir);
        try (RaftChatCluster cluster = ChatNodes.cluster(
                nodeProcesses.jar,
                dir,
                List.of("-Xmx" + heap, "-XX:+UseSerialGC"),
                List.of(
                        "--snapshot-count",
                        Long.toString(snapshotCount),
                        // The state budget the heap allows (RaftChatMain wants 3x the budget of the usable heap,
                        // a little under -Xmx, hence a quarter): the default 256 MiB holds about 800,000 of
                        // these messages.
                        "--state-bytes-max",
                        Long.toString(bytes(heap) / 4)))) {
            cluster.startAll();
            int leader = cluster.awaitReady(Duration.ofSeconds(60));
            int follower = leader == 3 ? 2 : 3;
            System.out.println("cluster ready; leader node " + leader + "; restarts will use node " + follower);

            // Poll the leader's applied index (for snapshot start times) while loading.
            ConcurrentLinkedQueue<long[]> appliedSamples = new ConcurrentLinkedQueue<>();
            Thread poller = new Thread(
                    () -> {
                        while (!Thread.currentThread().isInterrupted()) {
                            long applied = cluster.statusField(leader, "AppliedIndex");
                            if (applied >= 0) {
                                appliedSamples.add(new long[] {System.currentTimeMillis(), applied});
                            }
                            try {
                                Thread.sleep(POLL_MILLIS);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    },
                    "applied-poller");
            poller.setDaemon(true);
            poller.start();

            long loadStart = System.nanoTime();
            long[] loaded = load(cluster, 0, messages, rooms, clients, messageChars, loadSeconds);
            long acknowledged = loaded[0];
            double loadedSeconds = (System.nanoTime() - loadStart) / 1e9;
            long acked = acknowledged;
            System.out.printf(
                    Locale.ROOT,
                    "%nloaded %d messages (%d failed after retries) in %.1f s: %.0f posts/s%s%n",
                    acked,
                    loaded[1],
                    loadedSeconds,
                    acked / loadedSeconds,
                    acked < messages
                            ? String.format(
                                    Locale.ROOT,
                                    " -- stopped by --load-seconds; %d messages would take %.0f s at this rate",
                                    messages,
                                    messages / (acked / loadedSeconds))
                            : "");

            long commit = cluster.statusField(leader, "CommitIndex");
            awaitApplied(cluster, List.of(1, 2, 3), commit, Duration.ofMinutes(2));
            poller.interrupt();
            System.out.printf(Locale.ROOT, "every node applied through index %d%n%n", commit);

            System.out.println(
                    "memory per node (heap in use after a full GC; resident set from /proc/<pid>/status VmRSS):");
            for (int id = 1; id <= 3; id++) {
                System.out.printf(
                        Locale.ROOT,
                        "  node %d%s: heap %,d KiB, RSS %,d KiB, log on disk %,d bytes, snapshots on disk %,d bytes%n",
                        id,
                        id == leader ? " (leader)" : "",
                        ChatNodes.heapUsedAfterGcKibibytes(cluster.pid(id)),
                        ChatNodes.residentKibibytes(cluster.pid(id)),
                        ChatNodes.bytesUnder(cluster.dataDir(id).resolve("log")),
                        ChatNodes.bytesUnder(cluster.dataDir(id).resolve("snapshots")));
            }
            reportSnapshotTakes(cluster.logFile(leader), appliedSamples);

            // Restart 1: kill -9 and restart with its data: restore from its own latest snapshot, replay the log tail.
            System.out.println();
            try {
                restart(cluster, follower, false, commit, acked, rooms);
                // Restart 2: the follower stays down while the others take more posts and a snapshot,
                // so the leader's log no longer reaches back to the follower's: the leader must send its snapshot.
                cluster.kill(follower);
                // A few log tails of posts, then a snapshot on demand (what GET /api/v1/admin/backup does on the
                // leader): the leader's log then starts past the follower's. (Waiting for an automatic snapshot
                // would take as many bytes of posts as the state holds: the policy is proportional.)
                long extra = 3 * LOG_TAIL_ENTRIES;
                long[] more = load(cluster, messages, extra, rooms, clients, messageChars, Double.MAX_VALUE);
                acked += more[0];
                System.out.printf(
                        Locale.ROOT,
                        "posted %,d more messages with node %d down (%d failed)%n",
                        more[0],
                        follower,
                        more[1]);
                // The leader may have changed since the load began (an election under load): ask the current one.
                int currentLeader = cluster.leader();
                long snapshotBytes = takeSnapshot(cluster.uri(currentLeader > 0 ? currentLeader : leader));
                System.out.printf(
                        Locale.ROOT,
                        "leader's (node %d) snapshot taken on demand (GET /api/v1/admin/backup): %,d bytes%n",
                        currentLeader,
                        snapshotBytes);
                commit = cluster.statusField(currentLeader > 0 ? currentLeader : leader, "CommitIndex");
                restart(cluster, follower, true, commit, acked, rooms);
            } catch (RuntimeException e) {
                System.out.println("RESTART FAILED: " + e.getMessage() + "; see " + cluster.logFile(follower));
            }
            System.out.printf(Locale.ROOT, "%nload after the run: %s%n", ChatBench.loadAverage());
        }
        for (int id = 1; id <= ChatNodes.NODES; id++) {
            RaftChatCluster.deleteTree(dir.resolve("node-" + id));
        }
        return 0;
    }

    /**
     * Posts messages {@code first .. first+count-1} (message k goes to room k mod rooms) with closed-loop clients
     * spread over the running nodes, until all are acknowledged or {@code seconds} have passed; reports progress
     * every 30 s. Returns {acknowledged, failed}.
     */
    static long[] load(
            RaftChatCluster cluster, long first, long count, int rooms, int clients, int messageChars, double seconds)
            throws InterruptedException {
        AtomicLong next = new AtomicLong(first);
        AtomicLong acknowledged = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long loadStart = System.nanoTime();
        long loadEnd = seconds == Double.MAX_VALUE ? Long.MAX_VALUE : loadStart + (long) (seconds * 1e9);
        List<Integer> running = new ArrayList<>();
        for (int id : cluster.ids()) {
            if (cluster.alive(id)) {
                running.add(id);
            }
        }
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            final int client = c;
            Thread thread = new Thread(
                    () -> {
                        URI node = cluster.uri(running.get(client % running.size()));
                        // The cheapest client on CPU (see RawHttpClient): the load generator shares the
                        // machine's cores with the three nodes it loads.
                        try (RawHttpClient http = new RawHttpClient(node, (int) ChatLoad.REQUEST_TIMEOUT.toMillis())) {
                            while (System.nanoTime() < loadEnd) {
                                long k = next.getAndIncrement();
                                if (k >= first + count) {
                                    return;
                                }
                                String text = ChatLoad.message("m" + k + " ", messageChars);
                                if (postWithRetry(http, node, "room-" + (k % rooms), text)) {
                                    acknowledged.incrementAndGet();
                                } else {
                                    failed.incrementAndGet();
                                }
                            }
                        }
                    },
                    "scale-client-" + c);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
        long lastReport = System.nanoTime();
        for (Thread thread : threads) {
            while (thread.isAlive()) {
                thread.join(1000);
                if (System.nanoTime() - lastReport > 30e9) {
                    lastReport = System.nanoTime();
                    double elapsed = (lastReport - loadStart) / 1e9;
                    System.out.printf(
                            Locale.ROOT,
                            "  %.0f s: %d acknowledged (%.0f /s); %s%n",
                            elapsed,
                            acknowledged.get(),
                            acknowledged.get() / elapsed,
                            ChatBench.loadAverage());
                }
            }
        }
        return new long[] {acknowledged.get(), failed.get()};
    }

    /** One post, retried on a failure that is not the client's (a 503 during a leader change, a reset connection). */
    private static boolean postWithRetry(RawHttpClient http, URI node, String room, String text) {
        ChatLoad.Request post = ChatLoad.postRequest(node, room, "scale", text);
        for (int attempt = 0; attempt < 5; attempt++) {
            try {
                RawHttpClient.Response response = http.exchange(post.method(), post.pathAndQuery(), post.body());
                if (response.status() == 201) {
                    return true;
                }
                if (response.status() != 503) {
                    if (REFUSALS_PRINTED.getAndIncrement() < REFUSALS_PRINTED_MAX) {
                        System.err.println("post to " + room + ": HTTP " + response.status() + " "
                                + ChatLoad.abbreviate(response.body()));
                    }
                    return false;
                }
            } catch (IOException e) {
                // retried below; a retry may duplicate the post, which the final count would show
            }
        }
        return false;
    }

    private static void awaitApplied(RaftChatCluster cluster, List<Integer> nodes, long index, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int id : nodes) {
            while (cluster.statusField(id, "AppliedIndex") < index) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "node " + id + " did not apply through " + index + " in " + timeout);
                }
                Thread.sleep(20);
            }
        }
    }

    private static void reportSnapshotTakes(Path leaderLog, ConcurrentLinkedQueue<long[]> appliedSamples)
            throws IOException {
        System.out.println(
                "snapshots written by the leader (start = first poll of its applied index at or past the snapshot's"
                        + " index, every " + POLL_MILLIS + " ms; end = its log line):");
        List<long[]> samples = new ArrayList<>(appliedSamples);
        for (String line : Files.readAllLines(leaderLog, StandardCharsets.UTF_8)) {
            Matcher m = WRITTEN.matcher(line);
            if (!m.find()) {
                continue;
            }
            long index = Long.parseLong(m.group(2));
            long end = wallMillis(m.group(1));
            long start = samples.stream()
                    .filter(s -> s[1] >= index)
                    .mapToLong(s -> s[0])
                    .findFirst()
                    .orElse(-1);
            System.out.printf(
                    Locale.ROOT,
                    "  snapshot at index %,d (%,d bytes): %s%n",
                    index,
                    Long.parseLong(m.group(4)),
                    start < 0 ? "start not observed" : String.format(Locale.ROOT, "about %,d ms", end - start));
        }
    }

    /**
     * Restarts follower {@code id} with its data and times it until it has applied {@code commit}. With
     * {@code behind} the node was stopped earlier and the cluster moved past its log (the leader must send a
     * snapshot); otherwise it is killed (-9) here and recovers from its own snapshot and log.
     */
    private static void restart(
            RaftChatCluster cluster, int id, boolean behind, long commit, long acknowledged, int rooms)
            throws Exception {
        if (!behind) {
            cluster.kill(id);
        }
        long logOffset = Files.exists(cluster.logFile(id))
                ? Files.readAllLines(cluster.logFile(id), StandardCharsets.UTF_8)
                        .size()
                : 0;
        long startedAtMillis = System.currentTimeMillis();
        long started = System.nanoTime();
        cluster.start(id);
        long deadline = started + Duration.ofMinutes(10).toNanos();
        cluster.awaitReady(Duration.ofMinutes(10), id);
        double readySeconds = (System.nanoTime() - started) / 1e9;
        long target = commit;
        while (cluster.statusField(id, "AppliedIndex") < target) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("node " + id + " did not catch up in 10 minutes");
            }
            Thread.sleep(20);
        }
        double caughtUpSeconds = (System.nanoTime() - started) / 1e9;
        double cpuSeconds = processCpuSeconds(cluster.pid(id));
        String snapshotLine = "";
        Matcher installTimes = null;
        List<String> lines = Files.readAllLines(cluster.logFile(id), StandardCharsets.UTF_8);
        for (String line : lines.subList((int) logOffset, lines.size())) {
            Matcher times = INSTALL_TIMES.matcher(line);
            if (behind && times.find()) {
                installTimes = times;
            }
            Matcher m = (behind ? INSTALLED : RESTORED).matcher(line);
            if (m.find()) {
                snapshotLine = String.format(
                        Locale.ROOT,
                        "; snapshot at index %s %s %.1f s after the start",
                        m.group(2),
                        behind ? "installed" : "restored",
                        (wallMillis(m.group(1)) - startedAtMillis) / 1e3);
            }
        }
        StringBuilder timeline = new StringBuilder();
        List<String> sinceStart = lines.subList((int) logOffset, lines.size());
        Pattern time = Pattern.compile(LOG_TIME);
        for (String[] step : START_STEPS) {
            for (String line : sinceStart) {
                Matcher at = time.matcher(line);
                if (line.contains(step[1]) && at.find()) {
                    timeline.append(String.format(
                            Locale.ROOT,
                            "%s%s %.1f",
                            timeline.length() == 0 ? "" : ", ",
                            step[0],
                            (wallMillis(at.group(1)) - startedAtMillis) / 1e3));
                    break;
                }
            }
        }
        snapshotLine += String.format(
                Locale.ROOT,
                "%n  process CPU of node %d by then: %.1f s; timeline (s after the start): %s",
                id,
                cpuSeconds,
                timeline);
        if (installTimes != null) {
            long bytes = Long.parseLong(installTimes.group(1));
            long receivedMillis = Long.parseLong(installTimes.group(2));
            long durableMillis = Long.parseLong(installTimes.group(3));
            long restoredMillis = Long.parseLong(installTimes.group(4));
            double streamSeconds = Math.max(receivedMillis + durableMillis, 1) / 1e3;
            double diskBytesPerSecond = diskSequentialBytesPerSecond(cluster.dataDir(id));
            snapshotLine += String.format(
                    Locale.ROOT,
                    "%n  snapshot install: %,d bytes received in %,d ms and made durable in %,d ms: %.1f MB/s, %.2f of"
                            + " the disk's sequential write+force bandwidth measured now (%.1f MB/s, %d MiB per"
                            + " force); then the state restored from it in %,d ms",
                    bytes,
                    receivedMillis,
                    durableMillis,
                    bytes / streamSeconds / 1e6,
                    bytes / streamSeconds / diskBytesPerSecond,
                    diskBytesPerSecond / 1e6,
                    DISK_BYTES_PER_FORCE >> 20,
                    restoredMillis);
        }
        long[] counted = countMessages(cluster.uri(id), rooms);
        System.out.printf(
                Locale.ROOT,
                "restart of node %d %s: /readyz after %.1f s, applied through %d (every acknowledged"
                        + " message) after %.1f s%s; read back %,d messages in %,d rooms from that node alone (%,d acknowledged%s)%n",
                id,
                behind
                        ? "after the leader's log moved past it (snapshot sent by the leader)"
                        : "after kill -9 (own snapshot + log)",
                readySeconds,
                target,
                caughtUpSeconds,
                snapshotLine,
                counted[0],
                counted[1],
                acknowledged,
                "");
        System.out.printf(
                Locale.ROOT,
                "  node %d after the restart: heap %,d KiB, RSS %,d KiB%n",
                id,
                ChatNodes.heapUsedAfterGcKibibytes(cluster.pid(id)),
                ChatNodes.residentKibibytes(cluster.pid(id)));
    }

    /**
     * The disk's sequential write+force bandwidth in bytes per second, on the file system of {@code near}: writes
     * of {@link #DISK_BYTES_PER_FORCE} each followed by a force, for {@link #DISK_SECONDS} (StorageBench's raw loop).
     */
    static double diskSequentialBytesPerSecond(Path near) throws IOException {
        Path file = near.resolveSibling("disk-bandwidth.tmp");
        try (StorageBench.RawRunner runner = new StorageBench.RawRunner(file, DISK_BYTES_PER_FORCE)) {
            long started = System.nanoTime();
            long forces = runner.runFor((long) (DISK_SECONDS * 1e9));
            return forces * (double) DISK_BYTES_PER_FORCE / ((System.nanoTime() - started) / 1e9);
        }
    }

    /** User + system CPU seconds of process {@code pid} so far (/proc/<pid>/stat), or -1 when unknown. */
    static double processCpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // After the name: utime is field 14 of the line, index 11 here; stime index 12; in ticks of 10 ms.
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Has {@code node} take a snapshot now (GET /api/v1/admin/backup, admin on loopback); returns its size. */
    static long takeSnapshot(URI node) throws IOException, InterruptedException {
        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<InputStream> response = http.send(
                HttpRequest.newBuilder(node.resolve("/api/v1/admin/backup"))
                        .timeout(Duration.ofMinutes(5))
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            long bytes = body.transferTo(OutputStream.nullOutputStream());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("GET /api/v1/admin/backup: HTTP " + response.statusCode());
            }
            return bytes;
        }
    }

    /** A size like the JVM's {@code -Xmx}: a number with an optional k, m or g suffix. */
    static long bytes(String size) {
        String lower = size.trim().toLowerCase(Locale.ROOT);
        char unit = lower.charAt(lower.length() - 1);
        long multiplier = unit == 'k' ? 1L << 10 : unit == 'm' ? 1L << 20 : unit == 'g' ? 1L << 30 : 1;
        return Long.parseLong(multiplier == 1 ? lower : lower.substring(0, lower.length() - 1)) * multiplier;
    }

    /** Messages and non-empty rooms node {@code node} serves from local state ({@code ?consistency=stale}). */
    private static long[] countMessages(URI node, int rooms) throws Exception {
        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        long total = 0;
        long nonEmpty = 0;
        for (int room = 0; room < rooms; room++) {
            HttpResponse<String> response =
                    http.send(ChatLoad.read(node, "room-" + room, true), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("reading room-" + room + ": HTTP " + response.statusCode());
            }
            int count = countOccurrences(response.body(), "\"PostedAt\"");
            total += count;
            nonEmpty += count > 0 ? 1 : 0;
        }
        return new long[] {total, nonEmpty};
    }

    static int countOccurrences(String text, String needle) {
        int count = 0;
        for (int at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length())) {
            count++;
        }
        return count;
    }

    /** A node log line's date (ISO-8601, UTC) as epoch milliseconds. */
    static long wallMillis(String time) {
        return Instant.parse(time).toEpochMilli();
    }
}
