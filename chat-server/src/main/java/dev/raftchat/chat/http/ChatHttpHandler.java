package dev.raftchat.chat.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raftchat.chat.state.ChatStateMachine;
import dev.raftchat.chat.state.InvalidCommandException;
import dev.raftchat.raft.core.NotLeaderException;
import dev.raftchat.raft.core.ProposalRejectedException;
import dev.raftchat.raft.runtime.ProposalNotCommittedException;
import dev.raftchat.raft.runtime.RaftShutdownException;
import dev.raftchat.raft.runtime.RaftTimeoutException;
import dev.raftchat.raft.runtime.ReadNotConfirmedException;
import dev.raftchat.raft.runtime.ReadRejectedException;
import dev.raftchat.raft.transport.netty.PeerAddress;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API, compatible with the original raft-chat:
 * <pre>
 * POST   /rooms/{room}   {"Message","User"} (names case-insensitive) → 201 {"User","Message","PostedAt"} once applied
 * GET    /rooms/{room}   → [{"User","Message","PostedAt"}] oldest first; ?consistency=stale for a local read
 * GET    /rooms          → ["room", ...] sorted
 * GET    /{room}         → the same as GET /rooms/{room} (the original README's fault-tolerance step uses it)
 * POST   /raft/{id}      body: peer URL → 201 when the node is a voter, 202 when the change is still under way;
 *                        ?learner=true adds a non-voting learner
 * POST   /raft/{id}/promote → 200 when the learner is a voter
 * DELETE /raft/{id}      → 200 when the node has left, 202 when the change is still under way
 * GET    /raft           → this node's view of the cluster
 * GET    /healthz /readyz
 * GET    /  and  /app/{file}  → the browser client (module chat-web, see {@code WebAssetResponder})
 * </pre>
 * The {@code /raft} routes need {@code Authorization: Bearer <admin token>} when a token is configured,
 * and otherwise answer loopback clients only. Errors are {@code {"error":{"code":..,"message":..}}} with
 * a stable code. The handler never touches
 * Raft: it calls the {@link ChatBackend} and writes the response when the future completes (Netty's
 * {@code writeAndFlush} is safe from any thread). Shared by all connections; thread-safe.
 */
// FutureReturnValueIgnored: the futures ignored here are Netty's write, close and schedule futures. A failed
// write or close surfaces in the pipeline (exceptionCaught, channelInactive), which closes the channel; the
// caller has nothing more to do with the outcome.
@SuppressWarnings("FutureReturnValueIgnored")
@ChannelHandler.Sharable
public final class ChatHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(ChatHttpHandler.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * The last response of a connection, written or not: HTTP/1.1 pipelining needs responses in request
     * order, and a later request (a read) may complete before an earlier one (a commit).
     */
    private static final io.netty.util.AttributeKey<CompletableFuture<Void>> LAST_RESPONSE =
            io.netty.util.AttributeKey.valueOf("chat-last-response");

    private final ChatBackend backend;
    /** Null: admin routes answer loopback clients only. */
    private final byte[] adminToken;

    private final AtomicInteger inFlight = new AtomicInteger();
    /** Null: no operations routes (metrics, cluster, backup). */
    private final OpsRoutes ops;

    private final HttpRequestObserver observer;
    /** The chat API v1, or null when this server has none. */
    private final ApiRoutes api;
    /** The browser client at {@code /} and {@code /app/*} (module chat-web). */
    private final WebAssetResponder webAssets = new WebAssetResponder(dev.raftchat.web.WebAssets.fromClassPath());

    /** @param adminToken the bearer token the membership routes require, or null to allow loopback clients only */
    public ChatHttpHandler(ChatBackend backend, String adminToken) {
        this(backend, adminToken, null, HttpRequestObserver.NONE, null);
    }

    /**
     * @param ops      the operations routes, asked before the chat routes; null for none
     * @param observer hears every answered request
     * @param api      the chat API v1 that the other paths under {@code /api/v1} are delegated to, or null
     */
    public ChatHttpHandler(
            ChatBackend backend, String adminToken, OpsRoutes ops, HttpRequestObserver observer, ApiRoutes api) {
        this.backend = backend;
        this.adminToken = adminToken == null ? null : adminToken.getBytes(StandardCharsets.UTF_8);
        this.ops = ops;
        this.observer = java.util.Objects.requireNonNull(observer, "observer");
        this.api = api;
    }

    /** Requests received and not yet answered. */
    public int inFlight() {
        return inFlight.get();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        inFlight.incrementAndGet();
        long receivedNanos = System.nanoTime();
        String method = request.method().name();
        String path = new QueryStringDecoder(request.uri()).path();
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        CompletableFuture<FullHttpResponse> response;
        try {
            response = route(request, ctx.channel().remoteAddress());
        } catch (RuntimeException e) {
            response = CompletableFuture.failedFuture(e);
        }
        CompletableFuture<FullHttpResponse> answer =
                response.handle((ok, failure) -> ok != null ? ok : errorResponse(failure));
        // Only this connection's event loop runs channelRead0, so the attribute needs no further locking.
        CompletableFuture<Void> previous = ctx.channel().attr(LAST_RESPONSE).get();
        // Sent as a task of the connection's event loop, never inline: a write made from another thread is only
        // queued there, so an inline write on the event loop (a later request whose predecessors are complete)
        // could overtake it, and a "Connection: close" response would then close the connection before the
        // earlier responses left. Tasks run in the order they are submitted, which is this chain's order.
        CompletableFuture<Void> written = (previous == null
                        ? answer
                        : previous.thenCombine(answer, (ignored, ready) -> ready))
                .thenAcceptAsync(
                        ready -> {
                            observer.requestCompleted(
                                    method, path, ready.status().code(), System.nanoTime() - receivedNanos);
                            send(ctx, ready, keepAlive);
                        },
                        ctx.executor());
        ctx.channel().attr(LAST_RESPONSE).set(written);
    }

    private void send(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
        if (keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        io.netty.channel.ChannelFuture written;
        if (response instanceof FileResponse file) {
            ctx.write(file.head());
            try {
                written = ctx.writeAndFlush(
                        new io.netty.handler.codec.http.HttpChunkedInput(new io.netty.handler.stream.ChunkedNioFile(
                                file.file(), 0, file.sizeBytes(), FileResponse.CHUNK_BYTES)));
            } catch (java.io.IOException e) {
                LOG.warn("cannot stream a file response; closing the connection", e);
                file.closeFile();
                inFlight.decrementAndGet();
                ctx.close();
                return;
            }
            written.addListener(done -> file.closeFile());
        } else {
            HttpUtil.setContentLength(response, response.content().readableBytes());
            written = ctx.writeAndFlush(response);
        }
        written.addListener(done -> inFlight.decrementAndGet());
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    private CompletableFuture<FullHttpResponse> route(FullHttpRequest request, java.net.SocketAddress client) {
        if (!request.decoderResult().isSuccess()) {
            throw new ApiException(400, "bad_request", "the request could not be parsed as HTTP");
        }
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String path = uri.path();
        if (WebAssetResponder.claims(path)) {
            return CompletableFuture.completedFuture(webAssets.respond(request, path));
        }
        String trimmed = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        if (ops != null) {
            // Before the API v1 prefix: /api/v1/cluster and /api/v1/admin/backup are operations routes.
            CompletableFuture<FullHttpResponse> answer =
                    ops.route(request, trimmed, () -> authorizeAdmin(request, client));
            if (answer != null) {
                return answer;
            }
        }
        if (api != null
                && (uri.rawPath().equals(ApiRoutes.PREFIX) || uri.rawPath().startsWith(ApiRoutes.PREFIX + "/"))) {
            return api.route(request, client);
        }
        path = trimmed;
        List<String> segments = List.of(path.substring(1).split("/", -1));
        HttpMethod method = request.method();
        String first = segments.get(0);
        if (segments.size() == 1) {
            switch (first) {
                case "rooms":
                    requireMethod(method, HttpMethod.GET);
                    return backend.roomsJson(stale(uri)).thenApply(json -> json(HttpResponseStatus.OK, json));
                case "healthz":
                    requireMethod(method, HttpMethod.GET);
                    return CompletableFuture.completedFuture(
                            backend.live()
                                    ? json(
                                            HttpResponseStatus.OK,
                                            "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8))
                                    : error(503, "not_running", "the Raft server is not running"));
                case "raft":
                    requireMethod(method, HttpMethod.GET);
                    return CompletableFuture.completedFuture(json(HttpResponseStatus.OK, backend.statusJson()));
                default:
                    if (method.equals(HttpMethod.GET) && !first.isEmpty()) {
                        // The original README reads a room with "curl -L http://127.0.0.1:12380/general".
                        checkRoom(first);
                        return backend.roomJson(first, stale(uri)).thenApply(json -> json(HttpResponseStatus.OK, json));
                    }
                    break;
            }
        }
        if (segments.size() == 2 && first.equals("rooms")) {
            String room = segments.get(1);
            checkRoom(room);
            if (method.equals(HttpMethod.GET)) {
                return backend.roomJson(room, stale(uri)).thenApply(json -> json(HttpResponseStatus.OK, json));
            }
            if (method.equals(HttpMethod.POST)) {
                return post(room, request, client);
            }
            throw methodNotAllowed(method, "GET, POST");
        }
        if (segments.size() == 2 && first.equals("raft")) {
            authorizeAdmin(request, client);
            long nodeId = nodeId(segments.get(1));
            if (method.equals(HttpMethod.POST)) {
                String url = request.content().toString(StandardCharsets.UTF_8).trim();
                try {
                    PeerAddress.parse(url);
                } catch (IllegalArgumentException e) {
                    throw new ApiException(400, "invalid_peer_url", e.getMessage());
                }
                try {
                    backend.limits().checkPeerUrl(url);
                } catch (InvalidCommandException e) {
                    throw new ApiException(400, e.code(), e.getMessage());
                }
                boolean learner = flag(uri, "learner");
                return backend.addMember(nodeId, url, learner)
                        .thenApply(done -> membership(
                                done ? 201 : 202, nodeId, done ? (learner ? "learner" : "voter") : "joining"));
            }
            if (method.equals(HttpMethod.DELETE)) {
                return backend.removeMember(nodeId)
                        .thenApply(done -> membership(done ? 200 : 202, nodeId, done ? "removed" : "leaving"));
            }
            throw methodNotAllowed(method, "POST, DELETE");
        }
        if (segments.size() == 3 && first.equals("raft") && segments.get(2).equals("promote")) {
            authorizeAdmin(request, client);
            long nodeId = nodeId(segments.get(1));
            requireMethod(method, HttpMethod.POST);
            return backend.promote(nodeId)
                    .thenApply(done -> membership(done ? 200 : 202, nodeId, done ? "voter" : "promoting"));
        }
        throw new ApiException(
                404,
                "not_found",
                "no route for " + method + " " + uri.path()
                        + "; see /rooms, /rooms/{room}, /raft/{id}, /healthz, /readyz, /ws");
    }

    private CompletableFuture<FullHttpResponse> post(
            String room, FullHttpRequest request, java.net.SocketAddress client) {
        JsonNode body;
        try {
            body = JSON.readTree(request.content().toString(StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new ApiException(400, "invalid_json", "the body is not valid JSON: " + e.getOriginalMessage());
        }
        if (body == null || !body.isObject()) {
            throw new ApiException(
                    400,
                    "invalid_json",
                    "the body must be a JSON object like {\"Message\":\"hello\",\"User\":\"ann\"}");
        }
        String message = textField(body, "message");
        String user = textField(body, "user");
        try {
            backend.limits().checkUserName(user);
            backend.limits().checkMessage(message);
        } catch (InvalidCommandException e) {
            throw new ApiException(400, e.code(), e.getMessage());
        }
        if (api != null) {
            return api.postOriginal(room, user, message, request, client);
        }
        return backend.post(room, user, message)
                .thenApply(post -> json(
                        HttpResponseStatus.CREATED,
                        ChatStateMachine.json(generator -> ChatStateMachine.writePost(generator, post))));
    }

    /** The string value of the field named {@code name} in any letter case; null when absent. */
    private static String textField(JsonNode body, String name) {
        String found = null;
        for (Map.Entry<String, JsonNode> field : body.properties()) {
            if (field.getKey().equalsIgnoreCase(name)) {
                if (found != null) {
                    throw new ApiException(400, "invalid_json", "field \"" + name + "\" appears more than once");
                }
                if (!field.getValue().isTextual()) {
                    throw new ApiException(400, "invalid_json", "field \"" + field.getKey() + "\" must be a string");
                }
                found = field.getValue().textValue();
            }
        }
        return found;
    }

    private void checkRoom(String room) {
        try {
            backend.limits().checkRoomName(room);
        } catch (InvalidCommandException e) {
            throw new ApiException(400, e.code(), e.getMessage());
        }
    }

    /** Membership changes need the admin token when one is set, else a loopback client. */
    private void authorizeAdmin(FullHttpRequest request, java.net.SocketAddress client) {
        if (adminToken == null) {
            boolean loopback = client instanceof java.net.InetSocketAddress address
                    && address.getAddress() != null
                    && address.getAddress().isLoopbackAddress();
            if (!loopback) {
                throw new ApiException(
                        403,
                        "forbidden",
                        "admin routes (membership, backup) are accepted from loopback clients only;"
                                + " start the nodes with --admin-token (or RAFT_CHAT_ADMIN_TOKEN) to allow remote admins");
            }
            return;
        }
        String header = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        byte[] presented = header != null && header.startsWith("Bearer ")
                ? header.substring("Bearer ".length()).trim().getBytes(StandardCharsets.UTF_8)
                : new byte[0];
        if (!java.security.MessageDigest.isEqual(presented, adminToken)) {
            throw new ApiException(
                    401,
                    "unauthorized",
                    "admin routes (membership, backup) need the header 'Authorization: Bearer <admin token>'");
        }
    }

    private static boolean flag(QueryStringDecoder uri, String name) {
        List<String> values = uri.parameters().get(name);
        if (values == null || values.isEmpty()) {
            return false;
        }
        String value = values.get(values.size() - 1);
        if (value.equals("true")) {
            return true;
        }
        if (value.equals("false")) {
            return false;
        }
        throw new ApiException(400, "invalid_parameter", name + " must be 'true' or 'false', not '" + value + "'");
    }

    private static boolean stale(QueryStringDecoder uri) {
        List<String> values = uri.parameters().get("consistency");
        if (values == null || values.isEmpty()) {
            return false;
        }
        String value = values.get(values.size() - 1);
        if (value.equals("stale")) {
            return true;
        }
        if (value.equals("linearizable")) {
            return false;
        }
        throw new ApiException(
                400,
                "invalid_consistency",
                "consistency must be 'linearizable' (the default) or 'stale', not '" + value + "'");
    }

    private static long nodeId(String text) {
        try {
            long id = Long.parseLong(text);
            if (id > 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new ApiException(400, "invalid_node_id", "node id '" + text + "' is not a positive integer");
    }

    private static void requireMethod(HttpMethod method, HttpMethod allowed) {
        if (!method.equals(allowed)) {
            throw methodNotAllowed(method, allowed.name());
        }
    }

    private static ApiException methodNotAllowed(HttpMethod method, String allowed) {
        return new ApiException(405, "method_not_allowed", method + " is not allowed here; allowed: " + allowed);
    }

    private static FullHttpResponse membership(int status, long nodeId, String state) {
        ObjectNode body = JSON.createObjectNode().put("NodeId", nodeId).put("State", state);
        return json(HttpResponseStatus.valueOf(status), body.toString().getBytes(StandardCharsets.UTF_8));
    }

    public static FullHttpResponse json(HttpResponseStatus status, byte[] body) {
        FullHttpResponse response =
                new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=utf-8");
        return response;
    }

    public static FullHttpResponse error(int status, String code, String message) {
        ObjectNode body = JSON.createObjectNode();
        body.putObject("error").put("code", code).put("message", message);
        FullHttpResponse response =
                json(HttpResponseStatus.valueOf(status), body.toString().getBytes(StandardCharsets.UTF_8));
        if (status == 405) {
            response.headers().set(HttpHeaderNames.ALLOW, message.substring(message.indexOf("allowed: ") + 9));
        }
        return response;
    }

    /** Maps a failure to a JSON error; a Raft outcome that is unknown says so, because the client may retry. */
    public static FullHttpResponse errorResponse(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof ApiException api) {
            return error(api.status(), api.code(), api.getMessage());
        }
        if (cause instanceof InvalidCommandException invalid) {
            return error(400, invalid.code(), invalid.getMessage());
        }
        if (cause instanceof NotLeaderException) {
            return error(
                    503,
                    "no_leader",
                    "no leader is known (an election may be under way, or the cluster has no quorum): "
                            + cause.getMessage());
        }
        if (cause instanceof RaftTimeoutException || cause instanceof TimeoutException) {
            return error(
                    503,
                    "timeout",
                    "not committed or confirmed in time; the cluster may have no quorum."
                            + " A write's outcome is unknown: it may still appear. " + nullToEmpty(cause.getMessage()));
        }
        if (cause instanceof ProposalRejectedException || cause instanceof ReadRejectedException) {
            return error(503, "overloaded", "the node refused the request to protect itself: " + cause.getMessage());
        }
        if (cause instanceof ProposalNotCommittedException) {
            return error(
                    503,
                    "not_committed",
                    "the write was lost in a leader change and not committed; retry: " + cause.getMessage());
        }
        if (cause instanceof ReadNotConfirmedException) {
            return error(
                    503,
                    "read_not_confirmed",
                    "the leader could not confirm its leadership; retry: " + cause.getMessage());
        }
        if (cause instanceof RaftShutdownException) {
            return error(503, "shutting_down", "this node is stopping: " + cause.getMessage());
        }
        LOG.error("request failed unexpectedly", cause);
        return error(
                500,
                "internal_error",
                "unexpected " + cause.getClass().getSimpleName() + ": " + nullToEmpty(cause.getMessage()));
    }

    private static String nullToEmpty(String text) {
        return text == null ? "" : text;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("HTTP connection {} failed; closing it", ctx.channel().remoteAddress(), cause);
        ctx.close();
    }
}
