package dev.raftchat.chat;

import static org.awaitility.Awaitility.await;

import dev.raftchat.chat.api.v1.ApiConfig;
import dev.raftchat.chat.http.HttpConfig;
import dev.raftchat.chat.state.ChatLimits;
import dev.raftchat.raft.transport.netty.PeerAddress;
import dev.raftchat.testsupport.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * Chat nodes in this JVM over real Netty and real files: peer ports picked free up front (the cluster
 * list must name them), HTTP on ephemeral ports, data under a test's temporary directory.
 */
final class ChatCluster implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(30);
    static final long TICK_MILLIS = 50;
    static final long REQUEST_TIMEOUT_MILLIS = 2_500;

    final SortedMap<Long, PeerAddress> members = new TreeMap<>();
    final Map<Long, ChatNode> nodes = new TreeMap<>();
    private final Path root;
    long snapshotCount = ChatNodeConfig.DEFAULT_SNAPSHOT_COUNT;
    String adminToken;
    /** Fast password hashing and generous rate limits: tests that need others set their own. */
    ApiConfig apiConfig = testApiConfig().build();
    /** The HTTP front door's caps and deadlines (defaults unless a test sets its own). */
    HttpConfig httpConfig = HttpConfig.defaults();
    /** Per-node replacements of {@link #apiConfig} (e.g. an older command version). */
    final Map<Long, ApiConfig> apiConfigs = new TreeMap<>();
    /** Per-node wall clocks, in milliseconds since the epoch; the system clock when absent. */
    final Map<Long, LongSupplier> clocks = new TreeMap<>();

    final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    ChatCluster(Path root, int size) {
        this.root = root;
        for (long id = 1; id <= size; id++) {
            addMemberAddress(id);
        }
    }

    PeerAddress addMemberAddress(long id) {
        PeerAddress address = new PeerAddress("127.0.0.1", FreePorts.loopback());
        members.put(id, address);
        return address;
    }

    ChatNodeConfig config(long id, boolean join) {
        return ChatNodeConfig.defaults(id, members)
                .withJoin(join)
                .withHttp("127.0.0.1", 0)
                .withDataDir(root.resolve("raft-chat-" + id))
                .withSnapshotCount(snapshotCount)
                .withAdminToken(adminToken)
                .withApi(apiConfigs.getOrDefault(id, apiConfig))
                .withHttpConfig(httpConfig)
                .withTiming(TICK_MILLIS, REQUEST_TIMEOUT_MILLIS);
    }

    ChatNode start(long id) {
        return start(id, false);
    }

    ChatNode start(long id, boolean join) {
        ChatNode node = ChatNode.start(config(id, join), clocks.getOrDefault(id, System::currentTimeMillis));
        nodes.put(id, node);
        return node;
    }

    void startAll() {
        for (long id : members.keySet()) {
            start(id);
        }
    }

    void stop(long id) {
        ChatNode node = nodes.remove(id);
        if (node != null) {
            node.close();
        }
    }

    ChatNode node(long id) {
        return nodes.get(id);
    }

    /** Waits until every running node knows the same leader and has applied what it knows committed. */
    long awaitReady() {
        await().atMost(WAIT)
                .until(() -> nodes.values().stream()
                                .allMatch(n -> get(n.nodeId(), "/readyz").statusCode() == 200)
                        && nodes.values().stream()
                                        .map(n -> n.raftStatus().leaderId())
                                        .distinct()
                                        .count()
                                == 1);
        return nodes.values().iterator().next().raftStatus().leaderId();
    }

    String url(long id, String path) {
        return "http://127.0.0.1:" + nodes.get(id).httpPort() + path;
    }

    HttpResponse<String> get(long id, String path) {
        return send(HttpRequest.newBuilder(URI.create(url(id, path))).GET());
    }

    HttpResponse<String> post(long id, String path, String body) {
        return send(HttpRequest.newBuilder(URI.create(url(id, path))).POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static ApiConfig.Builder testApiConfig() {
        ApiConfig.Builder builder = ApiConfig.defaults().toBuilder();
        builder.passwordHashIterations = 1_000;
        builder.loginAttemptsPerMinutePerAddress = 10_000;
        builder.writesPerMinutePerAddress = 100_000;
        builder.writesPerMinutePerUser = 100_000;
        builder.timeTickMillis = 200;
        return builder;
    }

    static ChatLimits limits() {
        return ChatLimits.defaults();
    }

    @Override
    public void close() {
        List<Long> ids = new ArrayList<>(nodes.keySet());
        ids.parallelStream().forEach(this::stop);
    }
}
