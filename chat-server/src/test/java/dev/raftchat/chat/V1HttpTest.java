package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.raftchat.chat.V1Client.Reply;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every v1 route and its errors over real HTTP on one node (docs/api.md). */
class V1HttpTest {
    @RegisterExtension
    static final V1Cluster v1 = V1Cluster.perClass(1, V1Cluster.api(api -> api.adminUsers = Set.of("Root")));

    private static String alice;
    private static String bob;
    private final ChatCluster cluster = v1.cluster();
    private final V1Client client = v1.client();

    @BeforeAll
    static void signUp() {
        alice = v1.client().signUp(1, "alice");
        bob = v1.client().signUp(1, "bob");
    }

    @Test
    void infoNamesTheNodeAndItsLimits() {
        Reply info = client.get(1, "/api/v1/info", null);
        assertThat(info.status()).isEqualTo(200);
        assertThat(info.body().get("nodeId").asLong()).isEqualTo(1);
        assertThat(info.body().path("limits").get("maxMessageChars").asInt()).isEqualTo(4096);
        assertThat(info.body().path("limits").get("maxRoomNameChars").asInt()).isEqualTo(64);
        assertThat(info.body().path("limits").get("maxPageSize").asInt()).isEqualTo(200);
        assertThat(info.body().path("limits").get("defaultPageSize").asInt()).isEqualTo(50);
    }

    @Test
    void registerLoginMeSessionsLogout() {
        Reply registered =
                client.post(1, "/api/v1/auth/register", null, "{\"username\":\"Carol\",\"password\":\"12345678\"}");
        assertThat(registered.status()).isEqualTo(201);
        assertThat(registered.body().get("username").asText()).isEqualTo("Carol");
        assertThat(registered.body().get("createdAt").asText()).endsWith("Z");
        assertThat(client.post(1, "/api/v1/auth/register", null, "{\"username\":\"carol\",\"password\":\"12345678\"}")
                        .errorCode())
                .isEqualTo("username_taken");

        Reply login = client.post(1, "/api/v1/auth/login", null, "{\"username\":\"carol\",\"password\":\"12345678\"}");
        assertThat(login.status()).isEqualTo(200);
        String token = login.body().get("token").asText();
        assertThat(token).hasSize(43);
        assertThat(login.body().get("username").asText()).isEqualTo("Carol");
        String sessionId = login.body().get("sessionId").asText();
        String second = client.login(1, "Carol", "12345678");

        Reply me = client.get(1, "/api/v1/me", token);
        assertThat(me.status()).isEqualTo(200);
        assertThat(me.body().get("username").asText()).isEqualTo("Carol");
        assertThat(me.body().get("admin").asBoolean()).isFalse();

        Reply sessions = client.get(1, "/api/v1/auth/sessions", token);
        assertThat(sessions.body().get("sessions")).hasSize(2);
        List<String> current = new ArrayList<>();
        sessions.body().get("sessions").forEach(s -> {
            if (s.get("current").asBoolean()) {
                current.add(s.get("sessionId").asText());
            }
        });
        assertThat(current).containsExactly(sessionId);

        assertThat(client.post(1, "/api/v1/auth/logout", token, null).status()).isEqualTo(204);
        Reply after = client.get(1, "/api/v1/me", token);
        assertThat(after.status()).isEqualTo(401);
        assertThat(after.header("WWW-Authenticate")).isEqualTo("Bearer");
        assertThat(client.get(1, "/api/v1/me", second).status()).isEqualTo(200);

        // Revoking another session by id; then it is gone.
        Reply list = client.get(1, "/api/v1/auth/sessions", second);
        String secondId = list.body().get("sessions").get(0).get("sessionId").asText();
        assertThat(client.call(1, "DELETE", "/api/v1/auth/sessions/999999", second, null)
                        .errorCode())
                .isEqualTo("session_not_found");
        assertThat(client.call(1, "DELETE", "/api/v1/auth/sessions/" + secondId, second, null)
                        .status())
                .isEqualTo(204);
        assertThat(client.get(1, "/api/v1/me", second).status()).isEqualTo(401);
    }

