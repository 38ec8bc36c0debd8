package dev.raftchat.chat;

import dev.raftchat.raft.transport.netty.ClusterSecrets;
import dev.raftchat.raft.transport.netty.PeerAddress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a node authenticates its peers (issue 18), decided once at start: the cluster secrets and the
 * cluster id.
 *
 * <p><b>Secrets.</b> From {@code --cluster-secret-file} when given (one secret per line, the current one
 * first, then earlier ones still accepted during a rotation; blank lines and lines starting with
 * {@code #} are ignored). Without it, when every peer address of {@code --cluster} is a loopback address
 * (the single-machine quick start), the nodes share {@value #GENERATED_SECRET_FILE} beside their data
 * directories: the first node to start creates it (32 random bytes, mode 600, created atomically so
 * three nodes starting at once agree) and the others read it. Otherwise, with peer TLS the certificates
 * vouch for peers; with neither, the node refuses to start and says how to set a secret.
 *
 * <p><b>Cluster id.</b> Kept in {@code <data-dir>/}{@value #CLUSTER_ID_FILE}. A node without that file
 * creates a random one if it is the lowest id of the initial {@code --cluster} and not joining; every
 * other node learns it from the first member that authenticates to it, and keeps it.
 */
public final class PeerSecurity {
    private static final Logger LOG = LoggerFactory.getLogger(PeerSecurity.class);

    /** The file a single-machine cluster shares, in the parent of the data directories. */
    public static final String GENERATED_SECRET_FILE = "raft-chat-cluster.secret";
    /** The file, in a data directory, that holds the cluster id. */
    public static final String CLUSTER_ID_FILE = "cluster-id";

    static final int GENERATED_SECRET_BYTES = 32;
    static final int CLUSTER_ID_BYTES = 16;
    static final long SECRET_FILE_BYTES_MAX = 16 * 1024;

    private final ClusterSecrets secrets;
    private final String secretSource;

    private PeerSecurity(ClusterSecrets secrets, String secretSource) {
        this.secrets = secrets;
        this.secretSource = secretSource;
    }

    public ClusterSecrets secrets() {
        return secrets;
    }

    /** Where the secrets came from, for the log. */
    public String source() {
        return secretSource;
    }

    /**
     * Decides the secrets of node {@code config}.
     *
     * @param secretFile {@code --cluster-secret-file}, or null
     * @throws IllegalArgumentException when the file is unusable, or when peers are not on loopback and
     *     neither a secret nor peer TLS is configured (the message says how to set one)
     */
    public static PeerSecurity resolve(ChatNodeConfig config, Path secretFile, boolean peerTls) {
        if (secretFile != null) {
            return new PeerSecurity(
                    read(secretFile), secretFile.toAbsolutePath().toString());
        }
        boolean allLoopback = config.cluster().values().stream().allMatch(PeerSecurity::isLoopback);
        if (allLoopback) {
            Path shared = config.dataDir().toAbsolutePath().getParent().resolve(GENERATED_SECRET_FILE);
            return new PeerSecurity(readOrCreate(shared), shared + " (shared by the nodes on this machine)");
        }
        if (peerTls) {
            return new PeerSecurity(ClusterSecrets.NONE, "none: node-bound peer TLS certificates");
        }
        throw new IllegalArgumentException("node " + config.nodeId() + " would accept peers at "
                + config.peerAddress() + ", which is not a loopback address, without authenticating them: anyone"
                + " who reaches that port could write the cluster's log. Create a secret once (for example"
                + " 'openssl rand -base64 32 > cluster.secret; chmod 600 cluster.secret'), copy it to every node"
                + " and start each with --cluster-secret-file cluster.secret (or RAFT_CHAT_CLUSTER_SECRET_FILE,"
                + " or 'cluster-secret-file = ...' in the --config file); or give every node peer TLS"
                + " (--peer-tls-cert, --peer-tls-key, --peer-tls-ca) with certificates naming their node ids."
                + " See docs/security.md.");
    }

    static boolean isLoopback(PeerAddress address) {
        String host = address.host();
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (!host.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}") && !host.contains(":")) {
            return false;
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** Reads a secret file: one secret per line, current first. */
    static ClusterSecrets read(Path file) {
        List<byte[]> secrets = new ArrayList<>();
        try {
            if (Files.size(file) > SECRET_FILE_BYTES_MAX) {
                throw new IllegalArgumentException(
                        "cluster secret file " + file + " is larger than " + SECRET_FILE_BYTES_MAX + " bytes");
            }
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String trimmed = line.strip();
                if (!trimmed.isEmpty() && !trimmed.startsWith("#")) {
                    secrets.add(trimmed.getBytes(StandardCharsets.UTF_8));
                }
            }
            warnIfOthersCanRead(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the cluster secret file " + file + ": " + e, e);
        }
        if (secrets.isEmpty()) {
            throw new IllegalArgumentException("cluster secret file " + file + " holds no secret");
        }
        try {
            return ClusterSecrets.of(secrets);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cluster secret file " + file + ": " + e.getMessage(), e);
        }
    }

    private static void warnIfOthersCanRead(Path file) {
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (permissions.contains(PosixFilePermission.GROUP_READ)
                    || permissions.contains(PosixFilePermission.OTHERS_READ)) {
                LOG.warn(
                        "cluster secret file {} is readable by other users ({}); chmod 600 it",
                        file,
                        PosixFilePermissions.toString(permissions));
            }
        } catch (UnsupportedOperationException | IOException e) {
            // Not a POSIX file system: nothing to check.
        }
    }

    /**
     * Reads {@code shared}, or creates it when absent. Creation is atomic: the secret is written and
     * forced to a private temporary file which is then hard-linked to the final name, which fails if
     * another node created it first; that node's secret is then read.
     */
    static ClusterSecrets readOrCreate(Path shared) {
        if (Files.exists(shared)) {
            return read(shared);
        }
        byte[] random = new byte[GENERATED_SECRET_BYTES];
        new SecureRandom().nextBytes(random);
        String content = "# raft-chat cluster secret, generated for the nodes whose data directories are here.\n"
                + "# Keep it private. See docs/security.md.\n"
                + Base64.getUrlEncoder().withoutPadding().encodeToString(random) + "\n";
        Path temporary = null;
        try {
            Files.createDirectories(shared.getParent());
            temporary = Files.createTempFile(shared.getParent(), GENERATED_SECRET_FILE, ".tmp");
            try {
                Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException notPosix) {
                // Not a POSIX file system: the directory's own protection applies.
            }
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                channel.write(ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8)));
                channel.force(true);
            }
            try {
                Files.createLink(shared, temporary);
                LOG.info("created the cluster secret {} for the nodes on this machine", shared);
            } catch (FileAlreadyExistsException anotherNodeWasFirst) {
                LOG.info("another node created the cluster secret {} first; using it", shared);
            } catch (UnsupportedOperationException noHardLinks) {
                Files.move(temporary, shared);
                temporary = null;
            }
        } catch (FileAlreadyExistsException anotherNodeWasFirst) {
            // The fallback move lost the race.
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the cluster secret file " + shared, e);
        } finally {
            if (temporary != null) {
                try {
                    Files.deleteIfExists(temporary);
                } catch (IOException e) {
                    LOG.warn("cannot delete the temporary file {}: {}", temporary, e.toString());
                }
            }
        }
        return read(shared);
    }

    /**
     * The cluster id of this node: from its data directory; or new, when it bootstraps the cluster as
     * the lowest initial id; or "" when it is to be learned from the first authenticated member.
     */
    static String clusterId(ChatNodeConfig config) {
        Path file = config.dataDir().resolve(CLUSTER_ID_FILE);
        try {
            if (Files.exists(file)) {
                String id = Files.readString(file, StandardCharsets.UTF_8).strip();
                if (id.isEmpty() || id.length() > 128) {
                    throw new IllegalArgumentException("the cluster id file " + file + " is damaged: '" + id + "'");
                }
                return id;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        long lowest = config.cluster().firstKey();
        if (!config.join() && config.nodeId() == lowest) {
            byte[] random = new byte[CLUSTER_ID_BYTES];
            new SecureRandom().nextBytes(random);
            String id = HexFormat.of().formatHex(random);
            persistClusterId(config.dataDir(), id);
            LOG.info("node {}: created the cluster id {}", config.nodeId(), id);
            return id;
        }
        return "";
    }

    /** Writes {@code id} to the data directory's cluster id file, atomically and durably. */
    static void persistClusterId(Path dataDir, String id) {
        Path file = dataDir.resolve(CLUSTER_ID_FILE);
        Path temporary = dataDir.resolve(CLUSTER_ID_FILE + ".tmp");
        try {
            Files.createDirectories(dataDir);
            try (FileChannel channel = FileChannel.open(
                    temporary,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                channel.write(ByteBuffer.wrap((id + "\n").getBytes(StandardCharsets.UTF_8)));
                channel.force(true);
            }
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel directory = FileChannel.open(dataDir, StandardOpenOption.READ)) {
                directory.force(true);
            } catch (IOException notSupported) {
                // Some file systems cannot force a directory; the rename is still atomic.
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the cluster id to " + file, e);
        }
    }
}
