package dev.raftchat.raft.transport.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.util.Arrays;

/**
 * Jazzer target: the bytes a peer connection receives, cut into two writes at a fuzzed point, through
 * {@link FrameDecoder} (the control-frame limit of an unauthenticated connection) and each frame body through
 * {@link MessageCodec#parseFrame} and {@link MessageCodec#decodeMessageFrame}. A defect must be a
 * {@link DecoderException} (too long, top bit set) or a {@link CodecException}; every buffer is released.
 */
public final class PeerFrameFuzzTarget {
    private PeerFrameFuzzTarget() {}

    public static void fuzzerTestOneInput(byte[] bytes) {
        if (bytes.length == 0) {
            return;
        }
        int cut = (bytes[0] & 0xff) % bytes.length;
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(Frames.CONTROL_FRAME_BYTES_MAX));
        try {
            channel.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(bytes, 1, Math.max(1, cut))));
            channel.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(bytes, Math.max(1, cut), bytes.length)));
        } catch (DecoderException refused) {
            // the connection would be closed
        }
        for (ByteBuf body = channel.readInbound(); body != null; body = channel.readInbound()) {
            try {
                MessageCodec.parseFrame(body.nioBuffer());
                MessageCodec.decodeMessageFrame(body.nioBuffer());
            } catch (CodecException refused) {
                // refused cleanly
            } finally {
                body.release();
            }
        }
        channel.finishAndReleaseAll();
    }
}
