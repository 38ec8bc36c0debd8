package dev.raftchat.raft.transport.netty;

import dev.raftchat.raft.model.Check;
import java.util.Objects;

/**
 * Configuration of one {@link NettyTransport}. Every limit carries its unit in its name and is validated
 * once, in the constructor, with a message naming the field. Build one with
 * {@link #builder(String, long, PeerAddress)}; every field not set keeps its {@code DEFAULT_*} value.
 *
 * <p><b>Frame size and snapshot chunks.</b> A frame holds exactly one message. {@code frameBytesMax}
 * bounds the protobuf bytes of a frame (the 4-byte length prefix excluded) in both directions: a
 * larger inbound frame closes the connection, a larger outbound message is dropped and counted. Until
 * an inbound connection has sent a valid hello its frames are limited to 4 KiB, so a stranger cannot
 * make the node buffer {@code frameBytesMax}; the worst-case inbound buffering is therefore
 * {@code inboundConnectionsMax * frameBytesMax} from authenticated (hello-ed, and with TLS, certified)
 * peers only.
 * {@link #FRAME_HEADROOM_BYTES} of every frame are reserved for headers, so a snapshot chunk (or a
 * single log entry) of up to {@link #payloadBytesMax()} always fits; with the defaults that is
 * 8 MiB - 64 KiB, comfortably above raft-core's default append batch of 1 MiB and any sensible
 * snapshot chunk size (1 MiB is recommended). The headroom covers a snapshot's configuration of up to
 * about 5,000 members.
 *
 * <p>Not a record on purpose: the constructor is private, so that adding a field never breaks a
 * caller; build one with the builder.
 */
public final class NettyTransportConfig {
    private final String clusterId;
    private final ClusterSecrets clusterSecrets;
    private final long nodeId;
    private final PeerAddress listenAddress;
    private final int frameBytesMax;
    private final int outboxMessagesMax;
    private final long outboxBytesMax;
    private final int writeBatchMessagesMax;
    private final int writeBufferBytesMax;
    private final int connectTimeoutMillis;
    private final long reconnectBackoffMinMillis;
    private final long reconnectBackoffMaxMillis;
    private final long handshakeTimeoutMillis;
    private final int inboundConnectionsMax;
    private final int ioThreads;
    private final int learnedPeersMax;

    /** Bytes of every frame reserved for the envelope and headers; the rest may be payload. */
    public static final int FRAME_HEADROOM_BYTES = 64 * 1024;

    public static final int FRAME_BYTES_MIN = 2 * FRAME_HEADROOM_BYTES;
    public static final int FRAME_BYTES_LIMIT = 1024 * 1024 * 1024;
    public static final int CLUSTER_ID_CHARS_MAX = 128;

    public static final int DEFAULT_FRAME_BYTES_MAX = 8 * 1024 * 1024;
    public static final int DEFAULT_OUTBOX_MESSAGES_MAX = 4096;
    public static final long DEFAULT_OUTBOX_BYTES_MAX = 32L * 1024 * 1024;
    public static final int DEFAULT_WRITE_BATCH_MESSAGES_MAX = 256;
    public static final int DEFAULT_WRITE_BUFFER_BYTES_MAX = 1024 * 1024;
    public static final int DEFAULT_CONNECT_TIMEOUT_MILLIS = 3_000;
    public static final long DEFAULT_RECONNECT_BACKOFF_MIN_MILLIS = 50;
    public static final long DEFAULT_RECONNECT_BACKOFF_MAX_MILLIS = 2_000;
    public static final long DEFAULT_HANDSHAKE_TIMEOUT_MILLIS = 5_000;
    public static final int DEFAULT_INBOUND_CONNECTIONS_MAX = 256;
    public static final int DEFAULT_IO_THREADS = 2;
    public static final int DEFAULT_LEARNED_PEERS_MAX = 64;

