package dev.raftchat.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The browser client's files, packed in this jar under {@value #RESOURCE_ROOT}, and the URL layout
 * they are served under:
 * <ul>
 *   <li>{@code /} is {@value #INDEX};</li>
 *   <li>{@code /app/<name>} is the file {@code <name>} (a flat directory: no sub-folders).</li>
 * </ul>
 * Everything else is not a web asset, so the chat API keeps every other path, including the original
 * API's {@code GET /{room}} alias (a room called {@code app} is still readable at {@code /app}: only
 * paths below {@code /app/} are assets).
 *
 * <p>Names are checked before any class path lookup: only {@code [A-Za-z0-9][A-Za-z0-9_.-]*} without
 * {@code ..}, at most {@value #ASSET_NAME_CHARS_MAX} characters, with a known extension. So no request
 * can reach a resource outside the asset folder (no {@code /}, no {@code ..}, no backslash, no
 * percent-escapes: callers pass the decoded path). Unknown names are answered as absent, never guessed.
 *
 * <p>Found files are read once and kept (the set is bounded by the files in the jar). Thread-safe.
 */
public final class WebAssets {
    /** Class path folder of the files. */
    public static final String RESOURCE_ROOT = "dev/raftchat/web/assets/";
    /** The page served at {@code /}. */
    public static final String INDEX = "index.html";
    /** URL prefix of every other file. */
    public static final String ASSET_URL_PREFIX = "/app/";
    /** The longest asset name looked up. */
    public static final int ASSET_NAME_CHARS_MAX = 128;

    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
    private static final Map<String, String> CONTENT_TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml",
            "png", "image/png",
            "ico", "image/x-icon",
            "json", "application/json; charset=utf-8",
            "webmanifest", "application/manifest+json",
            "txt", "text/plain; charset=utf-8");

    private final ClassLoader loader;
    private final Map<String, Asset> found = new ConcurrentHashMap<>();

    /** Reads the assets through {@code loader} (the one that loaded this jar, in production). */
    public WebAssets(ClassLoader loader) {
        this.loader = loader;
    }

    /** The assets of this jar. */
    public static WebAssets fromClassPath() {
        return new WebAssets(WebAssets.class.getClassLoader());
    }

    /** Whether {@code path} (decoded, without query) belongs to the web client rather than the API. */
    public static boolean claims(String path) {
        return path.equals("/") || path.startsWith(ASSET_URL_PREFIX);
    }

    /**
     * The file for a claimed URL path, or empty when there is none (the caller answers 404).
     *
     * @param path the decoded URL path, e.g. {@code /} or {@code /app/main.js}
     */
    public Optional<Asset> forPath(String path) {
        if (path.equals("/")) {
            return named(INDEX);
        }
        if (!path.startsWith(ASSET_URL_PREFIX)) {
            return Optional.empty();
        }
        return named(path.substring(ASSET_URL_PREFIX.length()));
    }

    /** The file called {@code name} in the asset folder, or empty when the name is unsafe, unknown or absent. */
    public Optional<Asset> named(String name) {
        if (name.length() > ASSET_NAME_CHARS_MAX || !SAFE_NAME.matcher(name).matches() || name.contains("..")) {
            return Optional.empty();
        }
        String contentType = contentType(name);
        if (contentType == null) {
            return Optional.empty();
        }
        Asset cached = found.get(name);
        if (cached != null) {
            return Optional.of(cached);
        }
        try (InputStream in = loader.getResourceAsStream(RESOURCE_ROOT + name)) {
            if (in == null) {
                return Optional.empty();
            }
            Asset asset = new Asset(name, in.readAllBytes(), contentType);
            found.putIfAbsent(name, asset);
            return Optional.of(asset);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read web asset " + RESOURCE_ROOT + name, e);
        }
    }

    /** The Content-Type for a file name by its extension, or null when the extension is not served. */
    static String contentType(String name) {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? null : CONTENT_TYPES.get(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /**
     * One file: its bytes, Content-Type and a strong ETag (a quoted prefix of the SHA-256 of the bytes, so
     * it changes exactly when the file does, on every node alike). Immutable.
     */
    public static final class Asset {
        private final String name;
        private final byte[] bytes;
        private final String contentType;
        private final String etag;

        Asset(String name, byte[] bytes, String contentType) {
            this.name = name;
            this.bytes = bytes;
            this.contentType = contentType;
            this.etag = "\"" + HexFormat.of().formatHex(sha256(bytes), 0, 16) + "\"";
        }

        public String name() {
            return name;
        }

        /** A copy of the file's bytes. */
        public byte[] bytes() {
            return Arrays.copyOf(bytes, bytes.length);
        }

        public int length() {
            return bytes.length;
        }

        public String contentType() {
            return contentType;
        }

        /** The strong entity tag, quotes included, as sent in {@code ETag}. */
        public String etag() {
            return etag;
        }

        /** Whether the file is the HTML page (which gets the stricter security headers). */
        public boolean isHtml() {
            return contentType.startsWith("text/html");
        }

        /** The file as UTF-8 text (for tests and diagnostics). */
        public String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }

        private static byte[] sha256(byte[] data) {
            try {
                return MessageDigest.getInstance("SHA-256").digest(data);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every JVM has SHA-256", e);
            }
        }
    }
}
