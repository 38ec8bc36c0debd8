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
 * The handler of an outbound connection. Raft traffic only leaves on it, and only once the accepting
 * node answered our hello with a valid {@code Challenge} (it holds the cluster secret, is the node we
 * meant to reach, and with TLS its certificate names that node) and our {@code Proof} is written. The
 * only other frame it may send is a {@code Rejection} just before it closes. Anything else closes the
 * connection.
 */
// FutureReturnValueIgnored: the futures ignored here are Netty's write, close and schedule futures. A failed
// write or close surfaces in the pipeline (exceptionCaught, channelInactive), which closes the channel; the
// caller has nothing more to do with the outcome.
@SuppressWarnings("FutureReturnValueIgnored")
final class OutboundPeerHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(OutboundPeerHandler.class);

    private final PeerLink link;
    private final long selfId;
    private final PeerAuthentication auth;
    private final Counters counters;
    private final byte[] clientNonce;
    private boolean authenticated;

    OutboundPeerHandler(PeerLink link, PeerAuthentication auth, Counters counters) {
        this.link = link;
        this.selfId = auth.nodeId();
        this.auth = auth;
        this.counters = counters;
        this.clientNonce = auth.newNonce();
    }

    /** The nonce our hello carries on this connection. */
    byte[] clientNonce() {
        return clientNonce.clone();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf body = (ByteBuf) msg;
        try {
            RaftProto.Frame frame = MessageCodec.parseFrame(body.nioBuffer());
            if (frame.getKindCase() == RaftProto.Frame.KindCase.REJECTION) {
                link.onRejected(frame.getRejection().getReason());
            } else if (frame.getKindCase() == RaftProto.Frame.KindCase.CHALLENGE && !authenticated) {
                String problem = checkChallenge(ctx, frame.getChallenge());
                if (problem == null) {
                    return; // authenticated: the connection stays open
                }
                counters.authenticationFailures.increment();
                link.onAuthenticationFailed(problem);
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

    /** Checks the accepting node's challenge; on success sends our proof and hands the connection to the link. */
    private String checkChallenge(ChannelHandlerContext ctx, RaftProto.Challenge challenge) {
        long peerId = link.peerId;
        if (challenge.getNodeId() != peerId) {
            return "we meant to reach node " + peerId + " but node " + challenge.getNodeId() + " answered";
        }
        String ours = auth.clusterId();
        String theirs = challenge.getClusterId();
        if (theirs.isEmpty() || (!ours.isEmpty() && !ours.equals(theirs))) {
            return "its cluster id '" + theirs + "' does not match ours '" + ours + "'";
        }
        if (challenge.getNonce().size() != PeerAuthentication.NONCE_BYTES) {
            return "its challenge's nonce has " + challenge.getNonce().size() + " bytes";
        }
        String certificateProblem = auth.certificateProblem(ctx.channel(), peerId);
        if (certificateProblem != null) {
            return certificateProblem;
        }
        byte[] key = auth.keyFor(challenge.getKeyId().toByteArray());
        if (key == null) {
            return "it chose a cluster secret we do not hold";
        }
        byte[] serverNonce = challenge.getNonce().toByteArray();
        byte[] expected = PeerAuthentication.serverMac(key, theirs, selfId, peerId, clientNonce, serverNonce);
        if (!PeerAuthentication.macEquals(expected, challenge.getMac().toByteArray())) {
            return "it failed to prove it holds the cluster secret (wrong secret, or not a member)";
        }
        if (!auth.learnClusterId(theirs)) {
            return "its cluster id '" + theirs + "' does not match ours '" + auth.clusterId() + "'";
        }
        authenticated = true;
        byte[] proof = PeerAuthentication.clientMac(key, theirs, selfId, peerId, clientNonce, serverNonce);
        ctx.writeAndFlush(Frames.encode(ctx.alloc(), Frames.proof(proof)));
        link.onAuthenticated(ctx.channel());
        return null;
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
