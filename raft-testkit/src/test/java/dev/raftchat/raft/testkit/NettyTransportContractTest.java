package dev.raftchat.raft.testkit;

import dev.raftchat.raft.transport.Transport;
import dev.raftchat.raft.transport.netty.ClusterSecrets;
import dev.raftchat.raft.transport.netty.NettyTransport;
import dev.raftchat.raft.transport.netty.NettyTransportConfig;
import dev.raftchat.raft.transport.netty.PeerAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The contract over loopback TCP, with authenticated connections as in production. */
class NettyTransportContractTest extends TransportContract {
    private static final ClusterSecrets SECRETS =
            ClusterSecrets.of("raft-testkit contract secret".getBytes(StandardCharsets.UTF_8));

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
        return List.copyOf(transports);
    }
}
