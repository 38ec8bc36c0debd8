package dev.raftchat.raft.transport.netty;

import static dev.raftchat.raft.transport.netty.TestPeers.assertClosedByRemote;
import static dev.raftchat.raft.transport.netty.TestPeers.config;
import static dev.raftchat.raft.transport.netty.TestPeers.connectAll;
import static dev.raftchat.raft.transport.netty.TestPeers.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.raftchat.raft.message.AppendRequest;
import dev.raftchat.raft.message.ForwardProposal;
import dev.raftchat.raft.message.HeartbeatRequest;
import dev.raftchat.raft.message.HeartbeatResponse;
import dev.raftchat.raft.message.InstallSnapshotRequest;
import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.message.TimeoutNow;
import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.SnapshotMeta;
import dev.raftchat.raft.transport.Transport.Inbox;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Real Netty on loopback, ephemeral ports. Every wait is an Awaitility condition, never a sleep. */
class NettyTransportTest {
    @RegisterExtension
    final StartedTransports transports = new StartedTransports();

    private NettyTransport node(NettyTransportConfig config, Inbox inbox) {
        return transports.start(config, inbox);
    }

    private NettyTransport node(long id, TestPeers.Inbox inbox) {
        return node(config(id).build(), inbox);
    }

    @Test
    void manyMessagesToOnePeerArriveInOrder() {
        TestPeers.Inbox inbox = new TestPeers.Inbox();
        NettyTransport sender = node(config(1).writeBatchMessagesMax(16).build(), new TestPeers.Inbox());
        NettyTransport receiver = node(2, inbox);
        connectAll(sender, receiver);
        int count = 3_000;

        for (int i = 1; i <= count; i++) {
            sender.send(new HeartbeatRequest(1, 2, 1, i, 0));
        }

        eventually().until(() -> inbox.messages.size() == count);
        List<Long> commits = inbox.messages.stream()
                .map(m -> ((HeartbeatRequest) m).commit())
                .toList();
        assertThat(commits).isSorted().doesNotHaveDuplicates().hasSize(count);
        assertThat(sender.stats().messagesDropped()).isZero();
    }

    @Test
    void messagesQueuedBeforeTheConnectionAreWrittenInBatchesWithOneFlushEach() throws IOException {
        int count = 3_000;
        int batch = 16;
        NettyTransport sender = node(config(1).writeBatchMessagesMax(batch).build(), new TestPeers.Inbox());
        PeerAddress notYetListening = new PeerAddress("127.0.0.1", TestPeers.unusedPort());
        sender.updatePeer(2, notYetListening);
        for (int i = 1; i <= count; i++) {
            sender.send(new HeartbeatRequest(1, 2, 1, i, 0));
        }
        assertThat(sender.queuedMessages(2)).isEqualTo(count);

        TestPeers.Inbox inbox = new TestPeers.Inbox();
        node(config(2).listenAddress(notYetListening).build(), inbox);

        eventually().until(() -> inbox.messages.size() == count);
        assertThat(inbox.messages.stream()
                        .map(m -> ((HeartbeatRequest) m).commit())
                        .toList())
                .isSorted();
        assertThat(sender.stats().messagesSent()).isEqualTo(count);
        // Write many, flush once: one flush per full batch (more only if the socket pushed back).
        assertThat(sender.stats().flushes()).isBetween((long) count / batch, (long) count / batch + 20);
    }

    @Test
    void anInboxThatThrowsLosesThatMessageOnly() {
        TestPeers.Inbox inbox = new TestPeers.Inbox();
        NettyTransport sender = node(1, new TestPeers.Inbox());
        NettyTransport receiver = node(config(2).build(), message -> {
            if (message.term() == 1) {
                throw new IllegalStateException("inbox broke its contract");
            }
            inbox.deliver(message);
        });
        connectAll(sender, receiver);

        sender.send(new TimeoutNow(1, 2, 1));
        sender.send(new TimeoutNow(1, 2, 2));

        eventually().untilAsserted(() -> assertThat(inbox.messages).containsExactly(new TimeoutNow(1, 2, 2)));
        assertThat(receiver.stats().decodeErrors()).isZero();
        assertThat(sender.stats().reconnects()).isZero();
    }

