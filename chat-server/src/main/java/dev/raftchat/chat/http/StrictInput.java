package dev.raftchat.chat.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.raftchat.chat.state.ChatError;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The front door's input rules, shared by the original routes and API v1 (docs/api.md, "Strict input"):
 *
 * <ul>
 *   <li>A request target whose path or query has a malformed percent-escape ({@code %zz}, a lone {@code %}) or
 *       decodes to invalid UTF-8 is {@code 400 invalid_path} / {@code 400 invalid_query}, on every route.
 *   <li>A JSON body must be valid UTF-8 and one JSON value with no trailing tokens and no duplicate keys,
 *       else {@code 400 invalid_json}.
 *   <li>Text (message bodies) refuses characters that cannot be meant in a chat message: C0 controls but
 *       tab and line feed, DEL, C1 controls, and the bidirectional embeddings, overrides and isolates
 *       (U+202A–U+202E, U+2066–U+2069) that make text display in another order than it is stored. Names
 *       (users, rooms) refuse the same and tab and line feed too. Marks (U+200E, U+200F, U+061C) stay allowed:
 *       they change no order, and mixed-script text needs them. Normalization and look-alike names are the
 *       state's rules ({@code ChatModel}); these checks run before them, at the door, so that nothing already
 *       in a log is judged again on replay.
 * </ul>
 *
 * Stateless; thread-safe.
 */
public final class StrictInput {
    private static final ObjectReader JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .reader();

    private StrictInput() {}

    /** Throws {@code 400 invalid_path} or {@code 400 invalid_query} when {@code uri} is not strictly encoded. */
    public static void checkTarget(String uri) {
        int query = uri.indexOf('?');
        int fragment = uri.indexOf('#');
        int pathEnd = query >= 0 ? query : fragment >= 0 ? fragment : uri.length();
        if (!decodes(uri, 0, pathEnd)) {
            throw new ApiException(
                    ChatError.INVALID_PATH,
                    "the path has a malformed percent-escape (each '%' takes two hex digits) or is not UTF-8");
        }
        if (query >= 0) {
            int end = fragment > query ? fragment : uri.length();
            if (!decodes(uri, query + 1, end)) {
                throw new ApiException(
                        ChatError.INVALID_QUERY,
                        "the query string has a malformed percent-escape (each '%' takes two hex digits)"
                                + " or is not UTF-8");
            }
        }
    }

    private static boolean decodes(String text, int from, int to) {
        ByteArrayOutputStream bytes = null;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c == '%') {
                if (i + 2 >= to) {
                    return false;
                }
                int high = Character.digit(text.charAt(i + 1), 16);
                int low = Character.digit(text.charAt(i + 2), 16);
                if (high < 0 || low < 0) {
                    return false;
                }
                if (bytes == null) {
                    bytes = new ByteArrayOutputStream();
                }
                bytes.write(high * 16 + low);
                i += 2;
            } else if (bytes != null) {
                if (!utf8(bytes.toByteArray())) {
                    return false;
                }
                bytes = null;
            }
        }
        return bytes == null || utf8(bytes.toByteArray());
    }

    private static boolean utf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /** The body as UTF-8, refusing invalid sequences with {@code 400 invalid_json}. */
    public static String utf8Body(ByteBuf content) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(content.nioBuffer())
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ApiException(ChatError.INVALID_JSON, "the body is not valid UTF-8");
        }
    }

    /**
     * The body parsed as one JSON value: valid UTF-8, no duplicate keys, nothing after the value; else
     * {@code 400 invalid_json}. An empty body is null.
     */
    public static JsonNode json(ByteBuf content) {
        return json(utf8Body(content));
    }

    /** {@link #json(ByteBuf)} of a body already decoded by {@link #utf8Body}. */
    public static JsonNode json(String text) {
        if (text.isBlank()) {
            return null;
        }
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ApiException(ChatError.INVALID_JSON, "the body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    /**
     * The values of the fields named {@code first} and {@code second} (in any letter case; null when absent) of a
     * body that is one flat JSON object whose every value is a string, each of the two at most once, with nothing
     * after it: the usual shape of a post, read with the streaming parser instead of building a tree (the tree cost
     * a measurable part of a post's CPU: docs/benchmarks.md, chatcpu). Null for any other body, valid or not: the
     * caller then reads it with {@link #json(String)}, so every other body gets the answer it always got. The
     * parser is {@link #json}'s, with its duplicate detection, so an accepted body is one that {@link #json}
     * accepts with the same values.
     */
    public static String[] flatStringFields(String text, String first, String second) {
        try (JsonParser parser = JSON.createParser(text)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            String[] values = new String[2];
            JsonToken token;
            while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                if (parser.nextToken() != JsonToken.VALUE_STRING) {
                    return null;
                }
                int slot = name.equalsIgnoreCase(first) ? 0 : name.equalsIgnoreCase(second) ? 1 : -1;
                if (slot >= 0) {
                    if (values[slot] != null) {
                        return null;
                    }
                    values[slot] = parser.getText();
                }
            }
            if (token != JsonToken.END_OBJECT || parser.nextToken() != null) {
                return null;
            }
            return values;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Null when {@code text} may be stored, else a description of its first refused character.
     *
     * @param multiline true for message text (tab and line feed allowed), false for names
     */
    public static String refusedCharacter(String text, boolean multiline) {
        if (text == null) {
            return null;
        }
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            String why = null;
            if (c < 0x20 || c == 0x7f) {
                if (!(multiline && (c == '\n' || c == '\t'))) {
                    why = "a control character";
                }
            } else if (c >= 0x80 && c <= 0x9f) {
                why = "a C1 control character";
            } else if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) {
                why = "a bidirectional embedding, override or isolate";
            }
            if (why != null) {
                return why + String.format(Locale.ROOT, " (U+%04X) at position %d", c, text.codePointCount(0, i));
            }
            i += Character.charCount(c);
        }
        return null;
    }
}
