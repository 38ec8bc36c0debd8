package dev.raftchat.raft.transport.netty;

import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.transport.netty.proto.RaftProto;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything about sending to one peer: its address, its bounded {@link Outbox}, and its single outbound
 * connection with reconnection.
 *
 * <p><b>Threading.</b> {@link #enqueue} may be called from any thread and never blocks. All connection
 * state (the fields below marked "loop only") is read and written only on this link's {@link EventLoop},
 * so it needs no locks; other threads reach it by submitting tasks to that loop.
 *
 * <p><b>Batching.</b> {@link #drain} writes up to {@code writeBatchMessagesMax} frames and then flushes
 * once. It stops early when the channel is not writable (Netty's buffer passed
 * {@code writeBufferBytesMax}) and resumes on the writability event, so the only unbounded-looking
 * buffer, Netty's, is bounded too.
 */
// FutureReturnValueIgnored: the futures ignored here are Netty's write, close and schedule futures. A failed
// write or close surfaces in the pipeline (exceptionCaught, channelInactive), which closes the channel; the
// caller has nothing more to do with the outcome.
@SuppressWarnings("FutureReturnValueIgnored")
final class PeerLink {
    private static final Logger LOG = LoggerFactory.getLogger(PeerLink.class);
    private static final long DROP_WARN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** Consecutive failed connection attempts after which an unreachable peer is logged at WARN. */
    private static final int CONNECT_FAILURES_BEFORE_WARN = 10;

    final long peerId;
    private final NettyTransportConfig config;
    private final TransportTls tls;
    private final Counters counters;
    private final EventLoop loop;
    private final Outbox outbox;
    private final ReconnectBackoff backoff;
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final AtomicLong nextDropWarnNanos = new AtomicLong(System.nanoTime());
    private final LongAdder sentToPeer = new LongAdder();
    private final LongAdder droppedToPeer = new LongAdder();
    private final LongAdder reconnectsToPeer = new LongAdder();
    /** {@link #ready}, readable from any thread. */
    private volatile boolean connected;
    /**
     * Whether a reconnection waits out a backoff delay ({@code reconnectTask} is set), readable from any thread:
     * a sign of life from the peer ({@link #peerAlive}) costs a task only then.
     */
    private volatile boolean backingOff;
    /** Whether a {@link #peerAlive} task is queued on the loop; at most one is. */
    private final AtomicBoolean aliveCheckScheduled = new AtomicBoolean();

    private final ChannelFutureListener countWrite;
    private final OpenChannels openChannels;
    private volatile PeerAddress address;

    // loop only
    private Channel channel;
    private boolean ready;
    private boolean started;
    private boolean stopped;
    private boolean attemptedBefore;
    private boolean rejectedByPeer;
    private String lastRejectionLogged;
    private int failedAttempts;
    private ScheduledFuture<?> reconnectTask;
    /** When a sign of life from the peer last cut a backoff delay short ({@link System#nanoTime}); loop only. */
    private long lastEarlyReconnectNanos;
    /** Whether {@link #lastEarlyReconnectNanos} holds a time yet; loop only. */
    private boolean earlyReconnectBefore;
    /** This transport's incarnation, sent in every hello. */
    private final long incarnation;
    /** Where this node listens, for the hello; "" until bound or when listening on a wildcard. */
    private final Supplier<String> replyAddress;

    private final PeerAuthentication auth;

    PeerLink(
            long peerId,
            PeerAddress address,
            NettyTransportConfig config,
            TransportTls tls,
            Counters counters,
            EventLoop loop,
            OpenChannels openChannels,
            long incarnation,
            Supplier<String> replyAddress,
            PeerAuthentication auth) {
        this.peerId = peerId;
        this.auth = auth;
        this.replyAddress = replyAddress;
        this.incarnation = incarnation;
        this.openChannels = openChannels;
        this.address = address;
        this.config = config;
        this.tls = tls;
        this.counters = counters;
        this.loop = loop;
        this.outbox = new Outbox(config.outboxMessagesMax(), config.outboxBytesMax());
        this.backoff = new ReconnectBackoff(config.reconnectBackoffMinMillis(), config.reconnectBackoffMaxMillis());
        this.countWrite = future -> {
            if (future.isSuccess()) {
                countSent();
            } else {
                countDropped(1);
            }
        };
    }

    PeerAddress address() {
        return address;
    }

    /** This link's own counters (the transport's totals count the same events), for per-peer metrics. */
    PeerStats stats() {
        return new PeerStats(
                peerId, sentToPeer.sum(), droppedToPeer.sum(), reconnectsToPeer.sum(), outbox.messages(), connected);
    }

    private void countSent() {
        counters.sent.increment();
        sentToPeer.increment();
    }

    private void countDropped(long messages) {
        counters.dropped.add(messages);
        droppedToPeer.add(messages);
    }

    private void countReconnect() {
        counters.reconnects.increment();
        reconnectsToPeer.increment();
    }

    /** Loop only: sets {@link #ready} and its mirror for other threads. */
    private void setReady(boolean value) {
        ready = value;
        connected = value;
    }

    int queuedMessages() {
        return outbox.messages();
    }

    /** Queues {@code message} or drops it (counted) when the outbox is full. Any thread; never blocks. */
    void enqueue(Message message) {
        if (!outbox.offer(message)) {
            countDropped(1);
            warnDrop("outbox full (" + outbox.messages() + " messages, " + outbox.bytes() + " bytes)");
            return;
        }
        scheduleDrain();
    }

    /** Starts connecting. Any thread. */
    void start() {
        runOnLoop(() -> {
            started = true;
            connect();
        });
    }

    /** Points this link at {@code newAddress}: the current connection is closed and a new one opened at once. */
    void changeAddress(PeerAddress newAddress) {
        address = newAddress;
        runOnLoop(() -> {
            if (stopped) {
                return;
            }
            LOG.info("node {}: peer {} moved to {}; reconnecting", config.nodeId(), peerId, newAddress);
            dropConnection();
            failedAttempts = 0;
            rejectedByPeer = false;
            lastRejectionLogged = null;
            if (started) {
                connect();
            }
        });
    }

    /**
     * The peer restarted (its hello carried a new incarnation): our connection may point at a socket its
     * previous run never closed, which would swallow everything we send. Drop it and connect afresh;
     * queued messages stay queued.
     */
    void peerRestarted() {
        runOnLoop(() -> {
            if (stopped || !started) {
                return;
            }
            LOG.info("node {}: peer {} restarted; reconnecting to it", config.nodeId(), peerId);
            dropConnection();
            failedAttempts = 0;
            cancelReconnect();
            connect();
        });
    }

    /**
     * The peer showed it is up: it authenticated a connection to us, or sent a message on one. If our own
     * connection to it is waiting out a backoff delay (up to {@code reconnectBackoffMaxMillis}), connect now
     * instead: a peer that restarted would otherwise wait that long for the leader's first message. Bounded so
     * that a peer that reaches us but that we cannot reach (a one-way network fault, a wrong address) causes
     * no storm: at most one early attempt per {@code reconnectBackoffMaxMillis}, on top of the ordinary
     * backoff, which goes on growing while the attempts fail. Any thread; never blocks; costs one volatile read
     * while connected.
     */
    void peerAlive() {
        if (!backingOff || !aliveCheckScheduled.compareAndSet(false, true)) {
            return;
        }
        if (!runOnLoop(this::reconnectEarly)) {
            aliveCheckScheduled.set(false);
        }
    }

    private void reconnectEarly() {
        aliveCheckScheduled.set(false);
        if (stopped || !started || reconnectTask == null) {
            return;
        }
        long now = System.nanoTime();
        if (earlyReconnectBefore
                && now - lastEarlyReconnectNanos < TimeUnit.MILLISECONDS.toNanos(config.reconnectBackoffMaxMillis())) {
            return;
        }
        earlyReconnectBefore = true;
        lastEarlyReconnectNanos = now;
        LOG.debug(
                "node {}: peer {} is up; reconnecting to it without waiting out the backoff", config.nodeId(), peerId);
        connect();
    }

    /** Whether a reconnection is waiting out a backoff delay (for tests). Any thread. */
    boolean backingOff() {
        return backingOff;
    }

    /**
     * Closes the connection for good and drops what is queued (counted). Runs on the loop; from another
     * thread it waits (up to {@code timeoutMillis}) until that is done, so no reconnection can follow.
     */
    void stop(long timeoutMillis) {
        if (!loop.inEventLoop()) {
            try {
                loop.submit(() -> stop(timeoutMillis)).awaitUninterruptibly(timeoutMillis);
            } catch (RejectedExecutionException shuttingDown) {
                // The loop is gone, and with it any chance of a reconnection.
            }
            return;
        }
        stopped = true;
        dropConnection();
        countDropped(outbox.clear());
    }

    private void scheduleDrain() {
        if (drainScheduled.compareAndSet(false, true)) {
            if (!runOnLoop(this::drain)) {
                drainScheduled.set(false);
            }
        }
    }

    /** Submits {@code task} to the loop; false when the loop is shutting down (the task will not run). */
    private boolean runOnLoop(Runnable task) {
        try {
            loop.execute(task);
            return true;
        } catch (RejectedExecutionException shuttingDown) {
            return false;
        }
    }

    private void drain() {
        drainScheduled.set(false);
        if (stopped) {
            countDropped(outbox.clear());
            return;
        }
        if (!ready) {
            // Kept until the connection is up (or the outbox fills and new messages are dropped).
            return;
        }
        Channel current = channel;
        int written = 0;
        while (written < config.writeBatchMessagesMax() && current.isWritable()) {
            Message message = outbox.poll();
            if (message == null) {
                break;
            }
            if (write(current, message)) {
                written++;
            }
        }
        if (written > 0) {
            current.flush();
            counters.flushes.increment();
        }
        if (!outbox.isEmpty() && current.isWritable()) {
            // Yield to other tasks of the loop between batches instead of draining everything at once.
            scheduleDrain();
        }
    }

    private boolean write(Channel current, Message message) {
        RaftProto.Frame frame;
        try {
            frame = MessageCodec.messageFrame(message);
        } catch (CodecException e) {
            countDropped(1);
            LOG.warn(
                    "node {}: dropped a {} to peer {} that cannot be encoded: {}",
                    config.nodeId(),
                    message.getClass().getSimpleName(),
                    peerId,
                    e.getMessage());
            return false;
        }
        int bodyBytes = Frames.bodyBytes(frame);
        if (bodyBytes > config.frameBytesMax()) {
            countDropped(1);
            LOG.warn(
                    "node {}: dropped a {} to peer {}: {} bytes exceed frameBytesMax {}",
                    config.nodeId(),
                    message.getClass().getSimpleName(),
                    peerId,
                    bodyBytes,
                    config.frameBytesMax());
            return false;
        }
        ByteBuf buffer = Frames.encode(current.alloc(), frame);
        current.write(buffer).addListener(countWrite);
        return true;
    }

    private void connect() {
        if (stopped) {
            return;
        }
        cancelReconnect();
        if (attemptedBefore) {
            countReconnect();
        }
        attemptedBefore = true;
        PeerAddress target = address;
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, config.connectTimeoutMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(
                        ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(config.writeBufferBytesMax() / 2, config.writeBufferBytesMax()))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls != null) {
                            ch.pipeline()
                                    .addLast("tls", tls.client().newHandler(ch.alloc(), target.host(), target.port()));
                        }
                        ch.pipeline().addLast("frames", Frames.decoder(Frames.CONTROL_FRAME_BYTES_MAX));
                        ch.pipeline().addLast("peer", new OutboundPeerHandler(PeerLink.this, auth, counters));
                    }
                });
        ChannelFuture connecting = bootstrap.connect(target.host(), target.port());
        Channel attempt = connecting.channel();
        openChannels.add(attempt);
        channel = attempt;
        setReady(false);
        connecting.addListener(future -> {
            if (future.isSuccess()) {
                // Watch for the end of the connection only once it exists, so that a failed attempt is
                // reported with its cause (refused, timed out, unresolvable) rather than as a close.
                attempt.closeFuture().addListener(closed -> onConnectionLost(attempt, null));
                onConnected(attempt, target);
            } else {
                onConnectionLost(attempt, future.cause());
            }
        });
    }

    private void onConnected(Channel attempt, PeerAddress target) {
        if (attempt != channel || stopped) {
            attempt.close();
            return;
        }
        LOG.debug("node {}: connected to peer {} at {}; authenticating", config.nodeId(), peerId, target);
        OutboundPeerHandler handler = (OutboundPeerHandler) attempt.pipeline().get("peer");
        if (handler == null) {
            attempt.close();
            return;
        }
        attempt.writeAndFlush(Frames.encode(
                attempt.alloc(),
                Frames.hello(
                        auth.clusterId(),
                        config.nodeId(),
                        incarnation,
                        replyAddress.get(),
                        handler.clientNonce(),
                        peerId,
                        auth.secrets().keyIds())));
    }

    /**
     * Called by the channel's handler once the peer proved itself and our proof is written: from now on
     * Raft messages may leave on {@code authenticated}. Loop only.
     */
    void onAuthenticated(Channel authenticated) {
        if (authenticated != channel || stopped) {
            authenticated.close();
            return;
        }
        LOG.info("node {}: connected to peer {} at {}", config.nodeId(), peerId, address);
        failedAttempts = 0;
        rejectedByPeer = false;
        setReady(true);
        drain();
    }

    /** Handles both a failed connect and a closed connection; only the current channel counts. */
    private void onConnectionLost(Channel lost, Throwable cause) {
        if (lost != channel) {
            return;
        }
        boolean wasConnected = ready;
        channel = null;
        setReady(false);
        if (stopped) {
            return;
        }
        if (rejectedByPeer) {
            LOG.debug("node {}: connection to peer {} closed after a refusal", config.nodeId(), peerId);
        } else if (wasConnected) {
            LOG.warn("node {}: lost the connection to peer {} at {}; reconnecting", config.nodeId(), peerId, address);
        } else {
            logConnectFailure(cause);
        }
        scheduleReconnect();
    }

    /**
     * A peer that is not up yet is normal while a cluster starts, so the first failure is INFO; one
     * that stays unreachable is worth a WARN (once per outage); the rest is DEBUG.
     */
    private void logConnectFailure(Throwable cause) {
        String reason = cause == null ? "connection closed" : cause.toString();
        if (failedAttempts == 0) {
            LOG.info(
                    "node {}: cannot reach peer {} at {} yet ({}); retrying with backoff up to {} ms",
                    config.nodeId(),
                    peerId,
                    address,
                    reason,
                    config.reconnectBackoffMaxMillis());
        } else if (failedAttempts == CONNECT_FAILURES_BEFORE_WARN) {
            LOG.warn(
                    "node {}: still cannot reach peer {} at {} after {} attempts ({}); still retrying",
                    config.nodeId(),
                    peerId,
                    address,
                    failedAttempts + 1,
                    reason);
        } else {
            LOG.debug("node {}: cannot reach peer {} at {} ({})", config.nodeId(), peerId, address, reason);
        }
    }

    /** Called by the channel's handler when the peer failed to authenticate itself: retry with the longest delay. */
    void onAuthenticationFailed(String reason) {
        if (!reason.equals(lastRejectionLogged)) {
            LOG.warn("node {}: peer {} at {} failed authentication: {}", config.nodeId(), peerId, address, reason);
            lastRejectionLogged = reason;
        }
        rejectedByPeer = true;
    }

    /** Called by the channel's handler when the peer refused our hello. */
    void onRejected(String reason) {
        // A misconfigured peer refuses every retry with the same reason: say it once, not every backoff period.
        if (!reason.equals(lastRejectionLogged)) {
            LOG.warn("node {}: peer {} at {} refused our connection: {}", config.nodeId(), peerId, address, reason);
            lastRejectionLogged = reason;
        } else {
            LOG.debug(
                    "node {}: peer {} at {} refused our connection again: {}",
                    config.nodeId(),
                    peerId,
                    address,
                    reason);
        }
        rejectedByPeer = true;
    }

    /** Called by the channel's handler when the channel can take writes again. */
    void onWritable() {
        scheduleDrain();
    }

    private void scheduleReconnect() {
        if (stopped || reconnectTask != null) {
            return;
        }
        // A peer that refuses us (wrong cluster id, …) will keep refusing: wait the longest delay.
        int attempt = rejectedByPeer ? Integer.MAX_VALUE / 2 : failedAttempts;
        failedAttempts = failedAttempts == Integer.MAX_VALUE ? failedAttempts : failedAttempts + 1;
        long delayMillis = backoff.delayMillis(
                attempt, bound -> ThreadLocalRandom.current().nextLong(bound));
        reconnectTask = loop.schedule(
                () -> {
                    reconnectTask = null;
                    backingOff = false;
                    connect();
                },
                delayMillis,
                TimeUnit.MILLISECONDS);
        backingOff = true;
    }

    private void cancelReconnect() {
        if (reconnectTask != null) {
            reconnectTask.cancel(false);
            reconnectTask = null;
        }
        backingOff = false;
    }

    private void dropConnection() {
        cancelReconnect();
        Channel old = channel;
        channel = null;
        setReady(false);
        if (old != null) {
            old.close();
        }
    }

    private void warnDrop(String reason) {
        long now = System.nanoTime();
        long next = nextDropWarnNanos.get();
        if (now - next >= 0 && nextDropWarnNanos.compareAndSet(next, now + DROP_WARN_INTERVAL_NANOS)) {
            LOG.warn(
                    "node {}: dropping messages to peer {}: {} (dropped so far by this transport: {})",
                    config.nodeId(),
                    peerId,
                    reason,
                    counters.dropped.sum());
        }
    }
}