    private NettyTransportConfig(Builder b) {
        this.clusterId = b.clusterId;
        this.clusterSecrets = b.clusterSecrets;
        this.nodeId = b.nodeId;
        this.listenAddress = b.listenAddress;
        this.frameBytesMax = b.frameBytesMax;
        this.outboxMessagesMax = b.outboxMessagesMax;
        this.outboxBytesMax = b.outboxBytesMax;
        this.writeBatchMessagesMax = b.writeBatchMessagesMax;
        this.writeBufferBytesMax = b.writeBufferBytesMax;
        this.connectTimeoutMillis = b.connectTimeoutMillis;
        this.reconnectBackoffMinMillis = b.reconnectBackoffMinMillis;
        this.reconnectBackoffMaxMillis = b.reconnectBackoffMaxMillis;
        this.handshakeTimeoutMillis = b.handshakeTimeoutMillis;
        this.inboundConnectionsMax = b.inboundConnectionsMax;
        this.ioThreads = b.ioThreads;
        this.learnedPeersMax = b.learnedPeersMax;
        Objects.requireNonNull(clusterId, "clusterId");
        Objects.requireNonNull(clusterSecrets, "clusterSecrets");
        Objects.requireNonNull(listenAddress, "listenAddress");
        Check.argument(
                clusterId.isEmpty() || (!clusterId.isBlank() && clusterId.length() <= CLUSTER_ID_CHARS_MAX),
                "clusterId must be \"\" (to be learned) or 1..%s characters, not blank, got '%s'",
                CLUSTER_ID_CHARS_MAX,
                clusterId);
        Check.argument(nodeId > 0, "nodeId must be positive, got %s", nodeId);
        Check.argument(
                frameBytesMax >= FRAME_BYTES_MIN && frameBytesMax <= FRAME_BYTES_LIMIT,
                "frameBytesMax must be in [%s, %s], got %s",
                FRAME_BYTES_MIN,
                FRAME_BYTES_LIMIT,
                frameBytesMax);
        Check.argument(outboxMessagesMax >= 1, "outboxMessagesMax must be >= 1, got %s", outboxMessagesMax);
        Check.argument(
                outboxBytesMax >= frameBytesMax,
                "outboxBytesMax must be >= frameBytesMax (%s) so any sendable message can be queued, got %s",
                frameBytesMax,
                outboxBytesMax);
        Check.argument(writeBatchMessagesMax >= 1, "writeBatchMessagesMax must be >= 1, got %s", writeBatchMessagesMax);
        Check.argument(writeBufferBytesMax >= 1024, "writeBufferBytesMax must be >= 1024, got %s", writeBufferBytesMax);
        Check.argument(connectTimeoutMillis >= 1, "connectTimeoutMillis must be >= 1, got %s", connectTimeoutMillis);
        Check.argument(
                reconnectBackoffMinMillis >= 1,
                "reconnectBackoffMinMillis must be >= 1, got %s",
                reconnectBackoffMinMillis);
        Check.argument(
                reconnectBackoffMaxMillis >= reconnectBackoffMinMillis,
                "reconnectBackoffMaxMillis must be >= reconnectBackoffMinMillis (%s), got %s",
                reconnectBackoffMinMillis,
                reconnectBackoffMaxMillis);
        Check.argument(
                handshakeTimeoutMillis >= 1, "handshakeTimeoutMillis must be >= 1, got %s", handshakeTimeoutMillis);
        Check.argument(inboundConnectionsMax >= 1, "inboundConnectionsMax must be >= 1, got %s", inboundConnectionsMax);
        Check.argument(ioThreads >= 1, "ioThreads must be >= 1, got %s", ioThreads);
        Check.argument(learnedPeersMax >= 0, "learnedPeersMax must be >= 0, got %s", learnedPeersMax);
    }

    /** The largest snapshot chunk or single entry payload guaranteed to fit in one frame. */
    public int payloadBytesMax() {
        return frameBytesMax - FRAME_HEADROOM_BYTES;
    }

    public static Builder builder(String clusterId, long nodeId, PeerAddress listenAddress) {
        return new Builder(clusterId, nodeId, listenAddress);
    }

    public Builder toBuilder() {
        return new Builder(clusterId, nodeId, listenAddress)
                .clusterSecrets(clusterSecrets)
                .learnedPeersMax(learnedPeersMax)
                .frameBytesMax(frameBytesMax)
                .outboxMessagesMax(outboxMessagesMax)
                .outboxBytesMax(outboxBytesMax)
                .writeBatchMessagesMax(writeBatchMessagesMax)
                .writeBufferBytesMax(writeBufferBytesMax)
                .connectTimeoutMillis(connectTimeoutMillis)
                .reconnectBackoffMillis(reconnectBackoffMinMillis, reconnectBackoffMaxMillis)
                .handshakeTimeoutMillis(handshakeTimeoutMillis)
                .inboundConnectionsMax(inboundConnectionsMax)
                .ioThreads(ioThreads);
    }

