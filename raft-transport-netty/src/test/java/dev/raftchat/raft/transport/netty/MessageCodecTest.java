package dev.raftchat.raft.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.raftchat.raft.message.AppendRequest;
import dev.raftchat.raft.message.HeartbeatRequest;
import dev.raftchat.raft.message.InstallSnapshotRequest;
import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.message.ReadIndexResponse;
import dev.raftchat.raft.message.VoteRequest;
import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.model.Entry;
import dev.raftchat.raft.model.EntryType;
import dev.raftchat.raft.model.SnapshotMeta;
import dev.raftchat.raft.transport.netty.proto.RaftProto;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The codec's validation, one defect at a time: each is a CodecException with a message naming it. */
class MessageCodecTest {

    private static RaftProto.RaftMessage.Builder heartbeat() {
        return RaftProto.RaftMessage.newBuilder()
                .setFrom(1)
                .setTo(2)
                .setTerm(3)
                .setHeartbeatRequest(RaftProto.HeartbeatRequest.newBuilder().setCommit(4));
    }

    private static RaftProto.Entry.Builder entry() {
        return RaftProto.Entry.newBuilder()
                .setTerm(1)
                .setIndex(1)
                .setType(RaftProto.EntryType.ENTRY_TYPE_NORMAL)
                .setData(ByteString.copyFromUtf8("x"));
    }

    private static RaftProto.RaftMessage.Builder append(RaftProto.Entry.Builder entry) {
        return RaftProto.RaftMessage.newBuilder()
                .setFrom(1)
                .setTo(2)
                .setTerm(3)
                .setAppendRequest(RaftProto.AppendRequest.newBuilder().addEntries(entry));
    }

    @Test
    void aRejectedReadIndexResponseRoundTrips() {
        // raft-core answers a ReadIndexRequest it cannot serve (not the leader, too many reads) with
        // readIndex -1 and ok=false. The codec used to refuse to encode it, so the asking follower's read
        // waited for its timeout instead of failing fast (found by the jepsen-tests fault runs).
        Message rejected = new ReadIndexResponse(1, 2, 3, 7, -1, false);
        assertThat(MessageCodec.decode(MessageCodec.encode(rejected))).isEqualTo(rejected);
        Message confirmed = new ReadIndexResponse(1, 2, 3, 7, 0, true);
        assertThat(MessageCodec.decode(MessageCodec.encode(confirmed))).isEqualTo(confirmed);
    }

    @Test
    void decodesAValidEnvelope() {
        assertThat(MessageCodec.fromProto(heartbeat().build())).isEqualTo(new HeartbeatRequest(1, 2, 3, 4, 0));
    }

    @Test
    void unknownOneofCaseIsACodecException() throws IOException {
        // A newer peer's message kind: field 99 is not in our schema, so protobuf keeps it as unknown.
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.writeUInt64(1, 1);
        out.writeUInt64(2, 2);
        out.writeUInt64(3, 3);
        out.writeBytes(99, ByteString.copyFromUtf8("future"));
        out.flush();

        assertThatThrownBy(() -> MessageCodec.decode(bytes.toByteArray()))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("body missing or of an unknown kind");
    }

    @Test
    void anEmptyFrameIsACodecException() {
        assertThatThrownBy(() -> MessageCodec.parseFrame(ByteBuffer.allocate(0)))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("unknown kind");
    }

    @Test
    void aHelloWhereAMessageIsExpectedIsACodecException() {
        byte[] hello = TestPeers.hello("c", 1, 2, 1, "", ClusterSecrets.NONE).toByteArray();
        assertThatThrownBy(() -> MessageCodec.decodeMessageFrame(ByteBuffer.wrap(hello)))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("expected a message frame");
    }

    @Test
    void uint64WithTheTopBitSetIsRefusedRatherThanBecomingNegative() {
        RaftProto.RaftMessage envelope = heartbeat().setTerm(-5).build();
        assertThatThrownBy(() -> MessageCodec.fromProto(envelope))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("term out of range: 18446744073709551611");

        RaftProto.RaftMessage badCommit = heartbeat()
                .setHeartbeatRequest(RaftProto.HeartbeatRequest.newBuilder().setCommit(Long.MIN_VALUE))
                .build();
        assertThatThrownBy(() -> MessageCodec.fromProto(badCommit))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("commit out of range");
    }

