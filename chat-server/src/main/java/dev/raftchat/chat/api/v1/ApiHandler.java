package dev.raftchat.chat.api.v1;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raftchat.chat.api.v1.Authenticator.Identity;
import dev.raftchat.chat.auth.PasswordHasher;
import dev.raftchat.chat.auth.RateLimiter;
import dev.raftchat.chat.auth.Tokens;
import dev.raftchat.chat.http.AdminGate;
import dev.raftchat.chat.http.ApiRoutes;
import dev.raftchat.chat.http.ChatHttpHandler;
import dev.raftchat.chat.http.StrictInput;
import dev.raftchat.chat.ops.BuildInfo;
import dev.raftchat.chat.state.ChatCommand;
import dev.raftchat.chat.state.ChatError;
import dev.raftchat.chat.state.ChatLimits;
import dev.raftchat.chat.state.ChatModel;
import dev.raftchat.chat.state.ChatPolicy;
import dev.raftchat.chat.state.ChatResult;
import dev.raftchat.chat.state.ChatStateMachine;
import dev.raftchat.chat.state.InvalidCommandException;
import dev.raftchat.chat.state.Message;
import dev.raftchat.chat.state.Names;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The chat API v1 over HTTP (docs/api.md): identity, rooms, messages, read markers, retention; and the
 * original {@code POST /rooms/{room}} with idempotency keys and protected names. Requests are parsed and
 * checked here on the event loop; writes become {@link ChatCommand}s proposed through the
 * {@link ApiBackend}; reads wait for a read barrier (unless {@code ?consistency=stale}) and then read the
 * applied state under its lock. Password hashing runs on the {@link PasswordHasher}'s own pool.
 *
 * <p>Authorization of writes is decided when the command is applied (the command carries the token's
 * hash), so a token revoked earlier in the log is refused on every node alike. Shared by all
 * connections; thread-safe; never throws to its caller (failures become JSON errors).
 */
public final class ApiHandler implements ApiRoutes {
    public static final String WEBSOCKET_PATH = PREFIX + "/ws";
    private static final String VERSION = BuildInfo.version();
    private static final Set<String> CREDENTIAL_FIELDS = Set.of("username", "password");
    /**
     * Every query parameter of the v1 routes; any other is {@code 400 unknown_parameter}, as unknown body fields
     * are (a misspelt {@code consistensy=stale} must not silently give a linearizable read).
     */
    static final Set<String> QUERY_PARAMETERS = new TreeSet<>(Set.of("consistency", "limit", "after", "before"));

    private final ApiBackend backend;
    private final ApiConfig config;
    private final int bodyBytesMax;
    private final PasswordHasher hasher;
    /** Slows (never refuses) the logins of one user from every address together. */
    private final RateLimiter loginsPerUser;

    private final RateLimiter loginsPerUserAndAddress;
    private final RateLimiter loginsPerAddress;
    private final RateLimiter writesPerUser;
    private final RateLimiter writesPerAddress;
    private final WebSocketHub webSockets;
    private final Authenticator authenticator;
    /** Every route, matched in order against a request's path segments. */
    private final List<Resource> routes;
    /** The operator's admin token (UTF-8), or null when the node has none. */
    private final byte[] adminToken;

    /**
     * @param bodyBytesMax the node's largest request body, reported by {@code /info}
     * @param webSockets   the hub serving {@link #WEBSOCKET_PATH}
     * @param adminToken   the node's {@code --admin-token}, or null: who may register a name of {@code --admin-users}
     */
    public ApiHandler(
            ApiBackend backend,
            ApiConfig config,
            int bodyBytesMax,
            PasswordHasher hasher,
            WebSocketHub webSockets,
            LongSupplier nanoClock,
            String adminToken) {
        this.adminToken = adminToken == null ? null : adminToken.getBytes(StandardCharsets.UTF_8);
        this.backend = backend;
        this.config = config;
        this.bodyBytesMax = bodyBytesMax;
        this.hasher = hasher;
        this.webSockets = webSockets;
        this.authenticator = new Authenticator(backend, config);
        this.routes = routes();
        this.loginsPerUser = new RateLimiter(
                config.loginAttemptsPerMinutePerUser(),
                config.loginAttemptsPerMinutePerUser(),
                config.rateLimitKeysMax(),
                nanoClock);
        this.loginsPerUserAndAddress = new RateLimiter(
                config.loginAttemptsPerMinutePerUser(),
                config.loginAttemptsPerMinutePerUser(),
                config.rateLimitKeysMax(),
                nanoClock);
        this.loginsPerAddress = new RateLimiter(
                config.loginAttemptsPerMinutePerAddress(),
                config.loginAttemptsPerMinutePerAddress(),
                config.rateLimitKeysMax(),
                nanoClock);
        this.writesPerUser = new RateLimiter(
                config.writesPerMinutePerUser(), config.writesPerMinutePerUser(), config.rateLimitKeysMax(), nanoClock);
        this.writesPerAddress = new RateLimiter(
                config.writesPerMinutePerAddress(),
                config.writesPerMinutePerAddress(),
                config.rateLimitKeysMax(),
                nanoClock);
    }

    @Override
    public String webSocketPath() {
        return WEBSOCKET_PATH;
    }

    @Override
    public void installWebSocket(ChannelPipeline pipeline, String afterHandlerName) {
        webSockets.install(pipeline, afterHandlerName);
    }

