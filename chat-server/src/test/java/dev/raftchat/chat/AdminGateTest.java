package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.raftchat.chat.RawHttp.Response;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 19, "Loopback-only admin reached from outside": a page in a browser on the node's host (cross-site
 * Origin, text/plain), a DNS-rebound host name, and a reverse proxy on the same host cannot use the admin routes
 * of a node without an admin token, nor see peer URLs, terms and progress; the original API's curl commands
 * still work, and everyone still sees node ids, roles and health.
 */
class AdminGateTest {
    @RegisterExtension
    static final V1Cluster v1 = V1Cluster.perClass(1);

    private final ChatCluster cluster = v1.cluster();
    private final int port = cluster.node(1).httpPort();

    private Response once(String request) {
        try (RawHttp http = new RawHttp(port)) {
            return http.send(request).read();
        }
    }

    private int members() {
        return cluster.node(1).raftStatus().raft().conf().voters().size()
                + cluster.node(1).raftStatus().raft().conf().learners().size();
    }

    @Test
    void aCrossSitePageCannotChangeMembership() {
        String evil = "Origin: http://evil.example";
        Response textPlain =
                once(RawHttp.request("POST", "/raft/8", "http://127.0.0.1:4242", "Content-Type: text/plain", evil));
        assertThat(textPlain.status()).isEqualTo(403);
        assertThat(textPlain.errorCode()).isEqualTo("forbidden_origin");
        Response form = once(RawHttp.request(
                "POST",
                "/raft/8?learner=true",
                "http://127.0.0.1:4242",
                "Content-Type: application/x-www-form-urlencoded",
                evil,
                "Sec-Fetch-Site: cross-site"));
        assertThat(form.status()).isEqualTo(403);
        assertThat(once(RawHttp.request("DELETE", "/raft/1", null, evil)).status())
                .isEqualTo(403);
        assertThat(once(RawHttp.request("POST", "/raft/8/promote", "", "Sec-Fetch-Site: cross-site"))
                        .status())
                .isEqualTo(403);
        // Without an Origin, text/plain is still no admin body type (only a browser form or fetch sends it).
        Response plainNoOrigin =
                once(RawHttp.request("POST", "/raft/8", "http://127.0.0.1:4242", "Content-Type: text/plain"));
        assertThat(plainNoOrigin.status()).isEqualTo(415);
        assertThat(plainNoOrigin.errorCode()).isEqualTo("unsupported_media_type");
        // A same-origin page must use JSON too: a form post is a browser's.
        Response sameOriginForm = once(RawHttp.request(
                "POST",
                "/raft/8",
                "http://127.0.0.1:4242",
                "Content-Type: application/x-www-form-urlencoded",
                "Origin: http://127.0.0.1:" + port,
                "Host: 127.0.0.1:" + port));
        assertThat(sameOriginForm.status()).isEqualTo(415);
        assertThat(members()).isEqualTo(1);
    }

    @Test
    void theOriginalCurlCommandsAndJsonBodiesGetPastTheGate() {
        // curl -d sends application/x-www-form-urlencoded with no Origin: accepted as before (here 400 for node 0,
        // which is checked after the gate).
        Response curl = once(RawHttp.request(
                "POST", "/raft/0", "http://127.0.0.1:4242", "Content-Type: application/x-www-form-urlencoded"));
        assertThat(curl.errorCode()).isEqualTo("invalid_node_id");
        Response noType = once(RawHttp.request("POST", "/raft/0", "http://127.0.0.1:4242"));
        assertThat(noType.errorCode()).isEqualTo("invalid_node_id");
        Response json = once(RawHttp.request(
                "POST",
                "/raft/0",
                "{\"url\":\"http://127.0.0.1:4242\"}",
                "Content-Type: application/json",
                "Origin: http://127.0.0.1:" + port,
                "Host: 127.0.0.1:" + port,
                "Sec-Fetch-Site: same-origin"));
        assertThat(json.errorCode()).isEqualTo("invalid_node_id");
        Response badJson =
                once(RawHttp.request("POST", "/raft/9", "{\"address\":\"x\"}", "Content-Type: application/json"));
        assertThat(badJson.status()).isEqualTo(400);
        assertThat(badJson.errorCode()).isEqualTo("invalid_json");
        Response delete = once(RawHttp.request("DELETE", "/raft/42", null, "Host: localhost:" + port));
        assertThat(delete.status()).isEqualTo(404);
        assertThat(delete.errorCode()).isEqualTo("not_a_member");
        assertThat(members()).isEqualTo(1);
    }

