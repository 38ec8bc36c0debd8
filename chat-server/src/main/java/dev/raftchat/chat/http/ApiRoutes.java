package dev.raftchat.chat.http;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import java.net.SocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * The chat API v1 as {@link ChatHttpHandler} and {@link ChatHttpServer} see it: they delegate every path
 * under {@link #PREFIX} here, the original {@code POST /rooms/{room}} (for idempotency keys and protected
 * names), and the upgrade of {@link #webSocketPath()}. Implementations never block the caller (an event
 * loop) and never throw: failures become JSON error responses.
 */
public interface ApiRoutes {
    String PREFIX = "/api/v1";

    /** Answers a request whose path is {@link #PREFIX} or below it. */
    CompletableFuture<FullHttpResponse> route(FullHttpRequest request, SocketAddress client);

    /**
     * The original API's post of {@code message} by {@code user} to {@code room} (already checked against the
     * original's rules): honours {@code Idempotency-Key}, {@code Authorization} and {@code --require-login}.
     */
    CompletableFuture<FullHttpResponse> postOriginal(
            String room, String user, String message, FullHttpRequest request, SocketAddress client);

    /** The path of the v1 WebSocket, e.g. {@code /api/v1/ws}. */
    String webSocketPath();

    /**
     * Replaces the handlers after the HTTP aggregator of a connection whose request asks to upgrade
     * {@link #webSocketPath()}, so that the request reaching the next handler completes a v1 WebSocket handshake.
     */
    void installWebSocket(ChannelPipeline pipeline, String afterHandlerName);
}
