package dev.raftchat.bench.harness;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one driver run measured, and its one-line form on the driver's stdout:
 * {@code RESULT {"library":"...", ...}} (flat JSON: strings and numbers only).
 *
 * @param library       short name (ours, ours-inmem, ratis, jraft, microraft)
 * @param path          how proposals travel and where the log lives, for the report
 * @param opsPerSecond  proposals committed and applied on the leader per second of the measured window
 * @param p50Millis     latency from submit to completion, 50th percentile, in ms
 * @param cpuSeconds    process CPU time (all threads, user + system) used during the measured window
 * @param errors        proposals that completed exceptionally during the whole run (warm-up included)
 */
public record BenchResult(
        String library,
        String path,
        int clients,
        int payloadBytes,
        boolean sync,
        double warmupSeconds,
        double measuredSeconds,
        long operations,
        double opsPerSecond,
        double p50Millis,
        double p99Millis,
        double p999Millis,
        double cpuSeconds,
        long errors) {

    public static final String PREFIX = "RESULT ";
    private static final Pattern FIELD =
            Pattern.compile("\"(\\w+)\":(\"((?:[^\"\\\\]|\\\\.)*)\"|[-0-9.eE]+|true|false)");

    public String toLine() {
        return PREFIX
                + String.format(
                        Locale.ROOT,
                        "{\"library\":\"%s\",\"path\":\"%s\",\"clients\":%d,\"payloadBytes\":%d,"
                                + "\"sync\":%s,\"warmupSeconds\":%.1f,\"measuredSeconds\":%.3f,\"operations\":%d,\"opsPerSecond\":%.1f,"
                                + "\"p50Millis\":%.3f,\"p99Millis\":%.3f,\"p999Millis\":%.3f,\"cpuSeconds\":%.2f,\"errors\":%d}",
                        escape(library),
                        escape(path),
                        clients,
                        payloadBytes,
                        sync,
                        warmupSeconds,
                        measuredSeconds,
                        operations,
                        opsPerSecond,
                        p50Millis,
                        p99Millis,
                        p999Millis,
                        cpuSeconds,
                        errors);
    }

    /** Parses a line written by {@link #toLine}; throws IllegalArgumentException naming what is missing. */
    public static BenchResult parse(String line) {
        if (!line.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a result line: " + line);
        }
        Map<String, String> fields = new LinkedHashMap<>();
        Matcher m = FIELD.matcher(line.substring(PREFIX.length()));
        while (m.find()) {
            fields.put(
                    m.group(1),
                    m.group(3) != null ? m.group(3).replace("\\\"", "\"").replace("\\\\", "\\") : m.group(2));
        }
        try {
            return new BenchResult(
                    req(fields, "library"),
                    req(fields, "path"),
                    Integer.parseInt(req(fields, "clients")),
                    Integer.parseInt(req(fields, "payloadBytes")),
                    Boolean.parseBoolean(req(fields, "sync")),
                    num(fields, "warmupSeconds"),
                    num(fields, "measuredSeconds"),
                    Long.parseLong(req(fields, "operations")),
                    num(fields, "opsPerSecond"),
                    num(fields, "p50Millis"),
                    num(fields, "p99Millis"),
                    num(fields, "p999Millis"),
                    num(fields, "cpuSeconds"),
                    Long.parseLong(req(fields, "errors")));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad number in result line: " + line, e);
        }
    }

    private static String req(Map<String, String> fields, String name) {
        String value = fields.get(name);
        if (value == null) {
            throw new IllegalArgumentException("result line lacks \"" + name + "\": " + fields);
        }
        return value;
    }

    private static double num(Map<String, String> fields, String name) {
        return Double.parseDouble(req(fields, name));
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
