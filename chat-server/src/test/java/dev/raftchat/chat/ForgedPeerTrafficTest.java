package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.raftchat.chat.auth.Tokens;
import dev.raftchat.chat.state.ChatCodec;
import dev.raftchat.chat.state.ChatCommand;
import dev.raftchat.raft.core.Role;
import dev.raftchat.raft.transport.netty.PeerAddress;
import dev.raftchat.raft.transport.netty.proto.RaftProto;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18's attack on a running cluster: from an unauthenticated socket, say hello as node 2, depose the
 * leader with a heartbeat at term + 1 and append a CreateSession for a token of the attacker's choice.
 * Before authenticated peers, {@code GET /api/v1/me} with that token answered the root admin.
 */
class ForgedPeerTrafficTest {
    @TempDir
    Path dataRoot;

    @RegisterExtension
    final V1Cluster v1 = new V1Cluster();

    private ChatCluster cluster;

    @Test
    void forgedPeerTrafficNeitherDeposesTheLeaderNorWritesTheLog() throws Exception {
        cluster = v1.closeAfterTest(new ChatCluster(dataRoot, 3));
        cluster.startAll();
        long leader = cluster.awaitReady();
        long term = cluster.node(leader).raftStatus().raft().term();
        long claimed = leader == 2 ? 3 : 2;
        long lastIndex = cluster.node(leader).raftStatus().raft().lastIndex();
        String token = "attacker-chosen-token";
        byte[] command = ChatCodec.encode(new ChatCommand.CreateSession(
                Tokens.hash(token), "root", Long.MAX_VALUE / 2, System.currentTimeMillis()));
        byte[] envelope = ByteBuffer.allocate(25 + command.length)
                .put((byte) 1)
                .putLong(claimed)
                .putLong(42)
                .putLong(1)
                .put(command)
                .array();
        RaftProto.Frame heartbeat = RaftProto.Frame.newBuilder()
                .setMessage(RaftProto.RaftMessage.newBuilder()
                        .setFrom(claimed)
                        .setTo(leader)
                        .setTerm(term + 1)
                        .setHeartbeatRequest(RaftProto.HeartbeatRequest.newBuilder()))
                .build();
        RaftProto.Frame append = RaftProto.Frame.newBuilder()
                .setMessage(RaftProto.RaftMessage.newBuilder()
                        .setFrom(claimed)
                        .setTo(leader)
                        .setTerm(term + 1)
                        .setAppendRequest(RaftProto.AppendRequest.newBuilder()
                                .setPrevLogIndex(lastIndex)
                                .setPrevLogTerm(term)
                                .setLeaderCommit(lastIndex + 1)
                                .addEntries(RaftProto.Entry.newBuilder()
                                        .setTerm(term + 1)
                                        .setIndex(lastIndex + 1)
                                        .setType(RaftProto.EntryType.ENTRY_TYPE_NORMAL)
                                        .setData(ByteString.copyFrom(envelope)))))
                .build();
        byte[] nonce = new byte[32];
        new SecureRandom().nextBytes(nonce);
        RaftProto.Frame[] hellos = {
            // The hello: the old protocol, the old constant cluster id.
            hello(1, "raft-chat", claimed, leader, new byte[0], ByteString.EMPTY),
            // Today's protocol, but no secret to offer.
            hello(2, "raft-chat", claimed, leader, nonce, ByteString.EMPTY),
            // A made-up key id.
            hello(2, "raft-chat", claimed, leader, nonce, ByteString.copyFrom(new byte[8])),
        };
        PeerAddress target = cluster.members.get(leader);
        for (RaftProto.Frame hello : hellos) {
            try (Socket socket = new Socket(target.host(), target.port())) {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                DataOutputStream out = new DataOutputStream(bytes);
                for (RaftProto.Frame frame : new RaftProto.Frame[] {hello, heartbeat, append}) {
                    byte[] body = frame.toByteArray();
                    out.writeInt(body.length);
                    out.write(body);
                }
                socket.getOutputStream().write(bytes.toByteArray());
                socket.getOutputStream().flush();
                RaftProto.Frame answer = readFrame(socket);
                assertThat(answer.getKindCase()).isEqualTo(RaftProto.Frame.KindCase.REJECTION);
                drainUntilClosed(socket);
            }
        }

        assertThat(cluster.node(leader).raftStatus().raft().role()).isEqualTo(Role.LEADER);
        assertThat(cluster.node(leader).raftStatus().raft().term()).isEqualTo(term);
        for (long id : cluster.nodes.keySet()) {
            int status = cluster.send(HttpRequest.newBuilder(URI.create(cluster.url(id, "/api/v1/me")))
                            .header("Authorization", "Bearer " + token)
                            .GET())
                    .statusCode();
            assertThat(status).as("node %s", id).isEqualTo(401);
        }
        assertThat(cluster.post(leader, "/rooms/after", "{\"Message\":\"still fine\",\"User\":\"u\"}")
                        .statusCode())
                .isEqualTo(201);
    }

    private static RaftProto.Frame hello(
            int version, String clusterId, long from, long to, byte[] nonce, ByteString keyId) {
        RaftProto.Hello.Builder hello = RaftProto.Hello.newBuilder()
                .setProtocolVersion(version)
                .setClusterId(clusterId)
                .setNodeId(from)
                .setToNodeId(to)
                .setNonce(ByteString.copyFrom(nonce));
        if (!keyId.isEmpty()) {
            hello.addKeyIds(keyId);
        }
        return RaftProto.Frame.newBuilder().setHello(hello).build();
    }

    private static RaftProto.Frame readFrame(Socket socket) throws IOException {
        socket.setSoTimeout(10_000);
        DataInputStream in = new DataInputStream(socket.getInputStream());
        byte[] body = new byte[in.readInt()];
        in.readFully(body);
        return RaftProto.Frame.parseFrom(body);
    }

    private static void drainUntilClosed(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        try {
            while (in.read() >= 0) {
                // until the node closes the connection
            }
        } catch (SocketException reset) {
            // closed with a reset
        }
    }
}
