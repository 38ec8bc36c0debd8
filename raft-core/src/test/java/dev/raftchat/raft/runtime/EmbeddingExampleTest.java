package dev.raftchat.raft.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.raftchat.raft.core.NodeConfig;
import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.storage.MemoryLogStorage;
import dev.raftchat.raft.transport.InMemoryNetwork;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The whole embedding API in one place, as a README would show it: three servers in one JVM, a state
 * machine, a proposal and its result. Real deployments swap in file storage and the Netty transport.
 */
class EmbeddingExampleTest {

    @Test
    void threeServersInOneJvm() throws Exception {
        InMemoryNetwork network = new InMemoryNetwork();
        ConfState members = ConfState.ofVoters(1, 2, 3);
        List<RaftServer> servers = new ArrayList<>();
        try {
            for (long id = 1; id <= 3; id++) {
                RaftServerConfig config = RaftServerConfig.builder(NodeConfig.defaults(id, id), members)
                        .tickMillis(20)
                        .proposalTimeoutMillis(5_000)
                        .build();
                servers.add(RaftServer.builder(
                                config, new MemoryLogStorage(), network.transport(id), new CounterStateMachine())
                        .build()
                        .start());
            }

            RaftServer anyNode = servers.get(0);
            await().atMost(Duration.ofSeconds(20)).until(() -> anyNode.status().leaderId() != 0);
            // Proposals may go to any node: followers forward them to the leader.
            byte[] result = anyNode.propose("add visits 1".getBytes(StandardCharsets.UTF_8))
                    .get(20, TimeUnit.SECONDS);

            assertThat(new String(result, StandardCharsets.UTF_8)).isEqualTo("1");
        } finally {
            servers.forEach(RaftServer::close);
        }
    }
}
