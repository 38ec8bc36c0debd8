package dev.raftchat.e2e;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftchat.testsupport.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real raft-chat cluster for browser tests: each node is its own JVM running
 * {@code dev.raftchat.chat.RaftChatMain} (the class path of this test), so a node can be killed with
 * SIGKILL like a crashed machine and started again on the same ports and data. Peer and HTTP ports are
 * picked free up front, so a restarted node keeps its URL and the browser can come back to it. Logs go
 * to {@code target/e2e-logs/<test>/node-<id>.log}.
 */
final class ChatProcessCluster implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(60);
    /** The default tick: the test machine is often loaded, and shorter elections flap there. */
    static final long TICK_MILLIS = 100;

    static final long REQUEST_TIMEOUT_MILLIS = 4_000;
    static final int PASSWORD_HASH_ITERATIONS = 10_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dataRoot;
    private final Path logDir;
    private final Map<Long, Integer> peerPorts = new TreeMap<>();
    private final Map<Long, Integer> httpPorts = new TreeMap<>();
    private final Map<Long, Process> processes = new TreeMap<>();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    ChatProcessCluster(Path dataRoot, Path logDir, int size) {
        this.dataRoot = dataRoot;
        this.logDir = logDir;
        for (long id = 1; id <= size; id++) {
            peerPorts.put(id, FreePorts.loopback());
            httpPorts.put(id, FreePorts.loopback());
        }
    }

    List<Long> ids() {
        return new ArrayList<>(peerPorts.keySet());
    }

    String clusterFlag() {
        return peerPorts.values().stream()
                .map(port -> "http://127.0.0.1:" + port)
                .collect(Collectors.joining(","));
    }

    void startAll() {
        ids().forEach(this::start);
    }

    void start(long id) {
        if (processes.containsKey(id)) {
            throw new IllegalStateException("node " + id + " is already running");
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = List.of(
                java,
                "-Xmx160m",
                "-XX:+UseSerialGC",
                "-XX:CICompilerCount=2",
                "-cp",
                classPath,
                "dev.raftchat.chat.RaftChatMain",
                "--id",
                Long.toString(id),
                "--cluster",
                clusterFlag(),
                "--port",
                Integer.toString(httpPorts.get(id)),
                "--http-host",
                "127.0.0.1",
                "--data-dir",
                dataRoot.resolve("raft-chat-" + id).toString(),
                "--tick-ms",
                Long.toString(TICK_MILLIS),
                "--request-timeout-ms",
                Long.toString(REQUEST_TIMEOUT_MILLIS),
                // The production cost of a password hash only slows every login of the tests down.
                "--password-hash-iterations",
                Integer.toString(PASSWORD_HASH_ITERATIONS));
        try {
            Files.createDirectories(logDir);
            Path log = logDir.resolve("node-" + id + ".log");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().keySet().removeIf(name -> name.startsWith("RAFT_CHAT_"));
            processes.put(id, builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start node " + id, e);
        }
    }

    /** SIGKILL: the node stops at once, as in a crash (its data stays for a restart). */
    void kill(long id) {
        Process process = processes.remove(id);
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            process.waitFor(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    boolean running(long id) {
        return processes.containsKey(id) && processes.get(id).isAlive();
    }

    String baseUrl(long id) {
        return "http://127.0.0.1:" + httpPorts.get(id);
    }

    int httpPort(long id) {
        return httpPorts.get(id);
    }

    /** Waits until every running node is ready and they agree on one leader; returns it. */
    long awaitStableLeader() {
        long[] leader = new long[1];
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
            Long agreed = null;
            for (long id : processes.keySet()) {
                Optional<JsonNode> status = status(id);
                if (status.isEmpty() || !ready(id)) {
                    return false;
                }
                long seen = status.get().path("LeaderId").asLong();
                if (seen == 0 || (agreed != null && agreed != seen) || !processes.containsKey(seen)) {
                    return false;
                }
                agreed = seen;
            }
            leader[0] = agreed == null ? 0 : agreed;
            return agreed != null;
        });
        return leader[0];
    }

    /** A running node other than {@code leader}. */
    long follower(long leader) {
        return processes.keySet().stream()
                .filter(id -> id != leader)
                .findFirst()
                .orElseThrow();
    }

    private boolean ready(long id) {
        try {
            return http.send(
                                    HttpRequest.newBuilder(URI.create(baseUrl(id) + "/readyz"))
                                            .timeout(Duration.ofSeconds(3))
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

    /** The node's own view of the cluster (the original API's {@code GET /raft}); empty when unreachable. */
    Optional<JsonNode> status(long id) {
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create(baseUrl(id) + "/raft"))
                            .timeout(Duration.ofSeconds(3))
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

    @Override
    public void close() {
        new ArrayList<>(processes.keySet()).forEach(this::kill);
    }
}
