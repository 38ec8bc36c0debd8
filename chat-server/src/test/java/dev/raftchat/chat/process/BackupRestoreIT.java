package dev.raftchat.chat.process;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftchat.chat.testkit.RaftChatCluster;
import dev.raftchat.chat.testkit.RaftChatClusters;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backup over HTTP from a running cluster, {@code raft-chat restore} into the data directories of a new
 * cluster, and the new cluster serving every post; a corrupted backup is refused before anything is
 * written; a non-empty data directory is refused.
 */
class BackupRestoreIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "backup-test-token-0123456789";
    private static final int POSTS_PER_ROOM = 150;

    @RegisterExtension
    final RaftChatClusters clusters = new RaftChatClusters();

    @TempDir
    Path root;

    @Test
    void backupRestoreIntoANewClusterAndReadEveryPost() throws Exception {
        RaftChatCluster cluster = clusters.build(RaftChatCluster.builder(root.resolve("old"))
                .nodes(2)
                .environment("RAFT_CHAT_ADMIN_TOKEN", TOKEN)
                .arguments("--snapshot-count", "100"));
        cluster.startAll();
        cluster.awaitReady(1, 2);
        List<String> rooms = List.of("general", "random");
        for (String room : rooms) {
            for (int i = 0; i < POSTS_PER_ROOM; i++) {
                assertThat(cluster.post(
                                        1 + i % 2,
                                        "/rooms/" + room,
                                        "{\"Message\":\"" + room + " " + i + "\",\"User\":\"u\"}")
                                .statusCode())
                        .isEqualTo(201);
            }
        }
        // A node added over REST, so the backup carries a membership wish the new cluster must not inherit.
        assertThat(cluster.post(1, "/raft/3", "http://127.0.0.1:1", "Bearer " + TOKEN)
                        .statusCode())
                .isIn(201, 202);

        assertThat(cluster.output(1))
                .as("the effective configuration is printed, the token redacted")
                .contains("effective configuration", "admin-token=(redacted)", "snapshot-count=100")
                .doesNotContain(TOKEN);
        assertThat(cluster.get(2, "/api/v1/admin/backup").statusCode())
                .as("admin routes need the token")
                .isEqualTo(401);
        HttpResponse<Path> download = cluster.client()
                .send(
                        HttpRequest.newBuilder(URI.create(cluster.url(2, "/api/v1/admin/backup")))
                                .header("Authorization", "Bearer " + TOKEN)
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofFile(root.resolve("backup.snap")));
        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.headers().firstValue("X-Raft-Chat-Data-Crc32c")).isPresent();
        Path backup = download.body();
        assertThat(Files.size(backup))
                .isEqualTo(Long.parseLong(
                        download.headers().firstValue("content-length").orElseThrow()));

        // Restore into a new two-node cluster on new ports, one data directory per node.
        RaftChatCluster restored =
                clusters.build(RaftChatCluster.builder(root.resolve("new")).nodes(2));
        for (int id = 1; id <= 2; id++) {
            RaftChatCluster.Result result = restored.run(
                    restored.workDir(id),
                    "restore",
                    "--from",
                    backup.toString(),
                    "--id",
                    Long.toString(id),
                    "--cluster",
                    restored.clusterArgument());
            assertThat(result.exitCode()).as(result.output()).isZero();
            assertThat(result.output())
                    .contains(
                            "checksums match",
                            "verified 100%",
                            (2 * POSTS_PER_ROOM) + " post(s)",
                            "node 3 was added to the old cluster");
        }
        restored.startAll();
        restored.awaitReady(1, 2);
        for (int id = 1; id <= 2; id++) {
            for (String room : rooms) {
                HttpResponse<String> read = restored.get(id, "/rooms/" + room);
                assertThat(read.statusCode()).isEqualTo(200);
                List<String> expected = new ArrayList<>();
                for (int i = 0; i < POSTS_PER_ROOM; i++) {
                    expected.add(room + " " + i);
                }
                assertThat(JSON.readTree(read.body()).findValuesAsText("Message"))
                        .containsExactlyElementsOf(expected);
            }
        }
        JsonNode members =
                JSON.readTree(restored.get(1, "/api/v1/cluster").body()).get("members");
        assertThat(members.findValuesAsText("id"))
                .as("only the new cluster's members")
                .containsExactly("1", "2");
        assertThat(restored.post(2, "/rooms/general", "{\"Message\":\"after restore\",\"User\":\"u\"}")
                        .statusCode())
                .isEqualTo(201);

        // Restoring over a node's data is refused.
        RaftChatCluster.Result overwrite = restored.run(
                restored.workDir(1),
                "restore",
                "--from",
                backup.toString(),
                "--id",
                "1",
                "--cluster",
                restored.clusterArgument());
        assertThat(overwrite.exitCode()).isEqualTo(2);
        assertThat(overwrite.output()).contains("not empty");
    }

    @Test
    void aCorruptedBackupIsRefusedBeforeAnythingIsWritten() throws Exception {
        RaftChatCluster cluster =
                clusters.build(RaftChatCluster.builder(root.resolve("old")).nodes(1));
        cluster.start(1);
        cluster.awaitReady(1);
        for (int i = 0; i < 50; i++) {
            assertThat(cluster.post(1, "/rooms/general", "{\"Message\":\"m" + i + "\",\"User\":\"u\"}")
                            .statusCode())
                    .isEqualTo(201);
        }
        HttpResponse<byte[]> download = cluster.client()
                .send(
                        HttpRequest.newBuilder(URI.create(cluster.url(1, "/api/v1/admin/backup")))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray());
        assertThat(download.statusCode())
                .as("a loopback client may back up without a token")
                .isEqualTo(200);
        byte[] bytes = download.body();
        bytes[bytes.length / 2] ^= 0x40;
        Path corrupt = root.resolve("corrupt.snap");
        Files.write(corrupt, bytes);

        Path work = root.resolve("restore-work");
        RaftChatCluster.Result result = cluster.run(
                work, "restore", "--from", corrupt.toString(), "--id", "1", "--cluster", "http://127.0.0.1:1");
        assertThat(result.exitCode()).as(result.output()).isEqualTo(1);
        assertThat(result.output())
                .contains("failed verification, nothing was written")
                .contains("checksum mismatch");
        assertThat(work.resolve("raft-chat-1")).doesNotExist();

        byte[] truncated = Arrays.copyOf(download.body(), download.body().length - 7);
        Files.write(corrupt, truncated);
        RaftChatCluster.Result cut = cluster.run(
                work, "restore", "--from", corrupt.toString(), "--id", "1", "--cluster", "http://127.0.0.1:1");
        assertThat(cut.exitCode()).as(cut.output()).isEqualTo(1);
        assertThat(work.resolve("raft-chat-1")).doesNotExist();
    }
}
