package dev.raftchat.chat.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raftchat.chat.state.ChatError;
import dev.raftchat.chat.state.ChatModel;
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
import dev.raftchat.web.WebAssets;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.stream.ChunkedNioFile;
import io.netty.util.AttributeKey;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
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
    private static final AttributeKey<CompletableFuture<Void>> LAST_RESPONSE =
            AttributeKey.valueOf("chat-last-response");

    /**
     * The written answer of the connection's last unsafe request (RFC 9110 §9.2.1: not GET, HEAD or OPTIONS):
     * every later request waits for it.
     */
    private static final AttributeKey<CompletableFuture<Void>> LAST_UNSAFE = AttributeKey.valueOf("chat-last-unsafe");

    private final ChatBackend backend;
    /** Admin routes and detailed views: who may, and from where. */
    private final AdminGate gate;

    private final AtomicInteger inFlight = new AtomicInteger();
    /** Null: no operations routes (metrics, cluster, backup). */
    private final OpsRoutes ops;

    private final HttpRequestObserver observer;
    /** The chat API v1, or null when this server has none. */
    private final ApiRoutes api;
    /** The browser client at {@code /} and {@code /app/*} (module chat-web). */
    private final WebAssetResponder webAssets = new WebAssetResponder(WebAssets.fromClassPath());

    /** @param adminToken the bearer token the membership routes require, or null to allow loopback clients only */
    public ChatHttpHandler(ChatBackend backend, String adminToken) {
        this(backend, new AdminGate(adminToken, Set.of()), null, HttpRequestObserver.NONE, null);
    }

    /**
     * @param gate     who may use the admin routes and see the detailed views
     * @param ops      the operations routes, asked before the chat routes; null for none
     * @param observer hears every answered request
     * @param api      the chat API v1 that the other paths under {@code /api/v1} are delegated to, or null
     */
    public ChatHttpHandler(
            ChatBackend backend, AdminGate gate, OpsRoutes ops, HttpRequestObserver observer, ApiRoutes api) {
        this.backend = backend;
        this.gate = Objects.requireNonNull(gate, "gate");
        this.ops = ops;
        this.observer = Objects.requireNonNull(observer, "observer");
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
        String path = rawPath(request.uri());
        boolean parsed = request.decoderResult().isSuccess();
        // A request the codec could not parse leaves the connection's byte stream unframed: answer, then close.
        boolean keepAlive = parsed && HttpUtil.isKeepAlive(request);
        // Only this connection's event loop runs channelRead0, so the attributes need no further locking.
        CompletableFuture<Void> previous = ctx.channel().attr(LAST_RESPONSE).get();
        boolean unsafe = !isSafe(request.method());
        // RFC 9112 §9.3.2: pipelined requests run in order when an unsafe one is among them. A write runs once
        // every earlier answer of the connection is written (it must not overtake them), and any request runs
        // once the last earlier write is answered (a read sent after a write must see it). Reads between writes
        // still run side by side.
        CompletableFuture<Void> barrier =
                unsafe ? previous : ctx.channel().attr(LAST_UNSAFE).get();
        CompletableFuture<FullHttpResponse> response;
        if (barrier != null && !barrier.isDone()) {
            request.retain();
            response = barrier.handle((ignored, failure) -> null)
                    .thenComposeAsync(
                            ignored -> {
                                try {
                                    return route(request, ctx.channel().remoteAddress());
                                } catch (RuntimeException e) {
                                    return CompletableFuture.<FullHttpResponse>failedFuture(e);
                                } finally {
                                    request.release();
                                }
                            },
                            ctx.executor());
        } else {
            try {
                response = route(request, ctx.channel().remoteAddress());
            } catch (RuntimeException e) {
                response = CompletableFuture.failedFuture(e);
            }
        }
        CompletableFuture<FullHttpResponse> answer =
                response.handle((ok, failure) -> ok != null ? ok : errorResponse(failure));
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
        if (unsafe) {
            ctx.channel().attr(LAST_UNSAFE).set(written);
        }
    }

    private void send(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
        if (keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        ChannelFuture written;
        if (response instanceof FileResponse file) {
            ctx.write(file.head());
            try {
                written = ctx.writeAndFlush(new HttpChunkedInput(
                        new ChunkedNioFile(file.file(), 0, file.sizeBytes(), FileResponse.CHUNK_BYTES)));
            } catch (IOException e) {
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

    private CompletableFuture<FullHttpResponse> route(FullHttpRequest request, SocketAddress client) {
        if (!request.decoderResult().isSuccess()) {
            Throwable cause = request.decoderResult().cause();
            if (cause instanceof TooLongFrameException) {
                throw new ApiException(
                        ChatError.REQUEST_HEADER_TOO_LARGE,
                        "the request line or the headers are too long (at most " + REQUEST_LINE_BYTES_MAX
                                + " bytes of request line and " + HEADER_BYTES_MAX + " bytes of headers)");
            }
            throw new ApiException(ChatError.BAD_REQUEST, "the request could not be parsed as HTTP");
        }
        StrictInput.checkTarget(request.uri());
        String raw = rawPath(request.uri());
        if (isUpgrade(request)
                && (raw.equals(ChatHttpServer.WEBSOCKET_PATH) || (api != null && raw.equals(api.webSocketPath())))) {
            ApiException refused = handshakeError(request);
            if (refused != null) {
                throw refused;
            }
        }
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String path = uri.path();
        if (path.isEmpty()) {
            // A target of only a query ("?x=1"): no path to route (the fuzzer's 500, found at this merge).
            throw new ApiException(ChatError.BAD_REQUEST, "the request target has no path: it must start with '/'");
        }
        if (WebAssetResponder.claims(path)) {
            return CompletableFuture.completedFuture(webAssets.respond(request, path));
        }
        String trimmed = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        if (ops != null) {
            // Before the API v1 prefix: /api/v1/cluster and /api/v1/admin/backup are operations routes.
            CompletableFuture<FullHttpResponse> answer = ops.route(
                    request,
                    trimmed,
                    () -> gate.requireAdmin(request, client),
                    () -> gate.mayViewDetails(request, client));
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
                                    : error(ChatError.NOT_RUNNING, "the Raft server is not running"));
                case "ws":
                    throw new ApiException(
                            ChatError.WEBSOCKET_UPGRADE_REQUIRED,
                            ChatHttpServer.WEBSOCKET_PATH + " is a WebSocket: connect with a WebSocket client");
                case "raft":
                    requireMethod(method, HttpMethod.GET);
                    gate.requireDetails(request, client, "GET /raft (peer URLs, terms, replication progress)");
                    return CompletableFuture.completedFuture(json(HttpResponseStatus.OK, backend.statusJson()));
                default:
                    if (method.equals(HttpMethod.GET) && !first.isEmpty() && !isReservedName(first)) {
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
            gate.requireAdmin(request, client);
            long nodeId = nodeId(segments.get(1));
            if (method.equals(HttpMethod.POST)) {
                String url = peerUrl(request);
                try {
                    PeerAddress.parse(url);
                } catch (IllegalArgumentException e) {
                    throw new ApiException(ChatError.INVALID_PEER_URL, e.getMessage());
                }
                try {
                    backend.limits().checkPeerUrl(url);
                } catch (InvalidCommandException e) {
                    throw new ApiException(e.error(), e.getMessage());
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
            gate.requireAdmin(request, client);
            long nodeId = nodeId(segments.get(1));
            requireMethod(method, HttpMethod.POST);
            return backend.promote(nodeId)
                    .thenApply(done -> membership(done ? 200 : 202, nodeId, done ? "voter" : "promoting"));
        }
        throw new ApiException(
                ChatError.NOT_FOUND,
                "no route for " + method + " " + uri.path()
                        + "; see /rooms, /rooms/{room}, /raft/{id}, /healthz, /readyz, /ws");
    }

    private CompletableFuture<FullHttpResponse> post(String room, FullHttpRequest request, SocketAddress client) {
        String text = StrictInput.utf8Body(request.content());
        String[] fields = StrictInput.flatStringFields(text, "message", "user");
        String message;
        String user;
        if (fields != null) {
            message = fields[0];
            user = fields[1];
        } else {
            JsonNode body = StrictInput.json(text);
            if (body == null || !body.isObject()) {
                throw new ApiException(
                        ChatError.INVALID_JSON,
                        "the body must be a JSON object like {\"Message\":\"hello\",\"User\":\"ann\"}");
            }
            message = textField(body, "message");
            user = textField(body, "user");
        }
        try {
            backend.limits().checkUserName(user);
            // NFKC, nothing invisible: applying the post checks the same, and that the name does not look
            // like a registered one (which needs that user's token).
            user = ChatModel.originalUserName(user);
            backend.limits().checkMessage(message);
        } catch (InvalidCommandException e) {
            throw new ApiException(e.error(), e.getMessage());
        }
        String refused = StrictInput.refusedCharacter(user, false);
        if (refused != null) {
            throw new ApiException(ChatError.INVALID_USERNAME, "the user name contains " + refused);
        }
        refused = StrictInput.refusedCharacter(message, true);
        if (refused != null) {
            throw new ApiException(ChatError.INVALID_TEXT, "the message contains " + refused);
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
                    throw new ApiException(ChatError.INVALID_JSON, "field \"" + name + "\" appears more than once");
                }
                if (!field.getValue().isTextual()) {
                    throw new ApiException(ChatError.INVALID_JSON, "field \"" + field.getKey() + "\" must be a string");
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
            throw new ApiException(e.error(), e.getMessage());
        }
        String refused = StrictInput.refusedCharacter(room, false);
        if (refused != null) {
            throw new ApiException(ChatError.INVALID_ROOM_NAME, "the room name contains " + refused);
        }
    }

    /**
     * The body of {@code POST /raft/{id}}: the original API's bare peer URL, or with {@code Content-Type:
     * application/json} an object {@code {"url":"http://host:port"}} (the form a browser cannot send cross-site).
     */
    private static String peerUrl(FullHttpRequest request) {
        if (AdminGate.mediaType(request).equals("application/json")) {
            JsonNode body = StrictInput.json(request.content());
            if (body == null
                    || !body.isObject()
                    || body.size() != 1
                    || !body.path("url").isTextual()) {
                throw new ApiException(
                        ChatError.INVALID_JSON, "the body must be a JSON object like {\"url\":\"http://host:port\"}");
            }
            return body.get("url").textValue().trim();
        }
        return StrictInput.utf8Body(request.content()).trim();
    }

    /**
     * First path segments that the original's {@code GET /{room}} alias does not read as a room, because
     * clients, crawlers and probes ask for them by these names (docs/api.md, "Reserved names"). The rooms
     * themselves stay readable at {@code /rooms/{name}}.
     */
    static final Set<String> RESERVED_NAMES = Set.of(
            "api",
            "health",
            "healthz",
            "livez",
            "live",
            "ready",
            "readyz",
            "status",
            "metrics",
            "ping",
            "version",
            "info",
            "debug",
            "admin",
            "login",
            "ws",
            "favicon.ico",
            "robots.txt",
            "sitemap.xml",
            "humans.txt",
            "security.txt",
            "manifest.json",
            "index.html",
            "apple-touch-icon.png",
            "apple-touch-icon-precomposed.png",
            "browserconfig.xml");

    /** A reserved name (case-insensitive), or any name beginning with '.' (like {@code .well-known}, {@code .env}). */
    static boolean isReservedName(String first) {
        return first.startsWith(".") || RESERVED_NAMES.contains(first.toLowerCase(Locale.ROOT));
    }

    /** Largest request line and header block the codec accepts (Netty's defaults, stated here for the 431 message). */
    static final int REQUEST_LINE_BYTES_MAX = 4_096;

    static final int HEADER_BYTES_MAX = 8_192;

    static boolean isUpgrade(FullHttpRequest request) {
        return request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
    }

    /**
     * Why a WebSocket handshake would be refused (RFC 6455 §4.2.1), as the JSON error the chat handler answers
     * instead of Netty's plain text: not GET, no {@code Connection: Upgrade}, a version other than 13 ({@code 426}
     * with {@code Sec-WebSocket-Version: 13}), a missing or malformed key, a malformed target; null when valid.
     */
    static ApiException handshakeError(FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            return new ApiException(ChatError.BAD_REQUEST, "the request could not be parsed as HTTP");
        }
        try {
            StrictInput.checkTarget(request.uri());
        } catch (ApiException e) {
            return e;
        }
        if (!request.method().equals(HttpMethod.GET)) {
            return new ApiException(ChatError.METHOD_NOT_ALLOWED, "a WebSocket handshake is a GET; allowed: GET");
        }
        if (!request.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)) {
            return new ApiException(ChatError.INVALID_HANDSHAKE, "a WebSocket handshake needs 'Connection: Upgrade'");
        }
        String version = request.headers().get(HttpHeaderNames.SEC_WEBSOCKET_VERSION);
        if (version == null || !version.trim().equals("13")) {
            return new ApiException(
                    ChatError.UPGRADE_REQUIRED, "this server speaks WebSocket version 13 (RFC 6455) only");
        }
        String key = request.headers().get(HttpHeaderNames.SEC_WEBSOCKET_KEY);
        boolean keyValid = false;
        if (key != null) {
            try {
                keyValid = Base64.getDecoder().decode(key.trim()).length == 16;
            } catch (IllegalArgumentException e) {
                keyValid = false;
            }
        }
        if (!keyValid) {
            return new ApiException(ChatError.INVALID_HANDSHAKE, "Sec-WebSocket-Key must be 16 random bytes in base64");
        }
        return null;
    }

    private static boolean isSafe(HttpMethod method) {
        return method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD) || method.equals(HttpMethod.OPTIONS);
    }

    /** The path of a request target without decoding (for logs and metrics; never throws). */
    static String rawPath(String uri) {
        int end = uri.length();
        int query = uri.indexOf('?');
        if (query >= 0) {
            end = query;
        }
        int fragment = uri.indexOf('#');
        if (fragment >= 0 && fragment < end) {
            end = fragment;
        }
        return uri.substring(0, end);
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
        throw new ApiException(ChatError.INVALID_PARAMETER, name + " must be 'true' or 'false', not '" + value + "'");
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
                ChatError.INVALID_CONSISTENCY,
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
        throw new ApiException(ChatError.INVALID_NODE_ID, "node id '" + text + "' is not a positive integer");
    }

    private static void requireMethod(HttpMethod method, HttpMethod allowed) {
        if (!method.equals(allowed)) {
            throw methodNotAllowed(method, allowed.name());
        }
    }

    private static ApiException methodNotAllowed(HttpMethod method, String allowed) {
        return new ApiException(ChatError.METHOD_NOT_ALLOWED, method + " is not allowed here; allowed: " + allowed);
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

    public static FullHttpResponse error(ChatError error, String message) {
        return error(error.httpStatus(), error.code(), message);
    }

    /** An error whose code may be of another build (a state machine's rejection). */
    public static FullHttpResponse error(int status, String code, String message) {
        ObjectNode body = JSON.createObjectNode();
        body.putObject("error").put("code", code).put("message", message);
        FullHttpResponse response =
                json(HttpResponseStatus.valueOf(status), body.toString().getBytes(StandardCharsets.UTF_8));
        if (status == 405) {
            response.headers().set(HttpHeaderNames.ALLOW, message.substring(message.indexOf("allowed: ") + 9));
        }
        if (status == 426) {
            response.headers().set(HttpHeaderNames.SEC_WEBSOCKET_VERSION, "13");
            response.headers().set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
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
            return error(invalid.error(), invalid.getMessage());
        }
        if (cause instanceof NotLeaderException) {
            return error(
                    ChatError.NO_LEADER,
                    "no leader is known (an election may be under way, or the cluster has no quorum): "
                            + cause.getMessage());
        }
        if (cause instanceof RaftTimeoutException || cause instanceof TimeoutException) {
            return error(
                    ChatError.TIMEOUT,
                    "not committed or confirmed in time; the cluster may have no quorum."
                            + " A write's outcome is unknown: it may still appear. " + nullToEmpty(cause.getMessage()));
        }
        if (cause instanceof ProposalRejectedException || cause instanceof ReadRejectedException) {
            return error(ChatError.OVERLOADED, "the node refused the request to protect itself: " + cause.getMessage());
        }
        if (cause instanceof ProposalNotCommittedException) {
            return error(
                    ChatError.NOT_COMMITTED,
                    "the write was lost in a leader change and not committed; retry: " + cause.getMessage());
        }
        if (cause instanceof ReadNotConfirmedException) {
            return error(
                    ChatError.READ_NOT_CONFIRMED,
                    "the leader could not confirm its leadership; retry: " + cause.getMessage());
        }
        if (cause instanceof RaftShutdownException) {
            return error(ChatError.SHUTTING_DOWN, "this node is stopping: " + cause.getMessage());
        }
        LOG.error("request failed unexpectedly", cause);
        return error(
                ChatError.INTERNAL_ERROR,
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
