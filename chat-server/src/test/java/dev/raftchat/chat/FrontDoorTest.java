package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.chat.RawHttp.Response;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 19, "Bad input": every malformed request gets a clear JSON error on every route, the connection keeps
 * its order and its earlier answers, and input that cannot be meant is refused.
 */
class FrontDoorTest {
    @RegisterExtension
    static final V1Cluster v1 = V1Cluster.perClass(1);

    private static String token;
    private final ChatCluster cluster = v1.cluster();
    private final V1Client client = v1.client();
    private final int port = cluster.node(1).httpPort();

    @BeforeAll
    static void openTheLobby() {
        token = v1.client().signUp(1, "door");
        assertThat(v1.client()
                        .post(1, "/api/v1/rooms", token, "{\"name\":\"lobby\"}")
                        .status())
                .isEqualTo(201);
    }

    private Response once(String request) {
        try (RawHttp http = new RawHttp(port)) {
            return http.send(request).read();
        }
    }

    @Test
    void malformedPercentEncodingIs400OnEveryRouteAndTheConnectionStaysUsable() {
        List<String> targets = List.of(
                "/%zz",
                "/rooms/%zz",
                "/rooms/%e9",
                "/api/v1/rooms/%zz",
                "/api/v1/rooms/lobby/messages?limit=%zz",
                "/rooms/lobby?consistency=%zz",
                "/api/v1/rooms?after=%",
                "/readyz?x=%zz",
                "/app/%zz",
                "/ws?%zz");
        try (RawHttp http = new RawHttp(port)) {
            for (String target : targets) {
                Response response = http.send(RawHttp.get(target)).read();
                assertThat(response.status()).as(target).isEqualTo(400);
                assertThat(response.headers().get("Content-Type")).as(target).startsWith("application/json");
                assertThat(response.errorCode()).as(target).isIn("invalid_path", "invalid_query");
            }
            // The same connection still answers.
            assertThat(http.send(RawHttp.get("/healthz")).read().status()).isEqualTo(200);
        }
    }

