package dev.raftchat.chat.process;

import static org.awaitility.Awaitility.await;

import dev.raftchat.testsupport.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Real {@code raft-chat} processes on loopback, one working directory each under a test's temporary
 * directory, ports picked free up front (the {@code --cluster} list must name them). Register it with
 * {@code @RegisterExtension}: after each test every process still running is killed by pid, and when the
 * test failed, the tail of every node's log is printed.
 */
public final class ProcessCluster implements AfterEachCallback, AutoCloseable {
    /** Generous: a JVM start under a loaded 2-core CI machine was seen to take 40 s. */
    public static final Duration WAIT = Duration.ofMinutes(2);

    static final int LOG_TAIL_LINES = 60;

    private final Map<Long, Integer> peerPorts = new TreeMap<>();
    private final Map<Long, Integer> httpPorts = new TreeMap<>();
    private final Map<Long, RaftChatProcess> processes = new TreeMap<>();
    private final List<RaftChatProcess> everStarted = new ArrayList<>();
    private Path root;
    private final List<String> commonArguments = new ArrayList<>();
    private final Map<String, String> environment = new LinkedHashMap<>();
    final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private String scheme = "http";
    private HttpClient client = http;

    /** Uses {@code root} for the nodes' working directories and reserves ports for nodes 1..size. */
    public ProcessCluster in(Path directory, int size) {
        this.root = directory;
        // Every node runs in its own working directory, so the secret that nodes started from one
        // directory would generate and share is not shared here: the cluster gets one secret file, through
        // the environment (RAFT_CHAT_CLUSTER_SECRET_FILE) as an operator might set it.
        try {
            Path secret = directory.resolve("cluster.secret");
            Files.createDirectories(directory);
            Files.writeString(secret, "# process tests\nprocess-cluster-secret-" + System.nanoTime() + "\n");
            Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
            environment.put("RAFT_CHAT_CLUSTER_SECRET_FILE", secret.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (long id = 1; id <= size; id++) {
            reserve(id);
        }
        return this;
    }

    /** Reserves peer and HTTP ports for node {@code id} (e.g. a node that joins later). */
    public void reserve(long id) {
        peerPorts.put(id, FreePorts.loopback());
        httpPorts.put(id, FreePorts.loopback());
    }

    /** Arguments given to every node started from now on (after the defaults). */
    public ProcessCluster withArguments(String... arguments) {
        commonArguments.addAll(List.of(arguments));
        return this;
    }

    public ProcessCluster withEnvironment(String name, String value) {
        environment.put(name, value);
        return this;
    }

    /** Talks HTTPS through {@code tlsClient} to every node. */
    public ProcessCluster withHttps(HttpClient tlsClient) {
        this.scheme = "https";
        this.client = tlsClient;
        return this;
    }

    /** The {@code --cluster} list of nodes 1..size. */
    public String clusterArgument(int size) {
        return LongStream.rangeClosed(1, size)
                .mapToObj(id -> "http://127.0.0.1:" + peerPorts.get(id))
                .collect(Collectors.joining(","));
    }

    public String peerUrl(long id) {
        return "http://127.0.0.1:" + peerPorts.get(id);
    }

    public Path workDir(long id) {
        return root.resolve("node-" + id);
    }

    public int httpPort(long id) {
        return httpPorts.get(id);
    }

    /** Starts node {@code id} of a cluster of {@code clusterSize} with the common and {@code extra} arguments. */
    public RaftChatProcess start(long id, int clusterSize, String... extra) {
        List<String> arguments = new ArrayList<>(List.of(
                "--id",
                Long.toString(id),
                "--cluster",
                clusterArgument(clusterSize),
                "--port",
                Integer.toString(httpPorts.get(id)),
                "--http-host",
                "127.0.0.1"));
        arguments.addAll(commonArguments);
        arguments.addAll(List.of(extra));
        RaftChatProcess process =
                RaftChatProcess.start(workDir(id), httpPorts.get(id), environment, arguments.toArray(String[]::new));
        processes.put(id, process);
        everStarted.add(process);
        return process;
    }

    public RaftChatProcess process(long id) {
        return processes.get(id);
    }

    /** SIGTERM and wait: returns the exit code. */
    public int stop(long id) {
        return processes.remove(id).stop();
    }

    /** SIGKILL and wait. */
    public void kill(long id) {
        processes.remove(id).kill();
    }

    /** Waits until every given node answers /readyz with 200 and they agree on the leader; returns it. */
    public long awaitReady(long... ids) {
        await().atMost(WAIT)
                .pollInterval(Duration.ofMillis(100))
                .ignoreExceptions()
                .until(() -> {
                    for (long id : ids) {
                        if (!processes.get(id).isAlive()) {
                            throw new AssertionError("node " + id + " exited with "
                                    + processes.get(id).exitValue() + ":\n"
                                    + tail(processes.get(id).output()));
                        }
                        if (get(id, "/readyz").statusCode() != 200) {
                            return false;
                        }
                    }
                    return LongStream.of(ids)
                                    .mapToObj(id -> leaderOf(id))
                                    .distinct()
                                    .count()
                            == 1;
                });
        return leaderOf(ids[0]);
    }

    private long leaderOf(long id) {
        String body = get(id, "/api/v1/cluster").body();
        int at = body.indexOf("\"leaderId\":");
        return Long.parseLong(body.substring(at + 11, body.indexOf(',', at)));
    }

    public String url(long id, String path) {
        return scheme + "://127.0.0.1:" + httpPorts.get(id) + path;
    }

    public HttpResponse<String> get(long id, String path) {
        return send(HttpRequest.newBuilder(URI.create(url(id, path))).GET());
    }

    public HttpResponse<String> post(long id, String path, String body) {
        return send(HttpRequest.newBuilder(URI.create(url(id, path))).POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    public HttpResponse<String> post(long id, String path, String body, String authorization) {
        return send(HttpRequest.newBuilder(URI.create(url(id, path)))
                .header("Authorization", authorization)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    public HttpResponse<String> delete(long id, String path) {
        return send(HttpRequest.newBuilder(URI.create(url(id, path))).DELETE());
    }

    public HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return client.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public HttpClient client() {
        return client;
    }

    static String tail(String text) {
        String[] lines = text.split("\n");
        int from = Math.max(0, lines.length - LOG_TAIL_LINES);
        return String.join("\n", Arrays.asList(lines).subList(from, lines.length));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (context.getExecutionException().isPresent()) {
            for (RaftChatProcess process : everStarted) {
                System.out.println("===== " + process.workDir() + " (pid " + process.pid() + ", "
                        + (process.isAlive() ? "running" : "exited " + process.exitValue()) + ") =====");
                System.out.println(tail(process.output()));
            }
        }
        close();
    }

    /** Kills every process this cluster started that still runs, by pid. */
    @Override
    public void close() {
        for (RaftChatProcess process : everStarted) {
            process.close();
        }
        processes.clear();
    }
}
