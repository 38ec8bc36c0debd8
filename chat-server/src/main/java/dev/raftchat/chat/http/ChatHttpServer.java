package dev.raftchat.chat.http;

import dev.raftchat.chat.state.ChatError;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP and WebSocket server of a chat node. One pipeline per connection: HTTP codec with the
 * {@link ConnectionGuard} around it (read deadlines, keep-alive idle timeout, pipelining bound), body
 * aggregation up to {@code contentBytesMax} (larger bodies get a JSON 413 and the connection closes), the
 * WebSocket upgrades ({@code /ws}, pinged and dropped when silent; {@code /api/v1/ws}), then the
 * {@link ChatHttpHandler}. At most {@link HttpConfig#connectionsMax()} connections are open at once and
 * {@link HttpConfig#connectionsPerAddressMax()} from one client address; more get a JSON 503 and are closed on
 * accept.
 *
 * <p>{@link #stopAccepting()} closes the listening socket only; {@link #close()} also closes every
 * connection and stops the threads. Thread-safe.
 */
// FutureReturnValueIgnored: the futures ignored here are Netty's write, close and schedule futures. A failed
// write or close surfaces in the pipeline (exceptionCaught, channelInactive), which closes the channel; the
// caller has nothing more to do with the outcome.
@SuppressWarnings("FutureReturnValueIgnored")
public final class ChatHttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ChatHttpServer.class);
    public static final String WEBSOCKET_PATH = "/ws";
    private static final int IO_THREADS = 2;
    /**
     * After answering 413 to an oversized body, how long the connection keeps reading (and discarding) what
     * the client still sends before it is closed. Closing with unread input makes the kernel send a reset,
     * which can destroy the 413 before the client reads it.
     */
    static final long OVERSIZED_BODY_LINGER_MILLIS = 2_000;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(IO_THREADS, NioIoHandler.newFactory());
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final ChatHttpHandler handler;
    private final Channel serverChannel;
    private final HttpConfig http;
    /** The chat API v1, or null. */
    private final ApiRoutes api;
    /** Open connections by client address, and in total; guarded by {@code perAddress}. */
    private final HashMap<InetAddress, Integer> perAddress = new HashMap<>();

    private int openConnections;
    private final AtomicLong refusedConnections = new AtomicLong();

    /**
     * Binds {@code host:port} (port 0: any free port) and starts serving: the original routes ({@code backend}),
     * the firehose, the operations routes ({@code ops}, null for none), a request observer, TLS (with a server
     * context every connection is HTTPS/WSS and plain HTTP is refused; null for plain HTTP) and the chat API v1
     * ({@code api}: routes under {@code /api/v1} and its WebSocket; null for none).
     *
     * @param http       the connection caps, deadlines and allowed host names
     * @param adminToken the admin token, or null for loopback-only admin
     * @throws IllegalStateException when the address cannot be bound
     */
    public ChatHttpServer(
            String host,
            int port,
            ChatBackend backend,
            Firehose firehose,
            int contentBytesMax,
            HttpConfig http,
            String adminToken,
            OpsRoutes ops,
            HttpRequestObserver observer,
            SslContext tls,
            ApiRoutes api) {
        this.http = http;
        this.api = api;
        this.handler = new ChatHttpHandler(backend, new AdminGate(adminToken, http.allowedHosts()), ops, observer, api);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        if (!admit(channel, tls == null)) {
                            return;
                        }
                        if (tls != null) {
                            channel.pipeline().addLast("tls", tls.newHandler(channel.alloc()));
                        }
                        channel.pipeline()
                                .addLast(
                                        "http",
                                        new HttpServerCodec(
                                                ChatHttpHandler.REQUEST_LINE_BYTES_MAX,
                                                ChatHttpHandler.HEADER_BYTES_MAX,
                                                8_192));
                        ConnectionGuard.install(channel.pipeline(), "http", http);
                        channel.pipeline()
                                .addLast("aggregate", new HttpObjectAggregator(contentBytesMax) {
                                    @Override
                                    protected Object newContinueResponse(
                                            HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
                                        Object plain = super.newContinueResponse(start, maxContentLength, pipeline);
                                        return plain instanceof FullHttpResponse response
                                                ? jsonContinueResponse(response, maxContentLength)
                                                : plain;
                                    }

                                    @Override
                                    protected void handleOversizedMessage(
                                            ChannelHandlerContext ctx, HttpMessage oversized) throws Exception {
                                        if (!(oversized instanceof HttpRequest)) {
                                            super.handleOversizedMessage(ctx, oversized);
                                            return;
                                        }
                                        // The rest of the body is still on its way: answer, end our side, and
                                        // let the aggregator discard what still comes until the client closes
                                        // or the linger time ends (a "lingering close").
                                        FullHttpResponse response = ChatHttpHandler.error(
                                                ChatError.BODY_TOO_LARGE,
                                                "the request body is larger than " + contentBytesMax + " bytes");
                                        HttpUtil.setContentLength(
                                                response, response.content().readableBytes());
                                        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                                        ctx.writeAndFlush(response).addListener(written -> {
                                            if (written.isSuccess() && ctx.channel() instanceof SocketChannel socket) {
                                                socket.shutdownOutput();
                                                ctx.executor()
                                                        .schedule(
                                                                () -> ctx.close(),
                                                                OVERSIZED_BODY_LINGER_MILLIS,
                                                                TimeUnit.MILLISECONDS);
                                            } else {
                                                ctx.close();
                                            }
                                        });
                                    }
                                })
                                .addLast("chunked", new ChunkedWriteHandler())
                                .addLast("websocket-guard", new ChannelInboundHandlerAdapter() {
                                    @Override
                                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                        String path = msg instanceof FullHttpRequest request
                                                ? webSocketPathOf(request)
                                                : null;
                                        if (path == null) {
                                            ctx.fireChannelRead(msg);
                                            return;
                                        }
                                        FullHttpRequest request = (FullHttpRequest) msg;
                                        if (!ChatHttpHandler.isUpgrade(request)
                                                || ChatHttpHandler.handshakeError(request) != null) {
                                            // Past Netty's handshake handler, whose refusals are plain text: the chat
                                            // handler answers with a JSON error, in the connection's order.
                                            ctx.pipeline().context("websocket").fireChannelRead(msg);
                                            return;
                                        }
                                        if (api != null && path.equals(api.webSocketPath())) {
                                            // This guard, the firehose and the original handler make way for the v1
                                            // WebSocket.
                                            ChannelHandlerContext aggregate =
                                                    ctx.pipeline().context("aggregate");
                                            api.installWebSocket(ctx.pipeline(), "aggregate");
                                            aggregate.fireChannelRead(msg);
                                            return;
                                        }
                                        request.setUri(WEBSOCKET_PATH); // Netty's handler matches the whole target
                                        ctx.fireChannelRead(msg);
                                    }
                                })
                                .addLast("websocket", new WebSocketServerProtocolHandler(WEBSOCKET_PATH))
                                .addLast("firehose", new ChannelInboundHandlerAdapter() {
                                    @Override
                                    public void userEventTriggered(ChannelHandlerContext ctx, Object event)
                                            throws Exception {
                                        if (event instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                                            firehose.subscribe(ctx.channel());
                                            watchFirehoseClient(ctx);
                                            return;
                                        }
                                        if (event instanceof IdleStateEvent) {
                                            firehose.dropDeadClient(ctx.channel(), http.firehoseIdleTimeoutMillis());
                                            return;
                                        }
                                        super.userEventTriggered(ctx, event);
                                    }
                                })
                                .addLast("api", handler);
                    }
                });
        var bound = bootstrap.bind(host, port).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IllegalStateException(
                    "cannot listen for HTTP on " + host + ":" + port + ": "
                            + bound.cause().getMessage(),
                    bound.cause());
        }
        serverChannel = bound.channel();
        LOG.info("HTTP API listening on {}", serverChannel.localAddress());
    }

    /**
     * Admits a new connection when the global and per-address caps allow, counting it until it closes; else
     * answers {@code 503 too_many_connections} (plain connections only: a TLS one is just closed) and closes it.
     */
    private boolean admit(SocketChannel channel, boolean plain) {
        InetAddress address =
                channel.remoteAddress() == null ? null : channel.remoteAddress().getAddress();
        String refusal = null;
        synchronized (perAddress) {
            int fromAddress = address == null ? 0 : perAddress.getOrDefault(address, 0);
            if (openConnections >= http.connectionsMax()) {
                refusal = openConnections + " connections are open, the most allowed (--http-connections-max)";
            } else if (fromAddress >= http.connectionsPerAddressMax()) {
                refusal = fromAddress
                        + " connections are open from this address, the most allowed"
                        + " (--http-connections-per-address-max)";
            } else {
                openConnections++;
                if (address != null) {
                    perAddress.merge(address, 1, Integer::sum);
                }
            }
        }
        if (refusal != null) {
            refusedConnections.incrementAndGet();
            LOG.debug("refusing HTTP connection from {}: {}", channel.remoteAddress(), refusal);
            if (plain) {
                channel.writeAndFlush(Unpooled.wrappedBuffer(tooManyConnections(refusal)))
                        .addListener(ChannelFutureListener.CLOSE);
            } else {
                channel.close();
            }
            return false;
        }
        connections.add(channel);
        channel.closeFuture().addListener(closed -> {
            synchronized (perAddress) {
                openConnections--;
                if (address != null) {
                    perAddress.computeIfPresent(address, (key, count) -> count <= 1 ? null : count - 1);
                }
            }
        });
        return true;
    }

    private static byte[] tooManyConnections(String why) {
        byte[] body = ("{\"error\":{\"code\":\"too_many_connections\",\"message\":\"" + why + "\"}}")
                .getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\n"
                + "Retry-After: 1\r\nConnection: close\r\nContent-Length: " + body.length + "\r\n\r\n";
        byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
        byte[] all = Arrays.copyOf(headBytes, headBytes.length + body.length);
        System.arraycopy(body, 0, all, headBytes.length, body.length);
        return all;
    }

    /** Pings a firehose client every interval; one silent for the idle timeout gets an {@link IdleStateEvent}. */
    private void watchFirehoseClient(ChannelHandlerContext ctx) {
        ctx.pipeline()
                .addBefore(
                        "websocket",
                        "firehose-idle",
                        new IdleStateHandler(http.firehoseIdleTimeoutMillis(), 0, 0, TimeUnit.MILLISECONDS));
        ScheduledFuture<?> pinger = ctx.executor()
                .scheduleAtFixedRate(
                        () -> ctx.writeAndFlush(new PingWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {1}))),
                        http.firehosePingIntervalMillis(),
                        http.firehosePingIntervalMillis(),
                        TimeUnit.MILLISECONDS);
        ctx.channel().closeFuture().addListener(closed -> pinger.cancel(false));
    }

    /** The 413 and 417 that the aggregator answers to {@code Expect}, as JSON errors like every other. */
    private static FullHttpResponse jsonContinueResponse(FullHttpResponse plain, int maxContentLength) {
        int status = plain.status().code();
        if (status < 400) {
            return plain;
        }
        FullHttpResponse json = status == 413
                ? ChatHttpHandler.error(
                        ChatError.BODY_TOO_LARGE, "the request body is larger than " + maxContentLength + " bytes")
                : ChatHttpHandler.error(ChatError.EXPECTATION_FAILED, ChatError.EXPECTATION_FAILED.defaultMessage());
        json.headers().set(plain.headers());
        json.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=utf-8");
        HttpUtil.setContentLength(json, json.content().readableBytes());
        return json;
    }

    /** The WebSocket path a request names ({@code /ws} or the v1 path), or null. Never throws. */
    private String webSocketPathOf(FullHttpRequest request) {
        String path = ChatHttpHandler.rawPath(request.uri());
        if (path.equals(WEBSOCKET_PATH)) {
            return WEBSOCKET_PATH;
        }
        if (api != null && path.equals(api.webSocketPath())) {
            return path;
        }
        return null;
    }

    /** Connections refused by the caps since the start. */
    public long refusedConnections() {
        return refusedConnections.get();
    }

    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    /** Requests received and not yet answered. */
    public int inFlight() {
        return handler.inFlight();
    }

    /** Closes the listening socket; open connections keep being served. */
    public void stopAccepting() {
        serverChannel.close().awaitUninterruptibly();
    }

    @Override
    public void close() {
        stopAccepting();
        connections.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
