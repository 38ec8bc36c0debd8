package dev.raftchat.raft.transport.netty;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.raftchat.raft.transport.netty.proto.RaftProto;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The framing shared by both ends: a 4-byte big-endian length, then that many bytes of one protobuf
 * {@code Frame}. The length counts only the protobuf bytes, and is read as unsigned.
 */
final class Frames {
    static final int LENGTH_PREFIX_BYTES = 4;
    /**
     * The limit for frames before the peer is known (hello) and for the only frame an outbound
     * connection ever receives (rejection); both are tiny, and a stranger must not make us buffer more.
     */
    static final int CONTROL_FRAME_BYTES_MAX = 4 * 1024;
    /** The version of raft_messages.proto spoken in the hello. */
    static final int PROTOCOL_VERSION = 2;

    private Frames() {}

    /** A decoder that splits the stream into frame bodies and fails fast on a length over {@code frameBytesLimit}. */
    static FrameDecoder decoder(int frameBytesLimit) {
        return new FrameDecoder(frameBytesLimit);
    }

    /** The encoded size of {@code frame}'s body, without the prefix. */
    static int bodyBytes(RaftProto.Frame frame) {
        return frame.getSerializedSize();
    }

    /**
     * Prefix + body in one buffer owned by the caller. The body is serialized straight into the buffer's
     * memory through a {@link CodedOutputStream} over its NIO view; only a buffer that is not one contiguous
     * region (never the case for a fresh allocation today) goes through an {@link OutputStream}, which
     * costs an extra copy through protobuf's staging array.
     */
    static ByteBuf encode(ByteBufAllocator allocator, RaftProto.Frame frame) {
        int bodyBytes = frame.getSerializedSize();
        ByteBuf buffer = allocator.buffer(LENGTH_PREFIX_BYTES + bodyBytes);
        try {
            buffer.writeInt(bodyBytes);
            if (buffer.nioBufferCount() == 1) {
                buffer.ensureWritable(bodyBytes);
                ByteBuffer target = buffer.nioBuffer(buffer.writerIndex(), bodyBytes);
                CodedOutputStream out = CodedOutputStream.newInstance(target);
                frame.writeTo(out);
                out.flush();
                out.checkNoSpaceLeft();
                buffer.writerIndex(buffer.writerIndex() + bodyBytes);
            } else {
                try (ByteBufOutputStream out = new ByteBufOutputStream(buffer)) {
                    frame.writeTo(out);
                }
            }
        } catch (IOException | RuntimeException e) {
            buffer.release();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
        if (buffer.readableBytes() != LENGTH_PREFIX_BYTES + bodyBytes) {
            buffer.release();
            throw new IllegalStateException("frame encoded to " + buffer.readableBytes() + " bytes, expected "
                    + (LENGTH_PREFIX_BYTES + bodyBytes));
        }
        return buffer;
    }

    /** @param replyAddress where the sender listens ("host:port"), or "" when it cannot tell */
    static RaftProto.Frame hello(
            String clusterId,
            long nodeId,
            long incarnation,
            String replyAddress,
            byte[] nonce,
            long toNodeId,
            List<byte[]> keyIds) {
        RaftProto.Hello.Builder hello = RaftProto.Hello.newBuilder()
                .setProtocolVersion(PROTOCOL_VERSION)
                .setClusterId(clusterId)
                .setNodeId(nodeId)
                .setIncarnation(incarnation)
                .setReplyAddress(replyAddress)
                .setNonce(ByteString.copyFrom(nonce))
                .setToNodeId(toNodeId);
        for (byte[] keyId : keyIds) {
            hello.addKeyIds(ByteString.copyFrom(keyId));
        }
        return RaftProto.Frame.newBuilder().setHello(hello).build();
    }

    static RaftProto.Frame challenge(String clusterId, long nodeId, byte[] nonce, byte[] keyId, byte[] mac) {
        return RaftProto.Frame.newBuilder()
                .setChallenge(RaftProto.Challenge.newBuilder()
                        .setClusterId(clusterId)
                        .setNodeId(nodeId)
                        .setNonce(ByteString.copyFrom(nonce))
                        .setKeyId(ByteString.copyFrom(keyId))
                        .setMac(ByteString.copyFrom(mac)))
                .build();
    }

    static RaftProto.Frame proof(byte[] mac) {
        return RaftProto.Frame.newBuilder()
                .setProof(RaftProto.Proof.newBuilder().setMac(ByteString.copyFrom(mac)))
                .build();
    }

    static RaftProto.Frame rejection(String reason) {
        return RaftProto.Frame.newBuilder()
                .setRejection(RaftProto.Rejection.newBuilder().setReason(reason))
                .build();
    }
}
