package dev.raftchat.raft.transport.netty;

import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.transport.Transport;
import dev.raftchat.raft.transport.netty.proto.RaftProto;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.awaitility.core.ConditionFactory;

/** Shared helpers of the loopback tests. */
final class TestPeers {
    static final String CLUSTER = "test-cluster";
    static final PeerAddress ANY_LOOPBACK_PORT = new PeerAddress("127.0.0.1", 0);
    /** The secret every test transport holds unless a test says otherwise. */
    static final ClusterSecrets SECRETS =
            ClusterSecrets.of("raft-transport-netty test secret".getBytes(StandardCharsets.UTF_8));

    private TestPeers() {}

    /** Awaitility, polling every 10 ms for up to 15 s: loopback on a loaded two-core machine. */
    static ConditionFactory eventually() {
        return await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(10));
    }

    /** Small backoff so reconnection tests are quick; one IO thread per transport (2 cores shared). */
    static NettyTransportConfig.Builder config(long nodeId) {
        return NettyTransportConfig.builder(CLUSTER, nodeId, ANY_LOOPBACK_PORT)
                .clusterSecrets(SECRETS)
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

    static byte[] lengthPrefix(int length) {
        return new byte[] {(byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8), (byte) length};
    }

    static byte[] frame(byte[] body) {
        byte[] framed = new byte[4 + body.length];
        System.arraycopy(lengthPrefix(body.length), 0, framed, 0, 4);
        System.arraycopy(body, 0, framed, 4, body.length);
        return framed;
    }

    /** A valid hello from {@code from} to {@code to} offering {@code secrets}, with a fresh nonce. */
    static RaftProto.Frame hello(
            String cluster, long from, long to, long incarnation, String replyAddress, ClusterSecrets secrets) {
        byte[] nonce = new byte[PeerAuthentication.NONCE_BYTES];
        new SecureRandom().nextBytes(nonce);
        return Frames.hello(cluster, from, incarnation, replyAddress, nonce, to, secrets.keyIds());
    }

    /**
     * The connecting side of the handshake on a raw socket: hello, read the challenge, answer with the
     * proof computed with {@code secrets}. Returns the frame the node answered the hello with (a
     * challenge, or a rejection, after which nothing is sent).
     */
    static RaftProto.Frame authenticate(
            Socket socket,
            String cluster,
            long from,
            long to,
            long incarnation,
            String replyAddress,
            ClusterSecrets secrets)
            throws IOException {
        RaftProto.Frame hello = hello(cluster, from, to, incarnation, replyAddress, secrets);
        OutputStream out = socket.getOutputStream();
        out.write(frame(hello.toByteArray()));
        out.flush();
        RaftProto.Frame answer = readFrame(socket);
        if (answer.getKindCase() != RaftProto.Frame.KindCase.CHALLENGE) {
            return answer;
        }
        RaftProto.Challenge challenge = answer.getChallenge();
        byte[] key = challenge.getKeyId().isEmpty()
                ? PeerAuthentication.NO_SECRET_KEY
                : secrets.secretFor(challenge.getKeyId().toByteArray());
        byte[] mac = PeerAuthentication.clientMac(
                key,
                challenge.getClusterId(),
                from,
                to,
                hello.getHello().getNonce().toByteArray(),
                challenge.getNonce().toByteArray());
        out.write(frame(Frames.proof(mac).toByteArray()));
        out.flush();
        return answer;
    }

    static RaftProto.Frame readFrame(Socket socket) throws IOException {
        socket.setSoTimeout(10_000);
        DataInputStream in = new DataInputStream(socket.getInputStream());
        int length = in.readInt();
        byte[] body = new byte[length];
        in.readFully(body);
        return RaftProto.Frame.parseFrom(body);
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