    /** One parsed request. */
    private record Request(
            FullHttpRequest http,
            HttpMethod method,
            List<String> segments,
            QueryStringDecoder uri,
            String clientAddress,
            boolean loopback) {}

    // ------------------------------------------------------------------------------------------------
    // Entry points

    @Override
    public CompletableFuture<FullHttpResponse> route(FullHttpRequest http, SocketAddress client) {
        try {
            QueryStringDecoder uri = new QueryStringDecoder(http.uri());
            String raw = uri.rawPath().substring(PREFIX.length());
            if (raw.startsWith("/")) {
                raw = raw.substring(1);
            }
            if (raw.endsWith("/")) {
                raw = raw.substring(0, raw.length() - 1);
            }
            List<String> segments = new ArrayList<>();
            for (String segment : raw.split("/", -1)) {
                segments.add(decodeSegment(segment));
            }
            for (String name : uri.parameters().keySet()) {
                if (!QUERY_PARAMETERS.contains(name)) {
                    throw ApiError.field(
                            ChatError.UNKNOWN_PARAMETER,
                            name,
                            "unknown query parameter '" + name + "'; the API knows " + QUERY_PARAMETERS);
                }
            }
            boolean loopback = client instanceof InetSocketAddress inet
                    && inet.getAddress() != null
                    && inet.getAddress().isLoopbackAddress();
            Request request = new Request(http, http.method(), segments, uri, address(client), loopback);
            return dispatch(request).handle((ok, failure) -> ok != null ? ok : errorResponse(failure));
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(errorResponse(e));
        }
    }

    // ------------------------------------------------------------------------------------------------
    // The route table

    /** Answers one route, given the request and the values of the path's parameters. */
    @FunctionalInterface
    private interface Handler {
        CompletableFuture<FullHttpResponse> handle(Request r, PathParameters p);
    }

    /**
     * A path pattern below {@link #PREFIX} (literal segments and {@code {name}} parameters) and the handler of
     * each method it allows, in the order the {@code Allow} header lists them; a null method answers any.
     */
    private record Resource(List<String> pattern, Map<HttpMethod, Handler> methods) {

        /** The values of the pattern's parameters in these segments, or null when the path does not match. */
        Map<String, String> match(List<String> segments) {
            if (segments.size() != pattern.size()) {
                return null;
            }
            Map<String, String> values = new LinkedHashMap<>();
            for (int i = 0; i < pattern.size(); i++) {
                String part = pattern.get(i);
                if (part.startsWith("{")) {
                    values.put(part.substring(1, part.length() - 1), segments.get(i));
                } else if (!part.equals(segments.get(i))) {
                    return null;
                }
            }
            return values;
        }
    }

    /**
     * The values of a matched path's parameters. {@code {room}} and {@code {seq}} are checked when the path
     * matches, before its method (a bad room name is {@code 400 invalid_room_name} whatever the method);
     * others are read by their handler.
     */
    private record PathParameters(Map<String, String> values) {
        String room() {
            return values.get("room");
        }

        long seq() {
            return Long.parseLong(values.get("seq"));
        }

        String raw(String name) {
            return values.get(name);
        }
    }

    /** Builds {@link #routes}: one resource per path pattern, its methods in order. */
    private static final class RouteTable {
        private final List<Resource> resources = new ArrayList<>();

        RouteTable route(HttpMethod method, String pattern, Handler handler) {
            List<String> parts = List.of(pattern.split("/", -1));
            Resource resource = resources.stream()
                    .filter(existing -> existing.pattern().equals(parts))
                    .findFirst()
                    .orElseGet(() -> {
                        Resource created = new Resource(parts, new LinkedHashMap<>());
                        resources.add(created);
                        return created;
                    });
            if (resource.methods().put(method, handler) != null) {
                throw new IllegalStateException("two routes for " + method + " " + pattern);
            }
            return this;
        }

        List<Resource> build() {
            List<Resource> frozen = new ArrayList<>();
            for (Resource resource : resources) {
                frozen.add(new Resource(
                        resource.pattern(), Collections.unmodifiableMap(new LinkedHashMap<>(resource.methods()))));
            }
            return List.copyOf(frozen);
        }
    }

    /** Every v1 route (docs/api.md), as method + path pattern → handler. */
    private List<Resource> routes() {
        return new RouteTable()
                .route(HttpMethod.GET, "info", (r, p) -> CompletableFuture.completedFuture(info()))
                .route(HttpMethod.GET, "me", (r, p) -> me(r))
                .route(HttpMethod.POST, "auth/register", (r, p) -> register(r))
                .route(HttpMethod.POST, "auth/login", (r, p) -> login(r))
                .route(HttpMethod.POST, "auth/logout", (r, p) -> logout(r))
                .route(HttpMethod.GET, "auth/sessions", (r, p) -> sessions(r))
                .route(HttpMethod.DELETE, "auth/sessions/{sessionId}", (r, p) -> revokeSession(r, p.raw("sessionId")))
                .route(HttpMethod.GET, "rooms", (r, p) -> listRooms(r))
                .route(HttpMethod.POST, "rooms", (r, p) -> createRoom(r))
                .route(HttpMethod.GET, "rooms/{room}", (r, p) -> getRoom(r, p.room()))
                .route(HttpMethod.DELETE, "rooms/{room}", (r, p) -> deleteRoom(r, p.room()))
                .route(HttpMethod.PUT, "rooms/{room}/retention", (r, p) -> setRetention(r, p.room()))
                .route(HttpMethod.PUT, "rooms/{room}/read-marker", (r, p) -> setReadMarker(r, p.room()))
                .route(HttpMethod.GET, "rooms/{room}/messages", (r, p) -> readMessages(r, p.room()))
                .route(HttpMethod.POST, "rooms/{room}/messages", (r, p) -> send(r, p.room()))
                .route(HttpMethod.PATCH, "rooms/{room}/messages/{seq}", (r, p) -> editMessage(r, p.room(), p.seq()))
                .route(HttpMethod.DELETE, "rooms/{room}/messages/{seq}", (r, p) -> deleteMessage(r, p.room(), p.seq()))
                .route(null, "ws", (r, p) -> {
                    throw new ApiError(
                            ChatError.WEBSOCKET_UPGRADE_REQUIRED,
                            WEBSOCKET_PATH + " is a WebSocket: connect with a WebSocket client");
                })
                .build();
    }

