package dev.raftchat.chat.http;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.raftchat.chat.state.ChatListener;
import dev.raftchat.chat.state.ChatStateMachine;
import dev.raftchat.chat.state.Post;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.io.IOException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The original raft-chat's {@code /ws} firehose: every applied post goes to every connected WebSocket
 * client as {@code {"RoomName":..,"Post":{"User","Message","PostedAt"}}}.
 *
 * <p><b>Back-pressure.</b> Each client has at most {@code queueFramesMax} frames written but not yet
 * flushed to its socket; a client that falls further behind is disconnected (close code 1008) rather
 * than buffered without bound. {@link #onPost} runs on the Raft thread, encodes the post once and only
 * hands frames to Netty (which never blocks the caller), so no client can slow the apply path.
 *
 * <p><b>Dead peers.</b> {@link ChatHttpServer} pings each client every {@code --firehose-ping-interval-ms}; one
 * that sends nothing (no pong, no frame) for {@code --firehose-idle-timeout-ms} is dropped (close code 1001).
 */
// FutureReturnValueIgnored: the futures ignored here are Netty's write, close and schedule futures. A failed
// write or close surfaces in the pipeline (exceptionCaught, channelInactive), which closes the channel; the
// caller has nothing more to do with the outcome.
@SuppressWarnings("FutureReturnValueIgnored")
public final class Firehose implements ChatListener {
    private static final Logger LOG = LoggerFactory.getLogger(Firehose.class);

    private final int queueFramesMax;
    private final ConcurrentHashMap<Channel, AtomicInteger> clients = new ConcurrentHashMap<>();
    private final AtomicLong slowClientsDropped = new AtomicLong();
    private final AtomicLong deadClientsDropped = new AtomicLong();

    public Firehose(int queueFramesMax) {
        if (queueFramesMax < 1) {
            throw new IllegalArgumentException("queueFramesMax = " + queueFramesMax + " must be at least 1");
        }
        this.queueFramesMax = queueFramesMax;
    }

    /** Registers a client whose WebSocket handshake completed; it is forgotten when its channel closes. */
    public void subscribe(Channel channel) {
        clients.put(channel, new AtomicInteger());
        channel.closeFuture().addListener(done -> clients.remove(channel));
    }

    public int clientCount() {
        return clients.size();
    }

    public long slowClientsDropped() {
        return slowClientsDropped.get();
    }

    /** Clients dropped because they answered no ping for the idle timeout (dead peers). */
    public long deadClientsDropped() {
        return deadClientsDropped.get();
    }

    /** Drops a client that sent nothing, not even a pong, for {@code idleMillis}: its peer is gone. */
    void dropDeadClient(Channel channel, long idleMillis) {
        clients.remove(channel);
        deadClientsDropped.incrementAndGet();
        LOG.debug("disconnecting WebSocket client {}: no pong or frame for {} ms", channel.remoteAddress(), idleMillis);
        channel.writeAndFlush(new CloseWebSocketFrame(
                WebSocketCloseStatus.ENDPOINT_UNAVAILABLE, "no pong or frame for " + idleMillis + " ms"));
        channel.close();
    }

    @Override
    public void onPost(String room, Post post) {
        if (clients.isEmpty()) {
            return;
        }
        byte[] json = ChatStateMachine.json(generator -> writeEvent(generator, room, post));
        clients.forEach((channel, queued) -> {
            if (queued.incrementAndGet() > queueFramesMax) {
                if (clients.remove(channel) != null) {
                    slowClientsDropped.incrementAndGet();
                    LOG.info(
                            "disconnecting WebSocket client {}: more than {} frames queued",
                            channel.remoteAddress(),
                            queueFramesMax);
                    channel.writeAndFlush(new CloseWebSocketFrame(
                            WebSocketCloseStatus.POLICY_VIOLATION,
                            "too slow: more than " + queueFramesMax + " frames queued"));
                    channel.close();
                }
                return;
            }
            channel.writeAndFlush(new TextWebSocketFrame(Unpooled.wrappedBuffer(json)))
                    .addListener(done -> queued.decrementAndGet());
        });
    }

    private static void writeEvent(JsonGenerator generator, String room, Post post) throws IOException {
        generator.writeStartObject();
        generator.writeStringField("RoomName", room);
        generator.writeFieldName("Post");
        ChatStateMachine.writePost(generator, post);
        generator.writeEndObject();
    }
}
