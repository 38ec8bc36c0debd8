package dev.raftchat.raft.transport.netty;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The secrets a cluster's members share to authenticate each other in the peer handshake: the
 * current one first, then any earlier one still accepted while a rotation is under way.
 *
 * <p>A node proves itself with the first secret that both ends hold (each secret is announced by its
 * {@linkplain #keyIds() key id}, a truncated HMAC of a fixed label under the secret, which reveals
 * nothing usable about a random secret). Rotation therefore takes two rolling restarts: first give every
 * node {@code [new, old]}, then {@code [new]}; at every moment any two nodes share a secret.
 *
 * <p>{@link #NONE} means the node has no secret: only mutual TLS with node-bound certificates, or a
 * loopback-only listen address, may then vouch for peers ({@link NettyTransport#start} refuses
 * anything else). Immutable; {@link #toString()} never shows a secret.
 */
public final class ClusterSecrets {
    /** The shortest secret accepted, in bytes: 128 bits, if it is random. */
    public static final int SECRET_BYTES_MIN = 16;
    /** The longest secret accepted, in bytes. */
    public static final int SECRET_BYTES_MAX = 1024;
    /** How many secrets may be accepted at once (the current one and those being rotated out). */
    public static final int SECRETS_MAX = 4;

    static final int KEY_ID_BYTES = 8;
    private static final byte[] KEY_ID_LABEL = "raft-chat cluster secret key id v1".getBytes(StandardCharsets.US_ASCII);

    /** No secret: peers are vouched for by TLS or by loopback only. */
    public static final ClusterSecrets NONE = new ClusterSecrets(List.of());

    private final List<byte[]> secrets;
    private final List<byte[]> keyIds;

    private ClusterSecrets(List<byte[]> secrets) {
        this.secrets = secrets;
        List<byte[]> ids = new ArrayList<>();
        for (byte[] secret : secrets) {
            ids.add(Arrays.copyOf(hmac(secret, KEY_ID_LABEL), KEY_ID_BYTES));
        }
        this.keyIds = List.copyOf(ids);
    }

    /**
     * The current secret followed by earlier ones still accepted.
     *
     * @throws IllegalArgumentException for a secret shorter than {@link #SECRET_BYTES_MIN} or longer than
     *     {@link #SECRET_BYTES_MAX} bytes, more than {@link #SECRETS_MAX} secrets, or a repeated secret
     */
    public static ClusterSecrets of(byte[] current, byte[]... previous) {
        Objects.requireNonNull(current, "current");
        List<byte[]> all = new ArrayList<>();
        all.add(current.clone());
        for (byte[] secret : previous) {
            all.add(Objects.requireNonNull(secret, "previous secret").clone());
        }
        return of(all);
    }

    /** {@code secrets}, current first; see {@link #of(byte[], byte[]...)}. */
    public static ClusterSecrets of(List<byte[]> secrets) {
        if (secrets.isEmpty()) {
            throw new IllegalArgumentException("at least one cluster secret is needed (or use ClusterSecrets.NONE)");
        }
        if (secrets.size() > SECRETS_MAX) {
            throw new IllegalArgumentException(
                    "at most " + SECRETS_MAX + " cluster secrets may be accepted at once, got " + secrets.size());
        }
        List<byte[]> copies = new ArrayList<>();
        for (int i = 0; i < secrets.size(); i++) {
            byte[] secret = secrets.get(i);
            if (secret.length < SECRET_BYTES_MIN || secret.length > SECRET_BYTES_MAX) {
                throw new IllegalArgumentException("cluster secret #" + (i + 1) + " has " + secret.length
                        + " bytes; it must have " + SECRET_BYTES_MIN + ".." + SECRET_BYTES_MAX
                        + " (e.g. 32 random bytes, base64-encoded: openssl rand -base64 32)");
            }
            for (byte[] earlier : copies) {
                if (Arrays.equals(earlier, secret)) {
                    throw new IllegalArgumentException("cluster secret #" + (i + 1) + " repeats an earlier one");
                }
            }
            copies.add(secret.clone());
        }
        return new ClusterSecrets(List.copyOf(copies));
    }

    public boolean isEmpty() {
        return secrets.isEmpty();
    }

    /** How many secrets are accepted. */
    public int count() {
        return secrets.size();
    }

    /** The key ids of the secrets, current first (fresh copies). */
    public List<byte[]> keyIds() {
        List<byte[]> copies = new ArrayList<>();
        for (byte[] id : keyIds) {
            copies.add(id.clone());
        }
        return copies;
    }

    /** The key ids as hex, current first: safe to log. */
    public List<String> keyIdsHex() {
        List<String> hex = new ArrayList<>();
        for (byte[] id : keyIds) {
            hex.add(HexFormat.of().formatHex(id));
        }
        return hex;
    }

    /** The secret with key id {@code keyId}, or null. */
    byte[] secretFor(byte[] keyId) {
        for (int i = 0; i < keyIds.size(); i++) {
            if (Arrays.equals(keyIds.get(i), keyId)) {
                return secrets.get(i);
            }
        }
        return null;
    }

    /** Index of {@code keyId} among ours, or -1. */
    int indexOf(byte[] keyId) {
        for (int i = 0; i < keyIds.size(); i++) {
            if (Arrays.equals(keyIds.get(i), keyId)) {
                return i;
            }
        }
        return -1;
    }

    byte[] keyIdAt(int index) {
        return keyIds.get(index);
    }

    static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }

    @Override
    public String toString() {
        return secrets.isEmpty() ? "no cluster secret" : "cluster secrets with key ids " + keyIdsHex();
    }
}