    private CompletableFuture<FullHttpResponse> dispatch(Request r) {
        for (Resource resource : routes) {
            Map<String, String> values = resource.match(r.segments());
            if (values == null) {
                continue;
            }
            PathParameters parameters = new PathParameters(values);
            if (values.containsKey("room")) {
                checkRoomName(parameters.room());
            }
            if (values.containsKey("seq")) {
                positiveLong(values.get("seq"), ChatError.INVALID_SEQ, "the message seq must be a positive integer");
            }
            Handler handler = resource.methods().get(r.method());
            if (handler == null) {
                handler = resource.methods().get(null);
            }
            if (handler == null) {
                throw methodNotAllowed(r, allowed(resource));
            }
            return handler.handle(r, parameters);
        }
        throw new ApiError(
                ChatError.NOT_FOUND,
                "no route for " + r.method() + " " + r.uri().rawPath() + "; see docs/api.md");
    }

    private static String allowed(Resource resource) {
        List<String> names = new ArrayList<>();
        for (HttpMethod method : resource.methods().keySet()) {
            names.add(method.name());
        }
        return String.join(", ", names);
    }

    private CompletableFuture<FullHttpResponse> me(Request r) {
        return authenticateForRead(r, false)
                .thenApply(identity -> json(
                        200,
                        ApiJson.MAPPER
                                .createObjectNode()
                                .put("username", identity.username())
                                .put("admin", identity.admin())));
    }

    private CompletableFuture<FullHttpResponse> logout(Request r) {
        return authenticate(r)
                .thenCompose(identity ->
                        propose(new ChatCommand.RevokeSession(identity.tokenHash(), 0, backend.nowMillis())))
                .thenApply(result -> noContent());
    }

    private CompletableFuture<FullHttpResponse> sessions(Request r) {
        return authenticateForRead(r, false).thenApply(identity -> {
            List<ChatModel.Session> sessions = chat().read(model -> model.sessionsOf(identity.username()));
            ObjectNode body = ApiJson.MAPPER.createObjectNode();
            ArrayNode list = body.putArray("sessions");
            for (ChatModel.Session session : sessions) {
                list.addObject()
                        .put("sessionId", Long.toString(session.sessionId()))
                        .put("createdAt", ApiJson.time(session.createdAtMillis()))
                        .put("expiresAt", ApiJson.time(session.expiresAtMillis()))
                        .put("current", session.sessionId() == identity.sessionId());
            }
            return json(200, body);
        });
    }

    private CompletableFuture<FullHttpResponse> revokeSession(Request r, String id) {
        long sessionId = positiveLong(id, ChatError.SESSION_NOT_FOUND, "no session '" + id + "'");
        return authenticate(r)
                .thenCompose(identity ->
                        propose(new ChatCommand.RevokeSession(identity.tokenHash(), sessionId, backend.nowMillis())))
                .thenApply(result -> noContent());
    }

    private CompletableFuture<FullHttpResponse> deleteRoom(Request r, String room) {
        return write(
                        r,
                        identity -> new ChatCommand.DeleteRoom(
                                identity.tokenHash(), room, identity.admin(), backend.nowMillis()))
                .thenApply(result -> noContent());
    }

    private CompletableFuture<FullHttpResponse> setRetention(Request r, String room) {
        JsonNode body = body(r, Set.of("maxMessages", "maxAgeSeconds"));
        long maxMessages = retention(body, "maxMessages", Integer.MAX_VALUE);
        long maxAgeSeconds = retention(body, "maxAgeSeconds", ChatPolicy.SECONDS_LIMIT);
        return write(
                        r,
                        identity -> new ChatCommand.SetRetention(
                                identity.tokenHash(),
                                room,
                                maxMessages,
                                maxAgeSeconds,
                                identity.admin(),
                                backend.nowMillis()))
                .thenApply(result -> json(200, ApiJson.room(roomOrGone(room, null))));
    }

    private CompletableFuture<FullHttpResponse> setReadMarker(Request r, String room) {
        JsonNode body = body(r, Set.of("seq"));
        JsonNode seqNode = body.get("seq");
        if (seqNode == null || !seqNode.canConvertToLong() || !seqNode.isIntegralNumber() || seqNode.longValue() < 0) {
            throw ApiError.field(ChatError.INVALID_SEQ, "seq", "seq must be a non-negative integer");
        }
        long seq = seqNode.longValue();
        return write(r, identity -> new ChatCommand.SetReadMarker(identity.tokenHash(), room, seq, backend.nowMillis()))
                .thenApply(result -> noContent());
    }

