package dev.raftchat.raft.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FrameDecoderTest {

    private static ByteBuf frame(String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return Unpooled.buffer().writeInt(bytes.length).writeBytes(bytes);
    }

    private static String readBody(EmbeddedChannel channel) {
        ByteBuf body = channel.readInbound();
        try {
            return body.toString(StandardCharsets.UTF_8);
        } finally {
            body.release();
        }
    }

    @Test
    void splitsFramesAndWaitsForIncompleteOnes() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(100));
        ByteBuf two = Unpooled.wrappedBuffer(frame("one"), frame("two"));

        channel.writeInbound(two.readRetainedSlice(9));
        assertThat(readBody(channel)).isEqualTo("one");
        assertThat(channel.inboundMessages()).isEmpty();

        channel.writeInbound(two.readRetainedSlice(two.readableBytes()));
        two.release();
        assertThat(readBody(channel)).isEqualTo("two");
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void anOversizedLengthFailsBeforeTheBodyArrivesAndTheLimitCanBeRaised() {
        FrameDecoder decoder = new FrameDecoder(4);
        EmbeddedChannel channel = new EmbeddedChannel(decoder);

        assertThatThrownBy(() -> channel.writeInbound(Unpooled.buffer().writeInt(5)))
                .isInstanceOf(TooLongFrameException.class)
                .hasMessageContaining("exceeds the limit of 4 bytes");
        // Once failed, it swallows everything until the connection is closed.
        channel.writeInbound(frame("ok"));
        assertThat(channel.inboundMessages()).isEmpty();

        FrameDecoder raised = new FrameDecoder(4);
        EmbeddedChannel other = new EmbeddedChannel(raised);
        raised.frameBytesLimit(10);
        other.writeInbound(frame("longer"));
        assertThat(readBody(other)).isEqualTo("longer");
        other.finishAndReleaseAll();
        channel.finishAndReleaseAll();
    }

    @Test
    void aLengthWithTheTopBitSetIsCorrupt() {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(Integer.MAX_VALUE));

        assertThatThrownBy(() -> channel.writeInbound(Unpooled.buffer().writeInt(-1)))
                .isInstanceOf(CorruptedFrameException.class)
                .hasMessageContaining("4294967295");
        channel.finishAndReleaseAll();
    }
}
