package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The original README's single-node walkthrough and the API's error handling, over real HTTP. */
class SingleNodeHttpTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final V1Cluster v1 = V1Cluster.perClass(1);

    private final ChatCluster cluster = v1.cluster();

    @Test
    void theSeedReadmeFlowWorks() throws Exception {
        HttpResponse<String> posted =
                cluster.post(1, "/rooms/general", "{\"Message\": \"hello\", \"User\": \"username\"}");
        assertThat(posted.statusCode()).isEqualTo(201);
        JsonNode post = JSON.readTree(posted.body());
        assertThat(post.get("User").asText()).isEqualTo("username");
        assertThat(post.get("Message").asText()).isEqualTo("hello");
        // 201 means applied on the node that answered: its local state has the post already.
        assertThat(cluster.node(1).chat().posts("general"))
                .extracting(p -> p.message())
                .contains("hello");

        JsonNode room = JSON.readTree(cluster.get(1, "/rooms/general").body());
        assertThat(room.isArray()).isTrue();
        JsonNode last = room.get(room.size() - 1);
        assertThat(last.get("User").asText()).isEqualTo("username");
        assertThat(last.get("Message").asText()).isEqualTo("hello");
        assertThat(last.get("PostedAt").asText()).isEqualTo(post.get("PostedAt").asText());

        assertThat(JSON.readTree(cluster.get(1, "/rooms").body()).toString()).contains("\"general\"");
    }

    @Test
    void roomsAreSortedAndMessagesOldestFirst() throws Exception {
        for (String room : new String[] {"zulu", "alpha", "mike"}) {
            assertThat(cluster.post(1, "/rooms/" + room, "{\"Message\":\"in " + room + "\",\"User\":\"u\"}")
                            .statusCode())
                    .isEqualTo(201);
        }
        for (int i = 0; i < 5; i++) {
            assertThat(cluster.post(1, "/rooms/order", "{\"Message\":\"m" + i + "\",\"User\":\"u\"}")
                            .statusCode())
                    .isEqualTo(201);
        }
        JsonNode rooms = JSON.readTree(cluster.get(1, "/rooms").body());
        List<String> names = new ArrayList<>();
        rooms.forEach(name -> names.add(name.asText()));
        assertThat(names).contains("alpha", "mike", "zulu").isSorted();

        JsonNode order = JSON.readTree(cluster.get(1, "/rooms/order").body());
        assertThat(order.findValuesAsText("Message")).containsExactly("m0", "m1", "m2", "m3", "m4");
        JsonNode stale =
                JSON.readTree(cluster.get(1, "/rooms/order?consistency=stale").body());
        assertThat(stale).isEqualTo(order);
    }

    @Test
    void fieldNamesAreCaseInsensitive() throws Exception {
        HttpResponse<String> posted = cluster.post(1, "/rooms/cases", "{\"message\":\"lower\",\"USER\":\"upper\"}");
        assertThat(posted.statusCode()).isEqualTo(201);
        assertThat(JSON.readTree(cluster.get(1, "/rooms/cases").body())
                        .get(0)
                        .get("User")
                        .asText())
                .isEqualTo("upper");
    }

    @Test
    void badInputsGetClearJsonErrorsWithStableCodes() throws Exception {
        assertError(cluster.post(1, "/rooms/general", "not json"), 400, "invalid_json");
        assertError(cluster.post(1, "/rooms/general", "[1,2]"), 400, "invalid_json");
        assertError(cluster.post(1, "/rooms/general", "{\"Message\":5,\"User\":\"u\"}"), 400, "invalid_json");
        assertError(cluster.post(1, "/rooms/general", "{\"User\":\"u\"}"), 400, "invalid_text");
        assertError(cluster.post(1, "/rooms/general", "{\"Message\":\"m\"}"), 400, "invalid_username");
        assertError(
                cluster.post(1, "/rooms/general", "{\"Message\":\"" + "x".repeat(5000) + "\",\"User\":\"u\"}"),
                413,
                "message_too_large");
        assertError(
                cluster.post(1, "/rooms/bad%20room", "{\"Message\":\"m\",\"User\":\"u\"}"), 400, "invalid_room_name");
        assertError(cluster.get(1, "/rooms/general?consistency=eventual"), 400, "invalid_consistency");
        assertError(cluster.get(1, "/rooms/general/extra"), 404, "not_found");
        assertError(cluster.post(1, "/general", "{}"), 404, "not_found");
        assertError(cluster.get(1, "/ws"), 400, "websocket_upgrade_required");
        assertError(cluster.get(1, "/bad%20room"), 400, "invalid_room_name");
        assertError(cluster.post(1, "/raft/x", "http://127.0.0.1:1"), 400, "invalid_node_id");
        assertError(cluster.post(1, "/raft/5", "not a url"), 400, "invalid_peer_url");
        assertError(
                cluster.send(HttpRequest.newBuilder(URI.create(cluster.url(1, "/raft/42")))
                        .DELETE()),
                404,
                "not_a_member");
        for (String method : new String[] {"PUT", "DELETE", "PATCH"}) {
            HttpResponse<String> response =
                    cluster.send(HttpRequest.newBuilder(URI.create(cluster.url(1, "/rooms/general")))
                            .method(method, HttpRequest.BodyPublishers.ofString("{\"Message\":\"m\",\"User\":\"u\"}")));
            assertError(response, 405, "method_not_allowed");
            assertThat(response.headers().firstValue("allow")).contains("GET, POST");
        }
        assertError(cluster.post(1, "/rooms", "{}"), 405, "method_not_allowed");
        assertError(
                cluster.post(
                        1,
                        "/rooms/general",
                        "{\"Message\":\"" + "x".repeat(ChatNodeConfig.DEFAULT_HTTP_CONTENT_BYTES_MAX)
                                + "\",\"User\":\"u\"}"),
                413,
                "body_too_large");
        // None of the above created a post.
        assertThat(cluster.node(1).chat().posts("general"))
                .noneMatch(post -> post.message().equals("m"));
    }

    @Test
    void healthAndReadinessAnswer() {
        assertThat(cluster.get(1, "/healthz").statusCode()).isEqualTo(200);
        assertThat(cluster.get(1, "/readyz").statusCode()).isEqualTo(200);
        assertThat(cluster.get(1, "/raft").body()).contains("\"Role\":\"LEADER\"");
    }

    @Test
    void theFirehoseSendsEveryCommittedPost() throws Exception {
        CompletableFuture<String> received = new CompletableFuture<>();
        WebSocket socket = cluster.http
                .newWebSocketBuilder()
                .buildAsync(
                        URI.create("ws://127.0.0.1:" + cluster.node(1).httpPort() + "/ws"), new WebSocket.Listener() {
                            private final StringBuilder text = new StringBuilder();

                            @Override
                            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                                text.append(data);
                                if (last) {
                                    received.complete(text.toString());
                                }
                                webSocket.request(1);
                                return null;
                            }
                        })
                .get(10, TimeUnit.SECONDS);
        Awaitility.await()
                .atMost(ChatCluster.WAIT)
                .until(() -> cluster.node(1).firehose().clientCount() == 1);

        assertThat(cluster.post(1, "/rooms/live", "{\"Message\":\"streamed\",\"User\":\"ws\"}")
                        .statusCode())
                .isEqualTo(201);

        JsonNode event = JSON.readTree(received.get(10, TimeUnit.SECONDS));
        assertThat(event.get("RoomName").asText()).isEqualTo("live");
        assertThat(event.get("Post").get("Message").asText()).isEqualTo("streamed");
        assertThat(event.get("Post").get("User").asText()).isEqualTo("ws");
        socket.abort();
    }

    private static void assertError(HttpResponse<String> response, int status, String code) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode error = JSON.readTree(response.body()).get("error");
        assertThat(error.get("code").asText()).isEqualTo(code);
        assertThat(error.get("message").asText()).isNotBlank();
    }
}
