package dev.raftchat.chat.api.v1;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raftchat.chat.auth.Tokens;
import dev.raftchat.chat.http.HttpConfig;
import dev.raftchat.chat.state.ChatError;
import dev.raftchat.chat.state.ChatListener;
import dev.raftchat.chat.state.ChatModel;
import dev.raftchat.chat.state.ChatStateMachine;
import dev.raftchat.chat.state.Message;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The v1 WebSocket ({@code /api/v1/ws}, docs/api.md): authenticated clients subscribe to rooms and receive
 * each message once, in seq order, with edits, deletions, room deletions and resets.
 *
 * <p><b>No gap, no duplicate.</b> Each subscription remembers the last seq it delivered. Events from the
 * state machine only wake the connection up: a message with the next seq is sent directly; anything else
 * (a resume with {@code after}, a gap after a pause, a snapshot restore) is filled from the applied state,
 * which always holds every message up to the event's. A seq at or below the last delivered is dropped. So
 * the client sees exactly the room's history from its cursor on; when the cursor is older than retained
 * history it gets {@code reset} and continues from the latest message.
 *
 * <p><b>Threads and bounds.</b> Listener callbacks run on the Raft thread: they only count and enqueue a
 * task on the connection's event loop, never write or block; a connection with more than
 * {@code webSocketOutboundBytesMax / 256} tasks queued is closed with 4008. On the event loop, messages are
 * written only while the channel is writable (write buffer high water mark {@code webSocketOutboundBytesMax / 2});
 * otherwise delivery pauses and resumes from the state when the socket drains. Other events are always written,
 * and a connection whose pending bytes exceed {@code webSocketOutboundBytesMax} is closed with 4008 (the socket's
 * kernel send buffer is set to the same size, so it cannot hide megabytes either). The server
 * pings every {@code webSocketPingIntervalMillis}; a connection silent for {@code webSocketIdleTimeoutMillis}
 * is closed. The token is re-checked at each ping: a revoked or expired session is closed with 4401, and so is a
 * connection that has not authenticated within {@code --websocket-auth-timeout-ms} of its handshake.
 * Query-string tokens are never logged.
 */
// FutureReturnValueIgnored: the futures ignored here are Netty's write, close and schedule futures, and the
// authentication future, whose callback handles both outcomes itself. A failed write or close surfaces in the
// pipeline (exceptionCaught, channelInactive), which closes the channel; the caller has nothing more to do.
@SuppressWarnings("FutureReturnValueIgnored")
public final class WebSocketHub implements ChatListener {
    private static final Logger LOG = LoggerFactory.getLogger(WebSocketHub.class);
    public static final int CLOSE_UNAUTHORIZED = 4401;
    public static final int CLOSE_SLOW_CONSUMER = 4008;
    static final int FRAME_BYTES_MAX = 64 * 1024;
    static final int CATCH_UP_PAGE = 200;
    /** How long a closing connection may take to send its close frame before the socket is closed anyway. */
    static final long CLOSE_FRAME_WAIT_MILLIS = 1_000;
    /** Frames a client may send before its token is checked (they wait; more is a protocol abuse). */
    static final int PENDING_FRAMES_MAX = 16;

    private final ChatStateMachine chat;
    private final ApiConfig config;
    private final Authenticator authenticator;
    private final int queuedEventsMax;
    /** Room -> its subscribed connections. */
    private final ConcurrentHashMap<String, Set<Connection>> subscribers = new ConcurrentHashMap<>();

    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicLong slowConsumersClosed = new AtomicLong();

    /** A connection not authenticated this long after its handshake is closed with 4401. */
    private final long authTimeoutMillis;

    public WebSocketHub(ChatStateMachine chat, ApiConfig config, Authenticator authenticator) {
        this(chat, config, authenticator, HttpConfig.DEFAULT_WEBSOCKET_AUTH_TIMEOUT_MILLIS);
    }

    /** @param authTimeoutMillis how long a connection may stay unauthenticated after its handshake */
    public WebSocketHub(ChatStateMachine chat, ApiConfig config, Authenticator authenticator, long authTimeoutMillis) {
        if (authTimeoutMillis < 1) {
            throw new IllegalArgumentException("authTimeoutMillis = " + authTimeoutMillis + " must be positive");
        }
        this.authTimeoutMillis = authTimeoutMillis;
        this.chat = chat;
        this.config = config;
        this.authenticator = authenticator;
        this.queuedEventsMax = Math.max(16, config.webSocketOutboundBytesMax() / 256);
    }

    public int connectionCount() {
        return connections.size();
    }

    public long slowConsumersClosed() {
        return slowConsumersClosed.get();
    }

