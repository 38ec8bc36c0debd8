package dev.raftchat.sim;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The seeds that ever failed, read from a text file: one seed per line, optionally followed by
 * {@code expect-failure: <text>} for a seed that still reproduces a known, reported bug (the run must
 * fail with a message containing the text, so the entry cannot silently rot: once the bug is fixed the
 * expectation fails and the entry must become a plain seed). {@code #} starts a comment.
 */
public final class RegressionSeeds {

    /** One line of the file. {@code expectedFailure} is null when the seed must pass. */
    public record Entry(long seed, String expectedFailure, int line) {}

    private RegressionSeeds() {}

    public static List<Entry> parse(InputStream in) {
        List<Entry> entries = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String raw;
            int lineNumber = 0;
            while ((raw = r.readLine()) != null) {
                lineNumber++;
                int hash = raw.indexOf('#');
                String line = (hash >= 0 ? raw.substring(0, hash) : raw).trim();
                if (line.isEmpty()) {
                    continue;
                }
                String[] parts = line.split("\\s+", 2);
                long seed;
                try {
                    seed = Long.parseLong(parts[0]);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("line " + lineNumber + ": not a seed: " + parts[0], e);
                }
                String expected = null;
                if (parts.length == 2) {
                    String rest = parts[1].trim();
                    if (!rest.startsWith("expect-failure:")
                            || rest.substring("expect-failure:".length()).isBlank()) {
                        throw new IllegalArgumentException("line " + lineNumber
                                + ": expected 'expect-failure: <text>' after the seed, got: " + rest);
                    }
                    expected = rest.substring("expect-failure:".length()).trim();
                }
                entries.add(new Entry(seed, expected, lineNumber));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return entries;
    }
}