    @Test
    void aPeerThatGoesDownAndComesBackIsReconnectedAndGetsWhatWasQueued() {
        TestPeers.Inbox firstInbox = new TestPeers.Inbox();
        NettyTransport sender = node(1, new TestPeers.Inbox());
        NettyTransport peer = node(2, firstInbox);
        connectAll(sender, peer);
        sender.send(new TimeoutNow(1, 2, 1));
        eventually().until(() -> firstInbox.messages.size() == 1);
        PeerAddress peerAddress = peer.boundPeerAddress();

        peer.close();
        eventually().until(() -> sender.stats().reconnects() >= 2);
        sender.send(new TimeoutNow(1, 2, 2));
        assertThat(sender.queuedMessages(2)).isEqualTo(1);

        TestPeers.Inbox secondInbox = new TestPeers.Inbox();
        node(config(2).listenAddress(peerAddress).build(), secondInbox);

        eventually().untilAsserted(() -> assertThat(secondInbox.messages).containsExactly(new TimeoutNow(1, 2, 2)));
        assertThat(sender.queuedMessages(2)).isZero();
    }

    @Test
    void aFullOutboxDropsWithoutBlocking() throws IOException {
        NettyTransport sender = node(config(1).outboxMessagesMax(10).build(), new TestPeers.Inbox());
        sender.updatePeer(2, new PeerAddress("127.0.0.1", TestPeers.unusedPort()));

        // A generous bound: the assertion is that send returns at all while nobody listens.
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            for (int i = 0; i < 1_000; i++) {
                sender.send(new HeartbeatRequest(1, 2, 1, i, 0));
            }
        });

        assertThat(sender.queuedMessages(2)).isEqualTo(10);
        assertThat(sender.stats().messagesDropped()).isEqualTo(990);
    }

    @Test
    void theOutboxIsBoundedInBytesToo() throws IOException {
        int frameBytesMax = NettyTransportConfig.FRAME_BYTES_MIN;
        NettyTransport sender = node(
                config(1)
                        .frameBytesMax(frameBytesMax)
                        .outboxBytesMax(frameBytesMax)
                        .build(),
                new TestPeers.Inbox());
        sender.updatePeer(2, new PeerAddress("127.0.0.1", TestPeers.unusedPort()));
        Message fortyKilobytes = new ForwardProposal(1, 2, 0, 1, 1, List.of(new byte[40 * 1024]));

        for (int i = 0; i < 10; i++) {
            sender.send(fortyKilobytes);
        }

        assertThat(sender.queuedMessages(2)).isEqualTo(3);
        assertThat(sender.stats().messagesDropped()).isEqualTo(7);
    }

    @Test
    void sendNeverThrowsAndCountsWhatItCannotSend() {
        NettyTransport sender = node(1, new TestPeers.Inbox());

        sender.send(null);
        sender.send(new TimeoutNow(1, 9, 1));
        sender.close();
        sender.send(new TimeoutNow(1, 9, 1));
        sender.close();

        assertThat(sender.stats().messagesDropped()).isEqualTo(3);
    }

    @Test
    void aMessageTooLargeForAFrameIsDroppedAndLaterOnesStillArrive() {
        int frameBytesMax = NettyTransportConfig.FRAME_BYTES_MIN;
        TestPeers.Inbox inbox = new TestPeers.Inbox();
        NettyTransport sender = node(config(1).frameBytesMax(frameBytesMax).build(), new TestPeers.Inbox());
        NettyTransport receiver = node(config(2).frameBytesMax(frameBytesMax).build(), inbox);
        connectAll(sender, receiver);

        sender.send(new AppendRequest(1, 2, 1, 0, 0, List.of(Entry.normal(1, 1, new byte[frameBytesMax])), 0));
        sender.send(new TimeoutNow(1, 2, 1));

        eventually().untilAsserted(() -> assertThat(inbox.messages).containsExactly(new TimeoutNow(1, 2, 1)));
        assertThat(sender.stats().messagesDropped()).isEqualTo(1);
    }

    @Test
    void aMaximumSizeSnapshotChunkGoesThroughWithTheDefaultFrameLimit() {
        TestPeers.Inbox inbox = new TestPeers.Inbox();
        NettyTransport sender = node(1, new TestPeers.Inbox());
        NettyTransport receiver = node(2, inbox);
        connectAll(sender, receiver);
        byte[] chunk = new byte[sender.config().payloadBytesMax()];
        new Random(7).nextBytes(chunk);
        InstallSnapshotRequest request = new InstallSnapshotRequest(
                1, 2, 3, new SnapshotMeta(1_000, 3, ConfState.ofVoters(1, 2, 3)), 0, chunk, false);

        sender.send(request);

        eventually().until(() -> !inbox.messages.isEmpty());
        // Field by field: a recursive comparison would walk the 8 MiB array one boxed element at a time.
        assertThat(inbox.messages.peek()).isInstanceOfSatisfying(InstallSnapshotRequest.class, received -> {
            assertThat(received.meta()).isEqualTo(request.meta());
            assertThat(received.offset()).isEqualTo(request.offset());
            assertThat(received.done()).isEqualTo(request.done());
            assertThat(Arrays.equals(received.chunk(), chunk)).isTrue();
        });
    }

    @Test
    void peersCanMoveAndBeRemovedAtRuntime() {
        TestPeers.Inbox oldInbox = new TestPeers.Inbox();
        TestPeers.Inbox newInbox = new TestPeers.Inbox();
        NettyTransport sender = node(1, new TestPeers.Inbox());
        NettyTransport oldPlace = node(2, oldInbox);
        NettyTransport newPlace = node(2, newInbox);
        sender.updatePeer(2, oldPlace.boundPeerAddress());
        sender.send(new TimeoutNow(1, 2, 1));
        eventually().until(() -> oldInbox.messages.size() == 1);

        sender.updatePeer(2, newPlace.boundPeerAddress());
        sender.send(new TimeoutNow(1, 2, 2));

        eventually().untilAsserted(() -> assertThat(newInbox.messages).containsExactly(new TimeoutNow(1, 2, 2)));
        assertThat(oldInbox.messages).containsExactly(new TimeoutNow(1, 2, 1));
        assertThat(sender.peers()).isEqualTo(Map.of(2L, newPlace.boundPeerAddress()));

        sender.removePeer(2);
        sender.send(new TimeoutNow(1, 2, 3));
        assertThat(sender.peers()).isEmpty();
        assertThat(sender.stats().messagesDropped()).isEqualTo(1);
        assertThatThrownBy(() -> sender.updatePeer(1, newPlace.boundPeerAddress()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not this node's own");
    }

    @Test
    void garbageOnThePeerPortClosesThatConnectionAndTheNodeKeepsServingOthers() throws IOException {
        TestPeers.Inbox inbox = new TestPeers.Inbox();
        NettyTransport sender = node(1, new TestPeers.Inbox());
        NettyTransport receiver = node(config(2).handshakeTimeoutMillis(300).build(), inbox);
        connectAll(sender, receiver);
        sender.send(new HeartbeatRequest(1, 2, 1, 0, 0));
        eventually().until(() -> inbox.messages.size() == 1);
        PeerAddress target = receiver.boundPeerAddress();
        byte[] randomGarbage = new byte[4096];
        new Random(1234).nextBytes(randomGarbage);
        byte[] hello = TestPeers.hello(TestPeers.CLUSTER, 7, 2, 1, "", TestPeers.SECRETS)
                .toByteArray();
        byte[] message = MessageCodec.messageFrame(new TimeoutNow(7, 2, 1)).toByteArray();

        List<byte[]> attacks = List.of(
                randomGarbage,
                frame(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f}),
                lengthPrefix(0x7fff_fff0),
                lengthPrefix(NettyTransportConfig.DEFAULT_FRAME_BYTES_MAX + 1),
                lengthPrefix(-1),
                // Allowed after a hello, but a stranger may not make the node wait for (and buffer) 64 KiB.
                lengthPrefix(64 * 1024),
                frame(message),
                concat(frame(hello), frame(new byte[] {0x08, (byte) 0x80})),
                concat(
                        frame(hello),
                        frame(MessageCodec.messageFrame(new TimeoutNow(8, 2, 1)).toByteArray())),
                concat(
                        frame(hello),
                        frame(MessageCodec.messageFrame(new TimeoutNow(7, 3, 1)).toByteArray())),
                concat(frame(hello), frame(new byte[0])));
        long heartbeat = 1;
        for (byte[] attack : attacks) {
            long decodeErrorsBefore = receiver.stats().decodeErrors();
            try (Socket socket = new Socket(target.host(), target.port())) {
                socket.getOutputStream().write(attack);
                socket.getOutputStream().flush();
                assertClosedByRemote(socket);
            }
            eventually().until(() -> receiver.stats().decodeErrors() == decodeErrorsBefore + 1);

            long commit = ++heartbeat;
            sender.send(new HeartbeatRequest(1, 2, 1, commit, 0));
            eventually().until(() -> inbox.messages.size() == commit);
        }
        assertThat(inbox.from(7)).isEmpty();
        assertThat(sender.stats().reconnects()).isZero();
    }

    @Test
    void aHelloForAnotherClusterIsRefused() throws IOException {
        TestPeers.Inbox inbox = new TestPeers.Inbox();
        NettyTransport receiver = node(config(2).handshakeTimeoutMillis(300).build(), inbox);
        NettyTransport stranger = node(
                NettyTransportConfig.builder("other-cluster", 1, TestPeers.ANY_LOOPBACK_PORT)
                        .clusterSecrets(TestPeers.SECRETS)
                        .reconnectBackoffMillis(10, 50)
                        .ioThreads(1)
                        .build(),
                new TestPeers.Inbox());
        stranger.updatePeer(2, receiver.boundPeerAddress());

        stranger.send(new TimeoutNow(1, 2, 1));

        eventually().until(() -> receiver.stats().handshakesRejected() >= 1);
        assertThat(inbox.messages).isEmpty();

        try (Socket silent = new Socket(
                receiver.boundPeerAddress().host(), receiver.boundPeerAddress().port())) {
            long rejectedBefore = receiver.stats().handshakesRejected();
            assertClosedByRemote(silent);
            assertThat(receiver.stats().handshakesRejected()).isGreaterThan(rejectedBefore);
        }
    }

    @Test
    void closingATransportEndsItsInboundConnectionsAtOnce() throws IOException {
        // Regression: shutting down Netty's event loops does not close accepted sockets, so peers of a
        // closed node kept writing into connections nobody read and never reconnected to its successor.
        NettyTransport receiver = node(2, new TestPeers.Inbox());
        PeerAddress target = receiver.boundPeerAddress();
        try (Socket peer = new Socket(target.host(), target.port())) {
            TestPeers.authenticate(peer, TestPeers.CLUSTER, 1, 2, 1, "", TestPeers.SECRETS);
            eventually()
                    .until(() -> receiver.stats().handshakesRejected() == 0
                            && receiver.stats().decodeErrors() == 0);

            receiver.close();

            assertClosedByRemote(peer);
        }
    }

    @Test
    void inboundConnectionsAreLimited() throws IOException {
        NettyTransport receiver = node(
                config(2)
                        .inboundConnectionsMax(1)
                        .handshakeTimeoutMillis(60_000)
                        .build(),
                new TestPeers.Inbox());
        PeerAddress target = receiver.boundPeerAddress();
        try (Socket first = new Socket(target.host(), target.port());
                Socket second = new Socket(target.host(), target.port())) {
            assertClosedByRemote(second);
            assertThat(receiver.stats().handshakesRejected()).isEqualTo(1);
            assertThat(first.isClosed()).isFalse();
        }
    }

    private static byte[] lengthPrefix(int length) {
        return TestPeers.lengthPrefix(length);
    }

    private static byte[] frame(byte[] body) {
        return TestPeers.frame(body);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DataOutputStream data = new DataOutputStream(out)) {
            for (byte[] part : parts) {
                data.write(part);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    @Test
    void aNodeThatKnowsNoAddressForAPeerAnswersItThroughTheAddressInItsHello() {
        // Node 1 was cut off while node 2 joined: only node 2 knows where the other listens.
        TestPeers.Inbox inboxOfOne = new TestPeers.Inbox();
        TestPeers.Inbox inboxOfTwo = new TestPeers.Inbox();
        NettyTransport one = node(1, inboxOfOne);
        NettyTransport two = node(2, inboxOfTwo);
        two.updatePeer(1, one.boundPeerAddress());
        assertThat(one.peers()).isEmpty();

        two.send(new HeartbeatRequest(2, 1, 3, 0, 0));
        eventually().until(() -> !inboxOfOne.from(2).isEmpty());
        assertThat(one.peers()).containsEntry(2L, two.boundPeerAddress());
        eventually().untilAsserted(() -> {
            one.send(new HeartbeatResponse(1, 2, 3, 0));
            assertThat(inboxOfTwo.from(1)).isNotEmpty();
        });
    }

    @Test
    void aHelloNeverMovesAKnownPeerAndLearningIsBounded() throws IOException {
        TestPeers.Inbox inbox = new TestPeers.Inbox();
        NettyTransport one = node(config(1).learnedPeersMax(1).build(), inbox);
        PeerAddress configured = new PeerAddress("127.0.0.1", TestPeers.unusedPort());
        one.updatePeer(2, configured);
        for (long id = 2; id <= 4; id++) {
            try (Socket peer = new Socket(
                    InetAddress.getLoopbackAddress(), one.boundPeerAddress().port())) {
                TestPeers.authenticate(
                        peer, TestPeers.CLUSTER, id, 1, 1, "127.0.0.1:" + (40_000 + id), TestPeers.SECRETS);
                peer.getOutputStream()
                        .write(frame(MessageCodec.messageFrame(new HeartbeatRequest(id, 1, 1, 0, 0))
                                .toByteArray()));
                peer.getOutputStream().flush();
                long from = id;
                eventually().until(() -> !inbox.from(from).isEmpty());
            }
        }
        assertThat(one.peers())
                .as("node 2's configured address stays; node 3 is learned; node 4 is over learnedPeersMax")
                .containsEntry(2L, configured)
                .containsEntry(3L, new PeerAddress("127.0.0.1", 40_003))
                .doesNotContainKey(4L);
    }

    @Test
    void aRestartedPeerIsReconnectedEvenIfItsPreviousRunLeftASocketOpen() throws Exception {
        int port = TestPeers.unusedPort();
        TestPeers.Inbox inboxOfOne = new TestPeers.Inbox();
        NettyTransport one = node(1, inboxOfOne);
        // The previous run of node 2: it said hello to node 1, and accepted node 1's connection, but its
        // process never closed that socket (seen with an in-JVM restart on the same port).
        ServerSocket previousListener = new ServerSocket();
        previousListener.setReuseAddress(true);
        previousListener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        previousListener.setSoTimeout(10_000);
        try (Socket previousOutbound = new Socket(
                InetAddress.getLoopbackAddress(), one.boundPeerAddress().port())) {
            TestPeers.authenticate(previousOutbound, TestPeers.CLUSTER, 2, 1, 111, "", TestPeers.SECRETS);
            one.updatePeer(2, new PeerAddress("127.0.0.1", port));
            Socket zombie = previousListener.accept(); // node 1's link now points at the old run...
            previousListener.close(); // ...whose listener is gone, but whose accepted socket stays open
            try (zombie) {
                // The new run of node 2, on the same port, says hello with a new incarnation.
                TestPeers.Inbox inboxOfTwo = new TestPeers.Inbox();
                NettyTransport two = node(
                        NettyTransportConfig.builder(TestPeers.CLUSTER, 2, new PeerAddress("127.0.0.1", port))
                                .clusterSecrets(TestPeers.SECRETS)
                                .reconnectBackoffMillis(10, 200)
                                .handshakeTimeoutMillis(2_000)
                                .ioThreads(1)
                                .build(),
                        inboxOfTwo);
                two.updatePeer(1, one.boundPeerAddress());
                two.send(new HeartbeatRequest(2, 1, 1, 0, 0));
                eventually().until(() -> !inboxOfOne.from(2).isEmpty());

                // Node 1's messages reach the new run, not the socket the old one left open.
                eventually().untilAsserted(() -> {
                    one.send(new HeartbeatRequest(1, 2, 1, 0, 0));
                    assertThat(inboxOfTwo.from(1)).isNotEmpty();
                });
            }
        }
    }

    /**
     * A peer that comes up while our connection to it waits out a long backoff delay is reached as soon as it
     * connects to us, not when the delay ends (a restarted follower waited up to reconnectBackoffMaxMillis for
     * its leader's first message).
     */
    @Test
    void aPeerThatConnectsToUsIsReachedAtOnceNotAfterTheBackoff() throws IOException {
        int port = TestPeers.unusedPort();
        // The first retry waits 30-60 s: the message below can only arrive in time through an early reconnection.
        NettyTransport one =
                node(config(1).reconnectBackoffMillis(60_000, 60_000).build(), new TestPeers.Inbox());
        one.updatePeer(2, new PeerAddress("127.0.0.1", port));
        eventually().until(() -> one.backingOff(2));
        one.send(new TimeoutNow(1, 2, 1));

        TestPeers.Inbox inboxOfTwo = new TestPeers.Inbox();
        NettyTransport two =
                node(config(2).listenAddress(new PeerAddress("127.0.0.1", port)).build(), inboxOfTwo);
        two.updatePeer(1, one.boundPeerAddress()); // its hello tells node 1 that it is up

        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(10))
                .untilAsserted(() -> assertThat(inboxOfTwo.messages).containsExactly(new TimeoutNow(1, 2, 1)));
        assertThat(one.stats().reconnects()).isEqualTo(1);
    }

    /** A message from the peer, on a connection it opened before, is a sign of life too. */
    @Test
    void aMessageFromThePeerEndsTheBackoffToo() throws IOException {
        int port = TestPeers.unusedPort();
        PeerAddress twoAt = new PeerAddress("127.0.0.1", port);
        NettyTransport one =
                node(config(1).reconnectBackoffMillis(60_000, 60_000).build(), new TestPeers.Inbox());
        TestPeers.Inbox firstInboxOfTwo = new TestPeers.Inbox();
        NettyTransport two = node(config(2).listenAddress(twoAt).build(), firstInboxOfTwo);
        one.updatePeer(2, twoAt);
        one.send(new TimeoutNow(1, 2, 1));
        eventually().until(() -> firstInboxOfTwo.messages.size() == 1);

        try (Socket fromTwo = new Socket(
                InetAddress.getLoopbackAddress(), one.boundPeerAddress().port())) {
            // Node 2's connection to node 1, authenticated while node 1's own connection to node 2 is up.
            TestPeers.authenticate(fromTwo, TestPeers.CLUSTER, 2, 1, 111, "", TestPeers.SECRETS);
            two.close();
            eventually().until(() -> one.backingOff(2));
            // Node 2 listens again but does not connect to node 1 (it knows no peers): no hello announces it.
            TestPeers.Inbox secondInboxOfTwo = new TestPeers.Inbox();
            node(config(2).listenAddress(twoAt).build(), secondInboxOfTwo);
            one.send(new TimeoutNow(1, 2, 2));

            fromTwo.getOutputStream()
                    .write(TestPeers.frame(
                            MessageCodec.messageFrame(new TimeoutNow(2, 1, 1)).toByteArray()));
            fromTwo.getOutputStream().flush();

            await().atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(10))
                    .untilAsserted(
                            () -> assertThat(secondInboxOfTwo.messages).containsExactly(new TimeoutNow(1, 2, 2)));
        }
    }

    /**
     * A peer that reaches us but that we cannot reach (nothing listens at its address) gets one early attempt per
     * reconnectBackoffMaxMillis, however many messages it sends: no reconnection storm.
     */
    @Test
    void signsOfLifeFromAPeerWeCannotReachCauseNoReconnectionStorm() throws IOException {
        TestPeers.Inbox inboxOfOne = new TestPeers.Inbox();
        NettyTransport one =
                node(config(1).reconnectBackoffMillis(60_000, 60_000).build(), inboxOfOne);
        one.updatePeer(2, new PeerAddress("127.0.0.1", TestPeers.unusedPort()));
        eventually().until(() -> one.backingOff(2));
        assertThat(one.stats().reconnects()).isZero();

        int messages = 50;
        try (Socket fromTwo = new Socket(
                InetAddress.getLoopbackAddress(), one.boundPeerAddress().port())) {
            TestPeers.authenticate(fromTwo, TestPeers.CLUSTER, 2, 1, 111, "", TestPeers.SECRETS);
            for (int i = 1; i <= messages; i++) {
                fromTwo.getOutputStream()
                        .write(TestPeers.frame(MessageCodec.messageFrame(new TimeoutNow(2, 1, i))
                                .toByteArray()));
            }
            fromTwo.getOutputStream().flush();
            eventually().until(() -> inboxOfOne.from(2).size() == messages);

            // The hello bought one early attempt (which failed); the 50 messages within the next 60 s bought none.
            eventually().until(() -> one.stats().reconnects() == 1 && one.backingOff(2));
            await().during(Duration.ofSeconds(1))
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> one.stats().reconnects() == 1);
        }
    }
}
