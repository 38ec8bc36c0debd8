package dev.raftchat.chat;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The optional configuration file of {@code raft-chat --config FILE}: Java properties (UTF-8), one
 * {@code option-name = value} per line, the names being the long flags without their dashes, and
 * {@code #} comments:
 * <pre>
 * # node 1 of the local cluster
 * id = 1
 * cluster = http://127.0.0.1:12379,http://127.0.0.1:22379,http://127.0.0.1:32379
 * port = 12380
 * snapshot-count = 500
 * </pre>
 * Why properties: the JDK reads them (no parser to add to the fat jar), every flag is one scalar, and the
 * names are the flags people already know. Values are defaults for the parse, so a flag or an environment
 * variable overrides them. An unknown name is an error (a typo must not be ignored silently). Immutable.
 */
public final class ConfigFile {
    /** No file: no values. */
    public static final ConfigFile EMPTY = new ConfigFile(Collections.emptyMap());

    private static final String CONFIG_FLAG = "--config";

    /** Values by flag, with the leading dashes ({@code --snapshot-count}). */
    private final Map<String, String> values;

    private ConfigFile(Map<String, String> values) {
        this.values = values;
    }

    /**
     * Reads {@code file} and checks every name against the options of {@code spec}.
     *
     * @throws IllegalArgumentException naming the file and the problem
     */
    public static ConfigFile load(Path file, CommandSpec spec) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "cannot read the configuration file " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        TreeSet<String> known = new TreeSet<>();
        for (OptionSpec option : spec.options()) {
            if (isFileOption(option)) {
                known.add(option.longestName().replaceFirst("^--", ""));
            }
        }
        Map<String, String> values = new TreeMap<>();
        for (String name : properties.stringPropertyNames()) {
            String key = name.trim();
            if (!known.contains(key)) {
                throw new IllegalArgumentException("the configuration file " + file.toAbsolutePath()
                        + " sets unknown option '" + key + "'; known: " + String.join(", ", known));
            }
            values.put("--" + key, properties.getProperty(name).trim());
        }
        return new ConfigFile(Collections.unmodifiableMap(values));
    }

    /** Whether a file may set {@code option}: every option but help, version and {@code --config} itself. */
    static boolean isFileOption(OptionSpec option) {
        return !option.usageHelp()
                && !option.versionHelp()
                && !option.longestName().equals(CONFIG_FLAG);
    }

    /** The file's value for {@code longFlag} ({@code --port}), or null. */
    public String value(String longFlag) {
        return values.get(longFlag);
    }

    /** The path given with {@code --config FILE} or {@code --config=FILE} in {@code args}, or null. */
    static Path pathFromArguments(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals(CONFIG_FLAG) && i + 1 < args.length) {
                return Path.of(args[i + 1]);
            }
            if (args[i].startsWith(CONFIG_FLAG + "=")) {
                return Path.of(args[i].substring(CONFIG_FLAG.length() + 1));
            }
            if (args[i].equals("--")) {
                break;
            }
        }
        return null;
    }
}
