package dev.raftchat.raft.transport.netty;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.raftchat.bench.jmh.Fixtures;
import dev.raftchat.raft.message.AppendRequest;
import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.transport.netty.proto.RaftProto;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The transport's wire path as the peer links run it, with Netty's pooled direct buffers: an AppendRequest of
 * {@code entries} entries of {@code payloadBytes} framed into a buffer ({@link Frames#encode}) and a frame body
 * in a direct buffer decoded into a record ({@link MessageCodec#decodeMessageFrame}). Lives in the transport's
 * package (in this benchmark module) because {@code Frames} is package-private.
 *
 * <p>The {@code ...Before} benchmarks are the implementation this path replaced, kept here as the baseline so
 * that one run measures both: encoding through a {@link ByteBufOutputStream} (protobuf stages the bytes in its
 * own array first), and parsing without aliasing (each payload copied into a ByteString, then again into the
 * record's array).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class FrameCodecBenchmark {

    @Param({"1", "64"})
    public int entries;

    @Param({"256"})
    public int payloadBytes;

    private Message request;
    private ByteBuf body;
    private final ByteBufAllocator allocator = ByteBufAllocator.DEFAULT;

    @Setup
    public void setUp() {
        request = new AppendRequest(1, 2, 7, 1_000, 7, Fixtures.entries(7, 1_001, entries, payloadBytes), 990);
        byte[] bytes = MessageCodec.messageFrame(request).toByteArray();
        body = allocator.directBuffer(bytes.length);
        body.writeBytes(bytes);
    }

    @TearDown
    public void tearDown() {
        body.release();
    }

    @Benchmark
    public int encode() {
        ByteBuf buffer = Frames.encode(allocator, MessageCodec.messageFrame(request));
        int size = buffer.readableBytes();
        buffer.release();
        return size;
    }

    @Benchmark
    public int encodeBefore() {
        RaftProto.Frame built = MessageCodec.messageFrame(request);
        int bodyBytes = built.getSerializedSize();
        ByteBuf buffer = allocator.buffer(Frames.LENGTH_PREFIX_BYTES + bodyBytes);
        try (ByteBufOutputStream out = new ByteBufOutputStream(buffer)) {
            buffer.writeInt(bodyBytes);
            built.writeTo(out);
        } catch (IOException e) {
            buffer.release();
            throw new UncheckedIOException(e);
        }
        int size = buffer.readableBytes();
        buffer.release();
        return size;
    }

    @Benchmark
    public Message decode() {
        return MessageCodec.decodeMessageFrame(body.nioBuffer());
    }

    @Benchmark
    public Message decodeBefore() throws InvalidProtocolBufferException {
        ByteBuffer nio = body.nioBuffer();
        return MessageCodec.messageOf(RaftProto.Frame.parseFrom(nio));
    }
}
