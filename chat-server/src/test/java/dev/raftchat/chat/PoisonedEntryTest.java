package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.raftchat.chat.state.ChatCodec;
import dev.raftchat.chat.state.ChatResult;
import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.runtime.ServerStatus;
import dev.raftchat.raft.storage.file.FileLogStorage;
import dev.raftchat.raft.storage.file.FileLogStorageConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18, item 3: bytes that reached the log but are not a chat command (inside a valid envelope), or not
 * even a command envelope, are applied as a rejection on every node; the nodes keep serving and restart
 * cleanly (before, the second kind stopped a node at apply and again at every replay).
 */
class PoisonedEntryTest {

    @RegisterExtension
    final V1Cluster v1 = new V1Cluster();

    private ChatCluster cluster;
    private Path root;

    private int post(long via, String text) {
        return cluster.post(via, "/rooms/poison", "{\"Message\":\"" + text + "\",\"User\":\"u\"}")
                .statusCode();
    }

    private void awaitEveryNodeServesAndCounts(String undecodableEntries) {
        cluster.awaitReady();
        for (long id = 1; id <= 3; id++) {
            long node = id;
            await().atMost(ChatCluster.WAIT)
                    .until(() -> cluster.get(node, "/metrics")
                            .body()
                            .contains("raft_entries_undecodable_total{node=\"" + node + "\"} " + undecodableEntries));
            assertThat(cluster.node(id).raftStatus().state()).isEqualTo(ServerStatus.State.RUNNING);
            assertThat(post(id, "served by " + id)).isEqualTo(201);
        }
    }

    /** Appends {@code data} as a NORMAL entry after the last one of a stopped node's log, in its last term. */
    private void appendRaw(long id, byte[] data) {
        try (FileLogStorage log =
                FileLogStorage.open(root.resolve("raft-chat-" + id).resolve("log"), FileLogStorageConfig.defaults())) {
            long last = log.lastIndex();
            log.append(List.of(Entry.normal(log.term(last), last + 1, data)));
            log.sync();
        }
    }

    @Test
    void undecodableEntriesAreRejectedOnEveryNodeWhichKeepsServingAndRestartsCleanly(@TempDir Path dataRoot)
            throws Exception {
        root = dataRoot;
        cluster = v1.closeAfterTest(new ChatCluster(root, 3));
        var api = ChatCluster.testApiConfig();
        api.timeTickMillis = 3_600_000; // no clock ticks or version reports: the logs stay still when asked
        api.clockStepMaxMillis = 3_600_000;
        api.clockSkewMaxMillis = 3_600_000;
        cluster.apiConfig = api.build();
        cluster.startAll();
        cluster.awaitReady();
        assertThat(post(1, "before")).isEqualTo(201);

        // Not a chat command, proposed on a follower (so forwarded to the leader), committed, refused alike.
        long leader = cluster.awaitReady();
        long follower = leader % 3 + 1;
        ChatResult refused = ChatCodec.decodeResult(cluster.node(follower)
                .raftServer()
                .propose(new byte[] {7, 7, 7})
                .get(20, TimeUnit.SECONDS));
        assertThat(refused.errorCode()).isEqualTo("malformed_command");
        await().atMost(ChatCluster.WAIT)
                .until(() -> cluster.nodes.values().stream()
                        .allMatch(node -> node.chat().refusedCommands() == 1));

        // Not even a command envelope: written into every stopped node's log, committed by the next leader.
        // The logs must be identical first, so that the forged entry is the same (term, index, bytes)
        // everywhere: nothing is proposed any more (no clock ticks), and the followers stop before the
        // leader, so no leadership transfer adds an entry to some logs only.
        await().atMost(ChatCluster.WAIT)
                .until(() -> cluster.nodes.values().stream()
                                .map(node -> node.raftStatus().raft().lastIndex() + "/"
                                        + node.raftStatus().appliedIndex())
                                .distinct()
                                .count()
                        == 1);
        cluster.stop(follower);
        cluster.stop(6 - leader - follower);
        cluster.stop(leader);
        for (long id = 1; id <= 3; id++) {
            appendRaw(id, "forged, not an envelope".getBytes(StandardCharsets.UTF_8));
        }
        cluster.startAll();
        awaitEveryNodeServesAndCounts("1.0");

        // And again: the replay of both entries is clean.
        cluster.close();
        cluster.startAll();
        awaitEveryNodeServesAndCounts("1.0");
        assertThat(cluster.nodes.values()).allMatch(node -> node.chat().refusedCommands() == 1);
        // Local state catches up with the last post after it was answered on another node.
        await().atMost(ChatCluster.WAIT)
                .until(() -> cluster.node(2).chat().posts("poison").size() == 7);
    }
}
