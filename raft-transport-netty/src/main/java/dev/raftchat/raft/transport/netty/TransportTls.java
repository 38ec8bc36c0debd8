package dev.raftchat.raft.transport.netty;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Objects;
import javax.net.ssl.SSLException;

/**
 * The TLS contexts of a {@link NettyTransport}: one for the server side of inbound peer connections and
 * one for the client side of outbound ones. They are built outside the transport (from whatever key
 * store the application uses) and passed in.
 *
 * <p>For mutual authentication the server context must require client certificates
 * ({@link ClientAuth#REQUIRE}); {@link #mutual} builds such a pair. Client contexts built by Netty's
 * {@link SslContextBuilder#forClient()} verify that the server certificate names the host being
 * connected to, so node certificates need a subject alternative name matching the peer address
 * (e.g. {@code IP:127.0.0.1} or {@code DNS:node1.example}).
 *
 * <p>Node certificates must also name their node id as the URI subject alternative name
 * {@code raft-chat://node/<id>}: the accepting node refuses a hello whose node id the client's certificate
 * does not name, and the connecting node refuses a server whose certificate does not name the node it
 * meant to reach (see {@link PeerAuthentication}), so a certificate of the trusted CA issued for node 3
 * cannot speak as node 2.
 *
 * @param server context for inbound connections (must be a server context)
 * @param client context for outbound connections (must be a client context)
 */
public record TransportTls(SslContext server, SslContext client) {

    public TransportTls {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(client, "client");
        if (!server.isServer()) {
            throw new IllegalArgumentException("the server TLS context must be built with SslContextBuilder.forServer");
        }
        if (!client.isClient()) {
            throw new IllegalArgumentException("the client TLS context must be built with SslContextBuilder.forClient");
        }
    }

    /**
     * Mutual TLS: this node presents {@code certificateChain} (leaf first) with {@code privateKey} on
     * both sides, trusts only {@code trustedCertificates} (usually the cluster's CA), and refuses
     * inbound connections without a valid client certificate.
     *
     * @throws IllegalArgumentException if the key material cannot be used
     */
    public static TransportTls mutual(
            PrivateKey privateKey, X509Certificate[] certificateChain, X509Certificate... trustedCertificates) {
        Objects.requireNonNull(privateKey, "privateKey");
        Objects.requireNonNull(certificateChain, "certificateChain");
        if (certificateChain.length == 0 || trustedCertificates.length == 0) {
            throw new IllegalArgumentException(
                    "mutual TLS needs a certificate chain and at least one trusted certificate");
        }
        try {
            SslContext server = SslContextBuilder.forServer(privateKey, certificateChain)
                    .trustManager(trustedCertificates)
                    .clientAuth(ClientAuth.REQUIRE)
                    .build();
            SslContext client = SslContextBuilder.forClient()
                    .keyManager(privateKey, certificateChain)
                    .trustManager(trustedCertificates)
                    .build();
            return new TransportTls(server, client);
        } catch (SSLException e) {
            throw new IllegalArgumentException("cannot build TLS contexts: " + e.getMessage(), e);
        }
    }
}
