package dev.raftchat.chat.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The streaming reader of a post's body ({@link StrictInput#flatStringFields}) against the tree reader it
 * shortcuts: whatever it accepts, the tree reader accepts with the same two values; what it declines goes to the
 * tree reader, so a bad body's answer is unchanged.
 */
class StrictInputFlatFieldsTest {
    private static final List<String> BODIES = List.of(
            "{\"Message\":\"hello\",\"User\":\"ann\"}",
            "{\"message\":\"hello\",\"user\":\"ann\"}",
            " {\"USER\" : \"ann\" ,\n \"MeSsAgE\":\"h\\u00e9llo \\\"q\\\" \\n\"} ",
            "{\"Message\":\"x\"}",
            "{}",
            "{\"Message\":\"a\",\"User\":\"u\",\"extra\":\"z\"}",
            "{\"Message\":\"a\",\"Message\":\"b\",\"User\":\"u\"}",
            "{\"Message\":\"a\",\"message\":\"b\",\"User\":\"u\"}",
            "{\"x\":\"1\",\"x\":\"2\",\"Message\":\"a\",\"User\":\"u\"}",
            "{\"Message\":5,\"User\":\"u\"}",
            "{\"Message\":\"a\",\"User\":\"u\",\"n\":{\"k\":1}}",
            "{\"Message\":\"a\",\"User\":\"u\",\"n\":[1,{\"k\":1,\"k\":2}]}",
            "{\"Message\":\"a\",\"User\":null}",
            "{\"Message\":\"a\",\"User\":\"u\"} []",
            "{\"Message\":\"a\",\"User\":\"u\"} x",
            "{\"Message\":\"a\",\"User\":\"u\"",
            "{\"Message\":\"a\",,\"User\":\"u\"}",
            "{'Message':'a'}",
            "[1,2]",
            "\"text\"",
            "null",
            "",
            "   ",
            "not json");

    @Test
    void acceptsOnlyWhatTheTreeReaderAcceptsWithTheSameValues() {
        int accepted = 0;
        for (String body : BODIES) {
            String[] fast = StrictInput.flatStringFields(body, "message", "user");
            if (fast == null) {
                continue;
            }
            accepted++;
            JsonNode tree = StrictInput.json(body);
            assertThat(tree.isObject()).as(body).isTrue();
            assertThat(fast).as(body).containsExactly(field(tree, "message"), field(tree, "user"));
        }
        // The usual shapes take the streaming path (else this test would pass with a reader that declines all).
        assertThat(accepted).isEqualTo(6);
    }

    @Test
    void declinesDuplicatesNonStringsNestingAndTrailingTokens() {
        for (String body : List.of(
                "{\"Message\":\"a\",\"Message\":\"b\",\"User\":\"u\"}",
                "{\"Message\":\"a\",\"message\":\"b\",\"User\":\"u\"}",
                "{\"Message\":5,\"User\":\"u\"}",
                "{\"Message\":\"a\",\"User\":\"u\",\"n\":{\"k\":1}}",
                "{\"Message\":\"a\",\"User\":\"u\"} []",
                "[1,2]",
                "")) {
            assertThat(StrictInput.flatStringFields(body, "message", "user"))
                    .as(body)
                    .isNull();
        }
        // A duplicate of a field nobody reads is still a duplicate: declined here, refused by the tree reader.
        String duplicate = "{\"x\":\"1\",\"x\":\"2\",\"Message\":\"a\",\"User\":\"u\"}";
        assertThat(StrictInput.flatStringFields(duplicate, "message", "user")).isNull();
        assertThatThrownBy(() -> StrictInput.json(duplicate))
                .isInstanceOf(ApiException.class)
                .hasMessageContaining("Duplicate field 'x'");
    }

    private static String field(JsonNode object, String name) {
        String found = null;
        for (Map.Entry<String, JsonNode> field : object.properties()) {
            if (field.getKey().equalsIgnoreCase(name)) {
                found = field.getValue().textValue();
            }
        }
        return found;
    }
}
