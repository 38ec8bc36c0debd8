package dev.raftchat.chat.api.v1;

import com.fasterxml.jackson.databind.JsonNode;
import dev.raftchat.chat.auth.Tokens;
import dev.raftchat.chat.state.ChatCodec;
import dev.raftchat.chat.state.ChatCommand;
import dev.raftchat.chat.state.ChatError;
import dev.raftchat.chat.state.ChatLimits;
import dev.raftchat.chat.state.ChatResult;
import dev.raftchat.chat.state.ChatStateMachine;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Jazzer target: WebSocket frames into {@code /api/v1/ws} after a successful upgrade. The pipeline is the one
 * {@code ChatHttpServer} gives a v1 WebSocket (the HTTP codec and aggregator, then {@link WebSocketHub#install}),
 * over an {@link EmbeddedChannel}, with a real {@link ChatStateMachine} holding a user {@code ann} whose token
 * is {@link #TOKEN} and a room {@code general}. The handshake must answer 101. Then:
 *
 * <ul>
 *   <li>an input whose first byte is 1: the rest, split at line feeds, as the text of client frames (masked, as
 *       a client sends them), so the fuzzer explores the JSON protocol ({@code auth}, {@code subscribe},
 *       {@code unsubscribe}); a line {@code !post} posts a message to {@code general} in between;
 *   <li>any other input: raw bytes on the socket, into Netty's frame decoder and what follows it.
 * </ul>
 *
 * A crash is an exception out of the pipeline, or a server frame that is not a JSON object with a textual
 * {@code type}, or an error frame whose code is not in {@link ChatError} or is {@code internal_error}.
 */
public final class WebSocketFrameFuzzTarget {
    /** The token of {@code ann}'s session (well-formed: 43 base64url characters). */
    static final String TOKEN = "fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuz";

    private static final long NOW = 1_800_000_000_000L;

    private WebSocketFrameFuzzTarget() {}

    public static void fuzzerTestOneInput(byte[] bytes) {
        ChatStateMachine machine = new ChatStateMachine(ChatLimits.defaults());
        AtomicLong index = new AtomicLong();
        apply(machine, index, new ChatCommand.RegisterUser("ann", "pbkdf2$1$c2FsdA==$aGFzaA==", NOW, false));
        apply(machine, index, new ChatCommand.CreateSession(Tokens.hash(TOKEN), "ann", NOW + 86_400_000L, NOW));
        apply(machine, index, new ChatCommand.CreateRoom(Tokens.hash(TOKEN), "general", -1, -1, NOW));
        apply(machine, index, new ChatCommand.SendMessage(Tokens.hash(TOKEN), "general", "first", "", NOW));
        ApiBackend backend = backend(machine, index);
        ApiConfig config = ApiConfig.defaults();
        WebSocketHub hub = new WebSocketHub(machine, config, new Authenticator(backend, config));
        machine.addListener(hub);

        EmbeddedChannel server = new EmbeddedChannel();
        server.pipeline()
                .addLast("codec", new HttpServerCodec())
                .addLast("aggregate", new HttpObjectAggregator(64 * 1024));
        hub.install(server.pipeline(), "aggregate");
        EmbeddedChannel clientEncoder = new EmbeddedChannel(new WebSocket08FrameEncoder(true));
        EmbeddedChannel clientDecoder = new EmbeddedChannel(new WebSocket08FrameDecoder(false, true, 1 << 20));
        try {
            String handshake = "GET " + ApiHandler.WEBSOCKET_PATH + " HTTP/1.1\r\nHost: localhost\r\n"
                    + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n";
            server.writeInbound(Unpooled.wrappedBuffer(handshake.getBytes(StandardCharsets.US_ASCII)));
            server.runPendingTasks();
            ByteBuf response = server.readOutbound();
            String head = response.toString(StandardCharsets.US_ASCII);
            response.release();
            if (!head.startsWith("HTTP/1.1 101")) {
                throw new IllegalStateException("the handshake was not answered 101: " + head);
            }
            if (bytes.length > 0 && bytes[0] == 1) {
                String text = new String(bytes, 1, bytes.length - 1, StandardCharsets.UTF_8);
                for (String line : text.split("\n", -1)) {
                    if (!server.isActive()) {
                        break;
                    }
                    if (line.equals("!post")) {
                        apply(machine, index, new ChatCommand.SendMessage(Tokens.hash(TOKEN), "general", "m", "", NOW));
                    } else {
                        clientEncoder.writeOutbound(new TextWebSocketFrame(line));
                        for (ByteBuf frame = clientEncoder.readOutbound();
                                frame != null;
                                frame = clientEncoder.readOutbound()) {
                            server.writeInbound(frame);
                        }
                    }
                    server.runPendingTasks();
                    checkServerFrames(server, clientDecoder);
                }
            } else if (server.isActive()) {
                server.writeInbound(Unpooled.wrappedBuffer(bytes));
                server.runPendingTasks();
            }
            if (server.isActive()) {
                apply(machine, index, new ChatCommand.SendMessage(Tokens.hash(TOKEN), "general", "last", "", NOW));
                server.runPendingTasks();
            }
            checkServerFrames(server, clientDecoder);
            server.checkException();
        } finally {
            machine.removeListener(hub);
            server.finishAndReleaseAll();
            clientEncoder.finishAndReleaseAll();
            clientDecoder.finishAndReleaseAll();
        }
    }

    /** Decodes what the server sent as a client would, and checks each frame. */
    private static void checkServerFrames(EmbeddedChannel server, EmbeddedChannel clientDecoder) {
        for (Object out = server.readOutbound(); out != null; out = server.readOutbound()) {
            if (out instanceof ByteBuf buf) {
                clientDecoder.writeInbound(buf);
            } else {
                throw new IllegalStateException(
                        "the server wrote " + out.getClass().getName());
            }
        }
        for (Object in = clientDecoder.readInbound(); in != null; in = clientDecoder.readInbound()) {
            WebSocketFrame frame = (WebSocketFrame) in;
            try {
                if (frame instanceof TextWebSocketFrame text) {
                    check(text.text());
                } else if (frame instanceof CloseWebSocketFrame close && close.statusCode() == 1011) {
                    throw new IllegalStateException("the server closed with an internal error: " + close.reasonText());
                }
            } finally {
                frame.release();
            }
        }
    }

    private static void check(String text) {
        JsonNode node;
        try {
            node = ApiJson.MAPPER.readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException("the server sent a frame that is not JSON: " + text, e);
        }
        if (node == null || !node.isObject() || !node.path("type").isTextual()) {
            throw new IllegalStateException("the server sent a frame without a type: " + text);
        }
        if (node.get("type").textValue().equals("error")) {
            String code = node.path("code").asText("");
            if (!ChatError.known(code) || code.equals(ChatError.INTERNAL_ERROR.code())) {
                throw new IllegalStateException("the server sent an error frame with code '" + code + "': " + text);
            }
        }
    }

    private static ChatResult apply(ChatStateMachine machine, AtomicLong index, ChatCommand command) {
        return machine.applyCommand(index.incrementAndGet(), ChatCodec.encode(command));
    }

    private static ApiBackend backend(ChatStateMachine machine, AtomicLong index) {
        return new ApiBackend() {
            @Override
            public long nodeId() {
                return 1;
            }

            @Override
            public ChatStateMachine chat() {
                return machine;
            }

            @Override
            public CompletableFuture<ChatResult> propose(ChatCommand command) {
                return CompletableFuture.completedFuture(apply(machine, index, command));
            }

            @Override
            public CompletableFuture<Void> readBarrier() {
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public long nowMillis() {
                return NOW;
            }
        };
    }
}
