package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The browser client (module chat-web) served by a node: at /, under /app/, and nowhere else. */
class WebClientServingTest {
    @RegisterExtension
    static final V1Cluster v1 = V1Cluster.perClass(1);

    private final ChatCluster cluster = v1.cluster();

    @Test
    void theRootServesThePageWithItsSecurityHeaders() {
        HttpResponse<String> page = cluster.get(1, "/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.headers().firstValue("Cache-Control")).hasValue("no-cache");
        assertThat(page.headers().firstValue("ETag")).isPresent();
        assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow())
                .contains("default-src 'self'");
        assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(page.body()).contains("raft-chat").contains("/app/main.js");
    }

    @Test
    void modulesAndStylesHaveTheirContentTypes() {
        HttpResponse<String> script = cluster.get(1, "/app/main.js");
        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
        assertThat(script.body()).contains("import");
        assertThat(cluster.get(1, "/app/app.css").headers().firstValue("Content-Type"))
                .hasValue("text/css; charset=utf-8");
        assertThat(cluster.get(1, "/app/main.js?v=2").statusCode())
                .as("a query string is ignored")
                .isEqualTo(200);
    }

    @Test
    void anUnchangedFileIsNotSentAgain() {
        String etag = cluster.get(1, "/app/api.js").headers().firstValue("ETag").orElseThrow();
        HttpResponse<String> again = cluster.send(HttpRequest.newBuilder(URI.create(cluster.url(1, "/app/api.js")))
                .header("If-None-Match", etag)
                .GET());
        assertThat(again.statusCode()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
        HttpResponse<String> other = cluster.send(HttpRequest.newBuilder(URI.create(cluster.url(1, "/app/api.js")))
                .header("If-None-Match", "\"something-else\"")
                .GET());
        assertThat(other.statusCode()).isEqualTo(200);
    }

    @Test
    void headAnswersTheLengthWithoutTheBody() {
        HttpResponse<String> head = cluster.send(HttpRequest.newBuilder(URI.create(cluster.url(1, "/app/main.js")))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()));
        assertThat(head.statusCode()).isEqualTo(200);
        int length = cluster.get(1, "/app/main.js").body().getBytes(StandardCharsets.UTF_8).length;
        assertThat(head.headers().firstValueAsLong("Content-Length")).hasValue(length);
        assertThat(head.body()).isEmpty();
    }

    @Test
    void unknownFilesAndOtherMethodsGetJsonErrors() {
        HttpResponse<String> missing = cluster.get(1, "/app/nope.js");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).contains("\"code\":\"not_found\"");
        HttpResponse<String> posted = cluster.post(1, "/app/main.js", "{}");
        assertThat(posted.statusCode()).isEqualTo(405);
        assertThat(posted.headers().firstValue("Allow")).hasValue("GET, HEAD");
    }

    @Test
    void noPathLeavesTheAssetFolder() throws Exception {
        // Sent raw, so no client normalizes the dots away first.
        for (String target : new String[] {
            "/app/../logback.xml",
            "/app/%2e%2e/logback.xml",
            "/app/..%2fWebAssets.class",
            "/app/%2e%2e%2f%2e%2e%2fdev/raftchat/web/WebAssets.class",
            "/app/..%5cindex.html"
        }) {
            assertThat(rawStatusLine(target)).as(target).contains("404");
        }
    }

    @Test
    void theOriginalApiKeepsItsPaths() {
        assertThat(cluster.post(1, "/rooms/app", "{\"Message\":\"hi\",\"User\":\"ann\"}")
                        .statusCode())
                .isEqualTo(201);
        HttpResponse<String> room = cluster.get(1, "/app");
        assertThat(room.statusCode())
                .as("GET /{room} still reads the room called app")
                .isEqualTo(200);
        assertThat(room.body()).contains("\"Message\":\"hi\"");
    }

    private String rawStatusLine(String target) throws Exception {
        try (Socket socket =
                new Socket(InetAddress.getLoopbackAddress(), cluster.node(1).httpPort())) {
            socket.getOutputStream()
                    .write(("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            return answer.lines().findFirst().orElse("");
        }
    }
}
