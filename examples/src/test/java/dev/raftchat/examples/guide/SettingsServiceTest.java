package dev.raftchat.examples.guide;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.model.SnapshotMeta;
import dev.raftchat.raft.runtime.RaftServer;
import dev.raftchat.raft.transport.netty.PeerAddress;
import dev.raftchat.testsupport.FreePorts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service of docs/embedding.md, end to end on loopback: three founders, a client routed to the leader,
 * snapshots and a restart that restores one, a fourth node that joins with its address as the change's context,
 * metrics, shutdown.
 */
class SettingsServiceTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final byte[] SECRET = "settings guide test secret".getBytes(StandardCharsets.UTF_8);
    private static final long[] FOUNDERS = {1, 2, 3};

    @TempDir
    Path dir;

    private final Map<Long, SettingsNode> nodes = new ConcurrentHashMap<>();
    private final Map<String, RaftServer> byAddress = new ConcurrentHashMap<>();
    private final SortedMap<Long, PeerAddress> addresses = new TreeMap<>();

    @AfterEach
    void stop() {
        nodes.values().forEach(SettingsNode::close);
    }

    private SettingsNode start(long id, SortedMap<Long, PeerAddress> members) {
        SettingsNode node = SettingsNode.start(id, members, FOUNDERS, dir.resolve("node-" + id), SECRET);
        nodes.put(id, node);
        byAddress.put(members.get(id).toString(), node.server());
        return node;
    }

    private static String read(RaftServer server, String name) throws Exception {
        byte[] value =
                server.read(("get " + name).getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
        return new String(value, StandardCharsets.UTF_8);
    }

    private SettingsNode leader() {
        await().atMost(WAIT)
                .until(() -> nodes.values().stream().anyMatch(n -> n.server().isLeader()));
        return nodes.values().stream()
                .filter(n -> n.server().isLeader())
                .findFirst()
                .orElseThrow();
    }

    @Test
    void threeNodesServeRoutedClientsSnapshotRestartAndAdmitAFourth() throws Exception {
        for (long id : FOUNDERS) {
            addresses.put(id, new PeerAddress("127.0.0.1", FreePorts.loopback()));
        }
        for (long id : FOUNDERS) {
            start(id, addresses);
        }
        SettingsNode leader = leader();
        long follower = FOUNDERS[(int) (leader.server().id() % 3)];

        // The client starts at a follower, which does not forward: NotLeaderException sends it to the leader.
        SettingsClient client = new SettingsClient(
                byAddress::get, List.of(addresses.get(follower).toString()));
        long first = client.set("color", "blue");
        long second = client.set("size", "large");
        assertThat(second).isGreaterThan(first);
        assertThat(client.current())
                .isEqualTo(addresses.get(leader.server().id()).toString());
        assertThat(read(nodes.get(follower).server(), "color")).isEqualTo("blue");

        // Snapshot every node, then restart the follower: it restores the snapshot and replays the rest.
        for (SettingsNode node : nodes.values()) {
            SnapshotMeta meta = node.server().takeSnapshot().get(10, TimeUnit.SECONDS);
            assertThat(meta.index()).isGreaterThanOrEqualTo(second);
        }
        client.set("color", "green");
        nodes.remove(follower).close();
        SettingsNode restarted = start(follower, addresses);
        await().atMost(WAIT)
                .ignoreExceptions()
                .untilAsserted(
                        () -> assertThat(read(restarted.server(), "color")).isEqualTo("green"));
        assertThat(read(restarted.server(), "size")).isEqualTo("large");

        // A fourth node joins: its address travels with the change and every node learns it.
        PeerAddress fourth = new PeerAddress("127.0.0.1", FreePorts.loopback());
        SortedMap<Long, PeerAddress> withFourth = new TreeMap<>(addresses);
        withFourth.put(4L, fourth);
        SettingsNode joiner = start(4, withFourth);
        leader = leader();
        byte[] context = fourth.toString().getBytes(StandardCharsets.UTF_8);
        leader.server().addLearner(4, context).get(20, TimeUnit.SECONDS);
        ConfState conf = leader.server().addVoter(4).get(20, TimeUnit.SECONDS);
        assertThat(conf.voters()).containsExactly(1L, 2L, 3L, 4L);
        client.set("shape", "round");
        await().atMost(WAIT)
                .ignoreExceptions()
                .untilAsserted(() -> assertThat(read(joiner.server(), "shape")).isEqualTo("round"));
        for (SettingsNode node : nodes.values()) {
            await().atMost(WAIT).until(() -> node.store().memberAddress(4).isPresent());
            assertThat(node.store().memberAddress(4)).contains(fourth.toString());
        }

        SettingsNode.CountingMetrics metrics = leader.metrics();
        assertThat(metrics.proposalsCompleted.get()).isPositive();
        assertThat(metrics.syncs.get()).isPositive();
    }
}
