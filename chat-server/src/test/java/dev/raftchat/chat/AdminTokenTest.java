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

    @Test
    void withATokenLoopbackIsNotEnoughForAdminButTheTokenWorksThroughAProxy() {
        String token = "proxy-test-admin-token-0123456789";
        try (ChatCluster cluster = new ChatCluster(dataRoot, 1)) {
            cluster.adminToken = token;
            cluster.startAll();
            cluster.awaitReady();
            int port = cluster.node(1).httpPort();
            try (RawHttp http = new RawHttp(port)) {
                // Loopback without the token: no membership change, no backup.
                assertThat(http.send(RawHttp.request("DELETE", "/raft/42", null))
                                .read()
                                .status())
                        .isEqualTo(401);
                assertThat(http.send(RawHttp.get("/api/v1/admin/backup")).read().status())
                        .isEqualTo(401);
                // Through a proxy with the token (scheme in any case): admin, and the details are shown.
                String proxied = "X-Forwarded-For: 203.0.113.9";
                RawHttp.Response delete = http.send(
                                RawHttp.request("DELETE", "/raft/42", null, proxied, "Authorization: bearer " + token))
                        .read();
                assertThat(delete.errorCode()).isEqualTo("not_a_member");
                assertThat(http.send(RawHttp.get("/metrics", proxied, "Authorization: Bearer " + token))
                                .read()
                                .status())
                        .isEqualTo(200);
                assertThat(http.send(RawHttp.get("/metrics", proxied)).read().status())
                        .isEqualTo(403);
                // The token does not make a rebound host name acceptable.
                RawHttp.Response rebound = http.send(RawHttp.request(
                                "DELETE", "/raft/42", null, "Host: evil.example", "Authorization: Bearer " + token))
                        .read();
                assertThat(rebound.errorCode()).isEqualTo("forbidden_host");
            }
        }
    }
}
