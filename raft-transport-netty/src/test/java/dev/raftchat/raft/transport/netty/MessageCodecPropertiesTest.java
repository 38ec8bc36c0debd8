package dev.raftchat.raft.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.transport.netty.proto.RaftProto;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.Tuple.Tuple2;
import net.jqwik.api.statistics.Statistics;

/** Properties of the codec: every message round-trips; no input produces anything but a clean error. */
class MessageCodecPropertiesTest {

    @Provide
    Arbitrary<Message> messages() {
        return MessageArbitraries.messages();
    }

    @Property(tries = 1000)
    void everyMessageRoundTripsThroughProtobufBytes(@ForAll("messages") Message message) {
        Statistics.collect(message.getClass().getSimpleName());
        byte[] bytes = MessageCodec.encode(message);

        Message decoded = MessageCodec.decode(bytes);

        assertThat(decoded).isInstanceOf(message.getClass());
        assertThat(decoded).usingRecursiveComparison().isEqualTo(message);
        assertThat(MessageCodec.encode(decoded)).isEqualTo(bytes);
    }

    @Property(tries = 200)
    void everyMessageRoundTripsThroughTheLengthPrefixedFrameDecoder(@ForAll("messages") Message message) {
        ByteBuf wire = Frames.encode(ByteBufAllocator.DEFAULT, MessageCodec.messageFrame(message));
        EmbeddedChannel channel = new EmbeddedChannel(Frames.decoder(NettyTransportConfig.FRAME_BYTES_MIN));
        // Byte-at-a-time delivery checks that frames split anywhere by TCP are reassembled.
        while (wire.isReadable()) {
            channel.writeInbound(wire.readRetainedSlice(1));
        }
        wire.release();
        ByteBuf body = channel.readInbound();
        try {
            Message decoded = MessageCodec.decodeMessageFrame(body.nioBuffer());
            assertThat(decoded).usingRecursiveComparison().isEqualTo(message);
        } finally {
            body.release();
            channel.finishAndReleaseAll();
        }
    }

    /** parseFrame aliases the buffer; the records decoded from the frame must not (the transport releases it). */
    @Property(tries = 300)
    void decodedMessagesOwnTheirBytesAfterTheFrameBufferIsOverwritten(@ForAll("messages") Message message) {
        byte[] encoded = MessageCodec.messageFrame(message).toByteArray();
        ByteBuffer direct = ByteBuffer.allocateDirect(encoded.length);
        direct.put(encoded).flip();

        Message decoded = MessageCodec.decodeMessageFrame(direct.duplicate());
        for (int i = 0; i < direct.capacity(); i++) {
            direct.put(i, (byte) 0x5A);
        }

        assertThat(decoded).usingRecursiveComparison().isEqualTo(message);
    }

    @Property(tries = 2000)
    void randomBytesDecodeToAValidMessageOrACodecException(@ForAll byte[] bytes) {
        assertDecodesCleanly(bytes);
    }

    @Property(tries = 2000)
    void randomBytesAsAFrameDecodeToAValidFrameOrACodecException(@ForAll byte[] bytes) {
        try {
            RaftProto.Frame frame = MessageCodec.parseFrame(ByteBuffer.wrap(bytes));
            assertThat(frame.getKindCase()).isNotEqualTo(RaftProto.Frame.KindCase.KIND_NOT_SET);
            if (frame.getKindCase() == RaftProto.Frame.KindCase.MESSAGE) {
                assertDecodesCleanly(frame.getMessage().toByteArray());
            }
        } catch (CodecException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }

    @Provide
    Arbitrary<Tuple2<byte[], List<Integer>>> corruptedEncodings() {
        // Random bytes rarely look like protobuf; corrupting real encodings reaches the deeper checks
        // (invalid ids, entry positions and types, configurations).
        return MessageArbitraries.messages()
                .map(MessageCodec::encode)
                .flatMap(bytes -> Arbitraries.integers()
                        .between(0, Math.max(0, bytes.length * 8 - 1))
                        .list()
                        .ofMinSize(1)
                        .ofMaxSize(4)
                        .map(bits -> Tuple.of(bytes, bits)));
    }

    @Property(tries = 2000)
    void corruptedEncodingsDecodeToAValidMessageOrACodecException(
            @ForAll("corruptedEncodings") Tuple2<byte[], List<Integer>> corruption) {
        byte[] bytes = corruption.get1().clone();
        if (bytes.length == 0) {
            return;
        }
        for (int bit : corruption.get2()) {
            bytes[bit / 8] ^= (byte) (1 << (bit % 8));
        }
        assertDecodesCleanly(bytes);
    }

    @Property(tries = 500)
    void truncatedEncodingsDecodeToAValidMessageOrACodecException(
            @ForAll("messages") Message message, @ForAll byte cutSeed) {
        byte[] bytes = MessageCodec.encode(message);
        int cut = Math.floorMod(cutSeed, bytes.length + 1);
        byte[] truncated = Arrays.copyOf(bytes, cut);
        assertDecodesCleanly(truncated);
    }

    private static void assertDecodesCleanly(byte[] bytes) {
        Message decoded;
        try {
            decoded = MessageCodec.decode(bytes);
        } catch (CodecException expected) {
            assertThat(expected.getMessage()).isNotBlank();
            return;
        }
        // Whatever decodes must be a valid message that survives another round trip.
        assertThat(decoded.from()).isPositive();
        assertThat(decoded.to()).isPositive();
        assertThat(decoded.term()).isNotNegative();
        assertThat(MessageCodec.decode(MessageCodec.encode(decoded)))
                .usingRecursiveComparison()
                .isEqualTo(decoded);
    }
}
