package dev.raftchat.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A small JSON client of the chat API v1 for tests: every call returns the status, headers and parsed body. */
final class V1Client {
    static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ChatCluster cluster;

    V1Client(ChatCluster cluster) {
        this.cluster = cluster;
    }

    record Reply(int status, JsonNode body, HttpResponse<String> raw) {
        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }

        String errorCode() {
            return body.path("error").path("code").asText(null);
        }

        String errorField() {
            return body.path("error").path("field").asText(null);
        }
    }

    Reply call(long node, String method, String path, String token, String body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(cluster.url(node, path)))
                .timeout(Duration.ofSeconds(20))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode json = response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
            return new Reply(response.statusCode(), json, response);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    Reply get(long node, String path, String token) {
        return call(node, "GET", path, token, null);
    }

    Reply post(long node, String path, String token, String body, String... headers) {
        return call(node, "POST", path, token, body, headers);
    }

    /** Registers and logs in {@code username}; returns the token. */
    String signUp(long node, String username) {
        Reply registered = post(
                node,
                "/api/v1/auth/register",
                null,
                "{\"username\":\"" + username + "\",\"password\":\"correct horse\"}");
        if (registered.status() != 201) {
            throw new AssertionError("register " + username + ": " + registered.status() + " " + registered.body());
        }
        return login(node, username, "correct horse");
    }

    String login(long node, String username, String password) {
        Reply login = post(
                node,
                "/api/v1/auth/login",
                null,
                "{\"username\":\"" + username + "\",\"password\":\"" + password + "\"}");
        if (login.status() != 200) {
            throw new AssertionError("login " + username + ": " + login.status() + " " + login.body());
        }
        return login.body().get("token").asText();
    }
}
