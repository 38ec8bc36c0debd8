package dev.raftchat.raft.transport.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.util.List;

/**
 * Splits a connection's bytes into frame bodies: a 4-byte big-endian length, then that many bytes.
 *
 * <p>The limit can be raised once the peer has proven who it is: an inbound connection starts at
 * {@link Frames#CONTROL_FRAME_BYTES_MAX}, so that an unauthenticated client cannot make the node buffer
 * a large frame, and is raised to {@code frameBytesMax} after a valid hello. A length over the limit
 * (or with the top bit set) fails at once, before any of the body is buffered; after a failure every
 * further byte is discarded until the handler closes the connection.
 *
 * <p>One instance per connection; used on that connection's event loop only.
 */
final class FrameDecoder extends ByteToMessageDecoder {
    private int frameBytesLimit;
    private boolean failed;

    FrameDecoder(int frameBytesLimit) {
        this.frameBytesLimit = checkedLimit(frameBytesLimit);
    }

    /** Raises or lowers the limit for the frames that follow. */
    void frameBytesLimit(int bytes) {
        this.frameBytesLimit = checkedLimit(bytes);
    }

    int frameBytesLimit() {
        return frameBytesLimit;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < Frames.LENGTH_PREFIX_BYTES) {
            return;
        }
        long bodyBytes = in.getUnsignedInt(in.readerIndex());
        if (bodyBytes > frameBytesLimit) {
            failed = true;
            in.skipBytes(in.readableBytes());
            if (bodyBytes > Integer.MAX_VALUE) {
                throw new CorruptedFrameException("frame length " + bodyBytes + " has the top bit set");
            }
            throw new TooLongFrameException(
                    "frame of " + bodyBytes + " bytes exceeds the limit of " + frameBytesLimit + " bytes");
        }
        if (in.readableBytes() < Frames.LENGTH_PREFIX_BYTES + bodyBytes) {
            return;
        }
        in.skipBytes(Frames.LENGTH_PREFIX_BYTES);
        out.add(in.readRetainedSlice((int) bodyBytes));
    }

    private static int checkedLimit(int bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("frame byte limit must be >= 1, got " + bytes);
        }
        return bytes;
    }
}