    private CompletableFuture<FullHttpResponse> editMessage(Request r, String room, long seq) {
        JsonNode body = body(r, Set.of("text"));
        String text = textField(body, "text", true);
        checkText(text);
        return write(
                        r,
                        identity -> new ChatCommand.EditMessage(
                                identity.tokenHash(), room, seq, text, identity.admin(), backend.nowMillis()))
                .thenApply(result -> json(200, ApiJson.message(room, result.message())));
    }

    private CompletableFuture<FullHttpResponse> deleteMessage(Request r, String room, long seq) {
        return write(
                        r,
                        identity -> new ChatCommand.DeleteMessage(
                                identity.tokenHash(), room, seq, identity.admin(), backend.nowMillis()))
                .thenApply(result -> json(200, ApiJson.message(room, result.message())));
    }

    // ------------------------------------------------------------------------------------------------
    // Identity

    private CompletableFuture<FullHttpResponse> register(Request r) {
        JsonNode body = body(r, CREDENTIAL_FIELDS);
        String username = Names.normalize(textField(body, "username", true));
        String password = textField(body, "password", true);
        try {
            ChatModel.checkUsername(username);
        } catch (InvalidCommandException e) {
            throw ApiError.field(e.error(), "username", e.getMessage());
        }
        checkNameCharacters(username, ChatError.INVALID_USERNAME, "username");
        checkPassword(password);
        limit(loginsPerAddress, "address:" + r.clientAddress(), "attempts from this address");
        // A name listed in --admin-users is reserved: only the operator (holding the admin token, or on a
        // node without one, a loopback client) registers it, so nobody gains admin rights by registering first.
        boolean vouched = operatorCredential(r);
        if (config.isAdmin(username) && !vouched) {
            throw ApiError.field(
                    ChatError.RESERVED_USERNAME,
                    "username",
                    "the username '" + username + "' is reserved for an admin: register it with"
                            + " 'Authorization: Bearer <admin token>' (the node's --admin-token)");
        }
        ChatModel.User lookalike = chat().read(model -> model.registeredLookalike(username));
        if (lookalike != null) {
            throw ApiError.field(
                    ChatError.USERNAME_TAKEN,
                    "username",
                    lookalike.username().equalsIgnoreCase(username)
                            ? "the username '" + username + "' is taken"
                            : "the username '" + username + "' looks like the registered name '" + lookalike.username()
                                    + "'");
        }
        // The vouched registration is command version 2 (ARCHITECTURE.md, "One snapshot format 3, one command
        // version 2"). While the cluster version is 1 every account counts as vouched (as in a format 2
        // snapshot), so a plain registration is proposed; the check above already required the operator's
        // credential for a listed name. The cluster version never goes down, so reading it here before
        // proposing cannot make a refused proposal out of an allowed one.
        boolean recordVouched = vouched && chat().clusterVersion() >= 2;
        return hasher.hash(password)
                .thenCompose(hash ->
                        propose(new ChatCommand.RegisterUser(username, hash, backend.nowMillis(), recordVouched)))
                .thenApply(result -> {
                    ChatModel.User user = chat().read(model -> model.user(username));
                    ObjectNode node = ApiJson.MAPPER.createObjectNode().put("username", username);
                    node.put("createdAt", ApiJson.time(user == null ? backend.nowMillis() : user.createdAtMillis()));
                    return json(201, node);
                });
    }