    @Test
    void authFailuresAreUniform401s() {
        Reply wrongPassword =
                client.post(1, "/api/v1/auth/login", null, "{\"username\":\"alice\",\"password\":\"wrong pass\"}");
        Reply unknownUser =
                client.post(1, "/api/v1/auth/login", null, "{\"username\":\"nobody\",\"password\":\"wrong pass\"}");
        assertThat(wrongPassword.status()).isEqualTo(401);
        assertThat(unknownUser.status()).isEqualTo(401);
        assertThat(wrongPassword.body().get("error"))
                .isEqualTo(unknownUser.body().get("error"));
        for (String header : new String[] {null, "Basic abc", "Bearer", "Bearer short", "Bearer " + "x".repeat(43)}) {
            Reply reply = header == null
                    ? client.get(1, "/api/v1/me", null)
                    : client.call(1, "GET", "/api/v1/me", null, null, "Authorization", header);
            assertThat(reply.status()).as(String.valueOf(header)).isEqualTo(401);
            assertThat(reply.errorCode()).isEqualTo("unauthorized");
            assertThat(reply.header("WWW-Authenticate")).isEqualTo("Bearer");
        }
        assertThat(client.post(
                                1,
                                "/api/v1/auth/register",
                                null,
                                "{\"username\":\"bad name\",\"password\":\"12345678\"}")
                        .errorField())
                .isEqualTo("username");
        assertThat(client.post(1, "/api/v1/auth/register", null, "{\"username\":\"shorty\",\"password\":\"1234567\"}")
                        .errorCode())
                .isEqualTo("invalid_password");
        assertThat(client.post(
                                1,
                                "/api/v1/auth/register",
                                null,
                                "{\"username\":\"x\",\"password\":\"12345678\",\"admin\":true}")
                        .errorField())
                .isEqualTo("admin");
    }

    @Test
    void roomsAreCreatedListedPagedAndDeleted() {
        assertThat(client.post(1, "/api/v1/rooms", null, "{\"name\":\"r-noauth\"}")
                        .status())
                .isEqualTo(401);
        Reply created = client.post(1, "/api/v1/rooms", alice, "{\"name\":\"list-a\"}");
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.body().get("createdBy").asText()).isEqualTo("alice");
        assertThat(created.body().get("latestSeq").asLong()).isZero();
        assertThat(created.body().get("oldestRetainedSeq").asLong()).isEqualTo(1);
        assertThat(created.body().get("lastMessageAt").isNull()).isTrue();
        assertThat(created.body().path("retention").get("maxMessages").isNull()).isTrue();
        assertThat(client.post(1, "/api/v1/rooms", alice, "{\"name\":\"list-a\"}")
                        .errorCode())
                .isEqualTo("room_exists");
        assertThat(client.post(1, "/api/v1/rooms", alice, "{\"name\":\"list-b\"}")
                        .status())
                .isEqualTo(201);
        assertThat(client.post(1, "/api/v1/rooms", alice, "{\"name\":\"list-c\"}")
                        .status())
                .isEqualTo(201);
        assertThat(client.post(1, "/api/v1/rooms", alice, "{\"name\":\"\"}").errorCode())
                .isEqualTo("invalid_room_name");
        assertThat(client.post(1, "/api/v1/rooms", alice, "{\"name\":\"a\\u0007b\"}")
                        .errorField())
                .isEqualTo("name");
        assertThat(client.post(1, "/api/v1/rooms", alice, "{\"name\":\"" + "x".repeat(65) + "\"}")
                        .errorCode())
                .isEqualTo("invalid_room_name");

        Reply first = client.get(1, "/api/v1/rooms?limit=2&after=list-", alice);
        assertThat(first.body().get("rooms")).hasSize(2);
        assertThat(first.body().get("rooms").get(0).get("name").asText()).isEqualTo("list-a");
        assertThat(first.body().get("rooms").get(0).has("unread")).isTrue();
        assertThat(first.body().get("next").asText()).isEqualTo("list-b");
        Reply second = client.get(1, "/api/v1/rooms?limit=2&after=list-b", null);
        assertThat(second.body().get("rooms").get(0).get("name").asText()).isEqualTo("list-c");
        assertThat(second.body().get("rooms").get(0).has("unread")).isFalse();
        assertThat(client.get(1, "/api/v1/rooms?limit=0", null).errorCode()).isEqualTo("invalid_limit");
        assertThat(client.get(1, "/api/v1/rooms?limit=201", null).errorCode()).isEqualTo("invalid_limit");

