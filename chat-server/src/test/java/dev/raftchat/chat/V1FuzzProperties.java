package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.chat.V1Client.Reply;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/** Random request bodies, headers and query strings on every v1 write route never produce a 5xx. */
class V1FuzzProperties {
    private static ChatCluster cluster;
    private static V1Client client;
    private static String token;
    private static Path dataRoot;

    @BeforeContainer
    static void start() throws IOException {
        dataRoot = Files.createTempDirectory("v1-fuzz");
        cluster = new ChatCluster(dataRoot, 1);
        cluster.startAll();
        cluster.awaitReady();
        client = new V1Client(cluster);
        token = client.signUp(1, "fuzzer");
        client.post(1, "/api/v1/rooms", token, "{\"name\":\"fuzz\"}");
        client.post(1, "/api/v1/rooms/fuzz/messages", token, "{\"text\":\"first\"}");
    }

    @AfterContainer
    static void stop() {
        cluster.close();
        try (var files = Files.walk(dataRoot)) {
            files.sorted(Comparator.reverseOrder())
                    .forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Property(tries = 250)
    void randomBodiesNeverCauseA5xx(
            @ForAll("routes") String route,
            @ForAll("bodies") String body,
            @ForAll("authorizations") String authorization,
            @ForAll("queries") String query) {
        String[] parts = route.split(" ", 2);
        Reply reply = client.call(1, parts[0], parts[1] + query, null, body, "Authorization", authorization);
        assertThat(reply.status()).as(route + " " + body).isLessThan(500);
        if (reply.status() >= 400) {
            assertThat(reply.errorCode()).as(reply.body().toString()).isNotBlank();
        }
    }

    @Provide
    Arbitrary<String> routes() {
        return Arbitraries.of(
                "POST /api/v1/auth/register",
                "POST /api/v1/auth/login",
                "POST /api/v1/auth/logout",
                "POST /api/v1/rooms",
                "POST /api/v1/rooms/fuzz/messages",
                "PATCH /api/v1/rooms/fuzz/messages/1",
                "PUT /api/v1/rooms/fuzz/retention",
                "PUT /api/v1/rooms/fuzz/read-marker",
                "GET /api/v1/rooms",
                "GET /api/v1/rooms/fuzz/messages",
                "DELETE /api/v1/rooms/fuzz/messages/1",
                "POST /rooms/fuzz",
                "DELETE /api/v1/auth/sessions/1",
                "POST /api/v1/rooms/%E2%82%AC/messages",
                "PUT /api/v1/info");
    }

    @Provide
    Arbitrary<String> bodies() {
        Arbitrary<String> field = Arbitraries.of(
                "text",
                "txnId",
                "name",
                "retention",
                "seq",
                "username",
                "password",
                "maxMessages",
                "maxAgeSeconds",
                "Message",
                "User",
                "");
        Arbitrary<String> value = Arbitraries.oneOf(
                Arbitraries.strings()
                        .ofMaxLength(20)
                        .map(s -> '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"'),
                Arbitraries.of(
                        "null",
                        "true",
                        "-1",
                        "0",
                        "1e309",
                        "99999999999999999999",
                        "[]",
                        "{}",
                        "{\"maxMessages\":3}",
                        "\"" + "x".repeat(5000) + "\"",
                        "1.5",
                        "\"\\ud800\""));
        Arbitrary<String> objects = Combinators.combine(field, value)
                .as((f, v) -> "\"" + f + "\":" + v)
                .list()
                .ofMaxSize(4)
                .map(list -> "{" + String.join(",", list) + "}");
        return Arbitraries.oneOf(
                objects,
                Arbitraries.strings().ofMaxLength(40),
                Arbitraries.of("", "{", "[1,2]", "\"text\"", "{\"text\":\"hi\"}{", "nul"));
    }

    @Provide
    Arbitrary<String> authorizations() {
        return Arbitraries.oneOf(
                Arbitraries.just("Bearer " + "z".repeat(43)),
                Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(50),
                Arbitraries.just("Bearer valid").map(ignored -> "Bearer " + token));
    }

    @Provide
    Arbitrary<String> queries() {
        return Arbitraries.of(
                "",
                "?limit=5",
                "?limit=-3",
                "?after=abc",
                "?before=0",
                "?after=99999999999999999999",
                "?consistency=weird",
                "?consistency=stale&limit=1",
                "?after=1&before=2");
    }
}
