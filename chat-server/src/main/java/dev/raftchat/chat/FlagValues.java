package dev.raftchat.chat;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/** How the flag mixins ({@link ApiFlags}, {@link HttpFlags}) read values that are not a single number. */
final class FlagValues {
    private FlagValues() {}

    /** The non-blank items of a comma-separated list, trimmed: {@code " ann, ,bob"} is {ann, bob}. */
    static Set<String> commaSeparated(String list) {
        return Arrays.stream(list.split(","))
                .map(String::trim)
                .filter(item -> !item.isEmpty())
                .collect(Collectors.toSet());
    }
}
