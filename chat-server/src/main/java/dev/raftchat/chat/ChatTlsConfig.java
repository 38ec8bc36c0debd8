package dev.raftchat.chat;

import dev.raftchat.raft.transport.netty.TransportTls;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLException;

/**
 * Optional TLS for a node, from PEM files: the HTTP/WebSocket port ({@code httpCertificate} chain and
 * {@code httpPrivateKey}, PKCS#8) and the peer port (mutual TLS: {@code peerCertificate}, {@code peerPrivateKey}
 * and the {@code peerTrustedCa} that signed every node's peer certificate). Each side is off when its files
 * are null, and must be given completely or not at all. Peer certificates need a subject alternative name
 * matching the host in {@code --cluster} (e.g. {@code IP:127.0.0.1}): clients verify it; and the URI
 * subject alternative name {@code raft-chat://node/<id>} naming the node: peers refuse a certificate that
 * does not name the id its holder claims.
 */
public record ChatTlsConfig(
        Path httpCertificate, Path httpPrivateKey, Path peerCertificate, Path peerPrivateKey, Path peerTrustedCa) {

    /** No TLS anywhere. */
    public static final ChatTlsConfig NONE = new ChatTlsConfig(null, null, null, null, null);

    public ChatTlsConfig {
        if ((httpCertificate == null) != (httpPrivateKey == null)) {
            throw new IllegalArgumentException("--tls-cert and --tls-key go together: give both or neither");
        }
        int peerFiles =
                (peerCertificate == null ? 0 : 1) + (peerPrivateKey == null ? 0 : 1) + (peerTrustedCa == null ? 0 : 1);
        if (peerFiles != 0 && peerFiles != 3) {
            throw new IllegalArgumentException(
                    "--peer-tls-cert, --peer-tls-key and --peer-tls-ca go together: give all three or none");
        }
        for (Path file : new Path[] {httpCertificate, httpPrivateKey, peerCertificate, peerPrivateKey, peerTrustedCa}) {
            if (file != null && !Files.isReadable(file)) {
                throw new IllegalArgumentException("TLS file " + file.toAbsolutePath() + " is not readable");
            }
        }
    }

    public boolean httpEnabled() {
        return httpCertificate != null;
    }

    public boolean peerEnabled() {
        return peerCertificate != null;
    }

    /** The HTTPS server context, or null when HTTP TLS is off. @throws IllegalArgumentException for unusable files */
    public SslContext httpServerContext() {
        if (!httpEnabled()) {
            return null;
        }
        try {
            return SslContextBuilder.forServer(httpCertificate.toFile(), httpPrivateKey.toFile())
                    .build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "cannot use --tls-cert " + httpCertificate + " / --tls-key " + httpPrivateKey + ": "
                            + e.getMessage(),
                    e);
        }
    }

    /** The transport's mutual-TLS contexts, or null when peer TLS is off. @throws IllegalArgumentException for unusable files */
    public TransportTls peerTls() {
        if (!peerEnabled()) {
            return null;
        }
        try {
            SslContext server = SslContextBuilder.forServer(peerCertificate.toFile(), peerPrivateKey.toFile())
                    .trustManager(peerTrustedCa.toFile())
                    .clientAuth(ClientAuth.REQUIRE)
                    .build();
            SslContext client = SslContextBuilder.forClient()
                    .keyManager(peerCertificate.toFile(), peerPrivateKey.toFile())
                    .trustManager(peerTrustedCa.toFile())
                    .build();
            return new TransportTls(server, client);
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "cannot use the peer TLS files (" + peerCertificate + ", " + peerPrivateKey + ", " + peerTrustedCa
                            + "): " + e.getMessage(),
                    e);
        }
    }

    /** Which sides are on and from which files; keys are named, never read into the text. */
    @Override
    public String toString() {
        return "http-tls=" + (httpEnabled() ? httpCertificate : "off") + " peer-tls="
                + (peerEnabled() ? peerCertificate + " (ca " + peerTrustedCa + ")" : "off");
    }
}
