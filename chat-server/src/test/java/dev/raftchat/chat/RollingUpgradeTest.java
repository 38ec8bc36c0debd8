package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.raftchat.chat.state.ChatCodec;
import dev.raftchat.chat.state.ChatCommand;
import dev.raftchat.chat.state.ChatResult;
import dev.raftchat.raft.runtime.ServerStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18, item 4: a 3-node cluster upgraded one node at a time. "Old" and "new" builds are this build
 * started with {@code commandVersionMax} 1 and 2 ({@code --command-version-max}): a node reads and reports
 * only up to its maximum, exactly as an older build would (docs/operations.md, Upgrading).
 */
class RollingUpgradeTest {

    @RegisterExtension
    final V1Cluster v1 = new V1Cluster();

    private ChatCluster cluster;

    private void startAs(long id, int commandVersionMax) {
        var api = ChatCluster.testApiConfig();
        api.commandVersionMax = commandVersionMax;
        cluster.apiConfigs.put(id, api.build());
        cluster.start(id);
    }

    private int post(long via, String text) {
        return cluster.post(via, "/rooms/upgrade", "{\"Message\":\"" + text + "\",\"User\":\"u\"}")
                .statusCode();
    }

    private ChatResult proposeRaw(long via, ChatCommand command) throws Exception {
        return ChatCodec.decodeResult(cluster.node(via)
                .raftServer()
                .propose(ChatCodec.encode(command))
                .get(20, TimeUnit.SECONDS));
    }

    private void awaitSameStateEverywhere() {
        await().atMost(ChatCluster.WAIT)
                .until(() -> cluster.nodes.values().stream()
                                .map(node -> node.chat().posts("upgrade"))
                                .distinct()
                                .count()
                        == 1);
    }

    @Test
    void aNewCommandTypeIsUsedOnlyOnceEveryMemberReadsItAndAnOldBuildThenStops(@TempDir Path root) throws Exception {
        cluster = v1.closeAfterTest(new ChatCluster(root, 3));
        for (long id = 1; id <= 3; id++) {
            startAs(id, 1);
        }
        cluster.awaitReady();
        assertThat(post(1, "old cluster")).isEqualTo(201);
        await().atMost(ChatCluster.WAIT)
                .until(() -> cluster.nodes.values().stream()
                        .allMatch(node -> node.chat().announcedVersions().equals(Map.of(1L, 1, 2L, 1, 3L, 1))));

        // A command of version 2 reaching the log early (forged, or a buggy proposer) is refused alike by
        // every node, whatever it reads: nobody skips or applies it on its own.
        ChatResult early = proposeRaw(2, new ChatCommand.ClockTick(System.currentTimeMillis(), 2_000));
        assertThat(early.errorCode()).isEqualTo("malformed_command");
        assertThat(early.errorMessage()).contains("above the cluster version 1");
        await().atMost(ChatCluster.WAIT)
                .until(() -> cluster.nodes.values().stream()
                        .allMatch(node -> node.chat().refusedCommands() == 1));

        // One node at a time: stop it, start the new build on the same data, check the cluster serves.
        for (long id = 1; id <= 3; id++) {
            cluster.stop(id);
            startAs(id, 2);
            cluster.awaitReady();
            assertThat(post(id, "node " + id + " upgraded")).isEqualTo(201);
            if (id < 3) {
                long upgraded = id;
                // Mixed versions: the new node reported 2, the cluster stays at 1 (no version-2 tick).
                await().atMost(ChatCluster.WAIT)
                        .until(() -> cluster.nodes.values().stream()
                                .allMatch(
                                        node -> node.chat().announcedVersions().get(upgraded) == 2));
                await().during(Duration.ofSeconds(1))
                        .atMost(ChatCluster.WAIT)
                        .until(() -> cluster.nodes.values().stream()
                                .allMatch(node -> node.chat().clusterVersion() == 1));
            }
        }
        await().atMost(ChatCluster.WAIT)
                .until(() -> cluster.nodes.values().stream()
                        .allMatch(node -> node.chat().clusterVersion() == 2));

        // The version-2 command is now proposed (the leader's clock ticks) and applied everywhere.
        long logTimeAtRaise = cluster.node(1).chat().logTimeMillis();
        await().atMost(ChatCluster.WAIT)
                .until(() -> cluster.nodes.values().stream()
                        .allMatch(node -> node.chat().logTimeMillis() > logTimeAtRaise));
        assertThat(proposeRaw(3, new ChatCommand.ClockTick(System.currentTimeMillis(), 2_000))
                        .accepted())
                .isTrue();
        assertThat(cluster.nodes.values()).allMatch(node -> node.chat().refusedCommands() == 1);
        awaitSameStateEverywhere();
        assertThat(cluster.node(2).chat().posts("upgrade"))
                .extracting(post -> post.message())
                .containsExactly("old cluster", "node 1 upgraded", "node 2 upgraded", "node 3 upgraded");

        // Rollback after the raise: the old build replays the raise and stops with a clear message
        // instead of skipping version-2 commands; the two others go on serving.
        cluster.stop(3);
        startAs(3, 1);
        ChatNode rolledBack = cluster.node(3);
        // The whole node stops (a process exits with 1), not only its Raft server.
        rolledBack.terminated().get(ChatCluster.WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(rolledBack.raftStatus().state()).isEqualTo(ServerStatus.State.FAILED);
        assertThat(rolledBack.raftStatus().failure())
                .rootCause()
                .hasMessageContaining("reads command versions up to 1")
                .hasMessageContaining("Upgrading");
        cluster.stop(3);
        assertThat(post(1, "after the rollback attempt")).isEqualTo(201);
    }
}