    @Test
    void nodeIdsMustBePositive() {
        assertThatThrownBy(() -> MessageCodec.fromProto(heartbeat().setFrom(0).build()))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("from must be a positive node id");
        assertThatThrownBy(() -> MessageCodec.fromProto(heartbeat().setTo(-1).build()))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("to must be a positive node id");
    }

    @Test
    void entryTypesMustBeKnown() {
        assertThatThrownBy(() ->
                        MessageCodec.fromProto(append(entry().setTypeValue(7)).build()))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("unknown type code 7");
        assertThatThrownBy(
                        () -> MessageCodec.fromProto(append(entry().setType(RaftProto.EntryType.ENTRY_TYPE_UNSPECIFIED))
                                .build()))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("unknown type code 0");
    }

    @Test
    void entryPositionsMustBeAtLeastOne() {
        assertThatThrownBy(
                        () -> MessageCodec.fromProto(append(entry().setIndex(0)).build()))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("entry position must be >= 1");
        assertThatThrownBy(
                        () -> MessageCodec.fromProto(append(entry().setTerm(-1)).build()))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("entry position must be >= 1");
    }

    private static RaftProto.RaftMessage snapshot(RaftProto.ConfState.Builder conf, boolean withMeta) {
        RaftProto.InstallSnapshotRequest.Builder body =
                RaftProto.InstallSnapshotRequest.newBuilder().setChunk(ByteString.copyFromUtf8("chunk"));
        if (withMeta) {
            body.setMeta(
                    RaftProto.SnapshotMeta.newBuilder().setIndex(5).setTerm(2).setConf(conf));
        }
        return RaftProto.RaftMessage.newBuilder()
                .setFrom(1)
                .setTo(2)
                .setTerm(3)
                .setInstallSnapshotRequest(body)
                .build();
    }

    @Test
    void snapshotsNeedMetaAndAValidConfiguration() {
        assertThatThrownBy(() -> MessageCodec.fromProto(snapshot(RaftProto.ConfState.newBuilder(), false)))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("without meta");
        assertThatThrownBy(() -> MessageCodec.fromProto(snapshot(RaftProto.ConfState.newBuilder(), true)))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("at least one voter");
        assertThatThrownBy(() -> MessageCodec.fromProto(
                        snapshot(RaftProto.ConfState.newBuilder().addVoters(1).addLearners(1), true)))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("both a learner and a voter");
        assertThatThrownBy(() -> MessageCodec.fromProto(
                        snapshot(RaftProto.ConfState.newBuilder().addVoters(1).addVoters(1), true)))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("lists node 1 twice");
        assertThatThrownBy(() -> MessageCodec.fromProto(
                        snapshot(RaftProto.ConfState.newBuilder().addVoters(0), true)))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("voters must be a positive node id");

        Message valid = MessageCodec.fromProto(
                snapshot(RaftProto.ConfState.newBuilder().addVoters(1).addVoters(2), true));
        assertThat(valid).isInstanceOfSatisfying(InstallSnapshotRequest.class, request -> {
            assertThat(request.meta()).isEqualTo(new SnapshotMeta(5, 2, ConfState.ofVoters(1, 2)));
            assertThat(request.chunk()).asString().isEqualTo("chunk");
        });
    }

