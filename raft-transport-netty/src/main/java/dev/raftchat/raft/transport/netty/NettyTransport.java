package dev.raftchat.raft.transport.netty;

import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.transport.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Transport} that carries Raft messages as Protocol Buffers over Netty TCP, optionally with
 * mutual TLS.
 *
 * <p><b>Connections.</b> The transport listens on {@link NettyTransportConfig#listenAddress()} and keeps
 * one outbound connection to every known peer, used only for messages to that peer; replies come back
 * on the peer's own connection to us. A new connection starts with a mutual challenge-response (hello,
 * challenge, proof: HMAC-SHA256 under a shared {@link ClusterSecrets} over both nonces, the cluster id and
 * both node ids; with TLS the certificates must name the node ids) before any Raft message is accepted;
 * every message on it must then carry the authenticated id as its sender. Without a secret or TLS the
 * transport listens on loopback addresses only. A lost connection is re-established with capped
 * exponential backoff and jitter, for as long as the peer is known. Peers are added, moved and removed
 * at runtime with {@link #updatePeer} and {@link #removePeer}, e.g. on membership changes.
 *
 * <p><b>Sending.</b> {@link #send} never blocks and never throws, also after {@link #close()}: it puts
 * the message in the peer's bounded outbox ({@code outboxMessagesMax}, {@code outboxBytesMax}) or, when
 * the outbox is full, the peer unknown, or the transport closed, drops it and counts it in
 * {@link #stats()}; Raft retries. Messages queue while a peer is unreachable, up to those limits. The
 * peer's event loop writes queued messages in batches and flushes once per batch. Messages to one peer
 * leave in the order they were sent.
 *
 * <p><b>Receiving.</b> Frames longer than {@code frameBytesMax}, malformed frames, invalid messages and
 * messages on the wrong connection close that one connection with a WARN log line and are counted; the
 * node keeps serving everyone else. Valid messages go to the {@link Transport.Inbox} on a Netty thread.
 *
 * <p><b>Threading.</b> Every method is thread-safe. The transport owns {@code ioThreads} event loop
 * threads, released by {@link #close()}.
 */
public final class NettyTransport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger(NettyTransport.class);
    private static final long CLOSE_TIMEOUT_MILLIS = 5_000;
    private static final long UNKNOWN_PEER_WARN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final NettyTransportConfig config;
    private final TransportTls tls;
    private final PeerAuthentication auth;
    private final EventLoopGroup group;
    private final Counters counters = new Counters();
    private final AtomicInteger inboundConnections = new AtomicInteger();
    private final ConcurrentHashMap<Long, PeerLink> links = new ConcurrentHashMap<>();
    /** Drawn at construction; sent in every hello so that peers notice when this node restarted. */
    private final long incarnation = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
    /** The incarnation last announced by each peer. Bounded by the number of peers that ever said hello. */
    private final ConcurrentHashMap<Long, Long> peerIncarnations = new ConcurrentHashMap<>();
    /** Where this node listens, sent in every hello; "" before start or when bound to a wildcard. */
    private volatile String replyAddress = "";
    /** Peers added because their hello told their address; at most {@code config.learnedPeersMax()}. Guarded by lifecycleLock. */
    private int learnedPeers;

    private final OpenChannels openChannels = new OpenChannels();
    private final AtomicLong nextUnknownPeerWarnNanos = new AtomicLong(System.nanoTime());
    private final Object lifecycleLock = new Object();

    private volatile boolean started;
    private volatile boolean closed;
    private volatile Channel serverChannel;

    /** A plain-TCP transport knowing {@code peers} (node id to address; this node's own id is ignored). */
    public NettyTransport(NettyTransportConfig config, Map<Long, PeerAddress> peers) {
        this(config, peers, null);
    }

    /**
     * A transport knowing {@code peers} (node id to address; this node's own id is ignored), using
     * {@code tls} for every connection when it is not null.
     */
    public NettyTransport(NettyTransportConfig config, Map<Long, PeerAddress> peers, TransportTls tls) {
        this.config = Objects.requireNonNull(config, "config");
        Objects.requireNonNull(peers, "peers");
        this.tls = tls;
        this.auth = new PeerAuthentication(config.nodeId(), config.clusterSecrets(), tls != null, config.clusterId());
        this.group = new MultiThreadIoEventLoopGroup(config.ioThreads(), NioIoHandler.newFactory());
        for (Map.Entry<Long, PeerAddress> peer : new TreeMap<>(peers).entrySet()) {
            if (peer.getKey() != config.nodeId()) {
                updatePeer(peer.getKey(), peer.getValue());
            }
        }
    }

    /**
     * Binds the server and starts connecting to peers.
     *
     * @throws IllegalStateException if called twice, after close, or if the listen address cannot be bound
     */
    @Override
    public void start(Inbox inbox) {
        Objects.requireNonNull(inbox, "inbox");
        synchronized (lifecycleLock) {
            if (closed) {
                throw new IllegalStateException("transport of node " + config.nodeId() + " is closed");
            }
            if (started) {
                throw new IllegalStateException("transport of node " + config.nodeId() + " already started");
            }
            if (config.clusterSecrets().isEmpty() && tls == null && !isLoopback(config.listenAddress())) {
                throw new IllegalStateException("node " + config.nodeId() + " refuses to listen for peers on "
                        + config.listenAddress() + " without authentication: anyone who reaches that address could"
                        + " write the cluster's log. Give every node the same cluster secret"
                        + " (NettyTransportConfig.clusterSecrets) or mutual TLS with node-bound certificates"
                        + " (TransportTls), or listen on a loopback address.");
            }
            ServerBootstrap server = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            openChannels.add(ch);
                            if (tls != null) {
                                ch.pipeline().addLast("tls", tls.server().newHandler(ch.alloc()));
                            }
                            ch.pipeline().addLast("frames", Frames.decoder(Frames.CONTROL_FRAME_BYTES_MAX));
                            ch.pipeline()
                                    .addLast(
                                            "peer",
                                            new InboundPeerHandler(
                                                    config, inbox, counters, inboundConnections, auth, peerListener));
                        }
                    });
            PeerAddress listen = config.listenAddress();
            Future<Void> bound = server.bind(listen.host(), listen.port()).awaitUninterruptibly();
            if (!bound.isSuccess()) {
                throw new IllegalStateException(
                        "node " + config.nodeId() + " cannot listen on " + listen + ": "
                                + bound.cause().getMessage(),
                        bound.cause());
            }
            serverChannel = ((ChannelFuture) bound).channel();
            openChannels.add(serverChannel);
            InetSocketAddress local = (InetSocketAddress) serverChannel.localAddress();
            // A wildcard bind says nothing about how others reach us: then the hello carries no address.
            replyAddress = local.getAddress().isAnyLocalAddress() ? "" : listen.host() + ":" + local.getPort();
            started = true;
            LOG.info(
                    "node {}: raft transport listening on {}{}; peers authenticated by {}{}",
                    config.nodeId(),
                    serverChannel.localAddress(),
                    tls == null ? "" : " (TLS)",
                    config.clusterSecrets().isEmpty()
                            ? (tls == null ? "nothing (loopback only)" : "their node-bound TLS certificates")
                            : config.clusterSecrets() + (tls == null ? "" : " and node-bound TLS certificates"),
                    auth.clusterId().isEmpty() ? "; cluster id to be learned from the first member" : "");
            for (PeerLink link : links.values()) {
                link.start();
            }
        }
    }

    /** The address the server is bound to (with the real port when port 0 was configured). */
    public InetSocketAddress localAddress() {
        Channel channel = serverChannel;
        if (channel == null) {
            throw new IllegalStateException("transport of node " + config.nodeId() + " is not started");
        }
        return (InetSocketAddress) channel.localAddress();
    }

    /** The address at which other nodes can reach this one when it listens on loopback or a wildcard. */
    public PeerAddress boundPeerAddress() {
        InetSocketAddress local = localAddress();
        String host = local.getAddress().isAnyLocalAddress()
                ? "127.0.0.1"
                : local.getAddress().getHostAddress();
        return new PeerAddress(host, local.getPort());
    }

    @Override
    public void send(Message message) {
        try {
            if (message == null) {
                counters.dropped.increment();
                LOG.warn("node {}: send(null) ignored", config.nodeId());
                return;
            }
            if (closed) {
                counters.dropped.increment();
                return;
            }
            PeerLink link = links.get(message.to());
            if (link == null) {
                counters.dropped.increment();
                warnUnknownPeer(message);
                return;
            }
            link.enqueue(message);
        } catch (RuntimeException e) {
            counters.dropped.increment();
            LOG.warn("node {}: send failed unexpectedly; message dropped", config.nodeId(), e);
        }
    }

    /**
     * Adds peer {@code peerId} at {@code address}, or moves it there: the current connection to it is
     * closed and a new one opened at once. Queued messages are kept.
     *
     * @throws IllegalArgumentException for this node's own id, a non-positive id, or port 0
     */
    public void updatePeer(long peerId, PeerAddress address) {
        Objects.requireNonNull(address, "address");
        if (peerId <= 0 || peerId == config.nodeId()) {
            throw new IllegalArgumentException("cannot set an address for node " + peerId + " on node "
                    + config.nodeId() + ": peer ids are positive and not this node's own");
        }
        if (address.port() == 0) {
            throw new IllegalArgumentException("peer " + peerId + " needs a real port, got " + address);
        }
        synchronized (lifecycleLock) {
            if (closed) {
                return;
            }
            PeerLink existing = links.get(peerId);
            if (existing == null) {
                PeerLink link = new PeerLink(
                        peerId,
                        address,
                        config,
                        tls,
                        counters,
                        group.next(),
                        openChannels,
                        incarnation,
                        () -> replyAddress,
                        auth);
                links.put(peerId, link);
                if (started) {
                    link.start();
                }
            } else if (!existing.address().equals(address)) {
                existing.changeAddress(address);
            }
        }
    }

    /** Forgets peer {@code peerId}: closes its connection and drops its queued messages (counted). */
    public void removePeer(long peerId) {
        synchronized (lifecycleLock) {
            PeerLink link = links.remove(peerId);
            if (link != null) {
                link.stop(CLOSE_TIMEOUT_MILLIS);
            }
        }
    }

    /** The known peers and their addresses, by id. */
    public Map<Long, PeerAddress> peers() {
        TreeMap<Long, PeerAddress> peers = new TreeMap<>();
        links.forEach((id, link) -> peers.put(id, link.address()));
        return peers;
    }

    /** The address of {@code nodeId} as {@code host:port}, if it is a known peer. */
    @Override
    public Optional<String> peerAddress(long nodeId) {
        PeerLink link = links.get(nodeId);
        return link == null ? Optional.empty() : Optional.of(link.address().toString());
    }

    /** Messages waiting in the outbox of {@code peerId}, or 0 for an unknown peer. */
    public int queuedMessages(long peerId) {
        PeerLink link = links.get(peerId);
        return link == null ? 0 : link.queuedMessages();
    }

    /** Whether the connection to {@code peerId} waits out a reconnect backoff delay (for tests). */
    boolean backingOff(long peerId) {
        PeerLink link = links.get(peerId);
        return link != null && link.backingOff();
    }

    /** Each known peer's counters and connection state, by id (for per-peer metrics). Any thread. */
    public Map<Long, PeerStats> peerStats() {
        TreeMap<Long, PeerStats> stats = new TreeMap<>();
        links.forEach((id, link) -> stats.put(id, link.stats()));
        return stats;
    }

    /** The cluster id: as configured, or as learned from the first authenticated peer ("" until then). */
    public String clusterId() {
        return auth.clusterId();
    }

    /**
     * Tells {@code listener} (once, on a transport thread) the cluster id this transport learned from the
     * first peer that authenticated, when it was configured with "". Persist it there: a restarted node
     * must not learn again. Set it before {@link #start}.
     */
    public void onClusterIdLearned(Consumer<String> listener) {
        auth.onClusterIdLearned(listener);
    }

    /** Whether {@code address} names this machine only (127.0.0.0/8, ::1 or "localhost"). */
    static boolean isLoopback(PeerAddress address) {
        String host = address.host();
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        try {
            // Only literal addresses are judged here; a name is resolved by the bind, and is not loopback.
            if (!host.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}") && !host.contains(":")) {
                return false;
            }
            InetAddress parsed = InetAddress.getByName(host);
            return parsed.isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    public TransportStats stats() {
        return counters.snapshot();
    }

    public NettyTransportConfig config() {
        return config;
    }

    /**
     * Closes the server and every connection, drops queued messages (counted) and stops the threads.
     * Waits up to a few seconds for the threads unless called from one of them. Idempotent.
     */
    @Override
    public void close() {
        List<PeerLink> toStop;
        synchronized (lifecycleLock) {
            if (closed) {
                return;
            }
            closed = true;
            toStop = new ArrayList<>(links.values());
            links.clear();
        }
        boolean ownThread = calledFromOwnThread();
        Channel server = serverChannel;
        if (server != null) {
            ChannelFuture serverClosed = server.close();
            if (!ownThread) {
                serverClosed.awaitUninterruptibly(CLOSE_TIMEOUT_MILLIS);
            }
        }
        for (PeerLink link : toStop) {
            link.stop(CLOSE_TIMEOUT_MILLIS);
        }
        // Close every connection explicitly, so peers see them end now rather than whenever the loop's
        // shutdown gets to them.
        if (!openChannels.closeAll(CLOSE_TIMEOUT_MILLIS)) {
            LOG.warn("node {}: some connections did not close within {} ms", config.nodeId(), CLOSE_TIMEOUT_MILLIS);
        }
        Future<?> terminated = group.shutdownGracefully(0, CLOSE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        if (!ownThread) {
            if (!terminated.awaitUninterruptibly(CLOSE_TIMEOUT_MILLIS * 2)) {
                LOG.warn(
                        "node {}: transport threads did not stop within {} ms",
                        config.nodeId(),
                        CLOSE_TIMEOUT_MILLIS * 2);
            }
        }
        LOG.info("node {}: raft transport closed; {}", config.nodeId(), stats());
    }

    private boolean calledFromOwnThread() {
        for (EventExecutor executor : group) {
            if (executor.inEventLoop()) {
                return true;
            }
        }
        return false;
    }

    private void warnUnknownPeer(Message message) {
        long now = System.nanoTime();
        long next = nextUnknownPeerWarnNanos.get();
        if (now - next >= 0 && nextUnknownPeerWarnNanos.compareAndSet(next, now + UNKNOWN_PEER_WARN_INTERVAL_NANOS)) {
            LOG.warn(
                    "node {}: dropping a {} to node {}: no address known for it (known peers: {})",
                    config.nodeId(),
                    message.getClass().getSimpleName(),
                    message.to(),
                    peers().keySet());
        }
    }

    /** What the inbound connections tell this transport of its peers. */
    private final InboundPeerHandler.PeerListener peerListener = new InboundPeerHandler.PeerListener() {
        @Override
        public void hello(long peerId, long incarnation, String replyAddress) {
            onPeerHello(peerId, incarnation, replyAddress);
        }

        @Override
        public void messageFrom(long peerId) {
            PeerLink link = links.get(peerId);
            if (link != null) {
                link.peerAlive();
            }
        }
    };

    /**
     * A peer said hello with {@code peerIncarnation}. If it differs from the one it announced before, the
     * peer restarted, and our own link to it may still be attached to a socket of its previous run: reset
     * that link. Otherwise (the first hello, or a hello of the same run on a reconnect) the link is kept, so
     * two nodes never make each other reconnect in a loop; but the peer is evidently up, so a link waiting out
     * a backoff delay to reach it tries at once ({@link PeerLink#peerAlive}, bounded there).
     */
    private void onPeerHello(long peerId, long peerIncarnation, String peerReplyAddress) {
        if (!peerReplyAddress.isEmpty() && !links.containsKey(peerId)) {
            learnPeer(peerId, peerReplyAddress);
        }
        Long previous = peerIncarnation == 0 ? null : peerIncarnations.put(peerId, peerIncarnation);
        PeerLink link = links.get(peerId);
        if (link == null) {
            return;
        }
        if (previous != null && previous != peerIncarnation) {
            link.peerRestarted();
        } else {
            link.peerAlive();
        }
    }

    /**
     * A peer we know no address for said hello with the address it listens on: add it, so that our answers
     * reach it. This is how a node that was cut off while others joined answers a leader it has never
     * heard of; the log's membership entries, once they arrive, confirm or move the address. Known
     * addresses are never replaced, and at most {@code learnedPeersMax} peers are learned this way.
     */
    private void learnPeer(long peerId, String address) {
        PeerAddress parsed;
        try {
            parsed = PeerAddress.parse(address);
        } catch (IllegalArgumentException e) {
            LOG.warn(
                    "node {}: peer {} said hello with an unusable reply address '{}': {}",
                    config.nodeId(),
                    peerId,
                    address,
                    e.getMessage());
            return;
        }
        synchronized (lifecycleLock) {
            if (closed || links.containsKey(peerId)) {
                return;
            }
            if (learnedPeers >= config.learnedPeersMax()) {
                LOG.warn(
                        "node {}: not learning the address {} of peer {}: {} peers learned from hellos already, "
                                + "the most allowed (learnedPeersMax)",
                        config.nodeId(),
                        parsed,
                        peerId,
                        learnedPeers);
                return;
            }
            learnedPeers++;
        }
        LOG.info("node {}: learned the address {} of peer {} from its hello", config.nodeId(), parsed, peerId);
        updatePeer(peerId, parsed);
    }
}