    @Test
    void unknownQueryParametersOfTheApiAre400AndTheOriginalRoutesIgnoreThem() {
        Response unknown = once(RawHttp.get("/api/v1/rooms?x=1"));
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.errorCode()).isEqualTo("unknown_parameter");
        assertThat(unknown.json().path("error").path("field").asText()).isEqualTo("x");
        Response misspelt = once(RawHttp.get("/api/v1/rooms/lobby/messages?consistensy=stale"));
        assertThat(misspelt.errorCode()).isEqualTo("unknown_parameter");
        assertThat(once(RawHttp.get("/api/v1/rooms/lobby/messages?limit=x")).errorCode())
                .isEqualTo("invalid_limit");
        assertThat(once(RawHttp.get("/rooms/lobby?x=1")).status()).isEqualTo(200);
        assertThat(once(RawHttp.get("/rooms?x=1")).status()).isEqualTo(200);
        assertThat(once(RawHttp.get("/?x=1")).status()).isEqualTo(200);
        // No route answers an unknown parameter with a 5xx.
        for (String target : List.of(
                "/healthz?x=1",
                "/readyz?x=1",
                "/metrics?x=1",
                "/raft?x=1",
                "/ws?x=1",
                "/lobby?x=1",
                "/app/main.js?x=1",
                "/api/v1/info?x=1",
                "/api/v1/cluster?x=1",
                "/api/v1/ws?x=1",
                "/raft/8?x=1")) {
            Response response = once(RawHttp.get(target));
            assertThat(response.status()).as(target).isLessThan(500);
            assertThat(response.headers().get("Content-Type")).as(target).isNotNull();
        }
    }

    @Test
    void aMalformedRequestAfterAPipelinedPostDoesNotLoseThePostsAnswer() {
        String post = RawHttp.request(
                "POST", "/rooms/piped-bad", "{\"Message\":\"kept\",\"User\":\"u\"}", "Content-Type: application/json");
        try (RawHttp http = new RawHttp(port)) {
            http.send(post + RawHttp.get("/%zz") + RawHttp.get("/rooms/%zz") + RawHttp.get("/rooms/piped-bad"));
            assertThat(http.read().status()).isEqualTo(201);
            assertThat(http.read().status()).isEqualTo(400);
            assertThat(http.read().status()).isEqualTo(400);
            Response read = http.read();
            assertThat(read.status()).isEqualTo(200);
            assertThat(read.body()).contains("kept");
        }
    }

    /** RFC 9112 §9.3.2: a read pipelined after a write runs after it, so it sees it; every round, in order. */
    @Test
    void pipelinedReadsAfterAWriteSeeTheWrite() {
        assertThat(client.post(1, "/api/v1/rooms", token, "{\"name\":\"order-v1\"}")
                        .status())
                .isEqualTo(201);
        for (int round = 0; round < 20; round++) {
            String room = "order-" + round;
            String post = RawHttp.request(
                    "POST",
                    "/rooms/" + room,
                    "{\"Message\":\"m" + round + "\",\"User\":\"u\"}",
                    "Content-Type: application/json");
            String send = RawHttp.request(
                    "POST",
                    "/api/v1/rooms/order-v1/messages",
                    "{\"text\":\"v" + round + "\"}",
                    "Content-Type: application/json",
                    "Authorization: Bearer " + token);
            try (RawHttp http = new RawHttp(port)) {
                http.send(post
                        + RawHttp.get("/rooms/" + room)
                        + send
                        + RawHttp.get("/api/v1/rooms/order-v1/messages?limit=1&before=999999"));
                assertThat(http.read().status()).isEqualTo(201);
                Response original = http.read();
                assertThat(original.status()).isEqualTo(200);
                assertThat(original.body()).as("round " + round).contains("m" + round);
                assertThat(http.read().status()).isEqualTo(201);
                Response v1 = http.read();
                assertThat(v1.status()).as(v1.body()).isEqualTo(200);
                assertThat(v1.json().path("messages").get(0).path("text").asText())
                        .as("round " + round)
                        .isEqualTo("v" + round);
            }
        }
    }

    @Test
    void expectationAndWebSocketHandshakeErrorsAreJson() {
        Response tooLarge = once(String.join(
                "\r\n",
                "POST /rooms/big HTTP/1.1",
                "Host: 127.0.0.1",
                "Expect: 100-continue",
                "Content-Type: application/json",
                "Content-Length: 99999999",
                "",
                ""));
        assertThat(tooLarge.status()).isEqualTo(413);
        assertThat(tooLarge.errorCode()).isEqualTo("body_too_large");

        Response unsupported = once(
                "POST /rooms/big HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: teapot\r\n" + "Content-Length: 2\r\n\r\n{}");
        assertThat(unsupported.status()).isEqualTo(417);
        assertThat(unsupported.errorCode()).isEqualTo("expectation_failed");

        for (String path : List.of("/ws", "/api/v1/ws")) {
            Response oldVersion = once(RawHttp.get(
                    path,
                    "Upgrade: websocket",
                    "Connection: Upgrade",
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                    "Sec-WebSocket-Version: 8"));
            assertThat(oldVersion.status()).as(path).isEqualTo(426);
            assertThat(oldVersion.headers().get("Sec-WebSocket-Version")).isEqualTo("13");
            assertThat(oldVersion.errorCode()).isEqualTo("upgrade_required");

            Response noKey =
                    once(RawHttp.get(path, "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Version: 13"));
            assertThat(noKey.status()).as(path).isEqualTo(400);
            assertThat(noKey.errorCode()).isEqualTo("invalid_handshake");

            Response noConnection = once(RawHttp.get(
                    path,
                    "Upgrade: websocket",
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                    "Sec-WebSocket-Version: 13"));
            assertThat(noConnection.status()).as(path).isEqualTo(400);
            assertThat(noConnection.errorCode()).isEqualTo("invalid_handshake");

            Response post = once(RawHttp.request(
                    "POST",
                    path,
                    "",
                    "Upgrade: websocket",
                    "Connection: Upgrade",
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                    "Sec-WebSocket-Version: 13"));
            assertThat(post.status()).as(path).isEqualTo(405);
            assertThat(post.errorCode()).isEqualTo("method_not_allowed");

            Response plain = once(RawHttp.get(path));
            assertThat(plain.status()).as(path).isEqualTo(400);
            assertThat(plain.errorCode()).isEqualTo("websocket_upgrade_required");
        }
        Response headerTooLong = once(RawHttp.get("/rooms/lobby", "X-Big: " + "a".repeat(9_000)));
        assertThat(headerTooLong.status()).isEqualTo(431);
        assertThat(headerTooLong.errorCode()).isEqualTo("request_header_too_large");
    }

    @Test
    void jsonBodiesAreStrict() {
        String json = "Content-Type: application/json";
        String auth = "Authorization: Bearer " + token;
        for (String body :
                List.of("{\"text\":\"a\"} {\"text\":\"b\"}", "{\"text\":\"a\"} x", "{\"text\":\"a\",\"text\":\"b\"}")) {
            Response v1 = once(RawHttp.request("POST", "/api/v1/rooms/lobby/messages", body, json, auth));
            assertThat(v1.status()).as(body).isEqualTo(400);
            assertThat(v1.errorCode()).as(body).isEqualTo("invalid_json");
        }
        for (String body : List.of(
                "{\"Message\":\"a\",\"User\":\"u\"} []", "{\"Message\":\"a\",\"Message\":\"b\",\"User\":\"u\"}")) {
            Response original = once(RawHttp.request("POST", "/rooms/lobby", body, json));
            assertThat(original.status()).as(body).isEqualTo(400);
            assertThat(original.errorCode()).as(body).isEqualTo("invalid_json");
        }
        // Invalid UTF-8 (a lone continuation byte) is refused rather than stored as U+FFFD.
        byte[] head = ("POST /api/v1/rooms/lobby/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n" + json + "\r\n" + auth
                        + "\r\nContent-Length: 14\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] body = {'{', '"', 't', 'e', 'x', 't', '"', ':', '"', (byte) 0x80, 'a', 'b', '"', '}'};
        byte[] request = new byte[head.length + body.length];
        System.arraycopy(head, 0, request, 0, head.length);
        System.arraycopy(body, 0, request, head.length, body.length);
        try (RawHttp http = new RawHttp(port)) {
            Response invalid = http.send(request).read();
            assertThat(invalid.status()).isEqualTo(400);
            assertThat(invalid.errorCode()).isEqualTo("invalid_json");
        }
        assertThat(client.get(1, "/api/v1/rooms/lobby/messages", token).body().path("messages"))
                .noneMatch(message -> message.path("text").asText().contains("\ufffd"));
    }

    @Test
    void controlAndBidiCharactersAreRefusedWhereTheyCannotBeMeant() {
        for (String text : List.of("a\u0000b", "a\u001b[31mred", "\u202eevil", "x\u2066y", "a\rb", "c1\u0085")) {
            String body = V1Client.JSON.createObjectNode().put("text", text).toString();
            V1Client.Reply v1 = client.post(1, "/api/v1/rooms/lobby/messages", token, body);
            assertThat(v1.status()).as(text).isEqualTo(400);
            assertThat(v1.errorCode()).isEqualTo("invalid_text");
            String original = V1Client.JSON
                    .createObjectNode()
                    .put("Message", text)
                    .put("User", "u")
                    .toString();
            assertThat(cluster.post(1, "/rooms/lobby", original).body()).contains("invalid_text");
        }
        String fine = V1Client.JSON
                .createObjectNode()
                .put("text", "line one\n\tline two \u200f")
                .toString();
        assertThat(client.post(1, "/api/v1/rooms/lobby/messages", token, fine).status())
                .isEqualTo(201);

        for (String name : List.of("\u202eroom", "tab\troom", "nul\u0000", "esc\u001b")) {
            String body = V1Client.JSON.createObjectNode().put("name", name).toString();
            V1Client.Reply created = client.post(1, "/api/v1/rooms", token, body);
            assertThat(created.status()).as(name).isEqualTo(400);
            assertThat(created.errorCode()).isEqualTo("invalid_room_name");
            String userBody = V1Client.JSON
                    .createObjectNode()
                    .put("Message", "m")
                    .put("User", name)
                    .toString();
            assertThat(cluster.post(1, "/rooms/lobby", userBody).statusCode()).isEqualTo(400);
            String register = V1Client.JSON
                    .createObjectNode()
                    .put("username", name + "x")
                    .put("password", "correct horse")
                    .toString();
            assertThat(client.post(1, "/api/v1/auth/register", null, register).status())
                    .as(name)
                    .isEqualTo(400);
        }
        assertThat(once(RawHttp.request(
                                "POST",
                                "/rooms/%E2%80%AEroom",
                                "{\"Message\":\"m\",\"User\":\"u\"}",
                                "Content-Type: application/json"))
                        .errorCode())
                .isEqualTo("invalid_room_name");
    }

    @Test
    void theBearerSchemeIsCaseInsensitive() {
        for (String scheme : List.of("bearer", "BEARER", "Bearer", "bEaReR")) {
            Response me = once(RawHttp.get("/api/v1/me", "Authorization: " + scheme + " " + token));
            assertThat(me.status()).as(scheme).isEqualTo(200);
            assertThat(me.json().path("username").asText()).isEqualTo("door");
        }
        assertThat(once(RawHttp.get("/api/v1/me", "Authorization: Basic " + token))
                        .status())
                .isEqualTo(401);
    }

    @Test
    void reservedNamesAreNotReadAsRooms() {
        for (String path : List.of(
                "/health", "/livez", "/favicon.ico", "/robots.txt", "/.well-known/security.txt", "/.env", "/api")) {
            Response response = once(RawHttp.get(path));
            assertThat(response.status()).as(path).isEqualTo(404);
            assertThat(response.headers().get("Content-Type")).startsWith("application/json");
            assertThat(response.errorCode()).as(path).isEqualTo("not_found");
        }
        // A room of that name is still readable at /rooms/{name}, and any other name through the alias.
        assertThat(cluster.post(1, "/rooms/health", "{\"Message\":\"m\",\"User\":\"u\"}")
                        .statusCode())
                .isEqualTo(201);
        assertThat(once(RawHttp.get("/rooms/health")).status()).isEqualTo(200);
        assertThat(once(RawHttp.get("/lobby")).status()).isEqualTo(200);
    }
}
