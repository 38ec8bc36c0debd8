package dev.raftchat.chat.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The error catalogue: codes are unique and documented, statuses are errors, unknown codes stay client errors. */
class ChatErrorTest {

    @Test
    void codesAreTheLowerCaseNamesAndEveryStatusIsAnError() {
        for (ChatError error : ChatError.values()) {
            assertThat(error.code()).matches("[a-z][a-z0-9_]*");
            assertThat(ChatError.of(error.code())).isSameAs(error);
            assertThat(error.httpStatus()).isBetween(400, 599);
            assertThat(error.defaultMessage()).isNotBlank();
        }
    }

    @Test
    void aCodeOfAnotherBuildIsAClientErrorNotACrash() {
        assertThat(ChatError.known("from_a_newer_build")).isFalse();
        assertThat(ChatError.of("from_a_newer_build").httpStatus()).isEqualTo(400);
        ChatResult foreign = ChatResult.rejected("from_a_newer_build", "words");
        assertThat(foreign.errorCode()).isEqualTo("from_a_newer_build");
        assertThat(foreign.error()).isEqualTo(ChatError.MALFORMED_COMMAND);
        assertThat(ChatResult.accepted(null).error()).isNull();
    }

    @Test
    void oneCodePerFaultOnBothApis() {
        ChatLimits limits = ChatLimits.defaults();
        assertThat(code(() -> limits.checkUserName(" "))).isEqualTo("invalid_username");
        assertThat(code(() -> ChatModel.checkUsername("a b"))).isEqualTo("invalid_username");
        assertThat(code(() -> ChatModel.originalUserName("ann\u200b"))).isEqualTo("invalid_username");
        assertThat(code(() -> limits.checkRoomName("a b"))).isEqualTo("invalid_room_name");
        assertThat(code(() -> ChatModel.checkRoomName(limits, " "))).isEqualTo("invalid_room_name");
        assertThat(code(() -> limits.checkMessage(""))).isEqualTo("invalid_text");
        assertThat(code(() -> ChatModel.checkText(limits, ""))).isEqualTo("invalid_text");
        String tooLong = "x".repeat(limits.messageBytesMax() + 1);
        assertThat(code(() -> limits.checkMessage(tooLong))).isEqualTo("message_too_large");
        assertThat(code(() -> ChatModel.checkText(limits, tooLong))).isEqualTo("message_too_large");
    }

    /** docs/api.md's table of error codes is this catalogue: every code with its status, and nothing else. */
    @Test
    void everyCodeIsDocumented() throws IOException {
        String api = Files.readString(Path.of("..", "docs", "api.md"), StandardCharsets.UTF_8);
        List<String> documented = new ArrayList<>();
        Matcher row =
                Pattern.compile("(?m)^\\| `([a-z0-9_]+)` \\| (\\d{3}) \\|").matcher(api);
        while (row.find()) {
            documented.add(row.group(1) + " " + row.group(2));
        }
        List<String> catalogue = new ArrayList<>();
        for (ChatError error : ChatError.values()) {
            catalogue.add(error.code() + " " + error.httpStatus());
        }
        assertThat(documented).containsExactlyElementsOf(catalogue);
    }

    /** No code is written as a string literal outside the catalogue (the main sources are scanned). */
    @Test
    void noSourceSpellsACodeOutsideTheCatalogue() throws IOException {
        Pattern literal = Pattern.compile("\"([a-z]+(?:_[a-z0-9]+)+)\"");
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Path.of("src", "main", "java"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                if (file.endsWith("ChatError.java")) {
                    continue;
                }
                Matcher matcher = literal.matcher(Files.readString(file, StandardCharsets.UTF_8));
                while (matcher.find()) {
                    if (ChatError.known(matcher.group(1))) {
                        found.add(file.getFileName() + ": " + matcher.group(1));
                    }
                }
            }
        }
        assertThat(found).isEmpty();
    }

    private static String code(Runnable check) {
        try {
            check.run();
        } catch (InvalidCommandException e) {
            return e.code();
        }
        throw new AssertionError("no InvalidCommandException");
    }
}
