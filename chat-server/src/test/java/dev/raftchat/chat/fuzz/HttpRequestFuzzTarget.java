package dev.raftchat.chat.fuzz;

import dev.raftchat.chat.http.ChatBackend;
import dev.raftchat.chat.http.ChatHttpHandler;
import dev.raftchat.chat.state.ChatCodec;
import dev.raftchat.chat.state.ChatCommand;
import dev.raftchat.chat.state.ChatLimits;
import dev.raftchat.chat.state.ChatResult;
import dev.raftchat.chat.state.ChatStateMachine;
import dev.raftchat.chat.state.InvalidCommandException;
import dev.raftchat.chat.state.Post;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * Jazzer target: raw bytes of HTTP requests into the original API's handler ({@link ChatHttpHandler}, as
 * {@code ChatHttpServer} installs it after the HTTP codec and aggregator) over an {@link EmbeddedChannel},
 * backed by a real {@link ChatStateMachine}. An input whose first byte is 1 is the rest as the JSON body of
 * {@code POST /rooms/fuzz}, so the JSON parsing is fuzzed too; any other input is raw bytes on the socket. Every request must be answered, never with a 500: an
 * exception or a 500 is a crash.
 */
public final class HttpRequestFuzzTarget {
    private HttpRequestFuzzTarget() {}

    public static void fuzzerTestOneInput(byte[] bytes) {
        ChatStateMachine machine = new ChatStateMachine(ChatLimits.defaults());
        EmbeddedChannel channel = new EmbeddedChannel(
                new HttpServerCodec(),
                new HttpObjectAggregator(64 * 1024),
                new ChatHttpHandler(backend(machine), null));
        ByteBuf request;
        if (bytes.length > 0 && bytes[0] == 1) {
            String head = "POST /rooms/fuzz HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + (bytes.length - 1) + "\r\n\r\n";
            request = Unpooled.wrappedBuffer(
                    Unpooled.wrappedBuffer(head.getBytes(StandardCharsets.US_ASCII)),
                    Unpooled.wrappedBuffer(bytes, 1, bytes.length - 1));
        } else {
            request = Unpooled.wrappedBuffer(bytes);
        }
        try {
            channel.writeInbound(request);
            channel.runPendingTasks();
            for (Object out = channel.readOutbound(); out != null; out = channel.readOutbound()) {
                if (out instanceof ByteBuf buf) {
                    String text = buf.toString(StandardCharsets.US_ASCII);
                    buf.release();
                    if (text.startsWith("HTTP/1.1 500")) {
                        throw new AssertionError("500 for a client's request: " + text);
                    }
                } else if (out instanceof FullHttpResponse response) {
                    int status = response.status().code();
                    response.release();
                    if (status == 500) {
                        throw new AssertionError("500 for a client's request");
                    }
                }
            }
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    private static ChatBackend backend(ChatStateMachine machine) {
        return new ChatBackend() {
            private long index;

            @Override
            public ChatLimits limits() {
                return machine.limits();
            }

            @Override
            public CompletableFuture<Post> post(String room, String user, String message) {
                ChatResult result = machine.applyCommand(
                        ++index, ChatCodec.encode(new ChatCommand.PostMessage(room, user, message, 1_000)));
                return result.accepted()
                        ? CompletableFuture.completedFuture(result.post())
                        : CompletableFuture.failedFuture(
                                new InvalidCommandException(result.error(), result.errorMessage()));
            }

            @Override
            public CompletableFuture<byte[]> roomJson(String room, boolean stale) {
                return CompletableFuture.completedFuture(ChatStateMachine.postsJson(machine.posts(room)));
            }

            @Override
            public CompletableFuture<byte[]> roomsJson(boolean stale) {
                return CompletableFuture.completedFuture(ChatStateMachine.roomsJson(machine.rooms()));
            }

            @Override
            public CompletableFuture<Boolean> addMember(long nodeId, String peerUrl, boolean learner) {
                return CompletableFuture.completedFuture(false);
            }

            @Override
            public CompletableFuture<Boolean> promote(long nodeId) {
                return CompletableFuture.completedFuture(false);
            }

            @Override
            public CompletableFuture<Boolean> removeMember(long nodeId) {
                return CompletableFuture.completedFuture(false);
            }

            @Override
            public boolean live() {
                return true;
            }

            @Override
            public byte[] statusJson() {
                return "{}".getBytes(StandardCharsets.UTF_8);
            }
        };
    }
}