    /** Collects fields; {@link #build()} validates them all at once. Not thread-safe. */
    public static final class Builder {
        private final String clusterId;
        private final long nodeId;
        private PeerAddress listenAddress;
        private ClusterSecrets clusterSecrets = ClusterSecrets.NONE;
        private int frameBytesMax = DEFAULT_FRAME_BYTES_MAX;
        private int outboxMessagesMax = DEFAULT_OUTBOX_MESSAGES_MAX;
        private long outboxBytesMax = DEFAULT_OUTBOX_BYTES_MAX;
        private int writeBatchMessagesMax = DEFAULT_WRITE_BATCH_MESSAGES_MAX;
        private int writeBufferBytesMax = DEFAULT_WRITE_BUFFER_BYTES_MAX;
        private int connectTimeoutMillis = DEFAULT_CONNECT_TIMEOUT_MILLIS;
        private long reconnectBackoffMinMillis = DEFAULT_RECONNECT_BACKOFF_MIN_MILLIS;
        private long reconnectBackoffMaxMillis = DEFAULT_RECONNECT_BACKOFF_MAX_MILLIS;
        private long handshakeTimeoutMillis = DEFAULT_HANDSHAKE_TIMEOUT_MILLIS;
        private int inboundConnectionsMax = DEFAULT_INBOUND_CONNECTIONS_MAX;
        private int ioThreads = DEFAULT_IO_THREADS;
        private int learnedPeersMax = DEFAULT_LEARNED_PEERS_MAX;

        private Builder(String clusterId, long nodeId, PeerAddress listenAddress) {
            this.clusterId = clusterId;
            this.nodeId = nodeId;
            this.listenAddress = listenAddress;
        }

        public Builder listenAddress(PeerAddress address) {
            this.listenAddress = address;
            return this;
        }

        /** The secrets peers must prove they hold; {@link ClusterSecrets#NONE} by default. */
        public Builder clusterSecrets(ClusterSecrets secrets) {
            this.clusterSecrets = secrets;
            return this;
        }

        public Builder frameBytesMax(int bytes) {
            this.frameBytesMax = bytes;
            return this;
        }

        public Builder outboxMessagesMax(int count) {
            this.outboxMessagesMax = count;
            return this;
        }

        public Builder outboxBytesMax(long bytes) {
            this.outboxBytesMax = bytes;
            return this;
        }

        public Builder writeBatchMessagesMax(int count) {
            this.writeBatchMessagesMax = count;
            return this;
        }

        public Builder writeBufferBytesMax(int bytes) {
            this.writeBufferBytesMax = bytes;
            return this;
        }

        public Builder connectTimeoutMillis(int millis) {
            this.connectTimeoutMillis = millis;
            return this;
        }

        public Builder reconnectBackoffMillis(long minMillis, long maxMillis) {
            this.reconnectBackoffMinMillis = minMillis;
            this.reconnectBackoffMaxMillis = maxMillis;
            return this;
        }

        public Builder handshakeTimeoutMillis(long millis) {
            this.handshakeTimeoutMillis = millis;
            return this;
        }

        public Builder inboundConnectionsMax(int count) {
            this.inboundConnectionsMax = count;
            return this;
        }

        public Builder ioThreads(int threads) {
            this.ioThreads = threads;
            return this;
        }

        /** 0: never learn a peer's address from its hello. */
        public Builder learnedPeersMax(int count) {
            this.learnedPeersMax = count;
            return this;
        }

        public NettyTransportConfig build() {
            return new NettyTransportConfig(this);
        }
    }

    /** Both ends of a connection must agree on it (checked in the hello and covered by the handshake's MACs); "" means "not known yet": the transport learns it from the first peer that authenticates (a node joining a cluster), see {@link NettyTransport#onClusterIdLearned}. */
    public String clusterId() {
        return clusterId;
    }

    /** The secrets peers prove they hold ({@link ClusterSecrets}); with {@link ClusterSecrets#NONE} only TLS or a loopback listen address may vouch for peers. */
    public ClusterSecrets clusterSecrets() {
        return clusterSecrets;
    }

    /** This node's id, positive. */
    public long nodeId() {
        return nodeId;
    }

    /** Where the server binds; port 0 picks a free port. */
    public PeerAddress listenAddress() {
        return listenAddress;
    }

    /** The largest frame body accepted or sent. */
    public int frameBytesMax() {
        return frameBytesMax;
    }

