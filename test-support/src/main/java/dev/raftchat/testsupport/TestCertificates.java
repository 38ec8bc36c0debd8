package dev.raftchat.testsupport;

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates made at test time, so that no private key is ever committed: a CA, and node certificates
 * it signs for loopback (SAN IP 127.0.0.1 and DNS localhost, usable as TLS server and client).
 */
public final class TestCertificates {
    /**
     * The URI SAN prefix that binds a certificate to a node id. Written out here rather than taken from
     * raft-transport-netty's {@code PeerAuthentication.NODE_URI_PREFIX}, which test-support cannot depend on
     * (that module's tests use this one); the transport's TLS tests fail if the two ever disagree.
     */
    public static final String NODE_URI_PREFIX = "raft-chat://node/";

    private static final AtomicLong SERIALS = new AtomicLong(System.nanoTime());

    private TestCertificates() {}

    public record Authority(PrivateKey key, X509Certificate certificate) {
        /** A certificate for loopback naming {@code nodeIds} as URI SANs {@code raft-chat://node/<id>}. */
        public NodeCertificate issue(String commonName, long... nodeIds) {
            KeyPair pair = newKeyPair();
            X509v3CertificateBuilder builder = builder(
                    new X500Name(certificate.getSubjectX500Principal().getName()),
                    new X500Name("CN=" + commonName),
                    pair);
            try {
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                builder.addExtension(
                        Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
                builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(new KeyPurposeId[] {
                    KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
                }));
                List<GeneralName> names = new ArrayList<>();
                names.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
                names.add(new GeneralName(GeneralName.dNSName, "localhost"));
                for (long nodeId : nodeIds) {
                    names.add(new GeneralName(GeneralName.uniformResourceIdentifier, NODE_URI_PREFIX + nodeId));
                }
                builder.addExtension(
                        Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(new GeneralName[0])));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return new NodeCertificate(pair.getPrivate(), sign(builder, key), certificate);
        }
    }

    /** A node's key and certificate, and the certificate of the authority that issued it. */
    public record NodeCertificate(PrivateKey key, X509Certificate certificate, X509Certificate issuer) {
        /** The certificate chain a TLS context presents: the node's certificate alone. */
        public X509Certificate[] chain() {
            return new X509Certificate[] {certificate};
        }
    }

    public static Authority newAuthority(String commonName) {
        KeyPair pair = newKeyPair();
        X500Name name = new X500Name("CN=" + commonName);
        X509v3CertificateBuilder builder = builder(name, name, pair);
        try {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return new Authority(pair.getPrivate(), sign(builder, pair.getPrivate()));
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair pair) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(
                issuer,
                BigInteger.valueOf(SERIALS.incrementAndGet()),
                Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(Duration.ofDays(1))),
                subject,
                pair.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer) {
        try {
            return new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
        } catch (OperatorCreationException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign a test certificate", e);
        }
    }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