    @Test
    void aRebindingHostNameGetsNoBackupAndNoDetails() {
        String host = "Host: evil.example:" + port;
        Response backup = once(RawHttp.get("/api/v1/admin/backup", host));
        assertThat(backup.status()).isEqualTo(403);
        assertThat(backup.errorCode()).isEqualTo("forbidden_host");
        assertThat(backup.body()).doesNotContain("pbkdf2");
        assertThat(once(RawHttp.request("DELETE", "/raft/1", null, host)).errorCode())
                .isEqualTo("forbidden_host");
        assertThat(once(RawHttp.get("/raft", host)).status()).isEqualTo(403);
        assertThat(once(RawHttp.get("/metrics", host)).status()).isEqualTo(403);
        assertRestricted(once(RawHttp.get("/api/v1/cluster", host)).json());
        // The chat itself answers any host name.
        assertThat(once(RawHttp.get("/rooms", host)).status()).isEqualTo(200);
    }

    @Test
    void aReverseProxyOnTheSameHostDoesNotLendItsLoopbackAddress() {
        for (String header : List.of(
                "X-Forwarded-For: 203.0.113.9",
                "Forwarded: for=203.0.113.9",
                "X-Real-IP: 203.0.113.9",
                "Via: 1.1 px")) {
            Response backup = once(RawHttp.get("/api/v1/admin/backup", header));
            assertThat(backup.status()).as(header).isEqualTo(403);
            assertThat(backup.errorCode()).isEqualTo("forbidden");
            assertThat(once(RawHttp.get("/raft", header)).status()).isEqualTo(403);
            assertThat(once(RawHttp.get("/metrics", header)).status()).isEqualTo(403);
            assertRestricted(once(RawHttp.get("/api/v1/cluster", header)).json());
        }
    }

    @Test
    void loopbackClientsSeeEverythingAndEveryoneSeesIdsRolesAndHealth() {
        JsonNode full = once(RawHttp.get("/api/v1/cluster")).json();
        assertThat(full.has("term")).isTrue();
        assertThat(full.path("members").get(0).path("url").asText()).startsWith("http://127.0.0.1:");
        assertThat(full.has("restricted")).isFalse();
        assertThat(once(RawHttp.get("/raft")).status()).isEqualTo(200);
        assertThat(once(RawHttp.get("/metrics")).status()).isEqualTo(200);
        assertThat(once(RawHttp.get("/api/v1/admin/backup")).status()).isEqualTo(200);
    }

    private static void assertRestricted(JsonNode view) {
        assertThat(view.path("restricted").asBoolean()).isTrue();
        assertThat(view.path("nodeId").asLong()).isEqualTo(1);
        assertThat(view.path("leaderId").asLong()).isEqualTo(1);
        assertThat(view.has("term")).isFalse();
        assertThat(view.has("commitIndex")).isFalse();
        JsonNode member = view.path("members").get(0);
        assertThat(member.path("id").asLong()).isEqualTo(1);
        assertThat(member.path("role").asText()).isEqualTo("voter");
        assertThat(member.path("leader").asBoolean()).isTrue();
        assertThat(member.has("healthy")).isTrue();
        assertThat(member.has("url")).isFalse();
        assertThat(member.has("matchIndex")).isFalse();
        assertThat(member.has("lag")).isFalse();
    }

    @Test
    void aWeakAdminTokenIsRefusedAtStart() {
        ChatNodeConfig config = cluster.config(1, false);
        for (String weak :
                List.of("x", "s3cret", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "short but has spaces in it ok")) {
            assertThatThrownBy(() -> config.withAdminToken(weak))
                    .as(weak)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("admin token");
        }
        assertThat(config.withAdminToken("Zq3k9VfXo1LmN8pR2sT6uW0y").adminToken())
                .hasSize(24);
    }
}
