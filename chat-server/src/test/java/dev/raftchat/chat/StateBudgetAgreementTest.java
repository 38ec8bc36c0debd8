package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.raftchat.chat.state.ChatPolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21: each node offers a state budget (its --state-bytes-max, or a third of its heap), the leader has
 * the lowest offer committed, and every node then refuses the same writes with 507, whatever its own offer.
 */
class StateBudgetAgreementTest {
    private static final long MIB = 1024 * 1024;

    private ChatCluster cluster;

    @AfterEach
    void close() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private void startOffering(long id, long stateBudgetBytes, int commandVersionMax) {
        var api = ChatCluster.testApiConfig();
        api.stateBudgetBytes = stateBudgetBytes;
        api.commandVersionMax = commandVersionMax;
        cluster.apiConfigs.put(id, api.build());
        cluster.start(id);
    }

    @Test
    void theClusterAppliesTheLowestOfferAndEveryNodeRefusesTheSameWrites(@TempDir Path root) {
        cluster = new ChatCluster(root, 3);
        startOffering(1, 3 * MIB, 3);
        startOffering(2, 0, 3); // a third of this JVM's heap
        startOffering(3, 2 * MIB, 3);
        cluster.awaitReady();
        long derived = ChatPolicy.stateBytesMaxForHeap(Runtime.getRuntime().maxMemory());
        assertThat(cluster.node(2).ownStateBudgetBytes()).isEqualTo(derived);
        long lowest = Math.min(2 * MIB, derived);
        await().atMost(ChatCluster.WAIT)
                .until(() -> cluster.nodes.values().stream()
                        .allMatch(node -> node.chat().agreedStateBytesMax() == lowest));

        // Posts through a node that offered more are refused once the agreed budget is full, on every node alike.
        String text = "x".repeat(4_000);
        List<Integer> statuses = new ArrayList<>();
        for (int n = 0; n < 2_000 && !statuses.contains(507); n++) {
            statuses.add(cluster.post(1, "/rooms/full", "{\"Message\":\"" + text + n + "\",\"User\":\"u\"}")
                    .statusCode());
        }
        assertThat(statuses).contains(201, 507).containsOnly(201, 507);
        long accepted = statuses.stream().filter(status -> status == 201).count();
        await().atMost(ChatCluster.WAIT)
                .until(() -> cluster.nodes.values().stream()
                        .allMatch(node -> node.chat().posts("full").size() == accepted));
        for (ChatNode node : cluster.nodes.values()) {
            long stateBytes = node.chat().read(model -> model.stateBytes());
            assertThat(stateBytes).isLessThanOrEqualTo(lowest);
        }
    }

    @Test
    void untilEveryMemberReadsVersionThreeTheFixedBudgetApplies(@TempDir Path root) {
        cluster = new ChatCluster(root, 3);
        startOffering(1, 2 * MIB, 3);
        startOffering(2, 2 * MIB, 3);
        startOffering(3, 0, 2); // an older build: it knows only the fixed budget
        cluster.awaitReady();
        await().atMost(ChatCluster.WAIT)
                .until(() -> cluster.nodes.values().stream()
                        .allMatch(node -> node.chat().clusterVersion() == 2));

        assertThat(cluster.post(1, "/rooms/r", "{\"Message\":\"m\",\"User\":\"u\"}")
                        .statusCode())
                .isEqualTo(201);
        for (ChatNode node : cluster.nodes.values()) {
            assertThat(node.chat().stateBytesMax()).isEqualTo(ChatPolicy.DEFAULT_STATE_BYTES_MAX);
            assertThat(node.chat().announcedStateBudgets()).isEmpty();
        }
    }
}
