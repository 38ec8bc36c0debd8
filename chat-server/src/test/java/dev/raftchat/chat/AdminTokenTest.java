package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminTokenTest {

    @TempDir
    Path dataRoot;

    @Test
    void membershipRoutesNeedTheBearerTokenWhenOneIsSet() {
        try (ChatCluster cluster = new ChatCluster(dataRoot, 1)) {
            cluster.adminToken = "s3cret-admin-token-0123456789";
            cluster.startAll();
            cluster.awaitReady();
            String url = cluster.url(1, "/raft/42");

            assertThat(cluster.send(HttpRequest.newBuilder(URI.create(url)).DELETE())
                            .body())
                    .contains("\"unauthorized\"");
            assertThat(cluster.send(HttpRequest.newBuilder(URI.create(url))
                                    .DELETE()
                                    .header("Authorization", "Bearer wrong"))
                            .statusCode())
                    .isEqualTo(401);
            assertThat(cluster.post(1, "/raft/42", "http://127.0.0.1:4242").statusCode())
                    .isEqualTo(401);
            // With the token the request gets through to the membership logic (42 is no member).
            var authorized = cluster.send(HttpRequest.newBuilder(URI.create(url))
                    .DELETE()
                    .header("Authorization", "Bearer s3cret-admin-token-0123456789"));
            assertThat(authorized.statusCode()).as(authorized.body()).isEqualTo(404);
            assertThat(authorized.body()).contains("\"not_a_member\"");
            // Chat routes never need it.
            assertThat(cluster.post(1, "/rooms/general", "{\"Message\":\"m\",\"User\":\"u\"}")
                            .statusCode())
                    .isEqualTo(201);
            assertThat(cluster.node(1).config().toString())
                    .contains("adminToken=(redacted)")
                    .doesNotContain("s3cret-admin-token-0123456789");
        }
    }
}
