package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.raftchat.chat.auth.Tokens;
import dev.raftchat.chat.state.ChatCodec;
import dev.raftchat.chat.state.ChatCommand;
import dev.raftchat.chat.state.ChatResult;
import dev.raftchat.chat.state.ChatStateMachine;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A v1 WebSocket on a node whose state is replaced by a snapshot, as when a lagging follower installs one
 * from its leader: a subscription whose gap the snapshot still holds gets the missed messages, one whose
 * cursor fell out of retained history gets {@code reset} and then live messages.
 *
 * <p>The snapshot is built here from the node's own state plus posts the node never saw, and handed to the
 * node's state machine the way the Raft runtime hands it an installed snapshot ({@code restore}); forcing a
 * real follower to fall behind a compacted log would need a partition the in-JVM cluster does not offer.
 * The node applies nothing after that restore (no clock ticks, no writes): its own log's next indexes are
 * below the hand-made snapshot's.
 */
class V1WebSocketRestoreTest {
    @RegisterExtension
    final V1Cluster v1 = new V1Cluster();

    private ChatCluster cluster;

    @Test
    void aSnapshotRestoreFillsGapsItHoldsAndResetsCursorsOlderThanItsHistory(@TempDir Path dataRoot) throws Exception {
        cluster = v1.start(dataRoot, 1, api -> {
            // No clock ticks: after the hand-made restore the node must not apply entries of its own log (their
            // indexes are below the snapshot's, which the state machine rightly refuses as a divergence).
            api.timeTickMillis = 3_600_000;
            api.clockStepMaxMillis = 3_600_000;
            api.clockSkewMaxMillis = 3_600_000;
        });
        V1Client client = new V1Client(cluster);
        String alice = client.signUp(1, "alice");
        assertThat(client.post(1, "/api/v1/rooms", alice, "{\"name\":\"fill\"}").status())
                .isEqualTo(201);
        assertThat(client.post(1, "/api/v1/rooms", alice, "{\"name\":\"gap\",\"retention\":{\"maxMessages\":3}}")
                        .status())
                .isEqualTo(201);
        for (String room : new String[] {"fill", "gap"}) {
            assertThat(client.post(1, "/api/v1/rooms/" + room + "/messages", alice, "{\"text\":\"seen\"}")
                            .status())
                    .isEqualTo(201);
        }
        ChatNode node = cluster.node(1);

        try (V1Socket ws = new V1Socket(cluster, 1, "?token=" + alice)) {
            ws.next("ready");
            ws.send("{\"type\":\"subscribe\",\"room\":\"fill\",\"after\":null}");
            assertThat(ws.next("subscribed").get("latestSeq").asLong()).isEqualTo(1);
            ws.send("{\"type\":\"subscribe\",\"room\":\"gap\",\"after\":null}");
            assertThat(ws.next("subscribed").get("latestSeq").asLong()).isEqualTo(1);

            // The "leader's" state: this node's, plus 2 posts to fill and 5 to gap (retention keeps seqs 4..6).
            ChatStateMachine ahead = new ChatStateMachine(ChatCluster.limits(), cluster.apiConfig.policy());
            ahead.restore(new ByteArrayInputStream(node.chat().snapshotBytes()));
            long index = node.raftStatus().commitIndex() + 1_000;
            long now = System.currentTimeMillis();
            for (int i = 0; i < 2; i++) {
                applyAccepted(
                        ahead, ++index, new ChatCommand.SendMessage(Tokens.hash(alice), "fill", "missed" + i, "", now));
            }
            for (int i = 0; i < 5; i++) {
                applyAccepted(
                        ahead, ++index, new ChatCommand.SendMessage(Tokens.hash(alice), "gap", "dropped" + i, "", now));
            }
            node.chat().restore(new ByteArrayInputStream(ahead.snapshotBytes()));

            // Each room is re-checked: fill's gap is filled (seqs 2 and 3, in order), gap's cursor (1) is older
            // than its oldest retained seq (4), so it gets a reset. The API orders frames within a room only.
            List<JsonNode> fill = new ArrayList<>();
            List<JsonNode> gap = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                JsonNode frame = ws.next();
                (frame.get("room").asText().equals("fill") ? fill : gap).add(frame);
            }
            assertThat(fill).hasSize(2);
            assertThat(fill.get(0).get("type").asText()).isEqualTo("message");
            assertThat(fill.get(0).path("message").get("seq").asLong()).isEqualTo(2);
            assertThat(fill.get(0).path("message").get("text").asText()).isEqualTo("missed0");
            assertThat(fill.get(1).path("message").get("seq").asLong()).isEqualTo(3);
            assertThat(gap).hasSize(1);
            JsonNode reset = gap.get(0);
            assertThat(reset.get("type").asText()).isEqualTo("reset");
            assertThat(reset.get("oldestRetainedSeq").asLong()).isEqualTo(4);

            // After the reset the subscription continues from the room's latest seq (6), without replaying 4..6.
            applyAccepted(ahead, ++index, new ChatCommand.SendMessage(Tokens.hash(alice), "gap", "live", "", now));
            node.chat().restore(new ByteArrayInputStream(ahead.snapshotBytes()));
            JsonNode live = ws.next();
            assertThat(live.get("type").asText()).isEqualTo("message");
            assertThat(live.get("room").asText()).isEqualTo("gap");
            assertThat(live.path("message").get("seq").asLong()).isEqualTo(7);
            assertThat(live.path("message").get("text").asText()).isEqualTo("live");
        }
    }

    private static void applyAccepted(ChatStateMachine machine, long index, ChatCommand command) {
        ChatResult result = machine.applyCommand(index, ChatCodec.encode(command));
        assertThat(result.accepted()).as(String.valueOf(result.errorMessage())).isTrue();
    }
}
