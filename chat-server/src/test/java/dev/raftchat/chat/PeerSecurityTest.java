package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftchat.raft.transport.netty.ClusterSecrets;
import dev.raftchat.raft.transport.netty.PeerAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeerSecurityTest {
    @TempDir
    Path root;

    private ChatNodeConfig config(long id, String cluster) {
        return ChatNodeConfig.defaults(id, PeerAddress.parseCluster(cluster))
                .withDataDir(root.resolve("raft-chat-" + id));
    }

    @Test
    void nodesOnLoopbackStartingAtOnceShareOneGeneratedSecret() throws Exception {
        String cluster = "http://127.0.0.1:1,http://127.0.0.1:2,http://127.0.0.1:3";
        CyclicBarrier together = new CyclicBarrier(3);
        List<CompletableFuture<ClusterSecrets>> starts = new ArrayList<>();
        for (long id = 1; id <= 3; id++) {
            long node = id;
            starts.add(CompletableFuture.supplyAsync(() -> {
                try {
                    together.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                return PeerSecurity.resolve(config(node, cluster), null, false).secrets();
            }));
        }
        List<String> keyIds = new ArrayList<>();
        for (CompletableFuture<ClusterSecrets> start : starts) {
            keyIds.add(start.get().keyIdsHex().get(0));
        }
        assertThat(keyIds).hasSize(3).containsOnly(keyIds.get(0));
        Path shared = root.resolve(PeerSecurity.GENERATED_SECRET_FILE);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(shared)))
                .isEqualTo("rw-------");
        try (var files = Files.list(root)) {
            assertThat(files.filter(f -> f.getFileName().toString().endsWith(".tmp")))
                    .isEmpty();
        }
    }

    @Test
    void peersBeyondLoopbackWithoutASecretOrTlsRefuseToStartSayingHow() {
        ChatNodeConfig exposed = config(1, "http://10.1.2.3:12379,http://10.1.2.4:12379");
        assertThatThrownBy(() -> PeerSecurity.resolve(exposed, null, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a loopback address")
                .hasMessageContaining("--cluster-secret-file")
                .hasMessageContaining("RAFT_CHAT_CLUSTER_SECRET_FILE");
        assertThat(PeerSecurity.resolve(exposed, null, true).secrets().isEmpty())
                .isTrue();
    }

    @Test
    void aSecretFileHoldsTheCurrentSecretThenThoseStillAcceptedDuringARotation() throws Exception {
        Path file = root.resolve("cluster.secret");
        Files.writeString(file, "# rotation in progress\nnew-secret-0123456789abcdef\n\nold-secret-0123456789abcdef\n");
        ChatNodeConfig exposed = config(1, "http://10.1.2.3:12379");
        ClusterSecrets secrets = PeerSecurity.resolve(exposed, file, false).secrets();
        assertThat(secrets.count()).isEqualTo(2);
        assertThat(secrets.keyIdsHex().get(0))
                .isEqualTo(ClusterSecrets.of("new-secret-0123456789abcdef".getBytes(StandardCharsets.UTF_8))
                        .keyIdsHex()
                        .get(0));

        Files.writeString(file, "too short\n");
        assertThatThrownBy(() -> PeerSecurity.resolve(exposed, file, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString());
        Files.writeString(file, "# nothing\n");
        assertThatThrownBy(() -> PeerSecurity.resolve(exposed, file, false)).hasMessageContaining("holds no secret");
    }

    @Test
    void theLowestInitialNodeCreatesTheClusterIdTheOthersLearnItAndEveryoneKeepsIt() {
        String cluster = "http://127.0.0.1:1,http://127.0.0.1:2";
        ChatNodeConfig first = config(1, cluster);
        ChatNodeConfig second = config(2, cluster);
        String created = PeerSecurity.clusterId(first);
        assertThat(created).hasSize(32);
        assertThat(PeerSecurity.clusterId(first)).isEqualTo(created);
        assertThat(PeerSecurity.clusterId(second)).isEmpty();
        assertThat(PeerSecurity.clusterId(config(1, cluster).withJoin(true).withDataDir(root.resolve("joining"))))
                .isEmpty();
        PeerSecurity.persistClusterId(second.dataDir(), created);
        assertThat(PeerSecurity.clusterId(second)).isEqualTo(created);
    }
}
