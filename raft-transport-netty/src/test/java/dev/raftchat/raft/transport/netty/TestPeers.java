package dev.raftchat.raft.transport.netty;

import static org.assertj.core.api.Assertions.fail;

import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.transport.Transport;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/** Shared helpers of the loopback tests. */
final class TestPeers {
    static final String CLUSTER = "test-cluster";
    static final PeerAddress ANY_LOOPBACK_PORT = new PeerAddress("127.0.0.1", 0);

    private TestPeers() {}

    /** Small backoff so reconnection tests are quick; one IO thread per transport (2 cores shared). */
    static NettyTransportConfig.Builder config(long nodeId) {
        return NettyTransportConfig.builder(CLUSTER, nodeId, ANY_LOOPBACK_PORT)
                .reconnectBackoffMillis(10, 200)
                .handshakeTimeoutMillis(2_000)
                .ioThreads(1);
    }

    static NettyTransport started(NettyTransportConfig config, Transport.Inbox inbox) {
        NettyTransport transport = new NettyTransport(config, Map.of());
        transport.start(inbox);
        return transport;
    }

    /** Makes every transport know every other one's bound address. */
    static void connectAll(NettyTransport... transports) {
        for (NettyTransport from : transports) {
            for (NettyTransport to : transports) {
                if (from != to) {
                    from.updatePeer(to.config().nodeId(), to.boundPeerAddress());
                }
            }
        }
    }

    /** A port on loopback where, at the time of the call, nobody listens. */
    static int unusedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Reads until the remote end closes the socket; fails if it stays open for 10 s. */
    static void assertClosedByRemote(Socket socket) throws IOException {
        socket.setSoTimeout(10_000);
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[4096];
        try {
            while (in.read(buffer) >= 0) {
                // A rejection frame may come before the close; keep reading until end of stream.
            }
        } catch (SocketTimeoutException stillOpen) {
            fail("the node did not close the connection within 10 s");
        } catch (SocketException reset) {
            // A reset is a close as well.
        }
    }

    /** An inbox that records every message, in arrival order. */
    static final class Inbox implements Transport.Inbox {
        final ConcurrentLinkedQueue<Message> messages = new ConcurrentLinkedQueue<>();

        @Override
        public void deliver(Message message) {
            messages.add(message);
        }

        List<Message> from(long nodeId) {
            List<Message> from = new ArrayList<>();
            for (Message message : messages) {
                if (message.from() == nodeId) {
                    from.add(message);
                }
            }
            return from;
        }
    }
}
