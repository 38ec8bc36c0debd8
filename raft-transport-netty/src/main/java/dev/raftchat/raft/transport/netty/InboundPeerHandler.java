package dev.raftchat.raft.transport.netty;

import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.transport.Transport;
import dev.raftchat.raft.transport.netty.proto.RaftProto;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The handler of one inbound connection: expects a valid hello first, then Raft messages from the node
 * that said hello and addressed to this node, and hands each to the {@link Transport.Inbox}.
 *
 * <p>Any defect — a malformed, oversized or unexpected frame, an invalid message, a bad hello, a TLS
 * failure, no hello in time — closes this connection, logs one WARN line naming the remote address and
 * the reason, and is counted. Nothing here throws to Netty and nothing touches Raft state: the node
 * keeps serving its other connections. One instance per connection; runs on that connection's event loop.
 */
// FutureReturnValueIgnored: the futures ignored here are Netty's write, close and schedule futures. A failed
// write or close surfaces in the pipeline (exceptionCaught, channelInactive), which closes the channel; the
// caller has nothing more to do with the outcome.
@SuppressWarnings("FutureReturnValueIgnored")
final class InboundPeerHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(InboundPeerHandler.class);

    private final NettyTransportConfig config;
    private final Transport.Inbox inbox;
    private final Counters counters;
    private final AtomicInteger inboundConnections;

    private long peerId;
    private boolean closing;
    private ScheduledFuture<?> helloTimeout;
    /** Told of every valid hello. */
    private final HelloListener onHello;

    /** Hears every valid hello: the peer's id, its incarnation and its reply address ("" when none). */
    @FunctionalInterface
    interface HelloListener {
        void hello(long peerId, long incarnation, String replyAddress);
    }

    InboundPeerHandler(
            NettyTransportConfig config,
            Transport.Inbox inbox,
            Counters counters,
            AtomicInteger inboundConnections,
            HelloListener onHello) {
        this.onHello = onHello;
        this.config = config;
        this.inbox = inbox;
        this.counters = counters;
        this.inboundConnections = inboundConnections;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (inboundConnections.incrementAndGet() > config.inboundConnectionsMax()) {
            rejectHandshake(
                    ctx, "too many inbound connections (inboundConnectionsMax " + config.inboundConnectionsMax() + ")");
            return;
        }
        helloTimeout = ctx.executor()
                .schedule(
                        () -> rejectHandshake(ctx, "no hello within " + config.handshakeTimeoutMillis() + " ms"),
                        config.handshakeTimeoutMillis(),
                        TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        inboundConnections.decrementAndGet();
        cancelHelloTimeout();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf body = (ByteBuf) msg;
        try {
            if (closing) {
                return;
            }
            RaftProto.Frame frame = MessageCodec.parseFrame(body.nioBuffer());
            if (peerId == 0) {
                onHello(ctx, frame);
            } else {
                onMessage(ctx, frame);
            }
        } catch (CodecException e) {
            decodeError(ctx, e.getMessage());
        } finally {
            body.release();
        }
    }

    private void onHello(ChannelHandlerContext ctx, RaftProto.Frame frame) {
        if (frame.getKindCase() != RaftProto.Frame.KindCase.HELLO) {
            decodeError(ctx, "expected a hello first, got a " + frame.getKindCase() + " frame");
            return;
        }
        RaftProto.Hello hello = frame.getHello();
        if (hello.getProtocolVersion() != Frames.PROTOCOL_VERSION) {
            rejectHandshake(
                    ctx,
                    "protocol version " + hello.getProtocolVersion() + " is not supported (this node speaks "
                            + Frames.PROTOCOL_VERSION + ")");
        } else if (!hello.getClusterId().equals(config.clusterId())) {
            rejectHandshake(
                    ctx,
                    "cluster id '" + hello.getClusterId() + "' does not match this node's '" + config.clusterId()
                            + "'");
        } else if (hello.getNodeId() <= 0) {
            rejectHandshake(ctx, "node id " + Long.toUnsignedString(hello.getNodeId()) + " is not a valid node id");
        } else if (hello.getNodeId() == config.nodeId()) {
            rejectHandshake(
                    ctx, "node id " + hello.getNodeId() + " is this node's own id (duplicate id in the cluster?)");
        } else {
            peerId = hello.getNodeId();
            cancelHelloTimeout();
            // Only now may the peer send frames of full size.
            ((FrameDecoder) ctx.pipeline().get("frames")).frameBytesLimit(config.frameBytesMax());
            LOG.debug(
                    "node {}: inbound connection from peer {} at {}",
                    config.nodeId(),
                    peerId,
                    ctx.channel().remoteAddress());
            onHello.hello(peerId, hello.getIncarnation(), hello.getReplyAddress());
        }
    }

    private void onMessage(ChannelHandlerContext ctx, RaftProto.Frame frame) {
        Message message = MessageCodec.messageOf(frame);
        if (message.from() != peerId) {
            decodeError(ctx, "message from node " + message.from() + " on the connection of node " + peerId);
            return;
        }
        if (message.to() != config.nodeId()) {
            decodeError(
                    ctx,
                    "message for node " + message.to() + " arrived at node " + config.nodeId()
                            + " (stale peer address at the sender?)");
            return;
        }
        counters.received.increment();
        try {
            inbox.deliver(message);
        } catch (RuntimeException e) {
            // The inbox broke its contract; losing one message is what Raft tolerates, losing the
            // connection for every later message would be worse.
            LOG.warn(
                    "node {}: inbox threw while taking a {} from peer {}; message dropped",
                    config.nodeId(),
                    message.getClass().getSimpleName(),
                    peerId,
                    e);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof SslHandshakeCompletionEvent handshake && !handshake.isSuccess()) {
            tlsFailure(ctx, handshake.cause());
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof DecoderException && cause.getCause() instanceof SSLException) {
            tlsFailure(ctx, cause.getCause());
        } else if (cause instanceof DecoderException) {
            // TooLongFrameException and CorruptedFrameException from the length decoder land here.
            decodeError(ctx, cause.getMessage());
        } else if (cause instanceof IOException) {
            if (!closing) {
                closing = true;
                LOG.debug(
                        "node {}: inbound connection from {} failed: {}",
                        config.nodeId(),
                        remote(ctx),
                        cause.getMessage());
            }
            ctx.close();
        } else {
            decodeError(ctx, cause.toString());
        }
    }

    private void tlsFailure(ChannelHandlerContext ctx, Throwable cause) {
        if (closing) {
            return;
        }
        closing = true;
        counters.handshakesRejected.increment();
        LOG.warn(
                "node {}: closing inbound connection from {}: TLS handshake failed: {}",
                config.nodeId(),
                remote(ctx),
                describe(cause));
        ctx.close();
    }

    private void decodeError(ChannelHandlerContext ctx, String reason) {
        if (closing) {
            return;
        }
        closing = true;
        counters.decodeErrors.increment();
        LOG.warn(
                "node {}: closing inbound connection from {}{}: bad frame: {}",
                config.nodeId(),
                remote(ctx),
                peerId == 0 ? "" : " (peer " + peerId + ")",
                reason);
        ctx.close();
    }

    private void rejectHandshake(ChannelHandlerContext ctx, String reason) {
        if (closing) {
            return;
        }
        closing = true;
        cancelHelloTimeout();
        counters.handshakesRejected.increment();
        LOG.warn("node {}: refusing inbound connection from {}: {}", config.nodeId(), remote(ctx), reason);
        ctx.writeAndFlush(Frames.encode(ctx.alloc(), Frames.rejection(reason)))
                .addListener(ChannelFutureListener.CLOSE);
    }

    private void cancelHelloTimeout() {
        if (helloTimeout != null) {
            helloTimeout.cancel(false);
            helloTimeout = null;
        }
    }

    private static String describe(Throwable cause) {
        if (cause == null) {
            return "unknown cause";
        }
        return cause.getMessage() != null
                ? cause.getMessage()
                : cause.getClass().getSimpleName();
    }

    private static Object remote(ChannelHandlerContext ctx) {
        return ctx.channel().remoteAddress();
    }
}
