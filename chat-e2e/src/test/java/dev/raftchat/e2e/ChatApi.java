package dev.raftchat.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The chat API v1 as the tests' own second client (docs/api.md): to prepare data the browser then reads,
 * and to check what the cluster really stored, independently of what the page shows.
 */
final class ChatApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String baseUrl;
    private String token;

    ChatApi(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    /** Registers {@code username} and logs in; later calls carry the token. */
    ChatApi signUp(String username, String password) {
        ObjectNode credentials =
                JSON.createObjectNode().put("username", username).put("password", password);
        expect(send("POST", "/api/v1/auth/register", credentials), 201);
        token = expect(send("POST", "/api/v1/auth/login", credentials), 200)
                .get("token")
                .asText();
        return this;
    }

    /** Logs in an existing user; later calls carry the token. */
    ChatApi login(String username, String password) {
        ObjectNode credentials =
                JSON.createObjectNode().put("username", username).put("password", password);
        token = expect(send("POST", "/api/v1/auth/login", credentials), 200)
                .get("token")
                .asText();
        return this;
    }

    JsonNode createRoom(String room) {
        return expect(send("POST", "/api/v1/rooms", JSON.createObjectNode().put("name", room)), 201);
    }

    void deleteRoom(String room) {
        expect(send("DELETE", "/api/v1/rooms/" + segment(room), null), 204);
    }

    JsonNode post(String room, String text) {
        return expect(
                send(
                        "POST",
                        "/api/v1/rooms/" + segment(room) + "/messages",
                        JSON.createObjectNode().put("text", text)),
                201);
    }

    JsonNode edit(String room, long seq, String text) {
        return expect(
                send("PATCH", messagePath(room, seq), JSON.createObjectNode().put("text", text)), 200);
    }

    JsonNode delete(String room, long seq) {
        return expect(send("DELETE", messagePath(room, seq), null), 200);
    }

    /** The status of an edit, whatever it is (for edits that must be refused). */
    int tryEdit(String room, long seq, String text) {
        return send("PATCH", messagePath(room, seq), JSON.createObjectNode().put("text", text))
                .statusCode();
    }

    private static String messagePath(String room, long seq) {
        return "/api/v1/rooms/" + segment(room) + "/messages/" + seq;
    }

    /** Every message of {@code room}, oldest first, read page by page backwards from the latest. */
    List<JsonNode> allMessages(String room) {
        List<JsonNode> pages = new ArrayList<>();
        String before = null;
        do {
            JsonNode page = expect(
                    send(
                            "GET",
                            "/api/v1/rooms/" + segment(room) + "/messages"
                                    + (before == null
                                            ? ""
                                            : "?before=" + URLEncoder.encode(before, StandardCharsets.UTF_8)),
                            null),
                    200);
            pages.add(0, page);
            before = page.get("prev").isNull() ? null : page.get("prev").asText();
        } while (before != null);
        List<JsonNode> messages = new ArrayList<>();
        pages.forEach(page -> page.get("messages").forEach(messages::add));
        return messages;
    }

    /** Moves this user's read marker of every room (every page of the room list) to its latest message. */
    void markAllRead() {
        String after = null;
        do {
            JsonNode page = expect(
                    send(
                            "GET",
                            "/api/v1/rooms?limit=200"
                                    + (after == null
                                            ? ""
                                            : "&after=" + URLEncoder.encode(after, StandardCharsets.UTF_8)),
                            null),
                    200);
            for (JsonNode room : page.get("rooms")) {
                long latest = room.path("latestSeq").asLong();
                if (latest > 0) {
                    expect(
                            send(
                                    "PUT",
                                    "/api/v1/rooms/" + segment(room.get("name").asText()) + "/read-marker",
                                    JSON.createObjectNode().put("seq", latest)),
                            204);
                }
            }
            after = page.get("next").isNull() ? null : page.get("next").asText();
        } while (after != null);
    }

    JsonNode info() {
        return expect(send("GET", "/api/v1/info", null), 200);
    }

    private static String segment(String room) {
        return URLEncoder.encode(room, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private HttpResponse<String> send(String method, String path, JsonNode body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(20))
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(body.toString()))
                .header("Content-Type", "application/json");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode expect(HttpResponse<String> response, int status) {
        if (response.statusCode() != status) {
            throw new AssertionError(response.request().method() + " " + response.uri() + " answered "
                    + response.statusCode() + " (expected " + status + "): " + response.body());
        }
        try {
            return response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
