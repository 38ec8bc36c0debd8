package dev.raftchat.chat;

import dev.raftchat.chat.api.v1.ApiConfig;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The chat-server test setup as a JUnit extension: {@code @RegisterExtension final V1Cluster v1 = new V1Cluster();},
 * then {@code v1.start(dataRoot, nodes, api -> ...)} (or {@code v1.startCluster(dataRoot, nodes, cluster -> ...)}
 * for HTTP limits and the like) starts an in-JVM cluster with the test API config (changed by the test), waits
 * until it has one leader and every node is ready, and closes it once the test is over: after the test when
 * started in a test or a {@code @BeforeEach}, after the class when started in a {@code @BeforeAll} (per-class
 * lifecycle).
 */
final class V1Cluster implements BeforeEachCallback, AfterEachCallback, AfterAllCallback {
    private boolean inTest;
    private boolean startedInTest;
    private ChatCluster cluster;
    private V1Client client;

    /** Starts {@code nodes} nodes under {@code dataRoot} with the test API config; returns once ready. */
    ChatCluster start(Path dataRoot, int nodes) {
        return start(dataRoot, nodes, api -> {});
    }

    /** As {@link #start(Path, int)}, with the test API config changed by {@code api} first. */
    ChatCluster start(Path dataRoot, int nodes, Consumer<ApiConfig.Builder> api) {
        ApiConfig.Builder builder = ChatCluster.testApiConfig();
        api.accept(builder);
        ApiConfig apiConfig = builder.build();
        return startCluster(dataRoot, nodes, cluster -> cluster.apiConfig = apiConfig);
    }

    /**
     * As {@link #start(Path, int)}, with the new cluster (its test API config set) changed by {@code setup}
     * before any node starts: HTTP limits, the admin token, per-node configs.
     */
    ChatCluster startCluster(Path dataRoot, int nodes, Consumer<ChatCluster> setup) {
        if (cluster != null) {
            throw new IllegalStateException("a V1Cluster starts one cluster at a time");
        }
        cluster = new ChatCluster(dataRoot, nodes);
        startedInTest = inTest;
        setup.accept(cluster);
        cluster.startAll();
        cluster.awaitReady();
        client = new V1Client(cluster);
        return cluster;
    }

    ChatCluster cluster() {
        return cluster;
    }

    /** A client of the started cluster. */
    V1Client client() {
        return client;
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
    }

    private void close() {
        if (cluster != null) {
            cluster.close();
            cluster = null;
            client = null;
        }
    }
}
