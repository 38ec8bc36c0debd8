package dev.raftchat.raft.transport.netty;

import dev.raftchat.raft.transport.Transport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The transports one loopback test starts, each closed after the test whatever its outcome. Register it as a
 * {@code @RegisterExtension} field.
 */
final class StartedTransports implements AfterEachCallback {
    private final List<NettyTransport> transports = new ArrayList<>();

    /** A transport with {@code config} and {@code tls} (null: plain TCP) and no peers yet, started. */
    NettyTransport start(NettyTransportConfig config, TransportTls tls, Transport.Inbox inbox) {
        NettyTransport transport = keep(new NettyTransport(config, Map.of(), tls));
        transport.start(inbox);
        return transport;
    }

    NettyTransport start(NettyTransportConfig config, Transport.Inbox inbox) {
        return start(config, null, inbox);
    }

    /** Closes {@code transport} after the test; for a test that starts it itself. */
    NettyTransport keep(NettyTransport transport) {
        transports.add(transport);
        return transport;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        transports.forEach(NettyTransport::close);
        transports.clear();
    }
}
