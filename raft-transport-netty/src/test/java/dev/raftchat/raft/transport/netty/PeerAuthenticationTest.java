package dev.raftchat.raft.transport.netty;

import static dev.raftchat.raft.transport.netty.TestPeers.config;
import static dev.raftchat.raft.transport.netty.TestPeers.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftchat.raft.message.AppendRequest;
import dev.raftchat.raft.message.HeartbeatRequest;
import dev.raftchat.raft.message.TimeoutNow;
import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.EntryType;
import dev.raftchat.raft.transport.netty.proto.RaftProto;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The peer handshake of issue 18: a shared secret, challenge-response, frames bound to the authenticated id. */
class PeerAuthenticationTest {
    private static final byte[] OLD = "the old cluster secret, 32 bytes".getBytes(StandardCharsets.UTF_8);
    private static final byte[] NEW = "the new cluster secret, 32 bytes".getBytes(StandardCharsets.UTF_8);

    @RegisterExtension
    final StartedTransports transports = new StartedTransports();

    private NettyTransport node(NettyTransportConfig config, TestPeers.Inbox inbox) {
        return transports.start(config, inbox);
    }

    private NettyTransport node(long id, ClusterSecrets secrets, TestPeers.Inbox inbox) {
        return node(config(id).clusterSecrets(secrets).build(), inbox);
    }

    @Test
    void theIssuesAttackFromAnUnauthenticatedSocketDeliversNothing() throws IOException {
        // Issue 18: a client says hello as node 2 with the old constant cluster id "raft-chat", deposes the
        // leader with a heartbeat at term + 1 and appends an entry of its choice.
        TestPeers.Inbox inbox = new TestPeers.Inbox();
        NettyTransport leader = node(
                NettyTransportConfig.builder("raft-chat", 1, TestPeers.ANY_LOOPBACK_PORT)
                        .clusterSecrets(TestPeers.SECRETS)
                        .handshakeTimeoutMillis(2_000)
                        .ioThreads(1)
                        .build(),
                inbox);
        PeerAddress target = leader.boundPeerAddress();
        byte[] forged = concat(
                TestPeers.frame(MessageCodec.messageFrame(new HeartbeatRequest(2, 1, 8, 0, 0))
                        .toByteArray()),
                TestPeers.frame(MessageCodec.messageFrame(new AppendRequest(
                                2,
                                1,
                                8,
                                0,
                                0,
                                List.of(new Entry(
                                        8, 1, EntryType.NORMAL, "CreateSession root".getBytes(StandardCharsets.UTF_8))),
                                1))
                        .toByteArray()));

        // Exactly as in the issue: a version 1 hello (no challenge) then the forged traffic.
        try (Socket socket = new Socket(target.host(), target.port())) {
            RaftProto.Frame oldHello = RaftProto.Frame.newBuilder()
                    .setHello(RaftProto.Hello.newBuilder()
                            .setProtocolVersion(1)
                            .setClusterId("raft-chat")
                            .setNodeId(2))
                    .build();
            socket.getOutputStream().write(concat(TestPeers.frame(oldHello.toByteArray()), forged));
            socket.getOutputStream().flush();
            RaftProto.Frame answer = TestPeers.readFrame(socket);
            assertThat(answer.getRejection().getReason()).contains("protocol version 1 is not supported");
            TestPeers.assertClosedByRemote(socket);
        }
        // Without the secret: offering a key id of its own.
        ClusterSecrets guessed = ClusterSecrets.of("a secret the attacker made up!!!".getBytes(StandardCharsets.UTF_8));
        try (Socket socket = new Socket(target.host(), target.port())) {
            RaftProto.Frame answer = TestPeers.authenticate(socket, "raft-chat", 2, 1, 1, "", guessed);
            assertThat(answer.getKindCase()).isEqualTo(RaftProto.Frame.KindCase.REJECTION);
            assertThat(answer.getRejection().getReason()).contains("no cluster secret in common");
        }
        // Offering the cluster's key id (it travels in the clear) but unable to compute the proof.
        try (Socket socket = new Socket(target.host(), target.port())) {
            RaftProto.Frame hello = TestPeers.hello("raft-chat", 2, 1, 1, "", TestPeers.SECRETS);
            socket.getOutputStream().write(TestPeers.frame(hello.toByteArray()));
            RaftProto.Frame challenge = TestPeers.readFrame(socket);
            assertThat(challenge.getKindCase()).isEqualTo(RaftProto.Frame.KindCase.CHALLENGE);
            socket.getOutputStream()
                    .write(concat(TestPeers.frame(Frames.proof(new byte[32]).toByteArray()), forged));
            socket.getOutputStream().flush();
            TestPeers.assertClosedByRemote(socket);
        }
        // Skipping the proof and sending the forged traffic right after the hello.
        try (Socket socket = new Socket(target.host(), target.port())) {
            RaftProto.Frame hello = TestPeers.hello("raft-chat", 2, 1, 1, "", TestPeers.SECRETS);
            socket.getOutputStream().write(concat(TestPeers.frame(hello.toByteArray()), forged));
            socket.getOutputStream().flush();
            TestPeers.assertClosedByRemote(socket);
        }
        // Without any key id, as a node without a secret would.
        try (Socket socket = new Socket(target.host(), target.port())) {
            RaftProto.Frame answer = TestPeers.authenticate(socket, "raft-chat", 2, 1, 1, "", ClusterSecrets.NONE);
            assertThat(answer.getRejection().getReason()).contains("has no cluster secret");
        }

        eventually().until(() -> leader.stats().authenticationFailures() >= 3);
        assertThat(inbox.messages).isEmpty();
        assertThat(leader.stats().messagesReceived()).isZero();
    }