    /** Replaces the handlers after {@code afterHandlerName} with the v1 WebSocket's. */
    void install(ChannelPipeline pipeline, String afterHandlerName) {
        List<String> names = pipeline.names();
        int from = names.indexOf(afterHandlerName) + 1;
        for (String name : new ArrayList<>(names.subList(from, names.size()))) {
            if (pipeline.get(name) != null && !name.startsWith("DefaultChannelPipeline$TailContext")) {
                pipeline.remove(name);
            }
        }
        // The kernel's send buffer would otherwise grow to megabytes and hide a client that stopped reading.
        pipeline.channel().config().setOption(ChannelOption.SO_SNDBUF, config.webSocketOutboundBytesMax());
        pipeline.addLast(
                "v1-idle", new IdleStateHandler(config.webSocketIdleTimeoutMillis(), 0, 0, TimeUnit.MILLISECONDS));
        pipeline.addLast(
                "v1-websocket",
                new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig.newBuilder()
                        .websocketPath(ApiHandler.WEBSOCKET_PATH)
                        .checkStartsWith(true)
                        .maxFramePayloadLength(FRAME_BYTES_MAX)
                        .dropPongFrames(true)
                        .build()));
        pipeline.addLast("v1-connection", new Connection());
    }

    // ------------------------------------------------------------------------------------------------
    // Listener: Raft thread. Only enqueue.

    @Override
    public void onMessage(String room, Message message) {
        Set<Connection> set = subscribers.get(room);
        if (set != null) {
            SharedFrame frame = new SharedFrame("message", room, message);
            forSubscribers(set, connection -> connection.catchUpOrSend(room, message, frame));
        }
    }

    @Override
    public void onMessageEdited(String room, Message message) {
        changed("edited", room, message);
    }

    @Override
    public void onMessageDeleted(String room, Message tombstone) {
        changed("deleted", room, tombstone);
    }

    /** An edit or a deletion ({@code type}) of {@code message}, for the room's subscribers that were sent it. */
    private void changed(String type, String room, Message message) {
        Set<Connection> set = subscribers.get(room);
        if (set != null) {
            SharedFrame frame = new SharedFrame(type, room, message);
            forSubscribers(set, connection -> connection.changed(room, message, frame));
        }
    }

    @Override
    public void onRoomDeleted(String room) {
        Set<Connection> set = subscribers.get(room);
        if (set != null) {
            forSubscribers(set, connection -> connection.roomDeleted(room));
        }
    }

    @Override
    public void onRestored(SortedMap<Long, String> peerUrls) {
        forSubscribers(connections, Connection::catchUpAll);
    }

    /** One event object for all the connections: nothing is allocated per subscriber on the Raft thread. */
    private static void forSubscribers(Set<Connection> set, Consumer<Connection> event) {
        for (Connection connection : set) {
            connection.enqueue(event);
        }
    }

    /**
     * A message, edited or deleted frame shared by every subscriber of its room: its JSON is encoded once, by the
     * first event loop that sends it, and every connection writes the same bytes. Two event loops may race to
     * encode it; both produce the same bytes and either result is kept (the volatile field publishes the array).
     */
    static final class SharedFrame {
        private final String type;
        private final String room;
        private final Message message;
        private volatile byte[] json;

        SharedFrame(String type, String room, Message message) {
            this.type = type;
            this.room = room;
            this.message = message;
        }

        byte[] json() {
            byte[] bytes = json;
            if (bytes == null) {
                bytes = encode(type, room, message);
                json = bytes;
            }
            return bytes;
        }
    }

    /** {@code {"type","room","message"}}: the frame of a new, edited or deleted message. */
    static byte[] encode(String type, String room, Message message) {
        ObjectNode frame = ApiJson.MAPPER.createObjectNode().put("type", type).put("room", room);
        frame.set("message", ApiJson.message(room, message));
        return frame.toString().getBytes(StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------------------------------------

    /**
     * One v1 WebSocket. Its fields are touched on its event loop only, except {@link #queued}, {@link #inbox} and
     * {@link #drainScheduled}, which the Raft thread uses to hand events over.
     */
    private final class Connection extends ChannelInboundHandlerAdapter {
        /** Events in {@link #inbox}; at most {@link #queuedEventsMax}, beyond which the client is too slow. */
        private final AtomicInteger queued = new AtomicInteger();
        /** Events handed over by the Raft thread, bounded by {@link #queued}; drained on the event loop. */
        private final ConcurrentLinkedQueue<Consumer<Connection>> inbox = new ConcurrentLinkedQueue<>();
        /** True while a {@link #drain} task is queued on the event loop and has not started. */
        private final AtomicBoolean drainScheduled = new AtomicBoolean();
        /** True while frames are written without a flush, flushed once when the batch ends. */
        private boolean batching;
        /** A frame was written in the current batch and awaits its flush. */
        private boolean unflushed;

        private Channel channel;
        private Authenticator.Identity identity;
        private boolean authenticating;
        /** Room -> last delivered seq. */
        private final TreeMap<String, Long> lastSeqs = new TreeMap<>();
        /** Frames that arrived while the token was being checked, handled in order once it is. */
        private final ArrayDeque<JsonNode> pendingFrames = new ArrayDeque<>();

        private ScheduledFuture<?> pinger;
        private ScheduledFuture<?> authDeadline;
        private boolean closed;

        /**
         * Raft thread: queues {@code event} for the event loop, which runs every queued event in one task and
         * flushes once at its end (one write system call for all the frames of an applied batch of entries).
         */
        void enqueue(Consumer<Connection> event) {
            if (queued.incrementAndGet() > queuedEventsMax) {
                queued.decrementAndGet();
                slowConsumer("more than " + queuedEventsMax + " events queued");
                return;
            }
            inbox.add(event);
            if (drainScheduled.compareAndSet(false, true)) {
                channel.eventLoop().execute(this::drain);
            }
        }

        /**
         * Event loop: runs the queued events in order. The flag is cleared before the queue is read, so an event
         * added after the last poll always schedules another drain.
         */
        private void drain() {
            drainScheduled.set(false);
            batch(() -> {
                for (Consumer<Connection> event = inbox.poll(); event != null; event = inbox.poll()) {
                    queued.decrementAndGet();
                    if (!closed) {
                        event.accept(this);
                    }
                }
            });
        }

        /** Runs {@code work} writing frames without flushing them, then flushes once if anything was written. */
        private void batch(Runnable work) {
            if (batching) {
                work.run();
                return;
            }
            batching = true;
            try {
                work.run();
            } finally {
                batching = false;
                if (unflushed) {
                    unflushed = false;
                    channel.flush();
                }
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event instanceof WebSocketServerProtocolHandler.HandshakeComplete handshake) {
                channel = ctx.channel();
                int max = config.webSocketOutboundBytesMax();
                channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(max / 4, max / 2));
                connections.add(this);
                channel.closeFuture().addListener(done -> forget());
                pinger = channel.eventLoop()
                        .scheduleAtFixedRate(
                                this::ping,
                                config.webSocketPingIntervalMillis(),
                                config.webSocketPingIntervalMillis(),
                                TimeUnit.MILLISECONDS);
                // Pings (ours answered, or the client's) keep a socket from being idle, not from authenticating.
                authDeadline = channel.eventLoop()
                        .schedule(
                                () -> {
                                    if (identity == null) {
                                        unauthorized("not authenticated within " + authTimeoutMillis + " ms");
                                    }
                                },
                                authTimeoutMillis,
                                TimeUnit.MILLISECONDS);
                List<String> token = new QueryStringDecoder(handshake.requestUri())
                        .parameters()
                        .get("token");
                if (token != null && !token.isEmpty()) {
                    authenticate(token.get(token.size() - 1));
                }
                return;
            }
            if (event instanceof IdleStateEvent) {
                LOG.debug(
                        "closing v1 WebSocket {}: silent for {} ms",
                        ctx.channel().remoteAddress(),
                        config.webSocketIdleTimeoutMillis());
                close(1001, "no pong or frame within " + config.webSocketIdleTimeoutMillis() + " ms");
                return;
            }
            super.userEventTriggered(ctx, event);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (!(msg instanceof TextWebSocketFrame frame)) {
                    return;
                }
                JsonNode node;
                try {
                    node = ApiJson.MAPPER.readTree(frame.text());
                } catch (Exception e) {
                    sendError(ChatError.INVALID_JSON, "a frame must be a JSON object with a \"type\"");
                    return;
                }
                handle(node);
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void handle(JsonNode node) {
            String type = node != null && node.isObject() && node.path("type").isTextual()
                    ? node.get("type").textValue()
                    : "";
            if (authenticating && !type.equals("auth")) {
                if (pendingFrames.size() >= PENDING_FRAMES_MAX) {
                    unauthorized("too many frames before the token was checked");
                    return;
                }
                pendingFrames.add(node);
                return;
            }
            {
                if (type.equals("auth")) {
                    authenticate(
                            node.path("token").isTextual() ? node.get("token").textValue() : "");
                } else if (identity == null) {
                    unauthorized("authenticate first: {\"type\":\"auth\",\"token\":...}");
                } else if (type.equals("subscribe")) {
                    subscribe(node);
                } else if (type.equals("unsubscribe")) {
                    String room =
                            node.path("room").isTextual() ? node.get("room").textValue() : "";
                    unsubscribe(room);
                } else {
                    sendError(ChatError.UNKNOWN_TYPE, "type must be auth, subscribe or unsubscribe");
                }
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
            if (ctx.channel().isWritable()) {
                batch(this::catchUpAll);
            }
            super.channelWritabilityChanged(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("v1 WebSocket {} failed; closing it", ctx.channel().remoteAddress(), cause);
            ctx.close();
        }

        private void authenticate(String token) {
            if (identity != null || authenticating) {
                sendError(ChatError.ALREADY_AUTHENTICATED, "this connection is authenticated already");
                return;
            }
            if (!Tokens.wellFormed(token)) {
                unauthorized("invalid token");
                return;
            }
            authenticating = true;
            authenticator.identify(Tokens.hash(token)).whenComplete((found, failure) -> {
                if (channel.eventLoop().inEventLoop()) {
                    authenticated(found, failure);
                } else {
                    channel.eventLoop().execute(() -> authenticated(found, failure));
                }
            });
        }

        private void authenticated(Authenticator.Identity found, Throwable failure) {
            authenticating = false;
            if (found == null) {
                unauthorized(failure == null ? "invalid token" : "cannot check the token now; retry");
                return;
            }
            identity = found;
            send(ApiJson.MAPPER.createObjectNode().put("type", "ready").put("username", found.username()));
            while (!pendingFrames.isEmpty() && !closed) {
                handle(pendingFrames.poll());
            }
        }

        private void subscribe(JsonNode node) {
            String room = node.path("room").isTextual() ? node.get("room").textValue() : null;
            if (room == null) {
                sendError(ChatError.INVALID_ROOM_NAME, "subscribe needs a \"room\"");
                return;
            }
            JsonNode afterNode = node.get("after");
            Long after;
            if (afterNode == null || afterNode.isNull()) {
                after = null;
            } else if (afterNode.isIntegralNumber() && afterNode.canConvertToLong() && afterNode.longValue() >= 0) {
                after = afterNode.longValue();
            } else if (afterNode.isTextual() && afterNode.textValue().matches("[0-9]{1,18}")) {
                after = Long.parseLong(afterNode.textValue());
            } else {
                sendError(
                        ChatError.INVALID_CURSOR, "after must be a cursor (the seq of the last message seen) or null");
                return;
            }
            if (!lastSeqs.containsKey(room) && lastSeqs.size() >= config.webSocketSubscriptionsMax()) {
                sendError(
                        ChatError.TOO_MANY_SUBSCRIPTIONS,
                        "at most " + config.webSocketSubscriptionsMax() + " rooms per connection");
                return;
            }
            // Registered before the state is read, so that no event is missed; duplicates are dropped by seq.
            subscribers
                    .computeIfAbsent(room, key -> ConcurrentHashMap.newKeySet())
                    .add(this);
            ChatModel.RoomView view = chat.read(model -> model.room(room, null));
            if (view == null) {
                dropSubscription(room);
                sendError(ChatError.ROOM_NOT_FOUND, "no room named '" + room + "'");
                return;
            }
            lastSeqs.put(room, after == null ? view.latestSeq() : after);
            send(ApiJson.MAPPER
                    .createObjectNode()
                    .put("type", "subscribed")
                    .put("room", room)
                    .put("latestSeq", view.latestSeq()));
            catchUp(room);
        }

        private void unsubscribe(String room) {
            if (lastSeqs.remove(room) != null) {
                dropSubscription(room);
            }
        }

        private void dropSubscription(String room) {
            subscribers.computeIfPresent(room, (key, set) -> {
                set.remove(this);
                return set.isEmpty() ? null : set;
            });
        }

        /** A new message: sent directly when it is the next one and the socket keeps up, else filled from the state. */
        void catchUpOrSend(String room, Message message, SharedFrame frame) {
            Long last = lastSeqs.get(room);
            if (last == null || message.seq() <= last) {
                return;
            }
            if (message.seq() == last + 1 && channel.isWritable()) {
                lastSeqs.put(room, message.seq());
                send(frame.json());
                return;
            }
            catchUp(room);
        }

        void catchUpAll() {
            for (String room : new ArrayList<>(lastSeqs.keySet())) {
                catchUp(room);
            }
        }

        /** Sends what the state holds after the last delivered seq, while the socket is writable. */
        private void catchUp(String room) {
            while (!closed && lastSeqs.containsKey(room) && channel.isWritable()) {
                long last = lastSeqs.get(room);
                ChatModel.MessagePage page;
                try {
                    page = chat.read(model -> model.messages(room, null, last, CATCH_UP_PAGE));
                } catch (ChatModel.QueryException e) {
                    if (e.error() == ChatError.CURSOR_EXPIRED) {
                        ChatModel.RoomView view = chat.read(model -> model.room(room, null));
                        if (view == null) {
                            roomDeleted(room);
                            return;
                        }
                        lastSeqs.put(room, view.latestSeq());
                        send(ApiJson.MAPPER
                                .createObjectNode()
                                .put("type", "reset")
                                .put("room", room)
                                .put("oldestRetainedSeq", e.oldestRetainedSeq()));
                        return;
                    }
                    roomDeleted(room);
                    return;
                }
                if (page.messages().isEmpty()) {
                    return;
                }
                for (Message message : page.messages()) {
                    sendMessage(room, message);
                }
            }
        }

        private void sendMessage(String room, Message message) {
            lastSeqs.put(room, message.seq());
            send(encode("message", room, message));
        }

        void changed(String room, Message message, SharedFrame frame) {
            Long last = lastSeqs.get(room);
            // A change to a message not delivered yet arrives with the message itself, in its current form.
            if (last == null || message.seq() > last) {
                return;
            }
            send(frame.json());
        }

        void roomDeleted(String room) {
            if (lastSeqs.remove(room) != null) {
                dropSubscription(room);
                send(ApiJson.MAPPER
                        .createObjectNode()
                        .put("type", "room_deleted")
                        .put("room", room));
            }
        }

        private void ping() {
            if (identity != null && authenticator.local(identity.tokenHash()) == null) {
                unauthorized("the session has ended (logged out, revoked or expired)");
                return;
            }
            channel.writeAndFlush(new PingWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {1})));
        }

        private void send(ObjectNode frame) {
            send(frame.toString().getBytes(StandardCharsets.UTF_8));
        }

        /**
         * Writes a text frame of {@code json} (possibly an array shared with other connections: it is only read),
         * flushed now, or at the end of the current {@link #batch}.
         */
        private void send(byte[] json) {
            if (closed) {
                return;
            }
            TextWebSocketFrame frame = new TextWebSocketFrame(Unpooled.wrappedBuffer(json));
            if (batching && channel.isWritable()) {
                channel.write(frame);
                unflushed = true;
            } else {
                // Past the high water mark the batch stops holding frames back: the kernel takes what it can now,
                // as it did when every frame was flushed, so that only a client that really stopped reading is cut.
                unflushed = false;
                channel.writeAndFlush(frame);
            }
            ChannelOutboundBuffer buffer = channel.unsafe().outboundBuffer();
            if (buffer != null && buffer.totalPendingWriteBytes() > config.webSocketOutboundBytesMax()) {
                slowConsumer("more than " + config.webSocketOutboundBytesMax() + " bytes queued");
            }
        }

        private void sendError(ChatError error, String message) {
            send(ApiJson.MAPPER
                    .createObjectNode()
                    .put("type", "error")
                    .put("code", error.code())
                    .put("message", message));
        }

        private void unauthorized(String message) {
            sendError(ChatError.UNAUTHORIZED, message);
            close(CLOSE_UNAUTHORIZED, "unauthorized");
        }

        private void slowConsumer(String why) {
            if (closed || channel == null) {
                return;
            }
            slowConsumersClosed.incrementAndGet();
            LOG.info("disconnecting slow v1 WebSocket client {}: {}", channel.remoteAddress(), why);
            channel.eventLoop().execute(() -> close(CLOSE_SLOW_CONSUMER, "too slow: resume from your last cursor"));
        }

        private void close(int code, String reason) {
            if (closed) {
                return;
            }
            closed = true;
            channel.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(done -> channel.close());
            // A client that does not read never lets the close frame out: it is cut off without it.
            channel.eventLoop().schedule(() -> channel.close(), CLOSE_FRAME_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        }

        private void forget() {
            closed = true;
            connections.remove(this);
            if (pinger != null) {
                pinger.cancel(false);
            }
            if (authDeadline != null) {
                authDeadline.cancel(false);
            }
            for (String room : lastSeqs.keySet()) {
                dropSubscription(room);
            }
        }
    }

    /** For metrics and tests: subscribers per room. */
    Map<String, Integer> subscriberCounts() {
        Map<String, Integer> counts = new TreeMap<>();
        subscribers.forEach((room, set) -> counts.put(room, set.size()));
        return counts;
    }
}
