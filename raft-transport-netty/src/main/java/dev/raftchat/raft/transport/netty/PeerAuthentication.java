package dev.raftchat.raft.transport.netty;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * What one transport needs to authenticate its peers, shared by its inbound and outbound handlers: this
 * node's id, its {@link ClusterSecrets}, whether TLS is on, and the cluster id (learned from the first
 * authenticated peer when it was configured empty).
 *
 * <p><b>The MAC.</b> {@code HMAC-SHA256(secret, label ‖ clusterId ‖ clientId ‖ serverId ‖ clientNonce ‖
 * serverNonce)}, where the label is {@code "raft-chat peer v2 server"} for the accepting node's
 * challenge and {@code "raft-chat peer v2 client"} for the connecting node's proof (so one can never be
 * replayed as the other), strings and byte arrays are prefixed by their 4-byte length and ids are 8-byte
 * big-endian. Both nonces are fresh per connection, so a recorded handshake proves nothing later. With no
 * secret the key is the public {@link #NO_SECRET_KEY}: the exchange then authenticates nothing and only
 * keeps one code path; TLS certificates or a loopback-only listen address must vouch for peers.
 *
 * <p><b>Certificates.</b> With TLS, a node's certificate must name its node id as the URI subject
 * alternative name {@code raft-chat://node/<id>} ({@link #NODE_URI_PREFIX}); the accepting node checks
 * the connecting node's certificate against the id in its hello, the connecting node checks the accepting
 * node's against the id it meant to reach. Thread-safe.
 */
final class PeerAuthentication {
    /** The URI subject alternative name a node certificate carries, followed by the decimal node id. */
    static final String NODE_URI_PREFIX = "raft-chat://node/";

    static final int NONCE_BYTES = 32;
    static final int MAC_BYTES = 32;
    static final byte[] NO_SECRET_KEY = "raft-chat peer without a cluster secret".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SERVER_LABEL = "raft-chat peer v2 server".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CLIENT_LABEL = "raft-chat peer v2 client".getBytes(StandardCharsets.US_ASCII);

    private final long nodeId;
    private final ClusterSecrets secrets;
    private final boolean tls;
    private final AtomicReference<String> clusterId;
    private final SecureRandom random = new SecureRandom();
    private volatile Consumer<String> clusterIdListener = id -> {};

    PeerAuthentication(long nodeId, ClusterSecrets secrets, boolean tls, String clusterId) {
        this.nodeId = nodeId;
        this.secrets = Objects.requireNonNull(secrets, "secrets");
        this.tls = tls;
        this.clusterId = new AtomicReference<>(Objects.requireNonNull(clusterId, "clusterId"));
    }

    long nodeId() {
        return nodeId;
    }

    ClusterSecrets secrets() {
        return secrets;
    }

    boolean tls() {
        return tls;
    }

    /** The cluster id, or "" while it is still to be learned. */
    String clusterId() {
        return clusterId.get();
    }

    void onClusterIdLearned(Consumer<String> listener) {
        this.clusterIdListener = Objects.requireNonNull(listener, "listener");
    }

    /**
     * Adopts {@code learned} if this node knows no cluster id yet (only after the peer that told it has
     * proven itself). Returns false if another id was adopted meanwhile.
     */
    boolean learnClusterId(String learned) {
        if (clusterId.compareAndSet("", learned)) {
            clusterIdListener.accept(learned);
            return true;
        }
        return clusterId.get().equals(learned);
    }

    byte[] newNonce() {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        return nonce;
    }

    /** The key for {@code keyId} (empty: no secret), or null when this node holds no such secret. */
    byte[] keyFor(byte[] keyId) {
        if (keyId.length == 0) {
            return secrets.isEmpty() ? NO_SECRET_KEY : null;
        }
        return secrets.secretFor(keyId);
    }

    static byte[] serverMac(
            byte[] key, String clusterId, long clientId, long serverId, byte[] clientNonce, byte[] serverNonce) {
        return mac(key, SERVER_LABEL, clusterId, clientId, serverId, clientNonce, serverNonce);
    }

    static byte[] clientMac(
            byte[] key, String clusterId, long clientId, long serverId, byte[] clientNonce, byte[] serverNonce) {
        return mac(key, CLIENT_LABEL, clusterId, clientId, serverId, clientNonce, serverNonce);
    }

    private static byte[] mac(
            byte[] key,
            byte[] label,
            String clusterId,
            long clientId,
            long serverId,
            byte[] clientNonce,
            byte[] serverNonce) {
        byte[] cluster = clusterId.getBytes(StandardCharsets.UTF_8);
        ByteBuffer data = ByteBuffer.allocate(
                4 + label.length + 4 + cluster.length + 16 + 4 + clientNonce.length + 4 + serverNonce.length);
        data.putInt(label.length).put(label);
        data.putInt(cluster.length).put(cluster);
        data.putLong(clientId).putLong(serverId);
        data.putInt(clientNonce.length).put(clientNonce);
        data.putInt(serverNonce.length).put(serverNonce);
        return ClusterSecrets.hmac(key, data.array());
    }

    /** Constant-time comparison of two MACs. */
    static boolean macEquals(byte[] expected, byte[] actual) {
        return MessageDigest.isEqual(expected, actual);
    }

    /**
     * Null when TLS is off or the peer certificate on {@code channel} names node {@code expectedNodeId};
     * otherwise why not.
     */
    String certificateProblem(Channel channel, long expectedNodeId) {
        if (!tls) {
            return null;
        }
        SslHandler handler = channel.pipeline().get(SslHandler.class);
        if (handler == null) {
            return "no TLS session on this connection";
        }
        Certificate[] chain;
        try {
            chain = handler.engine().getSession().getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return "the peer presented no certificate";
        }
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
            return "the peer presented no X.509 certificate";
        }
        SortedSet<Long> named = nodeIdsOf(leaf);
        if (named.contains(expectedNodeId)) {
            return null;
        }
        if (named.isEmpty()) {
            return "its certificate (" + leaf.getSubjectX500Principal().getName()
                    + ") names no node id; node certificates need the URI subject alternative name "
                    + NODE_URI_PREFIX + expectedNodeId;
        }
        return "its certificate names node " + named + ", not node " + expectedNodeId;
    }

    /** The node ids a certificate names through URI subject alternative names {@code raft-chat://node/<id>}. */
    static SortedSet<Long> nodeIdsOf(X509Certificate certificate) {
        TreeSet<Long> ids = new TreeSet<>();
        Collection<List<?>> names;
        try {
            names = certificate.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return ids;
        }
        if (names == null) {
            return ids;
        }
        for (List<?> name : names) {
            // Type 6 is uniformResourceIdentifier (RFC 5280 GeneralName).
            if (name.size() == 2 && Integer.valueOf(6).equals(name.get(0)) && name.get(1) instanceof String uri) {
                if (uri.startsWith(NODE_URI_PREFIX)) {
                    try {
                        long id = Long.parseLong(uri.substring(NODE_URI_PREFIX.length()));
                        if (id > 0) {
                            ids.add(id);
                        }
                    } catch (NumberFormatException ignored) {
                        // Not a node URI of ours; other URIs may be present for other purposes.
                    }
                }
            }
        }
        return ids;
    }
}
