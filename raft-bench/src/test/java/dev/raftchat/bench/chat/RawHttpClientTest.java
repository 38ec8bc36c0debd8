package dev.raftchat.bench.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RawHttpClientTest {
    private HttpServer server;
    private final Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();
    private URI base;

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            clientPorts.add(exchange.getRemoteAddress().getPort());
            byte[] request = exchange.getRequestBody().readAllBytes();
            String answer = exchange.getRequestMethod() + " " + exchange.getRequestURI() + " "
                    + exchange.getRequestHeaders().getFirst("Content-Type") + " "
                    + new String(request, StandardCharsets.UTF_8);
            byte[] body = answer.getBytes(StandardCharsets.UTF_8);
            if (exchange.getRequestURI().getPath().equals("/close")) {
                exchange.getResponseHeaders().set("Connection", "close");
            }
            exchange.sendResponseHeaders(
                    exchange.getRequestURI().getPath().equals("/missing") ? 404 : 201, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    @Test
    void sendsRequestsAndReadsResponsesOverOneKeptAliveConnection() throws IOException {
        try (RawHttpClient client = new RawHttpClient(base, 5_000)) {
            RawHttpClient.Response post =
                    client.exchange("POST", "/rooms/a%20b", "{\"x\":1}".getBytes(StandardCharsets.UTF_8));
            RawHttpClient.Response get = client.exchange("GET", "/rooms/c?consistency=stale", null);
            RawHttpClient.Response missing = client.exchange("GET", "/missing", null);

            assertThat(post.status()).isEqualTo(201);
            assertThat(post.body()).isEqualTo("POST /rooms/a%20b application/json {\"x\":1}");
            assertThat(get.body()).isEqualTo("GET /rooms/c?consistency=stale null ");
            assertThat(missing.status()).isEqualTo(404);
        }
        assertThat(clientPorts).hasSize(1);
    }

    @Test
    void opensANewConnectionAfterTheServerAsksToClose() throws IOException {
        try (RawHttpClient client = new RawHttpClient(base, 5_000)) {
            assertThat(client.exchange("GET", "/close", null).status()).isEqualTo(201);
            assertThat(client.exchange("GET", "/again", null).body()).startsWith("GET /again");
        }
        assertThat(clientPorts).hasSize(2);
    }

    @Test
    void aRefusedConnectionIsAnIOException() throws IOException {
        server.stop(0);
        try (RawHttpClient client = new RawHttpClient(base, 5_000)) {
            assertThatThrownBy(() -> client.exchange("GET", "/", null)).isInstanceOf(IOException.class);
        }
    }
}
