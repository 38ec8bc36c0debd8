package dev.raftchat.chat.testkit;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The JUnit extension around {@link RaftChatCluster}: register it with {@code @RegisterExtension}, build clusters
 * through {@link #build}, and after each test every process they started is killed by pid; when the test failed,
 * the tail of every node's log is printed first.
 */
public final class RaftChatClusters implements AfterEachCallback {
    private final List<RaftChatCluster> clusters = new ArrayList<>();

    /** Builds the cluster and closes it after the test. */
    public RaftChatCluster build(RaftChatCluster.Builder builder) {
        RaftChatCluster cluster = builder.build();
        clusters.add(cluster);
        return cluster;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        try {
            if (context.getExecutionException().isPresent()) {
                for (RaftChatCluster cluster : clusters) {
                    System.out.println(cluster.logTails());
                }
            }
        } finally {
            clusters.forEach(RaftChatCluster::close);
            clusters.clear();
        }
    }
}
