package dev.raftchat.bench.jmh;

import dev.raftchat.raft.message.AppendRequest;
import dev.raftchat.raft.message.AppendResponse;
import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.transport.netty.MessageCodec;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The transport's codec ({@link MessageCodec}): an AppendRequest of {@code entries} entries of {@code payloadBytes}
 * each, encoded into the frame bytes a peer link writes (record → protobuf → bytes) and decoded back
 * (bytes → protobuf → validated record, which copies each payload out of the frame), plus the small
 * AppendResponse both ways. Times are per message.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class MessageCodecBenchmark {

    @Param({"1", "64"})
    public int entries;

    @Param({"256"})
    public int payloadBytes;

    private AppendRequest request;
    private ByteBuffer requestFrame;
    private AppendResponse response;
    private ByteBuffer responseFrame;

    @Setup
    public void setUp() {
        request = new AppendRequest(1, 2, 7, 1_000, 7, Fixtures.entries(7, 1_001, entries, payloadBytes), 990);
        requestFrame = ByteBuffer.wrap(MessageCodec.messageFrame(request).toByteArray());
        response = new AppendResponse(2, 1, 7, true, 1_000 + entries, 0, 0);
        responseFrame = ByteBuffer.wrap(MessageCodec.messageFrame(response).toByteArray());
    }

    @Benchmark
    public byte[] encodeAppendRequest() {
        return MessageCodec.messageFrame(request).toByteArray();
    }

    @Benchmark
    public Message decodeAppendRequest() {
        return MessageCodec.decodeMessageFrame(requestFrame.duplicate());
    }

    @Benchmark
    public byte[] encodeAppendResponse() {
        return MessageCodec.messageFrame(response).toByteArray();
    }

    @Benchmark
    public Message decodeAppendResponse() {
        return MessageCodec.decodeMessageFrame(responseFrame.duplicate());
    }
}
