package dev.raftchat.chat;

import dev.raftchat.chat.api.v1.ApiConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The chat-server test setup as a JUnit extension: {@code @RegisterExtension final V1Cluster v1 = new V1Cluster();},
 * then {@code v1.start(dataRoot, nodes, api -> ...)} (or {@code v1.startCluster(dataRoot, nodes, cluster -> ...)}
 * for HTTP limits and the like) starts an in-JVM cluster with the test API config (changed by the test), waits
 * until it has one leader and every node is ready, and closes it once the test is over: after the test when
 * started in a test or a {@code @BeforeEach}, after the class when started in a {@code @BeforeAll} (per-class
 * lifecycle).
 *
 * <p>A class whose tests share one cluster registers it in a static field instead:
 * {@code @RegisterExtension static final V1Cluster v1 = V1Cluster.perClass(1, V1Cluster.api(api -> ...));} starts
 * it in a temporary directory of its own before the class's first test, and closes it and deletes the directory
 * after its last; the tests read {@link #cluster()} and {@link #client()}.
 */
final class V1Cluster implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, AfterAllCallback {
    private final int perClassNodes;
    private final Consumer<ChatCluster> perClassSetup;
    private Path perClassRoot;
    private boolean inTest;
    private boolean startedInTest;
    private ChatCluster cluster;
    private V1Client client;

    /** A cluster that each test (or {@code @BeforeAll} method) starts itself. */
    V1Cluster() {
        this(0, cluster -> {});
    }

    private V1Cluster(int perClassNodes, Consumer<ChatCluster> perClassSetup) {
        this.perClassNodes = perClassNodes;
        this.perClassSetup = perClassSetup;
    }

    /** A cluster of {@code nodes} nodes started before the class's first test, changed by {@code setup} first. */
    static V1Cluster perClass(int nodes, Consumer<ChatCluster> setup) {
        return new V1Cluster(nodes, setup);
    }

    /** A cluster of {@code nodes} nodes with the test API config, started before the class's first test. */
    static V1Cluster perClass(int nodes) {
        return perClass(nodes, cluster -> {});
    }

    /** A cluster setup that changes the test API config by {@code change}. */
    static Consumer<ChatCluster> api(Consumer<ApiConfig.Builder> change) {
        return cluster -> {
            ApiConfig.Builder builder = ChatCluster.testApiConfig();
            change.accept(builder);
            cluster.apiConfig = builder.build();
        };
    }

    /** Starts {@code nodes} nodes under {@code dataRoot} with the test API config; returns once ready. */
    ChatCluster start(Path dataRoot, int nodes) {
        return start(dataRoot, nodes, api -> {});
    }

    /** As {@link #start(Path, int)}, with the test API config changed by {@code api} first. */
    ChatCluster start(Path dataRoot, int nodes, Consumer<ApiConfig.Builder> api) {
        return startCluster(dataRoot, nodes, api(api));
    }

    /**
     * As {@link #start(Path, int)}, with the new cluster (its test API config set) changed by {@code setup}
     * before any node starts: HTTP limits, the admin token, per-node configs.
     */
    ChatCluster startCluster(Path dataRoot, int nodes, Consumer<ChatCluster> setup) {
        ChatCluster started = closeAfterTest(new ChatCluster(dataRoot, nodes));
        setup.accept(started);
        started.startAll();
        started.awaitReady();
        return started;
    }

    /**
     * Takes {@code newCluster}, which the test sets up and starts itself (from parsed flags, node by node, over
     * an existing data directory), and closes it once the test is over, as {@link #startCluster} would.
     */
    ChatCluster closeAfterTest(ChatCluster newCluster) {
        if (cluster != null) {
            throw new IllegalStateException("a V1Cluster holds one cluster at a time");
        }
        cluster = newCluster;
        startedInTest = inTest;
        client = new V1Client(newCluster);
        return newCluster;
    }

    ChatCluster cluster() {
        return cluster;
    }

    /** A client of the started cluster. */
    V1Client client() {
        return client;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        if (perClassNodes > 0) {
            perClassRoot = Files.createTempDirectory("v1-cluster");
            startCluster(perClassRoot, perClassNodes, perClassSetup);
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        inTest = true;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        inTest = false;
        if (startedInTest) {
            close();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
        if (perClassRoot != null) {
            deleteTree(perClassRoot);
            perClassRoot = null;
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void close() {
        if (cluster != null) {
            cluster.close();
            cluster = null;
            client = null;
        }
    }
}
