package dev.raftchat.raft.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.raft.transport.Transport;
import dev.raftchat.raft.transport.netty.ClusterSecrets;
import dev.raftchat.raft.transport.netty.NettyTransport;
import dev.raftchat.raft.transport.netty.NettyTransportConfig;
import dev.raftchat.raft.transport.netty.PeerAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The contract over loopback TCP, with authenticated connections as in production. This is the transport's
 * every-kind-of-message test over real sockets (raft-transport-netty's own tests cover the codec's round trip
 * by property, and the connection rules), with Netty's counters checked too.
 */
class NettyTransportContractTest extends TransportContract {
    private static final ClusterSecrets SECRETS =
            ClusterSecrets.of("raft-testkit contract secret".getBytes(StandardCharsets.UTF_8));

    private final List<NettyTransport> lastStarted = new ArrayList<>();

    /** As the contract, and each node's counters agree: 2 peers × 12 kinds sent and received, none lost or bad. */
    @Override
    @Test
    public void everyKindOfMessageReachesTheNodeItNamesIntact() {
        super.everyKindOfMessageReachesTheNodeItNamesIntact();
        int perNode = 2 * oneOfEachKind(1, 2).size();
        assertThat(lastStarted).hasSize(3);
        for (NettyTransport node : lastStarted) {
            assertThat(node.stats().messagesSent()).isEqualTo(perNode);
            assertThat(node.stats().messagesReceived()).isEqualTo(perNode);
            assertThat(node.stats().messagesDropped()).isZero();
            assertThat(node.stats().decodeErrors()).isZero();
        }
    }

    @Override
    protected List<Transport> startConnected(List<Transport.Inbox> inboxes) {
        List<NettyTransport> transports = new ArrayList<>();
        for (int i = 0; i < inboxes.size(); i++) {
            NettyTransportConfig config = NettyTransportConfig.builder(
                            "contract", i + 1L, new PeerAddress("127.0.0.1", 0))
                    .clusterSecrets(SECRETS)
                    .reconnectBackoffMillis(10, 200)
                    .ioThreads(1)
                    .build();
            NettyTransport transport = new NettyTransport(config, Map.of());
            transport.start(inboxes.get(i));
            transports.add(transport);
        }
        for (NettyTransport from : transports) {
            for (NettyTransport to : transports) {
                if (from != to) {
                    from.updatePeer(to.config().nodeId(), to.boundPeerAddress());
                }
            }
        }
        lastStarted.clear();
        lastStarted.addAll(transports);
        return List.copyOf(transports);
    }
}
