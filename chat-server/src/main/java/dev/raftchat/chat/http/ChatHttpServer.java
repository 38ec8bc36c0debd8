package dev.raftchat.chat.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
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
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP and WebSocket server of a chat node. One pipeline per connection: HTTP codec, body
 * aggregation up to {@code contentBytesMax} (larger bodies get a JSON 413 and the connection closes), the {@code /ws} upgrade, then the
 * {@link ChatHttpHandler}. At most {@code connectionsMax} connections are open at once; more are
 * closed on accept.
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

    /**
     * Binds {@code host:port} (port 0: any free port) and starts serving.
     *
     * @throws IllegalStateException when the address cannot be bound
     */
    public ChatHttpServer(
            String host,
            int port,
            ChatBackend backend,
            Firehose firehose,
            int contentBytesMax,
            int connectionsMax,
            String adminToken) {
        this(
                host,
                port,
                backend,
                firehose,
                contentBytesMax,
                connectionsMax,
                adminToken,
                null,
                HttpRequestObserver.NONE,
                null,
                null);
    }

    /**
     * As above, plus the operations routes ({@code ops}, null for none), a request observer, TLS (with a
     * server context every connection is HTTPS/WSS and plain HTTP is refused; null for plain HTTP) and the
     * chat API v1 ({@code api}: routes under {@code /api/v1} and its WebSocket; null for none).
     */
    public ChatHttpServer(
            String host,
            int port,
            ChatBackend backend,
            Firehose firehose,
            int contentBytesMax,
            int connectionsMax,
            String adminToken,
            OpsRoutes ops,
            HttpRequestObserver observer,
            io.netty.handler.ssl.SslContext tls,
            ApiRoutes api) {
        this.handler = new ChatHttpHandler(backend, adminToken, ops, observer, api);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        if (connections.size() >= connectionsMax) {
                            LOG.warn(
                                    "refusing HTTP connection from {}: {} connections are open, the most allowed",
                                    channel.remoteAddress(),
                                    connectionsMax);
                            channel.close();
                            return;
                        }
                        connections.add(channel);
                        if (tls != null) {
                            channel.pipeline().addLast("tls", tls.newHandler(channel.alloc()));
                        }
                        channel.pipeline()
                                .addLast("http", new HttpServerCodec())
                                .addLast("aggregate", new HttpObjectAggregator(contentBytesMax) {
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
                                                413,
                                                "body_too_large",
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
                                .addLast("chunked", new io.netty.handler.stream.ChunkedWriteHandler())
                                .addLast("websocket-guard", new ChannelInboundHandlerAdapter() {
                                    @Override
                                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                        if (api != null
                                                && msg instanceof FullHttpRequest request
                                                && new QueryStringDecoder(request.uri())
                                                        .path()
                                                        .equals(api.webSocketPath())
                                                && request.headers()
                                                        .containsValue(
                                                                HttpHeaderNames.UPGRADE,
                                                                HttpHeaderValues.WEBSOCKET,
                                                                true)) {
                                            // This guard, the firehose and the original handler make way for the v1
                                            // WebSocket.
                                            ChannelHandlerContext aggregate =
                                                    ctx.pipeline().context("aggregate");
                                            api.installWebSocket(ctx.pipeline(), "aggregate");
                                            aggregate.fireChannelRead(msg);
                                            return;
                                        }
                                        if (msg instanceof FullHttpRequest request
                                                && isPlainRequestForWebSocket(request)) {
                                            request.release();
                                            FullHttpResponse response = ChatHttpHandler.error(
                                                    400,
                                                    "websocket_upgrade_required",
                                                    WEBSOCKET_PATH
                                                            + " is a WebSocket: connect with a WebSocket client");
                                            HttpUtil.setContentLength(
                                                    response, response.content().readableBytes());
                                            ctx.writeAndFlush(response);
                                            return;
                                        }
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

    /** A request for the WebSocket path without an upgrade, which gets a JSON error rather than Netty's plain text. */
    private static boolean isPlainRequestForWebSocket(FullHttpRequest request) {
        String path = new QueryStringDecoder(request.uri()).path();
        return path.equals(WEBSOCKET_PATH)
                && !request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
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
