package dev.raftchat.raft.transport.netty;

import com.google.protobuf.ByteString;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The handler of one inbound connection: expects a valid hello first, answers with a challenge, expects
 * the peer's proof (see {@link PeerAuthentication}), then Raft messages from the node that authenticated
 * and addressed to this node, and hands each to the {@link Transport.Inbox}. A message claiming another
 * sender is dropped, counted ({@code senderMismatches}) and closes the connection.
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

    private final PeerAuthentication auth;
    /** The authenticated peer, 0 until its proof checked. */
    private long peerId;
    /** Between a valid hello and the peer's proof: the hello, the cluster id and key of this session, our nonce. */
    private RaftProto.Hello pendingHello;

    private String sessionClusterId;
    private byte[] sessionKey;
    private byte[] serverNonce;
    private boolean closing;
    private ScheduledFuture<?> helloTimeout;
    /** Told of every valid hello and of every message accepted. */
    private final PeerListener onHello;

    /** What the transport hears of an authenticated peer. Called on the connection's event loop; must not block. */
    interface PeerListener {
        /** A valid hello: the peer's id, its incarnation and its reply address ("" when none). */
        void hello(long peerId, long incarnation, String replyAddress);

        /** A message from {@code peerId} was accepted (called before it goes to the inbox). */
        void messageFrom(long peerId);
    }

    InboundPeerHandler(
            NettyTransportConfig config,
            Transport.Inbox inbox,
            Counters counters,
            AtomicInteger inboundConnections,
            PeerAuthentication auth,
            PeerListener onHello) {
        this.onHello = onHello;
        this.auth = auth;
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
                        () -> rejectHandshake(
                                ctx, "no authenticated hello within " + config.handshakeTimeoutMillis() + " ms"),
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
            if (peerId == 0 && pendingHello == null) {
                onHello(ctx, frame);
            } else if (peerId == 0) {
                onProof(ctx, frame);
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
        String ours = auth.clusterId();
        if (hello.getProtocolVersion() != Frames.PROTOCOL_VERSION) {
            rejectHandshake(
                    ctx,
                    "protocol version " + hello.getProtocolVersion() + " is not supported (this node speaks "
                            + Frames.PROTOCOL_VERSION + ", which authenticates peers)");
        } else if (!ours.isEmpty()
                && !hello.getClusterId().isEmpty()
                && !hello.getClusterId().equals(ours)) {
            rejectAuthentication(
                    ctx, "cluster id '" + hello.getClusterId() + "' does not match this node's '" + ours + "'");
        } else if (ours.isEmpty() && hello.getClusterId().isEmpty()) {
            rejectHandshake(ctx, "neither node knows the cluster id yet; this node learns it from a member");
        } else if (hello.getNodeId() <= 0) {
            rejectHandshake(ctx, "node id " + Long.toUnsignedString(hello.getNodeId()) + " is not a valid node id");
        } else if (hello.getNodeId() == config.nodeId()) {
            rejectHandshake(
                    ctx, "node id " + hello.getNodeId() + " is this node's own id (duplicate id in the cluster?)");
        } else if (hello.getToNodeId() != config.nodeId()) {
            rejectHandshake(
                    ctx,
                    "the hello is for node " + hello.getToNodeId() + " but this is node " + config.nodeId()
                            + " (stale peer address at the sender?)");
        } else if (hello.getNonce().size() != PeerAuthentication.NONCE_BYTES) {
            rejectAuthentication(
                    ctx, "the hello's nonce has " + hello.getNonce().size() + " bytes");
        } else {
            String certificateProblem = auth.certificateProblem(ctx.channel(), hello.getNodeId());
            if (certificateProblem != null) {
                rejectAuthentication(ctx, "the peer claims node " + hello.getNodeId() + " but " + certificateProblem);
                return;
            }
            byte[] keyId = chooseKey(hello);
            if (keyId == null) {
                rejectAuthentication(
                        ctx,
                        hello.getKeyIdsCount() == 0
                                ? "the peer has no cluster secret but this node requires one"
                                : auth.secrets().isEmpty()
                                        ? "the peer has a cluster secret but this node has none"
                                        : "no cluster secret in common (the peer accepts key ids "
                                                + hexList(hello.getKeyIdsList()) + ", this node "
                                                + auth.secrets().keyIdsHex() + ")");
                return;
            }
            pendingHello = hello;
            sessionClusterId = ours.isEmpty() ? hello.getClusterId() : ours;
            sessionKey = auth.keyFor(keyId);
            serverNonce = auth.newNonce();
            byte[] mac = PeerAuthentication.serverMac(
                    sessionKey,
                    sessionClusterId,
                    hello.getNodeId(),
                    config.nodeId(),
                    hello.getNonce().toByteArray(),
                    serverNonce);
            ctx.writeAndFlush(Frames.encode(
                    ctx.alloc(), Frames.challenge(sessionClusterId, config.nodeId(), serverNonce, keyId, mac)));
        }
    }

    /** The key id of the first of our secrets the peer also holds; empty when neither has one; null if none match. */
    private byte[] chooseKey(RaftProto.Hello hello) {
        if (auth.secrets().isEmpty()) {
            return hello.getKeyIdsCount() == 0 ? new byte[0] : null;
        }
        for (int i = 0; i < auth.secrets().count(); i++) {
            byte[] ours = auth.secrets().keyIdAt(i);
            for (ByteString theirs : hello.getKeyIdsList()) {
                if (Arrays.equals(ours, theirs.toByteArray())) {
                    return ours;
                }
            }
        }
        return null;
    }

    private static String hexList(List<ByteString> ids) {
        List<String> hex = new ArrayList<>();
        for (ByteString id : ids) {
            hex.add(HexFormat.of().formatHex(id.toByteArray()));
        }
        return hex.toString();
    }

    private void onProof(ChannelHandlerContext ctx, RaftProto.Frame frame) {
        if (frame.getKindCase() != RaftProto.Frame.KindCase.PROOF) {
            decodeError(ctx, "expected the proof after our challenge, got a " + frame.getKindCase() + " frame");
            return;
        }
        RaftProto.Hello hello = pendingHello;
        byte[] expected = PeerAuthentication.clientMac(
                sessionKey,
                sessionClusterId,
                hello.getNodeId(),
                config.nodeId(),
                hello.getNonce().toByteArray(),
                serverNonce);
        if (!PeerAuthentication.macEquals(expected, frame.getProof().getMac().toByteArray())) {
            rejectAuthentication(
                    ctx,
                    "the peer claiming node " + hello.getNodeId() + " failed to prove it holds the cluster secret"
                            + " (wrong --cluster-secret-file, or not a member)");
            return;
        }
        if (!auth.learnClusterId(sessionClusterId)) {
            rejectAuthentication(
                    ctx, "cluster id '" + sessionClusterId + "' does not match this node's '" + auth.clusterId() + "'");
            return;
        }
        peerId = hello.getNodeId();
        pendingHello = null;
        sessionKey = null;
        cancelHelloTimeout();
        // Only now may the peer send frames of full size.
        ((FrameDecoder) ctx.pipeline().get("frames")).frameBytesLimit(config.frameBytesMax());
        LOG.debug(
                "node {}: inbound connection from peer {} at {} authenticated",
                config.nodeId(),
                peerId,
                ctx.channel().remoteAddress());
        onHello.hello(peerId, hello.getIncarnation(), hello.getReplyAddress());
    }

    private void onMessage(ChannelHandlerContext ctx, RaftProto.Frame frame) {
        Message message = MessageCodec.messageOf(frame);
        if (message.from() != peerId) {
            // The connection is bound to the node that authenticated it: a frame claiming another sender
            // is a forgery or a bug; either way nothing more from this connection is believed.
            if (!closing) {
                closing = true;
                counters.senderMismatches.increment();
                LOG.warn(
                        "node {}: dropped a {} claiming to come from node {} on the connection authenticated by "
                                + "node {} at {}; closing it",
                        config.nodeId(),
                        message.getClass().getSimpleName(),
                        message.from(),
                        peerId,
                        remote(ctx));
                ctx.close();
            }
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
        onHello.messageFrom(peerId);
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

    private void rejectAuthentication(ChannelHandlerContext ctx, String reason) {
        if (!closing) {
            counters.authenticationFailures.increment();
        }
        rejectHandshake(ctx, "authentication failed: " + reason);
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
        closeOnce(ctx, counters.handshakesRejected, "TLS handshake failed: " + describe(cause));
    }

    private void decodeError(ChannelHandlerContext ctx, String reason) {
        closeOnce(ctx, counters.decodeErrors, "bad frame: " + reason);
    }

    /** Closes the connection unless it is closing already, counting it under {@code counter} and logging why. */
    private void closeOnce(ChannelHandlerContext ctx, LongAdder counter, String why) {
        if (closing) {
            return;
        }
        closing = true;
        counter.increment();
        LOG.warn(
                "node {}: closing inbound connection from {}{}: {}",
                config.nodeId(),
                remote(ctx),
                peerId == 0 ? "" : " (peer " + peerId + ")",
                why);
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
