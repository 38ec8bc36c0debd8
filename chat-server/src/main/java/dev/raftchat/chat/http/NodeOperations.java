package dev.raftchat.chat.http;

import java.nio.channels.FileChannel;
import java.util.concurrent.CompletableFuture;

/**
 * What the operations routes ({@link OpsRoutes}) ask of the node, kept apart from {@link ChatBackend}
 * so the chat API and the operations endpoints can change independently. Thread-safe; no method
 * blocks an HTTP event loop.
 */
public interface NodeOperations {

    /** {@code GET /api/v1/cluster}: this node's view of the cluster as JSON (see docs/api.md, "Operations"). */
    byte[] clusterJson();

    /**
     * {@code GET /readyz}: completes with null when this node is ready to serve, else with the reason: not
     * running, not a member, no leader known, or not caught up — applied less than the leader's commit index
     * as confirmed by a ReadIndex round, within {@code waitMillis}. Never fails.
     */
    CompletableFuture<String> notReadyReason(long waitMillis);

    /** {@code GET /metrics}: Prometheus text exposition. */
    String metricsText();

    /**
     * {@code GET /api/v1/admin/backup}: takes a snapshot and completes with an open, consistent snapshot
     * file that the caller streams and then closes (its directory entry may be replaced by a newer
     * snapshot meanwhile; the open file stays readable).
     */
    CompletableFuture<BackupFile> backup();

    /**
     * An open backup: the snapshot file's channel, its size, the file name to suggest to clients and the
     * CRC32C of its data (also inside the file's trailer). The receiver owns the channel and closes it.
     */
    record BackupFile(FileChannel channel, long sizeBytes, String fileName, long dataCrc32c, long index, long term) {}
}