    @Test
    void snapshotChecksumsTravelAndAnOlderPeersFrameHasNone() {
        byte[] bytes = {1, 2, 3};
        long chunkCrc = InstallSnapshotRequest.crc32c(bytes);
        SnapshotMeta meta = new SnapshotMeta(5, 2, ConfState.ofVoters(1, 2));
        // 0xFFFFFFFF: a checksum with its top bit set stays an unsigned value across the wire.
        InstallSnapshotRequest last = new InstallSnapshotRequest(1, 2, 3, meta, 8, bytes, true, chunkCrc, 0xFFFF_FFFFL);
        InstallSnapshotRequest middle = new InstallSnapshotRequest(
                1, 2, 3, meta, 0, bytes, false, chunkCrc, InstallSnapshotRequest.NO_CHECKSUM);
        for (InstallSnapshotRequest request : List.of(last, middle)) {
            assertThat(MessageCodec.decode(MessageCodec.encode(request)))
                    .isInstanceOfSatisfying(InstallSnapshotRequest.class, decoded -> {
                        assertThat(decoded.chunkCrc32c()).isEqualTo(request.chunkCrc32c());
                        assertThat(decoded.snapshotCrc32c()).isEqualTo(request.snapshotCrc32c());
                        assertThat(decoded.chunkIntact()).isTrue();
                    });
        }

        // A frame of a build from before checksums sets none of the new fields: accepted, unchecked.
        Message older = MessageCodec.fromProto(
                snapshot(RaftProto.ConfState.newBuilder().addVoters(1).addVoters(2), true));
        assertThat(older).isInstanceOfSatisfying(InstallSnapshotRequest.class, request -> {
            assertThat(request.chunkCrc32c()).isEqualTo(InstallSnapshotRequest.NO_CHECKSUM);
            assertThat(request.snapshotCrc32c()).isEqualTo(InstallSnapshotRequest.NO_CHECKSUM);
        });
    }

    @Test
    void encodingRefusesValuesTheWireCannotCarry() {
        assertThatThrownBy(() -> MessageCodec.encode(new VoteRequest(1, 2, -1, 0, 0, false, false)))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("term out of range");
        assertThatThrownBy(() -> MessageCodec.encode(new VoteRequest(0, 2, 1, 0, 0, false, false)))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("from must be a positive node id");
        assertThatThrownBy(() -> MessageCodec.encode(new AppendRequest(1, 2, 1, -3, 0, List.of(), 0)))
                .isInstanceOf(CodecException.class)
                .hasMessageContaining("prevLogIndex out of range");
        assertThatThrownBy(() -> MessageCodec.encode(null)).isInstanceOf(CodecException.class);
        assertThatThrownBy(() -> MessageCodec.decode(null)).isInstanceOf(CodecException.class);
    }

    @Test
    void entriesKeepTheirOrderAndBytes() {
        List<Entry> entries = List.of(
                Entry.noOp(2, 7),
                Entry.normal(2, 8, new byte[] {1, 2, 3}),
                new Entry(3, 9, EntryType.CONFIG_CHANGE, new byte[] {9}));
        AppendRequest request = new AppendRequest(1, 2, 3, 6, 2, entries, 5);

        assertThat(MessageCodec.decode(MessageCodec.encode(request))).isEqualTo(request);
    }

    @Test
    void aMaximumSizeSnapshotChunkFitsInADefaultFrame() {
        NettyTransportConfig config = NettyTransportConfig.builder("c", 1, new PeerAddress("127.0.0.1", 0))
                .build();
        TreeSet<Long> voters = new TreeSet<>();
        TreeSet<Long> learners = new TreeSet<>();
        // A large configuration with the widest ids, to use up as much of the headroom as we promise.
        for (long i = 0; i < 2_500; i++) {
            voters.add(Long.MAX_VALUE - i);
            learners.add(Long.MAX_VALUE - 10_000 - i);
        }
        InstallSnapshotRequest chunk = new InstallSnapshotRequest(
                Long.MAX_VALUE,
                Long.MAX_VALUE - 1,
                Long.MAX_VALUE,
                new SnapshotMeta(Long.MAX_VALUE, Long.MAX_VALUE, new ConfState(voters, new TreeSet<>(), learners)),
                Long.MAX_VALUE,
                new byte[config.payloadBytesMax()],
                true);

        int frameBytes = MessageCodec.messageFrame(chunk).getSerializedSize();

        assertThat(frameBytes).isLessThanOrEqualTo(config.frameBytesMax());
        assertThat(config.payloadBytesMax()).isGreaterThanOrEqualTo(4 * 1024 * 1024);
    }
}