    /** Messages queued per peer before new ones are dropped. */
    public int outboxMessagesMax() {
        return outboxMessagesMax;
    }

    /** Bytes ({@code Message.sizeBytes()}) queued per peer before new ones are dropped; at least {@code frameBytesMax} so that any message that fits a frame can be queued. */
    public long outboxBytesMax() {
        return outboxBytesMax;
    }

    /** Messages written to a connection per flush. */
    public int writeBatchMessagesMax() {
        return writeBatchMessagesMax;
    }

    /** Bytes a connection may buffer in Netty before the transport stops writing to it until the socket drains (its high water mark). */
    public int writeBufferBytesMax() {
        return writeBufferBytesMax;
    }

    /** How long one connection attempt may take. */
    public int connectTimeoutMillis() {
        return connectTimeoutMillis;
    }

    /** The first delay before reconnecting after a failure. */
    public long reconnectBackoffMinMillis() {
        return reconnectBackoffMinMillis;
    }

    /** The cap of the exponential reconnect delay. */
    public long reconnectBackoffMaxMillis() {
        return reconnectBackoffMaxMillis;
    }

    /** How long an inbound connection may take to send its hello. */
    public long handshakeTimeoutMillis() {
        return handshakeTimeoutMillis;
    }

    /** Inbound connections accepted at once; more are closed at once. */
    public int inboundConnectionsMax() {
        return inboundConnectionsMax;
    }

    /** Netty event loop threads of this transport. */
    public int ioThreads() {
        return ioThreads;
    }

    /** Peers whose address this transport may learn from their hello (a node that joined while this one was cut off); beyond it, hellos of unknown peers teach nothing. */
    public int learnedPeersMax() {
        return learnedPeersMax;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof NettyTransportConfig other)) {
            return false;
        }
        return Objects.equals(clusterId, other.clusterId)
                && Objects.equals(clusterSecrets, other.clusterSecrets)
                && nodeId == other.nodeId
                && Objects.equals(listenAddress, other.listenAddress)
                && frameBytesMax == other.frameBytesMax
                && outboxMessagesMax == other.outboxMessagesMax
                && outboxBytesMax == other.outboxBytesMax
                && writeBatchMessagesMax == other.writeBatchMessagesMax
                && writeBufferBytesMax == other.writeBufferBytesMax
                && connectTimeoutMillis == other.connectTimeoutMillis
                && reconnectBackoffMinMillis == other.reconnectBackoffMinMillis
                && reconnectBackoffMaxMillis == other.reconnectBackoffMaxMillis
                && handshakeTimeoutMillis == other.handshakeTimeoutMillis
                && inboundConnectionsMax == other.inboundConnectionsMax
                && ioThreads == other.ioThreads
                && learnedPeersMax == other.learnedPeersMax;
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                clusterId,
                clusterSecrets,
                nodeId,
                listenAddress,
                frameBytesMax,
                outboxMessagesMax,
                outboxBytesMax,
                writeBatchMessagesMax,
                writeBufferBytesMax,
                connectTimeoutMillis,
                reconnectBackoffMinMillis,
                reconnectBackoffMaxMillis,
                handshakeTimeoutMillis,
                inboundConnectionsMax,
                ioThreads,
                learnedPeersMax);
    }

    @Override
    public String toString() {
        return "NettyTransportConfig["
                + "clusterId=" + clusterId
                + ", clusterSecrets=" + clusterSecrets
                + ", nodeId=" + nodeId
                + ", listenAddress=" + listenAddress
                + ", frameBytesMax=" + frameBytesMax
                + ", outboxMessagesMax=" + outboxMessagesMax
                + ", outboxBytesMax=" + outboxBytesMax
                + ", writeBatchMessagesMax=" + writeBatchMessagesMax
                + ", writeBufferBytesMax=" + writeBufferBytesMax
                + ", connectTimeoutMillis=" + connectTimeoutMillis
                + ", reconnectBackoffMinMillis=" + reconnectBackoffMinMillis
                + ", reconnectBackoffMaxMillis=" + reconnectBackoffMaxMillis
                + ", handshakeTimeoutMillis=" + handshakeTimeoutMillis
                + ", inboundConnectionsMax=" + inboundConnectionsMax
                + ", ioThreads=" + ioThreads
                + ", learnedPeersMax=" + learnedPeersMax
                + "]";
    }
}
