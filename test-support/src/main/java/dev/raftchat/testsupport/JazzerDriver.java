package dev.raftchat.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs one Jazzer fuzz target ({@code public static void fuzzerTestOneInput(byte[])}) in a child JVM with
 * Jazzer's standalone driver: it replays the checked-in corpus ({@code src/test/resources/fuzz/<name>/} of
 * the module under test) and then fuzzes for {@code fuzz.seconds} (system property, default 5). New inputs go
 * to {@code target/fuzz/<name>/corpus}, crashes to {@code target/fuzz/<name>/crash-*}: copy a crash into the
 * checked-in corpus when fixing it. The child runs on the test's own class path, so the calling module needs
 * {@code com.code-intelligence:jazzer} at test scope; this class needs nothing but the JDK.
 *
 * <p>Why not {@code @FuzzTest}: jazzer-junit 0.24.0's fuzzing mode fails under JUnit 6 ("ArgumentsProvider
 * does not override provideArguments(ParameterDeclarations, ExtensionContext)"); its regression mode works,
 * but only the standalone driver fuzzes.
 */
public final class JazzerDriver {
    /** What a run did: libFuzzer's executions and the exit code (0: no crash). */
    public record Result(long executions, int exitCode, String output) {}

    /** Our own code: what coverage guides the fuzzer through unless a target names more. */
    public static final String OUR_CODE = "dev.raftchat.**";

    private JazzerDriver() {}

    /** Fuzzes {@code target}, instrumenting our own code only. */
    public static Result run(Class<?> target, String name) {
        return run(target, name, OUR_CODE);
    }

    /**
     * Fuzzes {@code target}, instrumenting (and hooking) the classes that {@code instrumented} names: Jazzer's
     * colon-separated package globs, e.g. our code and the parsers in front of it.
     */
    public static Result run(Class<?> target, String name, String instrumented) {
        long seconds = Long.getLong("fuzz.seconds", 5);
        Path work = Path.of("target", "fuzz", name);
        Path corpus = work.resolve("corpus");
        Path seeds = Path.of("src", "test", "resources", "fuzz", name);
        try {
            Files.createDirectories(corpus);
            Files.createDirectories(seeds);
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m",
                    "-XX:+UseSerialGC",
                    "-cp",
                    System.getProperty("java.class.path"),
                    "com.code_intelligence.jazzer.Jazzer",
                    "--target_class=" + target.getName(),
                    "--instrumentation_includes=" + instrumented,
                    "--custom_hook_includes=" + instrumented,
                    "-artifact_prefix=" + work.toAbsolutePath() + "/",
                    "-rss_limit_mb=1024",
                    "-max_len=4096"));
            command.add("-max_total_time=" + Math.max(1, seconds));
            command.add(corpus.toString());
            command.add(seeds.toString());
            Path log = work.resolve("output.txt");
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            if (!process.waitFor(seconds + 300, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("fuzzer " + name + " did not finish; see " + log);
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            Matcher done = Pattern.compile("Done (\\d+) runs").matcher(output);
            long executions = done.find() ? Long.parseLong(done.group(1)) : -1;
            System.out.printf(
                    "fuzz %s: %d executions in %d s, exit %d%n", name, executions, seconds, process.exitValue());
            return new Result(executions, process.exitValue(), output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
