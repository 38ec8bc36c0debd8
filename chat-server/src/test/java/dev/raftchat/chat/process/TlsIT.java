package dev.raftchat.chat.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftchat.chat.testkit.RaftChatCluster;
import dev.raftchat.chat.testkit.RaftChatClusters;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A three-node cluster of real processes with TLS on both ports: HTTPS and WSS for clients, mutual TLS
 * between nodes. Certificates are made by the test. A plain-HTTP client gets no answer.
 */
class TlsIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final RaftChatClusters clusters = new RaftChatClusters();

    @TempDir
    Path root;

    @Test
    void aClusterServesHttpsAndWssAndTalksMutualTlsBetweenNodes() throws Exception {
        PemCertificates pem = PemCertificates.create(root.resolve("tls"));
        HttpClient https = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .sslContext(pem.clientContext(false))
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        RaftChatCluster cluster = clusters.build(RaftChatCluster.builder(root)
                .nodes(3)
                .https(https)
                .arguments(
                        "--tls-cert",
                        pem.certificate.toString(),
                        "--tls-key",
                        pem.privateKey.toString(),
                        "--peer-tls-cert",
                        pem.certificate.toString(),
                        "--peer-tls-key",
                        pem.privateKey.toString(),
                        "--peer-tls-ca",
                        pem.caCertificate.toString()));
        cluster.startAll();
        cluster.awaitReady(1, 2, 3);

        CompletableFuture<String> firstFrame = new CompletableFuture<>();
        WebSocket socket = https.newWebSocketBuilder()
                .buildAsync(URI.create("wss://127.0.0.1:" + cluster.httpPort(3) + "/ws"), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        firstFrame.complete(data.toString());
                        return null;
                    }
                })
                .get(30, TimeUnit.SECONDS);
        try {
            for (int id = 1; id <= 3; id++) {
                HttpResponse<String> posted =
                        cluster.post(id, "/rooms/secure", "{\"Message\":\"over tls " + id + "\",\"User\":\"u\"}");
                assertThat(posted.statusCode()).as(posted.body()).isEqualTo(201);
            }
            for (int id = 1; id <= 3; id++) {
                assertThat(JSON.readTree(cluster.get(id, "/rooms/secure").body())
                                .findValuesAsText("Message"))
                        .containsExactly("over tls 1", "over tls 2", "over tls 3");
            }
            assertThat(JSON.readTree(firstFrame.get(30, TimeUnit.SECONDS))
                            .get("RoomName")
                            .asText())
                    .isEqualTo("secure");
        } finally {
            socket.abort();
        }

        // Plain HTTP on the HTTPS port: the TLS handler sees no ClientHello and closes the connection.
        HttpClient plain =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        assertThatThrownBy(() -> plain.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.httpPort(1) + "/rooms"))
                                .timeout(Duration.ofSeconds(20))
                                .build(),
                        HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class);

        // The peer port speaks TLS and wants a client certificate from the CA.
        int peerPort = URI.create(cluster.peerUrl(1)).getPort();
        try (SSLSocket mutual =
                (SSLSocket) pem.clientContext(true).getSocketFactory().createSocket("127.0.0.1", peerPort)) {
            mutual.startHandshake();
            assertThat(mutual.getSession().getPeerCertificates()).isNotEmpty();
        }
        try (SSLSocket anonymous =
                (SSLSocket) pem.clientContext(false).getSocketFactory().createSocket("127.0.0.1", peerPort)) {
            anonymous.setSoTimeout(20_000);
            assertThatThrownBy(() -> {
                        anonymous.startHandshake();
                        // TLS 1.3 reports a refused client certificate on the first read.
                        if (anonymous.getInputStream().read() == -1) {
                            throw new IOException("closed by the node");
                        }
                    })
                    .isInstanceOf(IOException.class);
        }
    }
}
