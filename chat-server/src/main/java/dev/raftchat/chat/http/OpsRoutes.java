package dev.raftchat.chat.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raftchat.chat.api.v1.ApiJson;
import dev.raftchat.chat.state.ChatError;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * The operations routes, beside the chat API:
 * <pre>
 * GET /readyz               → 200 once a leader is known and this node applied the leader's commit index, else 503
 * GET /metrics              → Prometheus text (details: loopback clients or the admin token, else 403)
 * GET /api/v1/cluster       → leader, term, commit and applied index, members and their progress (details); to
 *                             anyone else, only node ids, roles, the leader and health ("restricted": true)
 * GET /api/v1/admin/backup  → a consistent snapshot file, streamed (admin: bearer token or loopback)
 * </pre>
 * Who sees details and who is admin: {@link AdminGate}.
 * {@link ChatHttpHandler} asks these routes first; {@link #route} answers null for any other path. Stateless
 * and thread-safe.
 */
public final class OpsRoutes {
    public static final String METRICS_PATH = "/metrics";
    public static final String READY_PATH = "/readyz";
    /** How long {@code /readyz} waits for the ReadIndex round that proves this node caught up. */
    static final long READY_WAIT_MILLIS = 1_000;

    public static final String CLUSTER_PATH = "/api/v1/cluster";
    public static final String BACKUP_PATH = "/api/v1/admin/backup";
    static final String BACKUP_CRC_HEADER = "X-Raft-Chat-Data-Crc32c";

    private final NodeOperations operations;

    public OpsRoutes(NodeOperations operations) {
        this.operations = operations;
    }

    /**
     * The response for an operations route, or null when {@code path} is not one.
     *
     * @param requireAdmin   throws an {@link ApiException} unless the client may use admin routes
     * @param mayViewDetails whether the client may see peer URLs, terms, indexes and metrics
     */
    CompletableFuture<FullHttpResponse> route(
            FullHttpRequest request, String path, Runnable requireAdmin, BooleanSupplier mayViewDetails) {
        switch (path) {
            case METRICS_PATH: {
                requireGet(request);
                if (!mayViewDetails.getAsBoolean()) {
                    throw new ApiException(
                            ChatError.FORBIDDEN,
                            "/metrics is shown to loopback clients (not through a proxy) and to holders of the admin"
                                    + " token (Authorization: Bearer) only");
                }
                FullHttpResponse response = ChatHttpHandler.json(
                        HttpResponseStatus.OK, operations.metricsText().getBytes(StandardCharsets.UTF_8));
                response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
                return CompletableFuture.completedFuture(response);
            }
            case READY_PATH:
                requireGet(request);
                return operations
                        .notReadyReason(READY_WAIT_MILLIS)
                        .thenApply(reason -> reason == null
                                ? ChatHttpHandler.json(
                                        HttpResponseStatus.OK,
                                        "{\"status\":\"ready\"}".getBytes(StandardCharsets.UTF_8))
                                : ChatHttpHandler.error(ChatError.NOT_READY, reason));
            case CLUSTER_PATH:
                requireGet(request);
                byte[] cluster = operations.clusterJson();
                return CompletableFuture.completedFuture(ChatHttpHandler.json(
                        HttpResponseStatus.OK, mayViewDetails.getAsBoolean() ? cluster : restricted(cluster)));
            case BACKUP_PATH:
                requireGet(request);
                requireAdmin.run();
                return operations.backup().thenApply(backup -> {
                    FileResponse response =
                            new FileResponse(HttpResponseStatus.OK, backup.channel(), backup.sizeBytes());
                    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
                    response.headers()
                            .set(
                                    HttpHeaderNames.CONTENT_DISPOSITION,
                                    "attachment; filename=\"" + backup.fileName() + "\"");
                    response.headers().set(BACKUP_CRC_HEADER, String.format("%08x", backup.dataCrc32c()));
                    response.headers().set("X-Raft-Chat-Snapshot-Index", backup.index());
                    response.headers().set("X-Raft-Chat-Snapshot-Term", backup.term());
                    return response;
                });
            default:
                return null;
        }
    }

    /** Fields of the cluster view shown to everyone: ids, roles, the leader, health. The rest is for admins. */
    private static final Set<String> PUBLIC_FIELDS = Set.of("nodeId", "leaderId", "role", "progressKnown");

    private static final Set<String> PUBLIC_MEMBER_FIELDS = Set.of("id", "role", "leader", "healthy");

    /** The cluster view without peer URLs, term, indexes and progress, marked {@code "restricted": true}. */
    static byte[] restricted(byte[] cluster) {
        try {
            ObjectNode full = (ObjectNode) ApiJson.MAPPER.readTree(cluster);
            full.retain(new ArrayList<>(concat(PUBLIC_FIELDS, "members")));
            for (JsonNode member : full.path("members")) {
                ((ObjectNode) member).retain(PUBLIC_MEMBER_FIELDS);
            }
            full.put("restricted", true);
            return full.toString().getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Set<String> concat(Set<String> names, String name) {
        Set<String> all = new HashSet<>(names);
        all.add(name);
        return all;
    }

    private static void requireGet(FullHttpRequest request) {
        if (!request.method().equals(HttpMethod.GET)) {
            throw new ApiException(
                    ChatError.METHOD_NOT_ALLOWED, request.method() + " is not allowed here; allowed: GET");
        }
    }
}
