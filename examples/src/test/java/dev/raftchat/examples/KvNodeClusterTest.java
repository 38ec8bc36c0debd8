package dev.raftchat.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.raftchat.raft.core.Role;
import dev.raftchat.raft.runtime.RaftServer;
import dev.raftchat.testsupport.FreePorts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the README's key-value example as a real 3-node cluster: Netty on loopback, files on disk. */
class KvNodeClusterTest {

    private final List<RaftServer> servers = new ArrayList<>();

    @AfterEach
    void stop() {
        servers.forEach(RaftServer::close);
    }

    private static String call(RaftServer server, String command) throws Exception {
        byte[] result = server.propose(command.getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
        return new String(result, StandardCharsets.UTF_8);
    }

    @Test
    void threeNodesReplicateAndSurviveALeaderRestart(@TempDir Path dir) throws Exception {
        List<String> peers = List.of(
                "http://127.0.0.1:" + FreePorts.loopback(),
                "127.0.0.1:" + FreePorts.loopback(),
                "http://127.0.0.1:" + FreePorts.loopback());
        for (long id = 1; id <= 3; id++) {
            servers.add(KvNode.start(id, peers, dir.resolve("kv-" + id)));
        }
        await().atMost(Duration.ofSeconds(20))
                .until(() -> servers.stream()
                                .filter(s -> s.status().raft().role() == Role.LEADER)
                                .count()
                        == 1);
        // Any node accepts commands: followers forward to the leader.
        assertThat(call(servers.get(0), "put greeting hello")).isEmpty();
        assertThat(call(servers.get(1), "put greeting bonjour")).isEqualTo("hello");
        assertThat(call(servers.get(2), "get greeting")).isEqualTo("bonjour");

        int leader = 0;
        while (servers.get(leader).status().raft().role() != Role.LEADER) {
            leader++;
        }
        servers.get(leader).close();
        servers.set(leader, KvNode.start(leader + 1, peers, dir.resolve("kv-" + (leader + 1))));
        RaftServer restarted = servers.get(leader);
        await().atMost(Duration.ofSeconds(20))
                .ignoreExceptions()
                .untilAsserted(() -> assertThat(call(restarted, "get greeting")).isEqualTo("bonjour"));
        assertThat(call(servers.get((leader + 1) % 3), "put greeting hallo")).isEqualTo("bonjour");
    }
}
