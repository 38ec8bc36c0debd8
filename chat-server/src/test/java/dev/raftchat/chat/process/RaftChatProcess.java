package dev.raftchat.chat.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One real {@code raft-chat} process started from the fat jar ({@code -Draftchat.jar}, set by failsafe),
 * in its own working directory, its output in {@code <workDir>/node.log}. Small heap and C1 only: several
 * of these share two cores with the build.
 *
 * <p>{@link #kill()} and {@link #stop()} act on this process and its descendants by pid only.
 */
public final class RaftChatProcess implements AutoCloseable {
    static final List<String> JVM_OPTIONS =
            List.of("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k");

    private final Process process;
    private final Path workDir;
    private final int httpPort;

    private RaftChatProcess(Process process, Path workDir, int httpPort) {
        this.process = process;
        this.workDir = workDir;
        this.httpPort = httpPort;
    }

    /** The fat jar under test. */
    public static Path jar() {
        String jar = System.getProperty("raftchat.jar");
        if (jar == null) {
            throw new IllegalStateException("-Draftchat.jar is not set: run these tests with failsafe (./mvnw verify)");
        }
        Path path = Path.of(jar);
        if (!Files.isRegularFile(path)) {
            throw new IllegalStateException("the fat jar " + path + " does not exist: run ./mvnw package first");
        }
        return path;
    }

    /** Starts {@code java -jar raft-chat.jar args...} in {@code workDir} (created if needed). */
    public static RaftChatProcess start(Path workDir, int httpPort, Map<String, String> environment, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_OPTIONS);
        command.add("-jar");
        command.add(jar().toString());
        command.addAll(List.of(args));
        return startCommand(workDir, httpPort, environment, command);
    }

    /** Starts any command (e.g. the restore subcommand) in {@code workDir}, output in {@code node.log}. */
    static RaftChatProcess startCommand(
            Path workDir, int httpPort, Map<String, String> environment, List<String> command) {
        try {
            Files.createDirectories(workDir);
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(
                            workDir.resolve("node.log").toFile()));
            builder.environment().keySet().removeIf(name -> name.startsWith("RAFT_CHAT_"));
            builder.environment().putAll(environment);
            return new RaftChatProcess(builder.start(), workDir, httpPort);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    /** Runs the jar with {@code args} to completion (bounded wait) and returns its exit code. */
    public static Result run(Path workDir, Map<String, String> environment, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_OPTIONS);
        command.add("-jar");
        command.add(jar().toString());
        command.addAll(List.of(args));
        try (RaftChatProcess process = startCommand(workDir, 0, environment, command)) {
            if (!process.process.waitFor(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException(
                        "'" + String.join(" ", args) + "' did not finish in 60 s; output:\n" + process.output());
            }
            return new Result(process.process.exitValue(), process.output());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A finished command: exit code and everything it printed. */
    public record Result(int exitCode, String output) {}

    public int httpPort() {
        return httpPort;
    }

    public Path workDir() {
        return workDir;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Exit code, once exited. @throws IllegalThreadStateException while it runs */
    public int exitValue() {
        return process.exitValue();
    }

    /** What the process printed so far. */
    public String output() {
        try {
            Path log = workDir.resolve("node.log");
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read node.log: " + e + ")";
        }
    }

    /** SIGTERM, then waits (bounded) for a graceful exit; SIGKILL if it does not come. Returns the exit code. */
    public int stop() {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                kill();
            }
            return process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
            return -1;
        }
    }

    /** SIGKILL, by pid, and waits for the process to be gone. */
    public void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }
}
