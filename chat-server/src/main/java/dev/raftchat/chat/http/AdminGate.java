package dev.raftchat.chat.http;

import dev.raftchat.chat.state.ChatError;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Who may use the admin routes (membership, backup) and see the detailed cluster views ({@code /raft},
 * {@code /metrics}, the full {@code /api/v1/cluster}), and the checks that keep a web browser on the node's
 * host from being used against them (docs/security.md, "HTTP and admin"):
 *
 * <ul>
 *   <li><b>Host</b> must be an IP literal, {@code localhost}, or one of the node's configured names
 *       ({@code --http-allowed-hosts}, the host of {@code --http-host} and of this node's {@code --cluster}
 *       entry): a page from a DNS-rebound name sends its own name and is refused.
 *   <li><b>Origin</b>, when present, must be this node's own origin, and {@code Sec-Fetch-Site}, when present,
 *       {@code same-origin} or {@code none}: a cross-site page is refused.
 *   <li><b>Body type</b> of an admin write: {@code application/json}, which a page can only send after a CORS
 *       preflight this server never grants; the original API's {@code curl -d URL} (form-encoded or no type)
 *       is accepted only from a client that is not a browser (no {@code Origin}, no {@code Sec-Fetch-Site}).
 *   <li><b>Identity</b>: with an admin token configured, {@code Authorization: Bearer <token>} (scheme in any
 *       letter case); without one, a loopback client whose request carries no proxy header ({@code Forwarded},
 *       {@code X-Forwarded-For}, {@code X-Forwarded-Host}, {@code X-Real-IP}, {@code Via}): a reverse proxy on
 *       the same host must not lend its loopback address to everyone it serves.
 * </ul>
 *
 * Immutable and thread-safe.
 */
public final class AdminGate {
    /** The shortest admin token accepted: 24 characters, e.g. {@code openssl rand -base64 18}. */
    public static final int ADMIN_TOKEN_CHARS_MIN = 24;

    private static final List<String> PROXY_HEADERS =
            List.of("forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip", "via");

    /** Null: no token, loopback clients only. */
    private final byte[] adminToken;

    private final Set<String> allowedHosts;

    /**
     * @param adminToken   the bearer token of admins, or null for loopback-only admin
     * @param allowedHosts lower-case host names accepted in {@code Host} besides IP literals and localhost
     */
    public AdminGate(String adminToken, Set<String> allowedHosts) {
        this.adminToken = adminToken == null ? null : adminToken.getBytes(StandardCharsets.UTF_8);
        this.allowedHosts = Set.copyOf(allowedHosts);
    }

    /** Throws when {@code adminToken} is too weak to protect the admin routes; null (no token) is allowed. */
    public static void checkTokenStrength(String adminToken) {
        if (adminToken == null) {
            return;
        }
        int chars = adminToken.codePointCount(0, adminToken.length());
        if (chars < ADMIN_TOKEN_CHARS_MIN || adminToken.chars().distinct().count() < 8) {
            throw new IllegalArgumentException("the admin token must have at least " + ADMIN_TOKEN_CHARS_MIN
                    + " characters and at least 8 different ones (e.g. the output of 'openssl rand -base64 18');"
                    + " leave it unset for loopback-only admin");
        }
        for (int i = 0; i < adminToken.length(); i++) {
            char c = adminToken.charAt(i);
            if (c <= ' ' || c == 0x7f) {
                throw new IllegalArgumentException("the admin token must not contain spaces or control characters");
            }
        }
    }

    /**
     * Admin routes: throws a 403 for a refused host, origin or body type, a 401 for a missing or wrong token
     * (when one is configured), a 403 for a client that is not loopback (when none is).
     */
    void requireAdmin(FullHttpRequest request, SocketAddress client) {
        requireBrowserSafe(request);
        if (adminToken == null) {
            if (!trustedLoopback(request, client)) {
                throw new ApiException(
                        ChatError.FORBIDDEN,
                        "admin routes (membership, backup) are accepted from loopback clients only, not through a"
                                + " proxy; start the nodes with --admin-token (or RAFT_CHAT_ADMIN_TOKEN) to allow"
                                + " remote admins");
            }
            return;
        }
        if (!presentsToken(request)) {
            throw new ApiException(
                    ChatError.UNAUTHORIZED,
                    "admin routes (membership, backup) need the header 'Authorization: Bearer <admin token>'");
        }
    }

    /**
     * The detailed views ({@code /raft}, {@code /metrics}, peer URLs and progress in {@code /api/v1/cluster}):
     * a client holding the admin token, or a loopback client (not through a proxy) from an allowed host.
     */
    boolean mayViewDetails(FullHttpRequest request, SocketAddress client) {
        if (!hostAllowed(request) || !sameOrigin(request)) {
            return false;
        }
        return (adminToken != null && presentsToken(request)) || trustedLoopback(request, client);
    }

    /** Throws 403 unless {@link #mayViewDetails} (for the routes that show nothing without it). */
    void requireDetails(FullHttpRequest request, SocketAddress client, String what) {
        if (!mayViewDetails(request, client)) {
            throw new ApiException(
                    ChatError.FORBIDDEN,
                    what + " is shown to loopback clients (not through a proxy) and to holders of the admin token"
                            + " only; GET /api/v1/cluster shows every node's id, role and health to anyone");
        }
    }