    /**
     * Whether the request carries the operator's credential: the admin token in {@code Authorization: Bearer},
     * or, on a node started without {@code --admin-token}, a loopback client (as for the admin routes).
     */
    private boolean operatorCredential(Request r) {
        if (adminToken == null) {
            return r.loopback();
        }
        String header = r.http().headers().get(HttpHeaderNames.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, "Bearer ".length())) {
            return false;
        }
        byte[] presented = header.substring("Bearer ".length()).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(presented, adminToken);
    }

    private CompletableFuture<FullHttpResponse> login(Request r) {
        JsonNode body = body(r, CREDENTIAL_FIELDS);
        String username = textField(body, "username", true);
        String password = textField(body, "password", true);
        if (username.length() > 256 || password.length() > 1024) {
            throw new ApiError(ChatError.INVALID_CREDENTIALS, "unknown user or wrong password");
        }
        String userKey = Names.normalize(username).toLowerCase(Locale.ROOT);
        limit(loginsPerAddress, "address:" + r.clientAddress(), "login attempts from this address");
        // An attacker is refused per (user, address); a user attacked from many addresses is slowed for
        // everyone, by at most loginDelayMaxMillis, never refused, so the owner always gets in.
        limit(loginsPerUserAndAddress, userKey + "\n" + r.clientAddress(), "login attempts for this user from here");
        long delayMillis = Math.min(config.loginDelayMaxMillis(), loginsPerUser.tryAcquire(userKey) * 1000);
        CompletableFuture<Void> slowed = delayMillis == 0
                ? CompletableFuture.completedFuture(null)
                : CompletableFuture.runAsync(
                        () -> {}, CompletableFuture.delayedExecutor(delayMillis, TimeUnit.MILLISECONDS));
        return slowed.thenCompose(ignored -> backend.readBarrier())
                .thenCompose(ignored -> {
                    ChatModel.User user = chat().read(model -> model.user(username));
                    return hasher.verify(password, user == null ? null : user.passwordHash())
                            .thenApply(matches -> matches ? user : null);
                })
                .thenCompose(user -> {
                    if (user == null) {
                        throw new ApiError(ChatError.INVALID_CREDENTIALS, "unknown user or wrong password");
                    }
                    String token = Tokens.newToken();
                    long now = backend.nowMillis();
                    long expiresAt = now + config.sessionTtlSeconds() * 1000;
                    return propose(new ChatCommand.CreateSession(Tokens.hash(token), user.username(), expiresAt, now))
                            .thenApply(result -> json(
                                    200,
                                    ApiJson.MAPPER
                                            .createObjectNode()
                                            .put("token", token)
                                            .put("username", user.username())
                                            .put("sessionId", Long.toString(result.value()))
                                            .put("expiresAt", ApiJson.time(expiresAt))));
                });
    }

    /**
     * The caller's identity for a read: after a read barrier (unless {@code stale}), so that a logout or
     * revocation acknowledged anywhere is seen here. 401 for a missing, malformed, unknown, expired or
     * revoked token.
     */
    private CompletableFuture<Identity> authenticateForRead(Request r, boolean stale) {
        String tokenHash = tokenHash(r.http());
        if (tokenHash == null) {
            return CompletableFuture.failedFuture(ApiError.unauthorized());
        }
        return barrier(stale).thenApply(ignored -> {
            Identity identity = authenticator.local(tokenHash);
            if (identity == null) {
                throw ApiError.unauthorized();
            }
            return identity;
        });
    }

    /**
     * The caller's identity for a write: from the local state when it knows the session, else after a read
     * barrier; 401 when there is no such session. The write itself is authorized again when applied, so a
     * revocation that this node has not applied yet still refuses it.
     */
    CompletableFuture<Identity> authenticate(Request r) {
        String tokenHash = tokenHash(r.http());
        if (tokenHash == null) {
            return CompletableFuture.failedFuture(ApiError.unauthorized());
        }
        return identify(tokenHash).thenApply(identity -> {
            if (identity == null) {
                throw ApiError.unauthorized();
            }
            return identity;
        });
    }

    private CompletableFuture<Identity> identify(String tokenHash) {
        return authenticator.identify(tokenHash);
    }

    /** The hash of the bearer token, null when there is no Authorization header; 401 when it is malformed. */
    static String tokenHash(FullHttpRequest http) {
        String header = http.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (header == null) {
            return null;
        }
        String token = AdminGate.bearerToken(header);
        if (token == null || !Tokens.wellFormed(token)) {
            throw ApiError.unauthorized();
        }
        return Tokens.hash(token);
    }

    // ------------------------------------------------------------------------------------------------
    // Rooms and messages

    private CompletableFuture<FullHttpResponse> listRooms(Request r) {
        int limit = limit(r);
        String after = param(r, "after");
        boolean stale = stale(r);
        CompletableFuture<Identity> viewer = optionalIdentity(r, stale);
        return viewer.thenApply(identity -> {
            String name = identity == null ? null : identity.username();
            ChatModel.RoomPage page = chat().read(model -> model.rooms(after, limit, name));
            ObjectNode body = ApiJson.MAPPER.createObjectNode();
            ArrayNode rooms = body.putArray("rooms");
            page.rooms().forEach(room -> rooms.add(ApiJson.room(room)));
            if (page.nextCursor() == null) {
                body.putNull("next");
            } else {
                body.put("next", page.nextCursor());
            }
            return json(200, body);
        });
    }

    private CompletableFuture<FullHttpResponse> getRoom(Request r, String room) {
        boolean stale = stale(r);
        return optionalIdentity(r, stale)
                .thenApply(identity ->
                        json(200, ApiJson.room(roomOrGone(room, identity == null ? null : identity.username()))));
    }

    private ChatModel.RoomView roomOrGone(String room, String viewer) {
        ChatModel.RoomView view = chat().read(model -> model.room(room, viewer));
        if (view == null) {
            throw new ApiError(ChatError.ROOM_NOT_FOUND, "no room named '" + room + "'");
        }
        return view;
    }

    private CompletableFuture<FullHttpResponse> createRoom(Request r) {
        JsonNode body = body(r, Set.of("name", "retention", "txnId"));
        String name = Names.normalize(textField(body, "name", true));
        try {
            ChatModel.checkNewRoomName(backend.chat().limits(), name);
        } catch (InvalidCommandException e) {
            throw ApiError.field(e.error(), "name", e.getMessage());
        }
        checkNameCharacters(name, ChatError.INVALID_ROOM_NAME, "name");
        long maxMessages = -1;
        long maxAgeSeconds = -1;
        JsonNode retention = body.get("retention");
        if (retention != null && !retention.isNull()) {
            if (!retention.isObject()) {
                throw ApiError.field(ChatError.INVALID_RETENTION, "retention", "retention must be an object or null");
            }
            for (Iterator<String> fields = retention.fieldNames(); fields.hasNext(); ) {
                String field = fields.next();
                if (!field.equals("maxMessages") && !field.equals("maxAgeSeconds")) {
                    throw ApiError.field(
                            ChatError.UNKNOWN_FIELD, "retention." + field, "unknown field retention." + field);
                }
            }
            maxMessages = retention(retention, "maxMessages", Integer.MAX_VALUE);
            maxAgeSeconds = retention(retention, "maxAgeSeconds", ChatPolicy.SECONDS_LIMIT);
        }
        String txnId = txnId(r, body);
        long messagesBound = maxMessages;
        long ageBound = maxAgeSeconds;
        return authenticate(r).thenCompose(identity -> {
            checkWriteRate(r, identity);
            return backend.propose(new ChatCommand.CreateRoom(
                            identity.tokenHash(), name, messagesBound, ageBound, backend.nowMillis()))
                    .thenApply(result -> {
                        boolean replay = false;
                        if (!result.accepted()) {
                            ChatModel.RoomView existing = chat().read(model -> model.room(name, null));
                            // A retried create (same transaction id) of a room this user created answers like the
                            // first.
                            replay = txnId != null
                                    && result.error() == ChatError.ROOM_EXISTS
                                    && existing != null
                                    && identity.username().equalsIgnoreCase(existing.createdBy());
                            if (!replay) {
                                throw rejection(result);
                            }
                        }
                        FullHttpResponse response =
                                json(replay ? 200 : 201, ApiJson.room(roomOrGone(name, identity.username())));
                        if (replay) {
                            response.headers().set("Idempotent-Replayed", "true");
                        }
                        return response;
                    });
        });
    }

    private CompletableFuture<FullHttpResponse> send(Request r, String room) {
        JsonNode body = body(r, Set.of("text", "txnId"));
        String text = textField(body, "text", true);
        checkText(text);
        String txnId = txnId(r, body);
        return write(
                        r,
                        identity -> new ChatCommand.SendMessage(
                                identity.tokenHash(), room, text, txnId == null ? "" : txnId, backend.nowMillis()))
                .thenApply(result -> {
                    FullHttpResponse response =
                            json(result.replayed() ? 200 : 201, ApiJson.message(room, result.message()));
                    if (result.replayed()) {
                        response.headers().set("Idempotent-Replayed", "true");
                    }
                    return response;
                });
    }

    private CompletableFuture<FullHttpResponse> readMessages(Request r, String room) {
        Long before = cursor(r, "before");
        Long after = cursor(r, "after");
        if (before != null && after != null) {
            throw ApiError.field(ChatError.INVALID_CURSOR, "before", "give before or after, not both");
        }
        int limit = limit(r);
        return barrier(stale(r)).thenApply(ignored -> {
            ChatModel.MessagePage page;
            try {
                page = chat().read(model -> model.messages(room, before, after, limit));
            } catch (ChatModel.QueryException e) {
                throw new ApiError(
                        e.error(),
                        e.getMessage(),
                        null,
                        0,
                        e.error() == ChatError.CURSOR_EXPIRED ? e.oldestRetainedSeq() : null);
            }
            ObjectNode body = ApiJson.MAPPER.createObjectNode();
            ArrayNode messages = body.putArray("messages");
            for (Message message : page.messages()) {
                messages.add(ApiJson.message(room, message));
            }
            if (page.prevCursor() == null) {
                body.putNull("prev");
            } else {
                body.put("prev", Long.toString(page.prevCursor()));
            }
            body.put("next", Long.toString(page.nextCursor()));
            body.put("oldestRetainedSeq", page.oldestRetainedSeq());
            body.put("latestSeq", page.latestSeq());
            return json(200, body);
        });
    }

    // ------------------------------------------------------------------------------------------------
    // The original POST /rooms/{room}

    @Override
    public CompletableFuture<FullHttpResponse> postOriginal(
            String room, String user, String message, FullHttpRequest http, SocketAddress client) {
        try {
            String txnId = http.headers().get("Idempotency-Key");
            if (txnId != null) {
                checkTxnId(txnId, "Idempotency-Key");
            }
            String tokenHash = tokenHash(http);
            String address = address(client);
            CompletableFuture<Identity> caller = tokenHash == null
                    ? CompletableFuture.completedFuture(null)
                    : identify(tokenHash).thenApply(identity -> {
                        if (identity == null) {
                            throw ApiError.unauthorized();
                        }
                        return identity;
                    });
            return caller.thenCompose(identity -> {
                        if (config.requireLogin() && identity == null) {
                            throw new ApiError(
                                    ChatError.UNAUTHORIZED, "this server requires login: post with a bearer token");
                        }
                        if (identity != null
                                && config.requireLogin()
                                && !identity.username().equalsIgnoreCase(user)) {
                            throw new ApiError(
                                    ChatError.FORBIDDEN, "you may post only as '" + identity.username() + "'");
                        }
                        long retry = writesPerAddress.tryAcquire(address);
                        if (retry == 0 && identity != null) {
                            retry = writesPerUser.tryAcquire(identity.username().toLowerCase(Locale.ROOT));
                        }
                        if (retry > 0) {
                            throw ApiError.rateLimited(retry, "writes");
                        }
                        return backend.propose(new ChatCommand.PostMessageV2(
                                room,
                                user,
                                message,
                                backend.nowMillis(),
                                txnId == null ? "" : txnId,
                                tokenHash == null ? "" : tokenHash));
                    })
                    .thenApply(result -> {
                        if (!result.accepted()) {
                            throw rejection(result);
                        }
                        byte[] json = ChatStateMachine.json(
                                generator -> ChatStateMachine.writePost(generator, result.post()));
                        FullHttpResponse response = ChatHttpHandler.json(
                                result.replayed() ? HttpResponseStatus.OK : HttpResponseStatus.CREATED, json);
                        if (result.replayed()) {
                            response.headers().set("Idempotent-Replayed", "true");
                        }
                        return response;
                    })
                    .handle((ok, failure) -> ok != null ? ok : errorResponse(failure));
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(errorResponse(e));
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Writes

    /** Authenticates, rate-limits, proposes the command built for the caller, and fails on a rejection. */
    private CompletableFuture<ChatResult> write(Request r, Function<Identity, ChatCommand> command) {
        return authenticate(r).thenCompose(identity -> {
            checkWriteRate(r, identity);
            return propose(command.apply(identity));
        });
    }

    private CompletableFuture<ChatResult> propose(ChatCommand command) {
        return backend.propose(command).thenApply(result -> {
            if (!result.accepted()) {
                throw rejection(result);
            }
            return result;
        });
    }

    private void checkWriteRate(Request r, Identity identity) {
        limit(writesPerAddress, r.clientAddress(), "writes from this address");
        if (identity != null) {
            limit(writesPerUser, identity.username().toLowerCase(Locale.ROOT), "writes by this user");
        }
    }

    private static void limit(RateLimiter limiter, String key, String what) {
        long retry = limiter.tryAcquire(key);
        if (retry > 0) {
            throw ApiError.rateLimited(retry, what);
        }
    }

    /** The HTTP error for a command the state machine rejected. */
    static ApiError rejection(ChatResult result) {
        ChatError error = result.error();
        String field = switch (error) {
            case INVALID_TEXT, MESSAGE_TOO_LARGE -> "text";
            case INVALID_ROOM_NAME -> "name";
            case INVALID_SEQ -> "seq";
            case INVALID_USERNAME -> "username";
            case INVALID_RETENTION -> "retention";
            case INVALID_TXN_ID -> "txnId";
            default -> null;
        };
        // The code as the state machine gave it (a node of another build may know codes this one does not).
        return new ApiError(error.httpStatus(), result.errorCode(), result.errorMessage(), field, 0, null);
    }

    // ------------------------------------------------------------------------------------------------
    // Parsing helpers

    private CompletableFuture<Identity> optionalIdentity(Request r, boolean stale) {
        if (r.http().headers().get(HttpHeaderNames.AUTHORIZATION) == null) {
            return barrier(stale).thenApply(ignored -> null);
        }
        return authenticateForRead(r, stale);
    }

    private CompletableFuture<Void> barrier(boolean stale) {
        return stale ? CompletableFuture.completedFuture(null) : backend.readBarrier();
    }

    private ChatStateMachine chat() {
        return backend.chat();
    }

    private FullHttpResponse info() {
        ObjectNode body = ApiJson.MAPPER.createObjectNode();
        body.put("nodeId", backend.nodeId());
        body.put("version", VERSION);
        ObjectNode limits = body.putObject("limits");
        limits.put("maxMessageChars", chat().limits().messageBytesMax());
        limits.put("maxMessageBytes", chat().limits().messageBytesMax());
        limits.put("maxRoomNameChars", chat().limits().roomNameCharsMax());
        limits.put("maxPageSize", config.pageSizeMax());
        limits.put("defaultPageSize", config.pageSizeDefault());
        limits.put("maxBodyBytes", bodyBytesMax);
        body.put("requireLogin", config.requireLogin());
        return json(200, body);
    }

    private static JsonNode body(Request r, Set<String> allowed) {
        // Strict: valid UTF-8, no duplicate keys, nothing after the value (docs/api.md, "Strict input").
        JsonNode body = StrictInput.json(r.http().content());
        if (body == null || !body.isObject()) {
            throw new ApiError(ChatError.INVALID_JSON, "the body must be a JSON object");
        }
        for (Iterator<String> fields = body.fieldNames(); fields.hasNext(); ) {
            String field = fields.next();
            if (!allowed.contains(field)) {
                throw ApiError.field(
                        ChatError.UNKNOWN_FIELD, field, "unknown field '" + field + "'; expected " + allowed);
            }
        }
        return body;
    }

    private static String textField(JsonNode body, String field, boolean required) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw ApiError.field(ChatError.MISSING_FIELD, field, "the field '" + field + "' is required");
            }
            return null;
        }
        if (!value.isTextual()) {
            throw ApiError.field(ChatError.INVALID_TYPE, field, "the field '" + field + "' must be a string");
        }
        return value.textValue();
    }

    private static long retention(JsonNode body, String field, long max) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return -1;
        }
        if (!value.isIntegralNumber()
                || !value.canConvertToLong()
                || value.longValue() < 0
                || value.longValue() > max) {
            throw ApiError.field(
                    ChatError.INVALID_RETENTION,
                    field,
                    field + " must be null, 0 (unlimited) or an integer up to " + max);
        }
        return value.longValue();
    }

    private void checkText(String text) {
        try {
            ChatModel.checkText(chat().limits(), text);
        } catch (InvalidCommandException e) {
            throw ApiError.field(e.error(), "text", e.getMessage());
        }
        String refused = StrictInput.refusedCharacter(text, true);
        if (refused != null) {
            throw ApiError.field(ChatError.INVALID_TEXT, "text", "the text contains " + refused);
        }
    }

    /** Refuses control and bidirectional-override characters in a name ({@link StrictInput}). */
    private static void checkNameCharacters(String name, ChatError error, String field) {
        String refused = StrictInput.refusedCharacter(name, false);
        if (refused != null) {
            throw ApiError.field(error, field, "the " + field + " contains " + refused);
        }
    }

    private static void checkPassword(String password) {
        int chars = password.codePointCount(0, password.length());
        if (chars < 8 || chars > 256 || !ChatLimits.isWellFormedUtf16(password)) {
            throw ApiError.field(ChatError.INVALID_PASSWORD, "password", "a password has 8 to 256 characters");
        }
    }

    private void checkRoomName(String room) {
        try {
            ChatModel.checkRoomName(chat().limits(), room);
        } catch (InvalidCommandException e) {
            throw ApiError.field(e.error(), "room", e.getMessage());
        }
        checkNameCharacters(room, ChatError.INVALID_ROOM_NAME, "room");
    }

    /** The transaction id of the body or the Idempotency-Key header (they must agree when both are given), or null. */
    private static String txnId(Request r, JsonNode body) {
        String fromBody = textField(body, "txnId", false);
        String fromHeader = r.http().headers().get("Idempotency-Key");
        if (fromBody != null && fromHeader != null && !fromBody.equals(fromHeader)) {
            throw ApiError.field(
                    ChatError.INVALID_TXN_ID, "txnId", "the txnId field and the Idempotency-Key header differ");
        }
        String txnId = fromBody != null ? fromBody : fromHeader;
        if (txnId != null) {
            checkTxnId(txnId, fromBody != null ? "txnId" : "Idempotency-Key");
        }
        return txnId;
    }

    private static void checkTxnId(String txnId, String field) {
        try {
            ChatModel.checkTxnId(txnId);
        } catch (InvalidCommandException e) {
            throw ApiError.field(e.error(), field, e.getMessage());
        }
    }

    private static String param(Request r, String name) {
        List<String> values = r.uri().parameters().get(name);
        return values == null || values.isEmpty() ? null : values.get(values.size() - 1);
    }

    private int limit(Request r) {
        String text = param(r, "limit");
        if (text == null) {
            return config.pageSizeDefault();
        }
        try {
            int limit = Integer.parseInt(text);
            if (limit >= 1 && limit <= config.pageSizeMax()) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiError.field(
                ChatError.INVALID_LIMIT, "limit", "limit must be an integer from 1 to " + config.pageSizeMax());
    }

    private static Long cursor(Request r, String name) {
        String text = param(r, name);
        if (text == null) {
            return null;
        }
        try {
            long value = Long.parseLong(text);
            if (value >= 0 && text.chars().allMatch(Character::isDigit)) {
                return value;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiError.field(ChatError.INVALID_CURSOR, name, "'" + text + "' is not a cursor this server issued");
    }

    private static boolean stale(Request r) {
        String value = param(r, "consistency");
        if (value == null || value.equals("linearizable")) {
            return false;
        }
        if (value.equals("stale")) {
            return true;
        }
        throw ApiError.field(
                ChatError.INVALID_CONSISTENCY, "consistency", "consistency must be 'linearizable' or 'stale'");
    }

    private static long positiveLong(String text, ChatError error, String message) {
        try {
            long value = Long.parseLong(text);
            if (value > 0 && text.chars().allMatch(Character::isDigit)) {
                return value;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new ApiError(error, message);
    }

    private static ApiError methodNotAllowed(Request r, String allowed) {
        return new ApiError(ChatError.METHOD_NOT_ALLOWED, r.method() + " is not allowed here; allowed: " + allowed);
    }

    /** Strict percent-decoding of one path segment as UTF-8 ('+' stays '+'). */
    static String decodeSegment(String segment) {
        if (segment.indexOf('%') < 0) {
            return segment;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(segment.length());
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c == '%') {
                if (i + 2 >= segment.length()) {
                    throw new ApiError(ChatError.INVALID_PATH, "a '%' in the path is not followed by two hex digits");
                }
                int high = Character.digit(segment.charAt(i + 1), 16);
                int low = Character.digit(segment.charAt(i + 2), 16);
                if (high < 0 || low < 0) {
                    throw new ApiError(ChatError.INVALID_PATH, "a '%' in the path is not followed by two hex digits");
                }
                bytes.write(high * 16 + low);
                i += 2;
            } else {
                byte[] utf8 = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(utf8, 0, utf8.length);
            }
        }
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ApiError(ChatError.INVALID_PATH, "the percent-encoded path is not valid UTF-8");
        }
    }

    private static String address(SocketAddress client) {
        if (client instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return inet.getAddress().getHostAddress();
        }
        return String.valueOf(client);
    }

    // ------------------------------------------------------------------------------------------------
    // Responses

    static FullHttpResponse json(int status, JsonNode body) {
        return ChatHttpHandler.json(
                HttpResponseStatus.valueOf(status), body.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static FullHttpResponse noContent() {
        return new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT, Unpooled.EMPTY_BUFFER);
    }

    /** Renders any failure: an {@link ApiError} with its field and headers, anything else as the original API does. */
    static FullHttpResponse errorResponse(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof PasswordHasher.Overloaded) {
            cause = new ApiError(ChatError.OVERLOADED, cause.getMessage(), null, 1, null);
        }
        if (!(cause instanceof ApiError error)) {
            return ChatHttpHandler.errorResponse(cause);
        }
        ObjectNode body = ApiJson.MAPPER.createObjectNode();
        ObjectNode node = body.putObject("error").put("code", error.code()).put("message", error.getMessage());
        if (error.field() != null) {
            node.put("field", error.field());
        }
        if (error.oldestRetainedSeq() != null) {
            node.put("oldestRetainedSeq", error.oldestRetainedSeq());
        }
        FullHttpResponse response = json(error.status(), body);
        if (error.retryAfterSeconds() > 0) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, Long.toString(error.retryAfterSeconds()));
        }
        if (error.status() == 401) {
            response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
        }
        if (error.status() == 405) {
            response.headers()
                    .set(
                            HttpHeaderNames.ALLOW,
                            error.getMessage().substring(error.getMessage().indexOf("allowed: ") + 9));
        }
        return response;
    }
}
