package dev.raftchat.bench.chat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A raft-chat cluster of real processes on loopback, each {@code java -jar chat-server-...-all.jar} with its own
 * data directory and log file, for the chat benchmarks. Ports are picked free at construction. Every process
 * this object started is ended by {@link #close()} (also registered as a shutdown hook), so a benchmark that
 * fails or is interrupted leaves nothing running.
 *
 * <p>Not thread-safe: one benchmark thread drives it.
 */
public final class ChatCluster implements AutoCloseable {
    /**
     * Node options every chat benchmark passes: a load generator's clients all come from 127.0.0.1, and the
     * default write limit per client address (600 per minute, burst included) would answer most of its posts
     * with 429 after the first second. The limit is raised to its maximum, not switched off, so the limiter's
     * own cost stays in the measurement. For the same reason the connections one address may hold are raised to
     * the node's total (4096): a scale run opens more than the default 256 per address.
     */
    public static final List<String> BENCH_NODE_OPTIONS = List.of(
            "--writes-per-minute-per-address",
            "100000000",
            "--writes-per-minute-per-user",
            "100000000",
            "--http-connections-per-address-max",
            "4096");

    private static final Pattern NUMBER_FIELD = Pattern.compile("\"(\\w+)\":(-?\\d+)");

    private final Path jar;
    private final Path baseDirectory;
    private final List<String> jvmOptions;
    private final List<String> nodeOptions;
    private final int[] httpPorts;
    private final String clusterUrls;
    private final Process[] processes;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final Thread shutdownHook = new Thread(this::close, "chat-cluster-shutdown");

    /**
     * @param nodes       how many nodes (ids 1..nodes)
     * @param jvmOptions  options for each node's JVM (heap, GC)
     * @param nodeOptions extra raft-chat options for each node (e.g. {@code --snapshot-count 100000})
     */
    public ChatCluster(Path jar, Path baseDirectory, int nodes, List<String> jvmOptions, List<String> nodeOptions)
            throws IOException {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException(
                    "no chat-server jar at " + jar + " (build it: ./mvnw -pl chat-server -am package)");
        }
        this.jar = jar;
        this.baseDirectory = baseDirectory;
        this.jvmOptions = List.copyOf(jvmOptions);
        this.nodeOptions = List.copyOf(nodeOptions);
        this.httpPorts = new int[nodes];
        this.processes = new Process[nodes];
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            urls.add("http://127.0.0.1:" + freePort());
            httpPorts[i] = freePort();
        }
        this.clusterUrls = String.join(",", urls);
        Files.createDirectories(baseDirectory);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    public int size() {
        return processes.length;
    }

    /** The base URI of node {@code id}'s HTTP API. */
    public URI uri(int id) {
        return URI.create("http://127.0.0.1:" + httpPorts[id - 1]);
    }

    public Path dataDirectory(int id) {
        return baseDirectory.resolve("node-" + id);
    }

    public Path logFile(int id) {
        return baseDirectory.resolve("node-" + id + ".log");
    }

    /** Starts node {@code id} (appending to its log file); does not wait for it to be ready. */
    public void start(int id) throws IOException {
        if (processes[id - 1] != null && processes[id - 1].isAlive()) {
            throw new IllegalStateException("node " + id + " is running");
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of(
                "-jar",
                jar.toString(),
                "--id",
                Integer.toString(id),
                "--cluster",
                clusterUrls,
                "--port",
                Integer.toString(httpPorts[id - 1]),
                "--http-host",
                "127.0.0.1",
                "--data-dir",
                dataDirectory(id).toString()));
        command.addAll(nodeOptions);
        processes[id - 1] = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile(id).toFile()))
                .start();
    }

    public void startAll() throws IOException {
        for (int id = 1; id <= processes.length; id++) {
            start(id);
        }
    }

    public boolean isRunning(int id) {
        return processes[id - 1] != null && processes[id - 1].isAlive();
    }

    public long pid(int id) {
        return processes[id - 1].pid();
    }

    /** Ends node {@code id}: SIGKILL when {@code kill}, else SIGTERM (graceful stop); waits for the exit. */
    public void stop(int id, boolean kill) throws InterruptedException {
        Process process = processes[id - 1];
        if (process == null) {
            return;
        }
        if (kill) {
            process.destroyForcibly();
        } else {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        process.waitFor();
        processes[id - 1] = null;
    }

    /** Deletes node {@code id}'s data directory (the node must be stopped). */
    public void wipe(int id) {
        if (processes[id - 1] != null) {
            throw new IllegalStateException("node " + id + " is running");
        }
        deleteRecursively(dataDirectory(id));
    }

    /** Waits until every running node answers /readyz with 200 and the cluster has a leader. */
    public void awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int id = 1; id <= processes.length; id++) {
            if (processes[id - 1] != null) {
                awaitReady(id, deadline);
            }
        }
        while (leader() == 0) {
            checkDeadline(deadline, "no leader");
            Thread.sleep(50);
        }
    }

    /** Waits until node {@code id} answers /readyz with 200. */
    public void awaitReady(int id, long deadlineNanos) throws InterruptedException {
        while (true) {
            Process process = processes[id - 1];
            if (process == null || !process.isAlive()) {
                throw new IllegalStateException("node " + id + " exited; see " + logFile(id));
            }
            if (get(id, "/readyz") == 200) {
                return;
            }
            checkDeadline(deadlineNanos, "node " + id + " not ready");
            Thread.sleep(20);
        }
    }

    private static void checkDeadline(long deadlineNanos, String what) {
        if (System.nanoTime() > deadlineNanos) {
            throw new IllegalStateException(what + " before the deadline");
        }
    }

    /** The leader id as the first answering running node sees it; 0 when none is known. */
    public int leader() {
        for (int id = 1; id <= processes.length; id++) {
            if (processes[id - 1] != null) {
                long leader = statusField(id, "LeaderId");
                if (leader > 0) {
                    return (int) leader;
                }
            }
        }
        return 0;
    }

    /** A numeric field of node {@code id}'s GET /raft status ("AppliedIndex", "CommitIndex", "LeaderId"); -1 on failure. */
    public long statusField(int id, String field) {
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(uri(id).resolve("/raft"))
                            .timeout(Duration.ofSeconds(5))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return -1;
            }
            Matcher m = NUMBER_FIELD.matcher(response.body());
            while (m.find()) {
                if (m.group(1).equals(field)) {
                    return Long.parseLong(m.group(2));
                }
            }
            return -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private int get(int id, String path) {
        try {
            return http.send(
                            HttpRequest.newBuilder(uri(id).resolve(path))
                                    .timeout(Duration.ofSeconds(5))
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Resident set size of node {@code id}'s process in KiB (VmRSS of /proc/pid/status), -1 if unknown. */
    public long residentKibibytes(int id) {
        try {
            for (String line :
                    Files.readAllLines(Path.of("/proc", Long.toString(pid(id)), "status"), StandardCharsets.UTF_8)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }

    /**
     * Heap in use by node {@code id} after a full collection, in KiB, from {@code jcmd <pid> GC.run} and
     * {@code GC.heap_info}; -1 if jcmd is missing or its output cannot be read.
     */
    public long heapUsedAfterGcKibibytes(int id) {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        try {
            run(jcmd.toString(), Long.toString(pid(id)), "GC.run");
            String info = run(jcmd.toString(), Long.toString(pid(id)), "GC.heap_info");
            // e.g. " def new generation   total 9792K, used 123K [..." per generation; sum the "used".
            Matcher m = Pattern.compile("(?:generation|space|heap)\\s+total \\d+K, used (\\d+)K")
                    .matcher(info);
            long used = 0;
            boolean found = false;
            while (m.find()) {
                used += Long.parseLong(m.group(1));
                found = true;
            }
            return found ? used : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor();
        return output;
    }

    /** Total size in bytes of the regular files under {@code directory} whose path contains {@code part}. */
    public static long bytesUnder(Path directory, String part) {
        if (!Files.exists(directory)) {
            return 0;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            return paths.filter(Files::isRegularFile)
                    .filter(p -> p.toString().contains(part))
                    .mapToLong(p -> {
                        try {
                            return Files.size(p);
                        } catch (IOException e) {
                            return 0; // deleted meanwhile (compaction)
                        }
                    })
                    .sum();
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
    }

    /** Ends every node this cluster started (SIGTERM, then SIGKILL after a grace period). Idempotent. */
    @Override
    public void close() {
        for (int id = 1; id <= processes.length; id++) {
            Process process = processes[id - 1];
            if (process != null) {
                process.destroy();
            }
        }
        for (int id = 1; id <= processes.length; id++) {
            Process process = processes[id - 1];
            if (process != null) {
                try {
                    if (!process.waitFor(10, TimeUnit.SECONDS)) {
                        process.destroyForcibly();
                        process.waitFor();
                    }
                } catch (InterruptedException e) {
                    process.destroyForcibly();
                    Thread.currentThread().interrupt();
                }
                processes[id - 1] = null;
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // close() runs as the hook itself
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    static void deleteRecursively(Path directory) {
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