    @Test
    void aFrameClaimingAnotherSenderIsDroppedAndCounted() throws IOException {
        TestPeers.Inbox inbox = new TestPeers.Inbox();
        NettyTransport one = node(1, TestPeers.SECRETS, inbox);
        try (Socket socket = new Socket(
                InetAddress.getLoopbackAddress(), one.boundPeerAddress().port())) {
            RaftProto.Frame answer = TestPeers.authenticate(socket, TestPeers.CLUSTER, 3, 1, 1, "", TestPeers.SECRETS);
            assertThat(answer.getKindCase()).isEqualTo(RaftProto.Frame.KindCase.CHALLENGE);
            socket.getOutputStream()
                    .write(concat(
                            TestPeers.frame(MessageCodec.messageFrame(new HeartbeatRequest(3, 1, 1, 0, 0))
                                    .toByteArray()),
                            TestPeers.frame(MessageCodec.messageFrame(new HeartbeatRequest(2, 1, 9, 0, 0))
                                    .toByteArray())));
            socket.getOutputStream().flush();
            TestPeers.assertClosedByRemote(socket);
        }
        eventually().until(() -> one.stats().senderMismatches() == 1);
        assertThat(inbox.messages).containsExactly(new HeartbeatRequest(3, 1, 1, 0, 0));
    }

    @Test
    void nodesWithDifferentSecretsExchangeNothing() {
        TestPeers.Inbox inbox1 = new TestPeers.Inbox();
        TestPeers.Inbox inbox2 = new TestPeers.Inbox();
        NettyTransport one = node(1, ClusterSecrets.of(OLD), inbox1);
        NettyTransport two = node(2, ClusterSecrets.of(NEW), inbox2);
        TestPeers.connectAll(one, two);

        one.send(new TimeoutNow(1, 2, 1));
        two.send(new TimeoutNow(2, 1, 1));

        eventually()
                .until(() ->
                        one.stats().authenticationFailures() >= 1 && two.stats().authenticationFailures() >= 1);
        assertThat(inbox1.messages).isEmpty();
        assertThat(inbox2.messages).isEmpty();
    }

    @Test
    void aNodeWithoutASecretAndOneWithOneDoNotTalk() {
        TestPeers.Inbox inbox2 = new TestPeers.Inbox();
        NettyTransport one = node(1, ClusterSecrets.NONE, new TestPeers.Inbox());
        NettyTransport two = node(2, ClusterSecrets.of(OLD), inbox2);
        TestPeers.connectAll(one, two);

        one.send(new TimeoutNow(1, 2, 1));

        eventually().until(() -> two.stats().authenticationFailures() >= 1);
        assertThat(inbox2.messages).isEmpty();
    }

