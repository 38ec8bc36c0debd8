package dev.raftchat.raft.transport.netty;

import dev.raftchat.raft.transport.netty.proto.RaftProto;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The handler of an outbound connection. Raft traffic only leaves on it; the only frame the accepting
 * node may send back is a {@code Rejection} just before it closes. Anything else closes the connection.
 */
// FutureReturnValueIgnored: the futures ignored here are Netty's write, close and schedule futures. A failed
// write or close surfaces in the pipeline (exceptionCaught, channelInactive), which closes the channel; the
// caller has nothing more to do with the outcome.
@SuppressWarnings("FutureReturnValueIgnored")
final class OutboundPeerHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(OutboundPeerHandler.class);

    private final PeerLink link;
    private final long selfId;

    OutboundPeerHandler(PeerLink link, long selfId) {
        this.link = link;
        this.selfId = selfId;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf body = (ByteBuf) msg;
        try {
            RaftProto.Frame frame = MessageCodec.parseFrame(body.nioBuffer());
            if (frame.getKindCase() == RaftProto.Frame.KindCase.REJECTION) {
                link.onRejected(frame.getRejection().getReason());
            } else {
                LOG.warn(
                        "node {}: peer {} sent an unexpected {} frame on our outbound connection; closing it",
                        selfId,
                        link.peerId,
                        frame.getKindCase());
            }
        } catch (CodecException e) {
            LOG.warn(
                    "node {}: peer {} sent a malformed frame on our outbound connection; closing it: {}",
                    selfId,
                    link.peerId,
                    e.getMessage());
        } finally {
            body.release();
        }
        ctx.close();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            link.onWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof SslHandshakeCompletionEvent handshake && !handshake.isSuccess()) {
            LOG.warn(
                    "node {}: TLS handshake with peer {} failed: {}",
                    selfId,
                    link.peerId,
                    handshake.cause() == null
                            ? "unknown cause"
                            : handshake.cause().toString());
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            LOG.debug("node {}: connection to peer {} failed: {}", selfId, link.peerId, cause.getMessage());
        } else {
            LOG.warn("node {}: closing connection to peer {}: {}", selfId, link.peerId, cause.toString());
        }
        ctx.close();
    }
}