    private void requireBrowserSafe(FullHttpRequest request) {
        if (!hostAllowed(request)) {
            throw new ApiException(
                    ChatError.FORBIDDEN_HOST,
                    "admin routes answer only requests whose Host is an IP address, localhost or a name given with"
                            + " --http-allowed-hosts (a defence against DNS rebinding)");
        }
        if (!sameOrigin(request)) {
            throw new ApiException(
                    ChatError.FORBIDDEN_ORIGIN, "admin routes refuse requests sent by a page of another site");
        }
        if (request.method().equals(HttpMethod.GET) || request.method().equals(HttpMethod.HEAD)) {
            return;
        }
        String type = mediaType(request);
        if (type.equals("application/json")) {
            return;
        }
        boolean fromBrowser = request.headers().contains(HttpHeaderNames.ORIGIN)
                || request.headers().contains("Sec-Fetch-Site")
                || request.headers().contains("Sec-Fetch-Mode");
        if (!fromBrowser && (type.isEmpty() || type.equals("application/x-www-form-urlencoded"))) {
            return; // the original API's "curl -d http://host:port" (not a browser: no Origin, no Sec-Fetch-*)
        }
        throw new ApiException(
                ChatError.UNSUPPORTED_MEDIA_TYPE,
                "admin writes need 'Content-Type: application/json' (a body like {\"url\":\"http://host:port\"})");
    }

    /** The media type of the request body, lower case without parameters; empty when absent. */
    static String mediaType(FullHttpRequest request) {
        String header = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
        if (header == null) {
            return "";
        }
        int semicolon = header.indexOf(';');
        return (semicolon < 0 ? header : header.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }

    boolean hostAllowed(FullHttpRequest request) {
        String host = request.headers().get(HttpHeaderNames.HOST);
        if (host == null) {
            return true; // HTTP/1.0 without Host: not a browser
        }
        String name = hostWithoutPort(host.trim()).toLowerCase(Locale.ROOT);
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        return name.equals("localhost") || isIpLiteral(name) || allowedHosts.contains(name);
    }

    /** Origin absent, or the same scheme-less host and port as Host; Sec-Fetch-Site absent or same-origin/none. */
    boolean sameOrigin(FullHttpRequest request) {
        String site = request.headers().get("Sec-Fetch-Site");
        if (site != null && !site.equalsIgnoreCase("same-origin") && !site.equalsIgnoreCase("none")) {
            return false;
        }
        String origin = request.headers().get(HttpHeaderNames.ORIGIN);
        if (origin == null) {
            return true;
        }
        String host = request.headers().get(HttpHeaderNames.HOST);
        if (host == null || origin.equals("null")) {
            return false;
        }
        try {
            URI uri = new URI(origin.trim());
            if (uri.getHost() == null || uri.getScheme() == null) {
                return false;
            }
            int port = uri.getPort() >= 0 ? uri.getPort() : uri.getScheme().equalsIgnoreCase("https") ? 443 : 80;
            String expected = host.trim().toLowerCase(Locale.ROOT);
            String hostName = hostWithoutPort(expected);
            int hostPort = expected.length() > hostName.length()
                    ? Integer.parseInt(expected.substring(hostName.length() + 1))
                    : port;
            return uri.getHost().toLowerCase(Locale.ROOT).equals(hostName) && port == hostPort;
        } catch (URISyntaxException | NumberFormatException e) {
            return false;
        }
    }

    private boolean presentsToken(FullHttpRequest request) {
        String token = bearerToken(request.headers().get(HttpHeaderNames.AUTHORIZATION));
        byte[] presented = token == null ? new byte[0] : token.getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(presented, adminToken);
    }

    /** The credentials of an {@code Authorization: Bearer <token>} header (scheme in any case, RFC 9110 §11.1); null otherwise. */
    public static String bearerToken(String header) {
        if (header == null || header.length() < 7 || !header.regionMatches(true, 0, "Bearer", 0, 6)) {
            return null;
        }
        int start = 6;
        if (header.charAt(start) != ' ') {
            return null;
        }
        while (start < header.length() && header.charAt(start) == ' ') {
            start++;
        }
        String token = header.substring(start).trim();
        return token.isEmpty() ? null : token;
    }

    static boolean trustedLoopback(FullHttpRequest request, SocketAddress client) {
        boolean loopback = client instanceof InetSocketAddress address
                && address.getAddress() != null
                && address.getAddress().isLoopbackAddress();
        if (!loopback) {
            return false;
        }
        for (String header : PROXY_HEADERS) {
            if (request.headers().contains(header)) {
                return false;
            }
        }
        return true;
    }

    /** {@code host}, {@code host:port}, {@code [v6]} or {@code [v6]:port} without the port. */
    static String hostWithoutPort(String host) {
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            return end < 0 ? host : host.substring(0, end + 1);
        }
        int colon = host.indexOf(':');
        return colon < 0 ? host : host.substring(0, colon);
    }

    /** A dotted IPv4 address or a bracketed (or bare) IPv6 address, checked without any name lookup. */
    static boolean isIpLiteral(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (h.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}")) {
            for (String part : h.split("\\.")) {
                if (Integer.parseInt(part) > 255) {
                    return false;
                }
            }
            return true;
        }
        return h.contains(":") && h.matches("[0-9a-fA-F:.]+");
    }
}
