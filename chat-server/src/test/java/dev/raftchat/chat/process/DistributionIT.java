package dev.raftchat.chat.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.raftchat.chat.testkit.RaftChatCluster;
import dev.raftchat.testsupport.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution tarball that {@code ./mvnw package} builds, unpacked into a temporary directory outside the
 * repository: its {@code bin/raft-chat} reports the build's version from the jar's manifest and runs the README's
 * single-node commands (start, post, read), reading the shipped {@code conf/raft-chat.properties}, with no source
 * tree in reach; SIGTERM stops it with exit code 0.
 */
class DistributionIT {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path temp;

    private Process node;

    @AfterEach
    void killNode() throws InterruptedException {
        if (node != null && node.isAlive()) {
            node.descendants().forEach(ProcessHandle::destroyForcibly);
            node.destroyForcibly();
            node.waitFor(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void theUnpackedTarballRunsTheReadmesSingleNodeCommands() throws Exception {
        String version = System.getProperty("raftchat.version");
        Path home = unpack();

        assertThat(home.resolve("bin/raft-chat")).isExecutable();
        for (String file : List.of(
                "lib/raft-chat.jar",
                "conf/raft-chat.properties",
                "systemd/raft-chat.service",
                "LICENSE",
                "NOTICE",
                "README.md",
                "docs/operations.md")) {
            assertThat(home.resolve(file)).as(file).isRegularFile();
        }
        assertThat(Files.readString(home.resolve("systemd/raft-chat.service")))
                .contains("ExecStart=/opt/raft-chat/bin/raft-chat");
        assertThat(home.resolve("pom.xml")).doesNotExist();
        assertThat(home.resolve("mvnw")).doesNotExist();

        Ran versionRun = run(home, List.of("bin/raft-chat", "--version"));
        assertThat(versionRun.exitCode).as(versionRun.output).isZero();
        assertThat(versionRun.output).startsWith("raft-chat " + version + "\n");

        // The README: bin/raft-chat --id 1 --cluster http://127.0.0.1:12379 --port 12380 (free ports here), run
        // from a working directory of its own, where the data directory raft-chat-1 appears.
        int peerPort = FreePorts.loopback();
        int httpPort = FreePorts.loopback();
        Path work = temp.resolve("work");
        Files.createDirectories(work);
        Path log = work.resolve("node.log");
        ProcessBuilder builder = new ProcessBuilder(
                        home.resolve("bin/raft-chat").toString(),
                        "--id",
                        "1",
                        "--cluster",
                        "http://127.0.0.1:" + peerPort,
                        "--port",
                        Integer.toString(httpPort))
                .directory(work.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        environment(builder.environment());
        node = builder.start();

        String base = "http://127.0.0.1:" + httpPort;
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(200))
                .ignoreExceptions()
                .untilAsserted(() -> {
                    assertThat(node.isAlive()).as(Files.readString(log)).isTrue();
                    assertThat(get(base + "/readyz").statusCode()).isEqualTo(200);
                });
        HttpResponse<String> posted = HTTP.send(
                HttpRequest.newBuilder(URI.create(base + "/rooms/general"))
                        .timeout(Duration.ofSeconds(20))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"Message\": \"hello\", \"User\": \"username\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(posted.statusCode()).as(posted.body()).isEqualTo(201);
        HttpResponse<String> read = get(base + "/rooms/general");
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(read.body()).contains("\"Message\":\"hello\"").contains("\"User\":\"username\"");
        assertThat(get(base + "/rooms").body()).isEqualTo("[\"general\"]");
        assertThat(work.resolve("raft-chat-1")).isDirectory();

        node.destroy();
        assertThat(node.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(node.exitValue()).as("exit code after SIGTERM").isZero();
        String output = Files.readString(log);
        assertThat(output)
                .as("the launcher reads the shipped configuration file")
                .contains("(config file "
                        + home.resolve("conf/raft-chat.properties").toAbsolutePath() + ")");
        assertThat(output).as("log lines carry a date").containsPattern("(?m)^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}");
    }

    /**
     * The launcher's class data sharing archive ({@code lib/raft-chat.jsa}): made by the first start without
     * {@code JAVA_OPTS} (a training run), mapped by the next, made again when the jar is newer, and neither a
     * broken archive nor {@code RAFT_CHAT_CDS=off} stops a start.
     */
    @Test
    void theLauncherArchivesTheClassesOnceAndStartsWhateverTheArchive() throws Exception {
        String version = System.getProperty("raftchat.version");
        Path home = unpack();
        Path archive = home.resolve("lib/raft-chat.jsa");
        List<String> printVersion = List.of("bin/raft-chat", "--version");

        Ran off = run(home, printVersion, Map.of("RAFT_CHAT_CDS", "off"));
        assertThat(off.exitCode).as(off.output).isZero();
        assertThat(off.output).startsWith("raft-chat " + version + "\n");
        assertThat(archive).as("RAFT_CHAT_CDS=off archives nothing").doesNotExist();

        Ran first = run(home, printVersion, Map.of());
        assertThat(first.exitCode).as(first.output).isZero();
        assertThat(first.output)
                .as("the training run's output stays out of the command's")
                .startsWith("raft-chat " + version + "\n");
        assertThat(archive).as("the first start archived the classes").isRegularFile();
        assertThat(Files.size(archive)).isGreaterThan(1 << 20);
        assertThat(Files.readString(home.resolve("lib/raft-chat.jsa.log"))).contains("cds-training: ");

        // -Xlog:class+load names where each class came from: from the archive ("shared objects file (top)").
        Ran mapped = run(home, printVersion, Map.of("JAVA_TOOL_OPTIONS", "-Xlog:class+load=info"));
        assertThat(mapped.exitCode).as(mapped.output).isZero();
        assertThat(mapped.output).contains("dev.raftchat.chat.RaftChatMain source: shared objects file (top)");

        long trained = Files.getLastModifiedTime(archive).toMillis();
        Files.setLastModifiedTime(archive, FileTime.fromMillis(trained - 120_000));
        FileTime jarChanged = FileTime.fromMillis(trained - 60_000);
        Files.setLastModifiedTime(home.resolve("lib/raft-chat.jar"), jarChanged);
        Ran stale = run(home, printVersion, Map.of());
        assertThat(stale.exitCode).as(stale.output).isZero();
        assertThat(Files.getLastModifiedTime(archive))
                .as("an archive older than the jar is made again")
                .isGreaterThan(jarChanged);

        // An archive the JVM refuses (here: not an archive at all, and newer than the jar) is dropped silently.
        Files.delete(archive);
        Files.write(archive, new byte[64 * 1024]);
        Files.setLastModifiedTime(archive, FileTime.fromMillis(System.currentTimeMillis() + 120_000));
        Ran broken = run(home, printVersion, Map.of());
        assertThat(broken.exitCode).as(broken.output).isZero();
        assertThat(broken.output).isEqualTo(first.output);
    }

    /** The tarball that {@code ./mvnw package} built, unpacked into a fresh directory; the unpacked home. */
    private Path unpack() throws IOException, InterruptedException {
        Path tarball = Path.of(System.getProperty("raftchat.dist", "(-Draftchat.dist is set by failsafe)"));
        assertThat(tarball).as("built by ./mvnw package").isRegularFile();
        Path unpacked = Files.createTempDirectory(temp, "unpacked");
        assertThat(run(unpacked, List.of("tar", "-xzf", tarball.toString())).exitCode)
                .isZero();
        return unpacked.resolve("raft-chat-" + System.getProperty("raftchat.version"));
    }

    /** Only what a machine gives a service: a PATH with java, no RAFT_CHAT_* settings, small test heap. */
    private static void environment(Map<String, String> environment) {
        environment
                .keySet()
                .removeIf(name ->
                        name.startsWith("RAFT_CHAT_") || name.equals("JAVA_OPTS") || name.equals("JAVA_TOOL_OPTIONS"));
        environment.put(
                "PATH",
                Path.of(System.getProperty("java.home"), "bin") + ":"
                        + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        environment.put("JAVA_OPTS", String.join(" ", RaftChatCluster.SMALL_JVM_OPTIONS));
    }

    private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(20))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private record Ran(int exitCode, String output) {}

    /**
     * Runs {@code command} as {@link #environment} describes but without {@code JAVA_OPTS} (the launcher's own
     * options, its class data sharing archive included), with {@code settings} added; a first start trains the
     * archive, so it may take minutes on a loaded machine.
     */
    private static Ran run(Path directory, List<String> command, Map<String, String> settings)
            throws IOException, InterruptedException {
        Path output = Files.createTempFile("ran", ".txt");
        try {
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(directory.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile());
            environment(builder.environment());
            builder.environment().remove("JAVA_OPTS");
            builder.environment().putAll(settings);
            Process process = builder.start();
            if (!process.waitFor(5, TimeUnit.MINUTES)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new AssertionError(command + " did not finish in 5 minutes");
            }
            return new Ran(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            Files.delete(output);
        }
    }

    private static Ran run(Path directory, List<String> command) throws IOException, InterruptedException {
        Path output = Files.createTempFile("ran", ".txt");
        try {
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(directory.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile());
            environment(builder.environment());
            Process process = builder.start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(command + " did not finish in 60 s");
            }
            return new Ran(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            Files.delete(output);
        }
    }
}
