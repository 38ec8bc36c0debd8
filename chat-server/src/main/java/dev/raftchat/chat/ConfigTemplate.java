package dev.raftchat.chat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Writes the distribution's {@code conf/raft-chat.properties}: every option of {@code raft-chat}, each with its
 * description, its environment variable and, commented out, its built-in default, so an operator uncomments what
 * they change. The text is derived from the command line's own options, and {@code ConfigTemplateTest} fails when
 * the committed file ({@value #COMMITTED_PATH}) differs from it, so the file cannot drift from the options.
 * Regenerate it with {@code ./mvnw -B -o -pl chat-server exec:java -Dexec.mainClass=dev.raftchat.chat.ConfigTemplate}
 * (or {@code -Drewrite=true} on the test).
 */
public final class ConfigTemplate {
    /** Where the template lives in the source tree, relative to the chat-server module. */
    public static final String COMMITTED_PATH = "src/dist/conf/raft-chat.properties";

    private static final int COLUMNS_MAX = 100;

    private ConfigTemplate() {}

    /** The template for {@code raft-chat}'s current options. */
    public static String render() {
        return render(new CommandLine(new RaftChatMain()).getCommandSpec());
    }

    static String render(CommandSpec spec) {
        StringBuilder text = new StringBuilder();
        text.append("""
                # raft-chat configuration: 'option-name = value' lines (Java properties, UTF-8).
                # Read with `raft-chat --config FILE` or RAFT_CHAT_CONFIG=FILE; the distribution's bin/raft-chat
                # reads this file by default. A command-line flag beats the environment variable, which beats
                # this file, which beats the built-in default. An unknown option name is refused at start.
                #
                # Every option is listed, commented out at its built-in default: uncomment what you change.
                # Generated from the command line's options (ConfigTemplate); a test keeps it in step with them.
                """);
        for (OptionSpec option : spec.options()) {
            if (!ConfigFile.isFileOption(option)) {
                continue;
            }
            String name = option.longestName().replaceFirst("^--", "");
            String defaultValue = option.defaultValue();
            text.append('\n');
            for (String line : wrap(description(option, defaultValue))) {
                text.append("# ").append(line).append('\n');
            }
            String flag = "Flag " + option.longestName() + ", environment "
                    + RaftChatMain.environmentVariable(option.longestName()) + ".";
            for (String line : wrap(flag)) {
                text.append("# ").append(line).append('\n');
            }
            text.append("#")
                    .append(name)
                    .append(" =")
                    .append(defaultValue == null || defaultValue.isEmpty() ? "" : " " + defaultValue)
                    .append('\n');
        }
        return text.toString();
    }

    private static String description(OptionSpec option, String defaultValue) {
        String description = String.join(" ", option.description());
        return description.replace("${DEFAULT-VALUE}", defaultValue == null ? "" : defaultValue);
    }

    /** Words to lines of at most {@link #COLUMNS_MAX} characters (a longer word keeps a line of its own). */
    static List<String> wrap(String text) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.trim().split("\\s+")) {
            if (line.length() > 0 && line.length() + 1 + word.length() > COLUMNS_MAX - 2) {
                lines.add(line.toString());
                line.setLength(0);
            }
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(word);
        }
        if (line.length() > 0) {
            lines.add(line.toString());
        }
        return lines;
    }

    /** Writes the template to {@code args[0]}, or to {@value #COMMITTED_PATH} under the working directory. */
    public static void main(String[] args) throws IOException {
        Path target = Path.of(args.length > 0 ? args[0] : COMMITTED_PATH);
        Files.createDirectories(target.toAbsolutePath().getParent());
        Files.writeString(target, render(), StandardCharsets.UTF_8);
        System.out.println("wrote " + target.toAbsolutePath());
    }
}