        assertThat(client.get(1, "/api/v1/rooms/list-a", null).status()).isEqualTo(200);
        assertThat(client.get(1, "/api/v1/rooms/nope", null).errorCode()).isEqualTo("room_not_found");
        assertThat(client.call(1, "DELETE", "/api/v1/rooms/list-a", bob, null).errorCode())
                .isEqualTo("forbidden");
        assertThat(client.call(1, "DELETE", "/api/v1/rooms/list-a", alice, null).status())
                .isEqualTo(204);
        assertThat(client.get(1, "/api/v1/rooms/list-a", null).status()).isEqualTo(404);
        assertThat(client.call(1, "DELETE", "/api/v1/rooms/list-a", alice, null).errorCode())
                .isEqualTo("room_not_found");
        // An admin deletes anyone's room.
        client.post(1, "/api/v1/auth/register", null, "{\"username\":\"root\",\"password\":\"12345678\"}");
        String root = client.login(1, "root", "12345678");
        assertThat(client.get(1, "/api/v1/me", root).body().get("admin").asBoolean())
                .isTrue();
        assertThat(client.call(1, "DELETE", "/api/v1/rooms/list-b", root, null).status())
                .isEqualTo(204);
    }

    @Test
    void unicodeRoomNamesWithPercentEncodedSlashes() {
        Reply created = client.post(1, "/api/v1/rooms", alice, "{\"name\":\"café/ünï 🎉\"}");
        assertThat(created.status()).isEqualTo(201);
        String path = "/api/v1/rooms/caf%C3%A9%2F%C3%BCn%C3%AF%20%F0%9F%8E%89";
        assertThat(client.get(1, path, null).body().get("name").asText()).isEqualTo("café/ünï 🎉");
        assertThat(client.post(1, path + "/messages", alice, "{\"text\":\"hi\"}")
                        .status())
                .isEqualTo(201);
        assertThat(client.get(1, path + "/messages", null)
                        .body()
                        .get("messages")
                        .get(0)
                        .get("room")
                        .asText())
                .isEqualTo("café/ünï 🎉");
        assertThat(client.get(1, "/api/v1/rooms/%FF", null).errorCode()).isEqualTo("invalid_path");
    }

    @Test
    void messagesAreSentWithIdempotencyAndReadInPages() {
        client.post(1, "/api/v1/rooms", alice, "{\"name\":\"pages\"}");
        Reply sent = client.post(1, "/api/v1/rooms/pages/messages", alice, "{\"text\":\"m1\",\"txnId\":\"t-1\"}");
        assertThat(sent.status()).isEqualTo(201);
        JsonNode message = sent.body();
        assertThat(message.get("seq").asLong()).isEqualTo(1);
        assertThat(message.get("author").asText()).isEqualTo("alice");
        assertThat(message.get("txnId").asText()).isEqualTo("t-1");
        assertThat(message.get("deleted").asBoolean()).isFalse();
        assertThat(message.get("editedAt").isNull()).isTrue();
        assertThat(Long.parseLong(message.get("id").asText())).isPositive();
        assertThat(message.get("postedAt").asText()).endsWith("Z");

        Reply replay = client.post(1, "/api/v1/rooms/pages/messages", alice, "{\"text\":\"m1\",\"txnId\":\"t-1\"}");
        assertThat(replay.status()).isEqualTo(200);
        assertThat(replay.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(replay.body()).isEqualTo(message);
        Reply header =
                client.post(1, "/api/v1/rooms/pages/messages", alice, "{\"text\":\"m1\"}", "Idempotency-Key", "t-1");
        assertThat(header.status()).isEqualTo(200);
        // Another user's same key is another transaction.
        assertThat(client.post(1, "/api/v1/rooms/pages/messages", bob, "{\"text\":\"m2\",\"txnId\":\"t-1\"}")
                        .status())
                .isEqualTo(201);
        for (int i = 3; i <= 7; i++) {
            assertThat(client.post(1, "/api/v1/rooms/pages/messages", bob, "{\"text\":\"m" + i + "\"}")
                            .status())
                    .isEqualTo(201);
        }

        Reply latest = client.get(1, "/api/v1/rooms/pages/messages?limit=3", null);
        assertThat(texts(latest)).containsExactly("m5", "m6", "m7");
        assertThat(latest.body().get("prev").asText()).isEqualTo("5");
        assertThat(latest.body().get("next").asText()).isEqualTo("7");
        assertThat(latest.body().get("latestSeq").asLong()).isEqualTo(7);
        Reply older = client.get(1, "/api/v1/rooms/pages/messages?limit=3&before=5", null);
        assertThat(texts(older)).containsExactly("m2", "m3", "m4");
        Reply oldest = client.get(1, "/api/v1/rooms/pages/messages?limit=3&before=2", null);
        assertThat(texts(oldest)).containsExactly("m1");
        assertThat(oldest.body().get("prev").isNull()).isTrue();
        Reply after = client.get(1, "/api/v1/rooms/pages/messages?limit=4&after=2", null);
        assertThat(texts(after)).containsExactly("m3", "m4", "m5", "m6");
        assertThat(after.body().get("next").asText()).isEqualTo("6");
        Reply end = client.get(1, "/api/v1/rooms/pages/messages?after=7", null);
        assertThat(texts(end)).isEmpty();
        assertThat(end.body().get("next").asText()).isEqualTo("7");
        assertThat(client.get(1, "/api/v1/rooms/pages/messages?consistency=stale", null)
                        .body()
                        .get("messages"))
                .hasSize(7);

        for (String cursor : new String[] {"after=x", "after=-1", "after=1&before=3"}) {
            assertThat(client.get(1, "/api/v1/rooms/pages/messages?" + cursor, null)
                            .errorCode())
                    .as(cursor)
                    .isEqualTo("invalid_cursor");
        }
        assertThat(client.get(1, "/api/v1/rooms/pages/messages?limit=abc", null).errorCode())
                .isEqualTo("invalid_limit");
        assertThat(client.get(1, "/api/v1/rooms/nope/messages", null).status()).isEqualTo(404);
    }

    @Test
    void sendErrorsNameTheField() {
        client.post(1, "/api/v1/rooms", alice, "{\"name\":\"errors\"}");
        Reply tooLarge =
                client.post(1, "/api/v1/rooms/errors/messages", alice, "{\"text\":\"" + "x".repeat(4097) + "\"}");
        assertThat(tooLarge.status()).isEqualTo(413);
        assertThat(tooLarge.errorCode()).isEqualTo("message_too_large");
        assertThat(tooLarge.errorField()).isEqualTo("text");
        String[][] bodiesAndErrors = {
            {"{\"text\":\"\"}", "invalid_text"},
            {"{\"text\":5}", "invalid_type"},
            {"{}", "missing_field"},
            {"{not json", "invalid_json"},
            {"[]", "invalid_json"},
            {"{\"text\":\"a\",\"txnId\":\"bad id\"}", "invalid_txn_id"}
        };
        for (String[] bodyAndError : bodiesAndErrors) {
            assertThat(client.post(1, "/api/v1/rooms/errors/messages", alice, bodyAndError[0])
                            .errorCode())
                    .as(bodyAndError[0])
                    .isEqualTo(bodyAndError[1]);
        }
        assertThat(client.post(1, "/api/v1/rooms/errors/messages", alice, "{\"text\":\"a\",\"x\":1}")
                        .errorField())
                .isEqualTo("x");
        assertThat(client.post(
                                1,
                                "/api/v1/rooms/errors/messages",
                                alice,
                                "{\"text\":\"a\",\"txnId\":\"a\"}",
                                "Idempotency-Key",
                                "b")
                        .errorCode())
                .isEqualTo("invalid_txn_id");
        assertThat(client.post(1, "/api/v1/rooms/missing/messages", alice, "{\"text\":\"a\"}")
                        .errorCode())
                .isEqualTo("room_not_found");
        assertThat(client.post(1, "/api/v1/rooms/errors/messages", null, "{\"text\":\"a\"}")
                        .status())
                .isEqualTo(401);
        assertThat(client.call(1, "PUT", "/api/v1/rooms/errors/messages", alice, "{}")
                        .status())
                .isEqualTo(405);
        assertThat(client.get(1, "/api/v1/nothing", null).status()).isEqualTo(404);
        assertThat(client.get(1, "/api/v1/ws", null).errorCode()).isEqualTo("websocket_upgrade_required");
    }

    @Test
    void authorsEditAndDeleteTheirMessagesLeavingTombstones() {
        client.post(1, "/api/v1/rooms", alice, "{\"name\":\"edits\"}");
        client.post(1, "/api/v1/rooms/edits/messages", alice, "{\"text\":\"original\"}");
        assertThat(client.call(1, "PATCH", "/api/v1/rooms/edits/messages/1", bob, "{\"text\":\"hacked\"}")
                        .errorCode())
                .isEqualTo("forbidden");
        Reply edited = client.call(1, "PATCH", "/api/v1/rooms/edits/messages/1", alice, "{\"text\":\"fixed\"}");
        assertThat(edited.status()).isEqualTo(200);
        assertThat(edited.body().get("text").asText()).isEqualTo("fixed");
        assertThat(edited.body().get("editedAt").isNull()).isFalse();
        assertThat(client.call(1, "PATCH", "/api/v1/rooms/edits/messages/9", alice, "{\"text\":\"x\"}")
                        .errorCode())
                .isEqualTo("message_not_found");
        assertThat(client.call(1, "PATCH", "/api/v1/rooms/edits/messages/zero", alice, "{\"text\":\"x\"}")
                        .errorCode())
                .isEqualTo("invalid_seq");
        assertThat(client.call(1, "DELETE", "/api/v1/rooms/edits/messages/1", bob, null)
                        .status())
                .isEqualTo(403);
        Reply deleted = client.call(1, "DELETE", "/api/v1/rooms/edits/messages/1", alice, null);
        assertThat(deleted.status()).isEqualTo(200);
        assertThat(deleted.body().get("deleted").asBoolean()).isTrue();
        assertThat(deleted.body().get("text").isNull()).isTrue();
        assertThat(client.call(1, "PATCH", "/api/v1/rooms/edits/messages/1", alice, "{\"text\":\"again\"}")
                        .errorCode())
                .isEqualTo("message_deleted");
        JsonNode history =
                client.get(1, "/api/v1/rooms/edits/messages", null).body().get("messages");
        assertThat(history).hasSize(1);
        assertThat(history.get(0).get("deleted").asBoolean()).isTrue();
        // The original API does not show tombstones.
        assertThat(cluster.node(1).chat().posts("edits")).isEmpty();
    }

    @Test
    void readMarkersGiveUnreadCounts() {
        client.post(1, "/api/v1/rooms", alice, "{\"name\":\"unread\"}");
        for (int i = 0; i < 4; i++) {
            client.post(1, "/api/v1/rooms/unread/messages", alice, "{\"text\":\"u" + i + "\"}");
        }
        assertThat(client.get(1, "/api/v1/rooms/unread", bob)
                        .body()
                        .get("unread")
                        .asLong())
                .isEqualTo(4);
        assertThat(client.call(1, "PUT", "/api/v1/rooms/unread/read-marker", bob, "{\"seq\":3}")
                        .status())
                .isEqualTo(204);
        assertThat(client.get(1, "/api/v1/rooms/unread", bob)
                        .body()
                        .get("unread")
                        .asLong())
                .isEqualTo(1);
        assertThat(client.get(1, "/api/v1/rooms/unread", alice)
                        .body()
                        .get("unread")
                        .asLong())
                .isEqualTo(4);
        for (String seq : new String[] {"5", "-1", "\"2\""}) {
            assertThat(client.call(1, "PUT", "/api/v1/rooms/unread/read-marker", bob, "{\"seq\":" + seq + "}")
                            .errorCode())
                    .as(seq)
                    .isEqualTo("invalid_seq");
        }
        assertThat(client.call(1, "PUT", "/api/v1/rooms/gone/read-marker", bob, "{\"seq\":0}")
                        .status())
                .isEqualTo(404);
    }

    @Test
    void retentionDropsTheOldestAndExpiredCursorsSayGone() {
        client.post(1, "/api/v1/rooms", alice, "{\"name\":\"kept\",\"retention\":{\"maxMessages\":3}}");
        for (int i = 1; i <= 5; i++) {
            client.post(1, "/api/v1/rooms/kept/messages", alice, "{\"text\":\"k" + i + "\"}");
        }
        Reply page = client.get(1, "/api/v1/rooms/kept/messages", null);
        assertThat(texts(page)).containsExactly("k3", "k4", "k5");
        assertThat(page.body().get("oldestRetainedSeq").asLong()).isEqualTo(3);
        assertThat(page.body().get("prev").isNull()).isTrue();
        assertThat(client.get(1, "/api/v1/rooms/kept/messages?after=2", null).status())
                .isEqualTo(200);
        Reply expired = client.get(1, "/api/v1/rooms/kept/messages?after=1", null);
        assertThat(expired.status()).isEqualTo(410);
        assertThat(expired.errorCode()).isEqualTo("cursor_expired");
        assertThat(expired.body().path("error").get("oldestRetainedSeq").asLong())
                .isEqualTo(3);

        assertThat(client.call(1, "PUT", "/api/v1/rooms/kept/retention", bob, "{\"maxMessages\":1}")
                        .status())
                .isEqualTo(403);
        assertThat(client.call(1, "PUT", "/api/v1/rooms/kept/retention", alice, "{\"maxMessages\":-2}")
                        .errorCode())
                .isEqualTo("invalid_retention");
        Reply changed = client.call(
                1, "PUT", "/api/v1/rooms/kept/retention", alice, "{\"maxMessages\":1,\"maxAgeSeconds\":null}");
        assertThat(changed.status()).isEqualTo(200);
        assertThat(changed.body().path("retention").get("maxMessages").asLong()).isEqualTo(1);
        assertThat(changed.body().get("oldestRetainedSeq").asLong()).isEqualTo(5);
        assertThat(changed.body().get("messageCount").asLong()).isEqualTo(1);
    }

    @Test
    void theOriginalRouteHonoursIdempotencyKeysAndProtectedNames() throws Exception {
        Reply first = client.post(
                1, "/rooms/legacy", null, "{\"Message\":\"once\",\"User\":\"anon\"}", "Idempotency-Key", "k-1");
        assertThat(first.status()).isEqualTo(201);
        var replay = cluster.send(HttpRequest.newBuilder(URI.create(cluster.url(1, "/rooms/legacy")))
                .header("Idempotency-Key", "k-1")
                .POST(BodyPublishers.ofString("{\"Message\":\"once\",\"User\":\"anon\"}")));
        assertThat(replay.statusCode()).isEqualTo(200);
        assertThat(replay.headers().firstValue("Idempotent-Replayed")).contains("true");
        assertThat(V1Client.JSON.readTree(replay.body())).isEqualTo(first.body());
        assertThat(cluster.node(1).chat().posts("legacy")).hasSize(1);

        // alice is registered: her name needs her token on the original route too.
        assertThat(cluster.post(1, "/rooms/legacy", "{\"Message\":\"fake\",\"User\":\"Alice\"}")
                        .statusCode())
                .isEqualTo(401);
        Reply asBob = client.post(1, "/rooms/legacy", bob, "{\"Message\":\"fake\",\"User\":\"alice\"}");
        assertThat(asBob.status()).isEqualTo(403);
        Reply asAlice = client.post(1, "/rooms/legacy", alice, "{\"Message\":\"real\",\"User\":\"alice\"}");
        assertThat(asAlice.status()).isEqualTo(201);
        assertThat(asAlice.body().get("User").asText()).isEqualTo("alice");
        // The original route's posts are v1 messages too.
        JsonNode v1 = client.get(1, "/api/v1/rooms/legacy/messages", null).body();
        assertThat(v1.get("messages")).hasSize(2);
        assertThat(client.get(1, "/api/v1/rooms/legacy", null)
                        .body()
                        .get("createdBy")
                        .isNull())
                .isTrue();
    }

    @Test
    void everyAuthenticatedRouteAnswers401WithoutATokenAnd405ForOtherMethods() {
        client.post(1, "/api/v1/rooms", alice, "{\"name\":\"guarded\"}");
        client.post(1, "/api/v1/rooms/guarded/messages", alice, "{\"text\":\"x\"}");
        String[][] routes = {
            {"POST", "/api/v1/auth/logout", null},
            {"GET", "/api/v1/auth/sessions", null},
            {"DELETE", "/api/v1/auth/sessions/1", null},
            {"GET", "/api/v1/me", null},
            {"POST", "/api/v1/rooms", "{\"name\":\"n\"}"},
            {"DELETE", "/api/v1/rooms/guarded", null},
            {"PUT", "/api/v1/rooms/guarded/retention", "{}"},
            {"PUT", "/api/v1/rooms/guarded/read-marker", "{\"seq\":0}"},
            {"POST", "/api/v1/rooms/guarded/messages", "{\"text\":\"x\"}"},
            {"PATCH", "/api/v1/rooms/guarded/messages/1", "{\"text\":\"y\"}"},
            {"DELETE", "/api/v1/rooms/guarded/messages/1", null}
        };
        for (String[] route : routes) {
            Reply reply = client.call(1, route[0], route[1], null, route[2]);
            assertThat(reply.status()).as(route[0] + " " + route[1]).isEqualTo(401);
            assertThat(reply.header("WWW-Authenticate")).isEqualTo("Bearer");
        }
        String[][] wrongMethods = {
            {"PUT", "/api/v1/info", "GET"},
            {"GET", "/api/v1/auth/login", "POST"},
            {"GET", "/api/v1/auth/sessions/1", "DELETE"},
            {"PATCH", "/api/v1/rooms", "GET, POST"},
            {"POST", "/api/v1/rooms/guarded", "GET, DELETE"},
            {"GET", "/api/v1/rooms/guarded/retention", "PUT"},
            {"DELETE", "/api/v1/rooms/guarded/messages", "GET, POST"},
            {"POST", "/api/v1/rooms/guarded/messages/1", "PATCH, DELETE"}
        };
        for (String[] route : wrongMethods) {
            Reply reply = client.call(1, route[0], route[1], alice, "{}");
            assertThat(reply.status()).as(route[0] + " " + route[1]).isEqualTo(405);
            assertThat(reply.errorCode()).isEqualTo("method_not_allowed");
            assertThat(reply.header("Allow")).as(route[0] + " " + route[1]).isEqualTo(route[2]);
        }
        // Path parameters are checked before the method; paths that no route has are 404 whatever the method.
        assertThat(client.call(1, "POST", "/api/v1/rooms/guarded/messages/0", alice, "{}")
                        .errorCode())
                .isEqualTo("invalid_seq");
        assertThat(client.call(1, "POST", "/api/v1/rooms/%20/messages", alice, "{}")
                        .errorCode())
                .isEqualTo("invalid_room_name");
        for (String path : List.of("/api/v1", "/api/v1/rooms/guarded/extra", "/api/v1/auth", "/api/v1//rooms")) {
            Reply reply = client.call(1, "GET", path, alice, null);
            assertThat(reply.status()).as(path).isEqualTo(404);
            assertThat(reply.errorCode()).isEqualTo("not_found");
        }
        assertThat(client.get(1, "/api/v1/rooms?consistency=eventual", null).errorCode())
                .isEqualTo("invalid_consistency");
    }

    private static List<String> texts(Reply page) {
        List<String> texts = new ArrayList<>();
        page.body().get("messages").forEach(m -> texts.add(m.get("text").asText()));
        return texts;
    }
}
