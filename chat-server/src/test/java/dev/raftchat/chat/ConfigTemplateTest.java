package dev.raftchat.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** The distribution's conf/raft-chat.properties lists every option at its default, and cannot drift from them. */
class ConfigTemplateTest {
    private static final Path COMMITTED = Path.of(ConfigTemplate.COMMITTED_PATH);

    @TempDir
    Path directory;

    @Test
    void theCommittedTemplateIsTheOneTheOptionsGive() throws Exception {
        String expected = ConfigTemplate.render();
        if (Boolean.getBoolean("rewrite")) {
            Files.writeString(COMMITTED, expected, StandardCharsets.UTF_8);
        }
        assertThat(Files.readString(COMMITTED, StandardCharsets.UTF_8))
                .as("%s is stale: regenerate it with -Drewrite=true on this test and review the diff", COMMITTED)
                .isEqualTo(expected);
    }

    @Test
    void everyOptionAFileMaySetIsListedOnceWithItsEnvironmentVariable() throws Exception {
        String template = ConfigTemplate.render();
        CommandLine commandLine = new CommandLine(new RaftChatMain());
        int options = 0;
        for (OptionSpec option : commandLine.getCommandSpec().options()) {
            String name = option.longestName().replaceFirst("^--", "");
            if (!ConfigFile.isFileOption(option)) {
                assertThat(template).doesNotContain("\n#" + name + " =");
                continue;
            }
            options++;
            assertThat(template.split("\n#" + name + " =", -1)).as(name).hasSize(2);
            assertThat(template).contains(RaftChatMain.environmentVariable(option.longestName()) + ".\n");
        }
        assertThat(options).isGreaterThan(40);
        assertThat(template).doesNotContain("${");
    }

    @Test
    void asShippedTheTemplateSetsNothing() throws Exception {
        Path file = directory.resolve("raft-chat.properties");
        Files.writeString(file, ConfigTemplate.render(), StandardCharsets.UTF_8);
        ChatNodeConfig fromTemplate = parse(file);
        ChatNodeConfig fromNothing = parse(null);
        assertThat(fromTemplate).isEqualTo(fromNothing);
    }

    @Test
    void everyDefaultUncommentedIsAValidConfiguration() throws Exception {
        List<String> uncommented = new ArrayList<>();
        for (String line : ConfigTemplate.render().split("\n")) {
            // "#name = value" is an option line; "# text" (with a space) is a comment.
            if (line.startsWith("#") && !line.startsWith("# ") && line.contains(" = ")) {
                uncommented.add(line.substring(1));
            } else {
                uncommented.add(line);
            }
        }
        assertThat(uncommented).anyMatch(line -> line.startsWith("snapshot-count = "));
        Path file = directory.resolve("uncommented.properties");
        Files.writeString(file, String.join("\n", uncommented), StandardCharsets.UTF_8);
        assertThat(parse(file)).isEqualTo(parse(null));
    }

    @Test
    void longDescriptionsWrapAtOneHundredColumns() {
        for (String line : ConfigTemplate.render().split("\n")) {
            if (line.startsWith("# ")) {
                assertThat(line.length() <= 100 || !line.substring(2).contains(" "))
                        .as(line)
                        .isTrue();
            }
        }
        assertThat(ConfigTemplate.wrap("a ".repeat(120))).hasSize(3);
    }

    private static ChatNodeConfig parse(Path file) {
        String[] args = file == null ? new String[0] : new String[] {"--config", file.toString()};
        return ParsedFlags.config(Map.of(), args);
    }
}
