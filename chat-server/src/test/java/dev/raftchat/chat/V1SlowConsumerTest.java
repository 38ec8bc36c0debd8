package dev.raftchat.chat;

import static org.awaitility.Awaitility.await;

import java.net.Socket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A v1 WebSocket client that stops reading is disconnected (4008) once its outbound buffer passes the bound. */
class V1SlowConsumerTest {

    @Test
    void aClientThatStopsReadingIsDisconnected(@TempDir Path dataRoot) throws Exception {
        try (ChatCluster cluster = new ChatCluster(dataRoot, 1)) {
            var api = ChatCluster.testApiConfig();
            api.webSocketOutboundBytesMax = 4_096;
            cluster.apiConfig = api.build();
            cluster.startAll();
            cluster.awaitReady();
            V1Client client = new V1Client(cluster);
            String token = client.signUp(1, "slow");
            client.post(1, "/api/v1/rooms", token, "{\"name\":\"flood\"}");
            String big = "x".repeat(4_000);
            client.post(1, "/api/v1/rooms/flood/messages", token, "{\"text\":\"" + big + "\"}");
            Socket stalled = V1Socket.stalledSubscriber(cluster, 1, token, "flood");
            try (stalled) {
                // Now the client reads nothing more: every edit of the delivered message must be written, and piles up.
                await().atMost(ChatCluster.WAIT).until(() -> {
                    client.call(1, "PATCH", "/api/v1/rooms/flood/messages/1", token, "{\"text\":\"" + big + "\"}");
                    return cluster.node(1).webSocketHub().slowConsumersClosed() > 0;
                });
                await().atMost(ChatCluster.WAIT)
                        .until(() -> cluster.node(1).webSocketHub().connectionCount() == 0);
            }
        }
    }
}