    @Test
    void rotatingTheSecretKeepsEveryPairOfNodesConnected() {
        // Step 0: everyone holds OLD. Step 1, a rolling restart: each node gets [NEW, OLD]. Step 2, another:
        // each node gets [NEW]. At every moment any two nodes share a secret.
        List<List<ClusterSecrets>> pairs = List.of(
                List.of(ClusterSecrets.of(OLD), ClusterSecrets.of(NEW, OLD)),
                List.of(ClusterSecrets.of(NEW, OLD), ClusterSecrets.of(OLD)),
                List.of(ClusterSecrets.of(NEW, OLD), ClusterSecrets.of(NEW, OLD)),
                List.of(ClusterSecrets.of(NEW), ClusterSecrets.of(NEW, OLD)),
                List.of(ClusterSecrets.of(NEW, OLD), ClusterSecrets.of(NEW)));
        for (List<ClusterSecrets> pair : pairs) {
            TestPeers.Inbox inbox1 = new TestPeers.Inbox();
            TestPeers.Inbox inbox2 = new TestPeers.Inbox();
            NettyTransport one = node(1, pair.get(0), inbox1);
            NettyTransport two = node(2, pair.get(1), inbox2);
            TestPeers.connectAll(one, two);

            one.send(new TimeoutNow(1, 2, 1));
            two.send(new TimeoutNow(2, 1, 1));

            eventually().until(() -> inbox1.messages.size() == 1 && inbox2.messages.size() == 1);
            assertThat(one.stats().authenticationFailures() + two.stats().authenticationFailures())
                    .as("%s", pair)
                    .isZero();
            one.close();
            two.close();
        }
    }

    @Test
    void aNodeWithoutAClusterIdLearnsItFromTheFirstAuthenticatedPeer() {
        CopyOnWriteArrayList<String> learned = new CopyOnWriteArrayList<>();
        TestPeers.Inbox inbox2 = new TestPeers.Inbox();
        NettyTransport one = node(1, TestPeers.SECRETS, new TestPeers.Inbox());
        NettyTransport two = transports.keep(new NettyTransport(
                NettyTransportConfig.builder("", 2, TestPeers.ANY_LOOPBACK_PORT)
                        .clusterSecrets(TestPeers.SECRETS)
                        .reconnectBackoffMillis(10, 200)
                        .ioThreads(1)
                        .build(),
                Map.of()));
        two.onClusterIdLearned(learned::add);
        two.start(inbox2);
        assertThat(two.clusterId()).isEmpty();
        TestPeers.connectAll(one, two);

        one.send(new TimeoutNow(1, 2, 1));

        eventually().until(() -> inbox2.messages.size() == 1);
        assertThat(two.clusterId()).isEqualTo(TestPeers.CLUSTER);
        assertThat(learned).containsExactly(TestPeers.CLUSTER);
        two.send(new TimeoutNow(2, 1, 2));
        eventually().until(() -> two.stats().messagesSent() == 1);
    }

    @Test
    void listeningBeyondLoopbackWithoutASecretOrTlsIsRefused() {
        NettyTransport exposed = transports.keep(new NettyTransport(
                NettyTransportConfig.builder(TestPeers.CLUSTER, 1, new PeerAddress("0.0.0.0", 0))
                        .ioThreads(1)
                        .build(),
                Map.of()));
        assertThatThrownBy(() -> exposed.start(new TestPeers.Inbox()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("without authentication")
                .hasMessageContaining("cluster secret");
        assertThat(NettyTransport.isLoopback(new PeerAddress("127.0.0.1", 1))).isTrue();
        assertThat(NettyTransport.isLoopback(new PeerAddress("127.3.4.5", 1))).isTrue();
        assertThat(NettyTransport.isLoopback(new PeerAddress("localhost", 1))).isTrue();
        assertThat(NettyTransport.isLoopback(new PeerAddress("10.0.0.1", 1))).isFalse();
        assertThat(NettyTransport.isLoopback(new PeerAddress("node1.example", 1)))
                .isFalse();
    }

    @Test
    void secretsAreValidatedAndNeverPrinted() {
        assertThatThrownBy(() -> ClusterSecrets.of("short".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("16..");
        assertThatThrownBy(() -> ClusterSecrets.of(OLD, OLD.clone()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("repeats");
        ClusterSecrets secrets = ClusterSecrets.of(NEW, OLD);
        assertThat(secrets.toString())
                .doesNotContain("secret,")
                .contains(secrets.keyIdsHex().get(0));
        assertThat(config(1).clusterSecrets(secrets).build().toString()).doesNotContain("cluster secret, 32");
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
