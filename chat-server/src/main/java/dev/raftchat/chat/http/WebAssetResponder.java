package dev.raftchat.chat.http;

import dev.raftchat.chat.state.ChatError;
import dev.raftchat.web.WebAssets;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Optional;

/**
 * Serves the browser client ({@code chat-web}) at {@code /} and its files under {@code /app/} (see
 * {@link WebAssets} for the layout and which names are accepted). {@code GET} and {@code HEAD} only
 * (Netty's codec drops the body of a HEAD answer and keeps its length).
 *
 * <p>Caching: every answer carries a strong {@code ETag} and {@code Cache-Control: no-cache}, so browsers
 * revalidate each time and get {@code 304 Not Modified} while the file is unchanged, and an upgraded
 * node's new client is picked up at once (the files have no versioned names to cache forever).
 * The page gets a Content-Security-Policy that allows only this origin's scripts, styles and
 * connections (HTTP and WebSocket), and no framing. Unknown files get a JSON 404 like the API's.
 *
 * <p>Stateless apart from the read-once file cache; thread-safe.
 */
final class WebAssetResponder {
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private final WebAssets assets;

    WebAssetResponder(WebAssets assets) {
        this.assets = assets;
    }

    /** Whether {@code path} (decoded, without query or trailing-slash trimming) is the web client's. */
    static boolean claims(String path) {
        return WebAssets.claims(path);
    }

    FullHttpResponse respond(FullHttpRequest request, String path) {
        HttpMethod method = request.method();
        if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
            throw new ApiException(ChatError.METHOD_NOT_ALLOWED, method + " is not allowed here; allowed: GET, HEAD");
        }
        Optional<WebAssets.Asset> found = assets.forPath(path);
        if (found.isEmpty()) {
            throw new ApiException(ChatError.NOT_FOUND, "no web client file at " + path);
        }
        WebAssets.Asset asset = found.get();
        String ifNoneMatch = request.headers().get(HttpHeaderNames.IF_NONE_MATCH);
        FullHttpResponse response;
        if (ifNoneMatch != null && matches(ifNoneMatch, asset.etag())) {
            response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_MODIFIED);
        } else {
            response = new DefaultFullHttpResponse(
                    HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(asset.bytes()));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, asset.contentType());
        }
        response.headers()
                .set(HttpHeaderNames.ETAG, asset.etag())
                .set(HttpHeaderNames.CACHE_CONTROL, "no-cache")
                .set("X-Content-Type-Options", "nosniff")
                .set("Referrer-Policy", "no-referrer");
        if (asset.isHtml()) {
            response.headers()
                    .set("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                    .set("X-Frame-Options", "DENY");
        }
        return response;
    }

    /** {@code If-None-Match}: {@code *} or a comma-separated list of tags (weak ones compare weakly, as RFC 9110 says). */
    private static boolean matches(String ifNoneMatch, String etag) {
        for (String candidate : ifNoneMatch.split(",")) {
            String tag = candidate.trim();
            if (tag.startsWith("W/")) {
                tag = tag.substring(2);
            }
            if (tag.equals("*") || tag.equals(etag)) {
                return true;
            }
        }
        return false;
    }
}
