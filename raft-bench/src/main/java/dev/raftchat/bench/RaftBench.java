package dev.raftchat.bench;

import dev.raftchat.bench.harness.BenchResult;
import dev.raftchat.testsupport.FileTrees;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.ToDoubleFunction;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * Orchestrates the peer benchmark: for every round, configuration (payload, clients) and library, starts
 * one child JVM with only that library's class path (the {@code target/classpath.txt} its module writes),
 * reads the single {@link BenchResult} line the driver prints, and finally prints a table of medians per
 * configuration, the physical limit of the disk (raw append + force, with and without batching, by one writer
 * and by three at once as three replicas on one disk write) and one
 * line {@code ours/best-peer = X.XX} per configuration. Writes {@code runs.csv}, {@code summary.csv} and
 * one SVG chart per payload size into the results directory.
 *
 * <p>Libraries alternate: each round runs them in a rotated order, so that the drift of a shared machine
 * spreads over all of them. Our library always runs; over Netty against the network peers (Ratis,
 * SOFAJRaft), and additionally on an in-memory transport ({@code ours-inmem}) when MicroRaft, which has
 * no network transport, is compared.
 *
 * <p>Usage: {@code bin/raft-bench} with the options in {@link #USAGE}. Exits 1 if any run failed (the
 * table still shows the others).
 */
public final class RaftBench {
    static final String USAGE =
            "raft-bench [--quick | --full] [--vs ratis,jraft,microraft[,ours-serial]] [--clients 1,8,32,128]"
                    + " [--payload 64,256,4096] [--warmup-seconds 15] [--seconds 10] [--rounds 3] [--sync on,off] [--heap 3g]"
                    + " [--results DIR] [--data-dir DIR] [--disk-seconds 3]";
    /**
     * Profiles: a set of defaults that explicit options override. {@code --quick}: the headline configurations
     * only, short; {@code --full}: the whole matrix of issue 10. Without either, the defaults of the first
     * version (every client count, 256 B, sync on, 3 rounds).
     */
    static final Map<String, Map<String, String>> PROFILES = Map.of(
            "--quick",
                    Map.of(
                            "--clients",
                            "1,32",
                            "--payload",
                            "256",
                            "--sync",
                            "on",
                            "--warmup-seconds",
                            "5",
                            "--seconds",
                            "5",
                            "--rounds",
                            "2"),
            "--full",
                    Map.of(
                            "--clients",
                            "1,8,32,128",
                            "--payload",
                            "64,256,4096",
                            "--sync",
                            "on,off",
                            "--warmup-seconds",
                            "15",
                            "--seconds",
                            "10",
                            "--rounds",
                            "3"),
            "--default",
                    Map.of(
                            "--clients",
                            "1,8,32,128",
                            "--payload",
                            "256",
                            "--sync",
                            "on",
                            "--warmup-seconds",
                            "15",
                            "--seconds",
                            "10",
                            "--rounds",
                            "3"));
    /** What starting a child JVM, its cluster and stopping it costs beyond warm-up and measurement (measured: 5-10 s). */
    static final double CHILD_STARTUP_SECONDS_ESTIMATE = 8;
    /** A child gets this long beyond its warm-up and measured time to start and stop the cluster. */
    static final long CHILD_OVERHEAD_SECONDS = 120;
    /**
     * The raw loops of the disk limit: one file, as a single log writes, and {@value #REPLICAS} files forced at
     * once, as the three replicas of a cluster on one machine write (every entry is written three times to this
     * one disk, and the three fsync streams compete); each with one record per force and 128.
     */
    static final int REPLICAS = 3;

    static final List<DiskShape> DISK_SHAPES = List.of(
            new DiskShape(1, 1), new DiskShape(1, 128), new DiskShape(REPLICAS, 1), new DiskShape(REPLICAS, 128));

    /** {@code writers} files, each appended and forced in its own thread, {@code perForce} records per force. */
    record DiskShape(int writers, int perForce) {
        String describe(int recordBytes) {
            return writers == 1
                    ? String.format(
                            Locale.ROOT, "raw append+force of %d-byte records, %d per force", recordBytes, perForce)
                    : String.format(
                            Locale.ROOT,
                            "the same, %d files forced concurrently (one per replica), %d per"
                                    + " force; entries/s per file",
                            writers,
                            perForce);
        }
    }

    /** How to launch one library's driver. */
    record Library(String name, String module, List<String> mainAndArgs, boolean network) {}

    static final Map<String, Library> LIBRARIES = new LinkedHashMap<>();

    static {
        LIBRARIES.put(
                "ours",
                new Library("ours", "raft-bench", List.of("dev.raftchat.bench.ours.OursDriver", "netty"), true));
        LIBRARIES.put(
                "ratis",
                new Library("ratis", "raft-bench/peers/ratis", List.of("dev.raftchat.bench.ratis.RatisDriver"), true));
        LIBRARIES.put(
                "jraft",
                new Library("jraft", "raft-bench/peers/jraft", List.of("dev.raftchat.bench.jraft.JraftDriver"), true));
        // Our library with RaftServerConfig.overlapSyncs off (every sync on the Raft thread): an ablation
        // of that design in the same run, never counted as a peer.
        LIBRARIES.put(
                "ours-serial",
                new Library(
                        "ours-serial",
                        "raft-bench",
                        List.of("-Draft.bench.overlapSyncs=false", "dev.raftchat.bench.ours.OursDriver", "netty"),
                        true));
        LIBRARIES.put(
                "ours-inmem",
                new Library("ours-inmem", "raft-bench", List.of("dev.raftchat.bench.ours.OursDriver", "inmem"), false));
        LIBRARIES.put(
                "microraft",
                new Library(
                        "microraft",
                        "raft-bench/peers/microraft",
                        List.of("dev.raftchat.bench.microraft.MicroRaftDriver"),
                        false));
    }

    record Config(boolean sync, int payloadBytes, int clients) {
        String label() {
            return String.format(Locale.ROOT, "sync %s, %d B, %d clients", sync ? "on" : "off", payloadBytes, clients);
        }
    }

    record Run(int round, Config config, Library library, Optional<BenchResult> result, String failure, String load) {}

    private final List<String> peers;
    private final int[] clients;
    private final int[] payloads;
    private final double warmupSeconds;
    private final double seconds;
    private final int rounds;
    private final boolean[] syncs;
    private final String heap;
    private final Path results;
    private final Path dataDir;
    private final double diskSeconds;
    private final Path root = Path.of("").toAbsolutePath();

    private RaftBench(Map<String, String> options) {
        peers = List.of(options.getOrDefault("--vs", "ratis,jraft,microraft").split(","));
        for (String peer : peers) {
            if (!peer.equals("ratis")
                    && !peer.equals("jraft")
                    && !peer.equals("microraft")
                    && !peer.equals("ours-serial")) {
                throw new IllegalArgumentException("--vs takes ratis, jraft, microraft and ours-serial, not " + peer);
            }
        }
        clients = parseInts(options.get("--clients"));
        payloads = parseInts(options.get("--payload"));
        warmupSeconds = Double.parseDouble(options.get("--warmup-seconds"));
        seconds = Double.parseDouble(options.get("--seconds"));
        rounds = Integer.parseInt(options.get("--rounds"));
        String[] syncValues = options.get("--sync").split(",");
        syncs = new boolean[syncValues.length];
        for (int i = 0; i < syncValues.length; i++) {
            syncs[i] = switch (syncValues[i].trim()) {
                case "on" -> true;
                case "off" -> false;
                default -> throw new IllegalArgumentException("--sync takes on, off or on,off");
            };
        }
        heap = options.getOrDefault("--heap", "3g");
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
                .withZone(ZoneOffset.UTC)
                .format(Instant.now());
        results = Path.of(options.getOrDefault("--results", "raft-bench/target/raft-bench-results/" + stamp));
        dataDir = Path.of(options.getOrDefault("--data-dir", "raft-bench/target/raft-bench-data"));
        diskSeconds = Double.parseDouble(options.getOrDefault("--disk-seconds", "3"));
        if (rounds < 1 || seconds <= 0 || warmupSeconds < 0 || diskSeconds <= 0) {
            throw new IllegalArgumentException("rounds >= 1, seconds > 0, warm-up >= 0 and disk seconds > 0 required");
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Cli()).execute(args));
    }

    /**
     * The command line (picocli, as every tool of the project): flags given win over the chosen profile's
     * presets ({@link #PROFILES}), which the usage lists.
     */
    @Command(
            name = "raft-bench",
            sortOptions = false,
            usageHelpAutoWidth = true,
            description =
                    "Runs our library and its peers (Ratis, SOFAJRaft, MicroRaft) on the same workloads, one child"
                            + " JVM per library, configuration and round, and reports medians and per-round ratios.",
            exitCodeListHeading = "Exit codes:%n",
            exitCodeList = {"0:every run completed", "1:a run failed", "2:invalid arguments"})
    static final class Cli implements Callable<Integer> {
        @Option(names = "--quick", description = "Preset: 1 and 32 clients, 256 B, sync on, 5 s, 2 rounds.")
        boolean quick;

        @Option(names = "--full", description = "Preset: 1,8,32,128 clients, 64,256,4096 B, sync on and off, 3 rounds.")
        boolean full;

        @Option(
                names = "--vs",
                paramLabel = "LIST",
                description = "Peers among ratis,jraft,microraft,ours-serial (default: ratis,jraft,microraft).")
        String vs;

        @Option(names = "--clients", paramLabel = "LIST", description = "Client counts, comma-separated.")
        String clients;

        @Option(names = "--payload", paramLabel = "LIST", description = "Payload sizes in bytes, comma-separated.")
        String payload;

        @Option(names = "--warmup-seconds", paramLabel = "S", description = "Unmeasured load before each run.")
        String warmupSeconds;

        @Option(names = "--seconds", paramLabel = "S", description = "Measured seconds per run.")
        String seconds;

        @Option(names = "--rounds", paramLabel = "N", description = "Rounds, each in a rotated library order.")
        String rounds;

        @Option(names = "--sync", paramLabel = "on,off", description = "Sync modes: on, off or on,off.")
        String sync;

        @Option(names = "--heap", paramLabel = "SIZE", description = "Each driver JVM's -Xmx (default: 3g).")
        String heap;

        @Option(names = "--results", paramLabel = "DIR", description = "Where results, CSV and charts go.")
        String results;

        @Option(names = "--data-dir", paramLabel = "DIR", description = "Where the nodes keep their logs.")
        String dataDir;

        @Option(
                names = "--disk-seconds",
                paramLabel = "S",
                description = "Seconds of the disk-limit measurement (default: 3).")
        String diskSeconds;

        @Mixin
        CommonOptions common;

        @Override
        public Integer call() throws Exception {
            if (quick && full) {
                throw new ParameterException(common.commandLine(), "--quick and --full exclude each other");
            }
            Map<String, String> options = new LinkedHashMap<>();
            String[][] given = {
                {"--vs", vs},
                {"--clients", clients},
                {"--payload", payload},
                {"--warmup-seconds", warmupSeconds},
                {"--seconds", seconds},
                {"--rounds", rounds},
                {"--sync", sync},
                {"--heap", heap},
                {"--results", results},
                {"--data-dir", dataDir},
                {"--disk-seconds", diskSeconds}
            };
            for (String[] option : given) {
                if (option[1] != null) {
                    options.put(option[0], option[1]);
                }
            }
            String profile = quick ? "--quick" : full ? "--full" : "--default";
            for (Map.Entry<String, String> preset : PROFILES.get(profile).entrySet()) {
                options.putIfAbsent(preset.getKey(), preset.getValue());
            }
            RaftBench bench;
            try {
                bench = new RaftBench(options);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(common.commandLine(), e.getMessage(), e);
            }
            return bench.run() ? 0 : 1;
        }
    }

    private List<Library> libraries() {
        List<Library> list = new ArrayList<>();
        list.add(LIBRARIES.get("ours"));
        for (String name : List.of("ours-serial", "ratis", "jraft")) {
            if (peers.contains(name)) {
                list.add(LIBRARIES.get(name));
            }
        }
        if (peers.contains("microraft")) {
            list.add(LIBRARIES.get("ours-inmem"));
            list.add(LIBRARIES.get("microraft"));
        }
        return list;
    }

    private boolean run() throws IOException, InterruptedException {
        Files.createDirectories(results.resolve("logs"));
        Files.createDirectories(dataDir);
        List<Library> libraries = libraries();
        List<Config> configs = new ArrayList<>();
        for (boolean sync : syncs) {
            for (int payload : payloads) {
                for (int n : clients) {
                    configs.add(new Config(sync, payload, n));
                }
            }
        }
        int childRuns = rounds * configs.size() * libraries.size();
        double estimateSeconds = childRuns * (warmupSeconds + seconds + CHILD_STARTUP_SECONDS_ESTIMATE)
                + rounds * configs.size() * DISK_SHAPES.size() * (diskSeconds + 0.2);
        System.out.printf(
                Locale.ROOT,
                "raft-bench: %s; sync %s; payloads %s B; clients %s; warm-up %.0f s, %.0f s measured,"
                        + " %d round(s); heap %s per JVM; %d cores; data in %s; results in %s%n",
                libraries.stream().map(Library::name).toList(),
                syncLabels(),
                Arrays.toString(payloads),
                Arrays.toString(clients),
                warmupSeconds,
                seconds,
                rounds,
                heap,
                Runtime.getRuntime().availableProcessors(),
                dataDir.toAbsolutePath(),
                results.toAbsolutePath());
        System.out.printf(
                Locale.ROOT,
                "%d child runs; expected run time about %.0f min; %s%n",
                childRuns,
                estimateSeconds / 60,
                loadAverage());
        long startNanos = System.nanoTime();
        List<Run> runs = new ArrayList<>();
        Map<Integer, List<double[]>> disk = new LinkedHashMap<>();
        for (int round = 1; round <= rounds; round++) {
            for (Config config : configs) {
                // Before every configuration: fsync latency of a shared disk drifts within minutes.
                disk.computeIfAbsent(config.payloadBytes(), p -> new ArrayList<>())
                        .add(measureDisk(config.payloadBytes()));
                String load = loadAverage();
                // Rotate the order each round so that no library always runs first (or last) on a drifting machine.
                List<Library> order = new ArrayList<>(libraries);
                Collections.rotate(order, -(round - 1));
                for (Library library : order) {
                    Run run = runChild(round, config, library, load);
                    runs.add(run);
                    System.out.println(run.result()
                            .map(r -> String.format(
                                    Locale.ROOT,
                                    "  round %d, %s, %-10s %10.0f ops/s  p50 %.2f ms  p99 %.2f ms"
                                            + "  CPU %.1f s, %.1f us/op  (%s)",
                                    run.round(),
                                    config.label(),
                                    library.name(),
                                    r.opsPerSecond(),
                                    r.p50Millis(),
                                    r.p99Millis(),
                                    r.cpuSeconds(),
                                    cpuMicrosPerOp(r),
                                    load))
                            .orElse(String.format(
                                    Locale.ROOT,
                                    "  round %d, %s, %-10s FAILED: %s",
                                    run.round(),
                                    config.label(),
                                    library.name(),
                                    run.failure())));
                }
            }
        }
        writeRunsCsv(runs);
        System.out.printf(
                Locale.ROOT, "%nrun time %.1f min; %s%n", (System.nanoTime() - startNanos) / 60e9, loadAverage());
        report(configs, libraries, runs, disk);
        return runs.stream().allMatch(r -> r.result().isPresent());
    }

    /**
     * Raw append + force of records the size our log writes, for every {@link #DISK_SHAPES shape}: entries/s
     * per file (with several files, the mean over them: what each replica's log could take).
     */
    private double[] measureDisk(int payload) throws IOException {
        int recordBytes = payload + StorageBench.RECORD_OVERHEAD_BYTES;
        double[] entriesPerSecond = new double[DISK_SHAPES.size()];
        for (int i = 0; i < DISK_SHAPES.size(); i++) {
            DiskShape shape = DISK_SHAPES.get(i);
            List<StorageBench.RawRunner> writers = new ArrayList<>();
            try {
                for (int w = 0; w < shape.writers(); w++) {
                    writers.add(new StorageBench.RawRunner(
                            dataDir.resolve(
                                    "raw-" + payload + "-" + shape.perForce() + "-" + w + "-of-" + shape.writers()),
                            shape.perForce() * recordBytes));
                }
                runConcurrently(writers, 200_000_000L); // warm-up: allocate the first blocks
                long start = System.nanoTime();
                long forces = runConcurrently(writers, (long) (diskSeconds * 1e9));
                entriesPerSecond[i] =
                        (double) forces * shape.perForce() / shape.writers() / ((System.nanoTime() - start) / 1e9);
            } finally {
                for (StorageBench.RawRunner writer : writers) {
                    writer.close();
                }
            }
        }
        return entriesPerSecond;
    }

    /** Runs every writer for {@code nanos} at the same time, one thread each; returns their forces summed. */
    private static long runConcurrently(List<StorageBench.RawRunner> writers, long nanos) throws IOException {
        if (writers.size() == 1) {
            return writers.get(0).runFor(nanos);
        }
        List<CompletableFuture<Long>> results = new ArrayList<>();
        for (StorageBench.RawRunner writer : writers) {
            CompletableFuture<Long> result = new CompletableFuture<>();
            Thread thread = new Thread(
                    () -> {
                        try {
                            result.complete(writer.runFor(nanos));
                        } catch (IOException | RuntimeException e) {
                            result.completeExceptionally(e);
                        }
                    },
                    "disk-limit-writer");
            thread.start();
            results.add(result);
        }
        long forces = 0;
        for (CompletableFuture<Long> result : results) {
            try {
                forces += result.join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof IOException io
                        ? io
                        : new IOException("raw disk writer failed", e.getCause());
            }
        }
        return forces;
    }

    private Run runChild(int round, Config config, Library library, String load)
            throws IOException, InterruptedException {
        Path runDir = dataDir.resolve(library.name() + "-" + (config.sync() ? "sync" : "nosync") + "-"
                + config.payloadBytes() + "-" + config.clients() + "-r" + round);
        FileTrees.delete(runDir);
        Path log = results.resolve("logs").resolve(runDir.getFileName() + ".log");
        Path module = root.resolve(library.module());
        Path classpathFile = module.resolve("target/classpath.txt");
        if (!Files.exists(classpathFile)) {
            return new Run(
                    round, config, library, Optional.empty(), "missing " + classpathFile + " (build first)", load);
        }
        String classpath = module.resolve("target/classes")
                + File.pathSeparator
                + Files.readString(classpathFile).trim();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms1g",
                "-Xmx" + heap,
                // SOFAJRaft and bolt write their logs under ${user.home}/logs; keep them with the results.
                "-Duser.home=" + results.resolve("home").toAbsolutePath(),
                "-cp",
                classpath));
        command.addAll(library.mainAndArgs());
        command.addAll(List.of(
                "--clients",
                Integer.toString(config.clients()),
                "--payload",
                Integer.toString(config.payloadBytes()),
                "--warmup-seconds",
                Double.toString(warmupSeconds),
                "--seconds",
                Double.toString(seconds),
                "--sync",
                config.sync() ? "on" : "off",
                "--dir",
                runDir.toAbsolutePath().toString()));
        Process process =
                new ProcessBuilder(command).redirectError(log.toFile()).start();
        long timeout = (long) (warmupSeconds + seconds) + CHILD_OVERHEAD_SECONDS;
        // A hung child keeps its stdout open; killing it at the deadline ends the read loop below.
        AtomicBoolean killed = new AtomicBoolean();
        Thread watchdog = new Thread(
                () -> {
                    try {
                        if (!process.waitFor(timeout, TimeUnit.SECONDS)) {
                            killed.set(true);
                            process.destroyForcibly();
                        }
                    } catch (InterruptedException e) {
                        process.destroyForcibly();
                    }
                },
                "raft-bench-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        String resultLine = null;
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (line.startsWith(BenchResult.PREFIX)) {
                    resultLine = line;
                }
            }
        }
        boolean exited = process.waitFor(timeout, TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly();
            process.waitFor();
        }
        FileTrees.delete(runDir);
        if (resultLine == null) {
            return new Run(
                    round,
                    config,
                    library,
                    Optional.empty(),
                    (exited && !killed.get() ? "exit status " + process.exitValue() : "killed after " + timeout + " s")
                            + ", no result line; see " + log,
                    load);
        }
        return new Run(round, config, library, Optional.of(BenchResult.parse(resultLine)), null, load);
    }

    private void report(
            List<Config> configs, List<Library> libraries, List<Run> runs, Map<Integer, List<double[]>> disk)
            throws IOException {
        StringBuilder summary = new StringBuilder(
                "library,path,sync,payload_bytes,clients,rounds_ok,median_ops_per_s,median_p50_ms,median_p99_ms,"
                        + "median_p999_ms,median_cpu_s,errors\n");
        List<String> ratioLines = new ArrayList<>();
        System.out.printf(
                Locale.ROOT,
                "%nMedians over %d round(s); warm-up %.0f s, %.0f s measured; proposals submitted"
                        + " in-process to the leader; latency from submit to applied on the leader.%n",
                rounds,
                warmupSeconds,
                seconds);
        for (Config config : configs) {
            System.out.printf(
                    Locale.ROOT,
                    "%n%s%n%-12s %12s %9s %9s %9s %8s %11s %7s%n",
                    config.label(),
                    "library",
                    "ops/s",
                    "p50 ms",
                    "p99 ms",
                    "p999 ms",
                    "CPU s",
                    "CPU us/op",
                    "errors");
            Map<String, Double> medianOps = new LinkedHashMap<>();
            for (Library library : libraries) {
                List<BenchResult> ok = runs.stream()
                        .filter(r -> r.config().equals(config)
                                && r.library().equals(library)
                                && r.result().isPresent())
                        .map(r -> r.result().get())
                        .toList();
                if (ok.isEmpty()) {
                    System.out.printf(Locale.ROOT, "%-12s %12s%n", library.name(), "failed");
                    continue;
                }
                double ops = median(ok, BenchResult::opsPerSecond);
                double cpu = median(ok, BenchResult::cpuSeconds);
                medianOps.put(library.name(), ops);
                long errors = ok.stream().mapToLong(BenchResult::errors).sum();
                System.out.printf(
                        Locale.ROOT,
                        "%-12s %12.0f %9.2f %9.2f %9.2f %8.1f %11.1f %7d%n",
                        library.name(),
                        ops,
                        median(ok, BenchResult::p50Millis),
                        median(ok, BenchResult::p99Millis),
                        median(ok, BenchResult::p999Millis),
                        cpu,
                        median(ok, RaftBench::cpuMicrosPerOp),
                        errors);
                summary.append(String.format(
                        Locale.ROOT,
                        "%s,\"%s\",%s,%d,%d,%d,%.1f,%.3f,%.3f,%.3f,%.2f,%d%n",
                        library.name(),
                        ok.get(0).path(),
                        config.sync() ? "on" : "off",
                        config.payloadBytes(),
                        config.clients(),
                        ok.size(),
                        ops,
                        median(ok, BenchResult::p50Millis),
                        median(ok, BenchResult::p99Millis),
                        median(ok, BenchResult::p999Millis),
                        cpu,
                        errors));
            }
            double[] diskMedian = medianDisk(disk.get(config.payloadBytes()));
            for (int i = 0; i < DISK_SHAPES.size(); i++) {
                System.out.printf(
                        Locale.ROOT,
                        "%-12s %12.0f   %s%n",
                        "disk limit",
                        diskMedian[i],
                        DISK_SHAPES.get(i).describe(config.payloadBytes() + StorageBench.RECORD_OVERHEAD_BYTES));
            }
            ratioLines.add(ratioLine(config, medianOps, runs));
        }
        Files.writeString(results.resolve("summary.csv"), summary);
        List<String> charts = new ArrayList<>();
        for (boolean sync : syncs) {
            for (int payload : payloads) {
                String name = "chart-" + payload + "B-sync-" + (sync ? "on" : "off") + ".svg";
                Files.writeString(
                        results.resolve(name),
                        SvgChart.render(
                                String.format(
                                        Locale.ROOT,
                                        "3 nodes, %d B, sync %s, median of %d round(s)",
                                        payload,
                                        sync ? "on" : "OFF (not durable)",
                                        rounds),
                                clients,
                                libraries.stream().map(Library::name).toList(),
                                (library, n) -> medianOf(runs, library, sync, payload, n, BenchResult::opsPerSecond),
                                (library, n) -> medianOf(runs, library, sync, payload, n, BenchResult::p99Millis)));
                charts.add(name);
            }
        }
        System.out.println("\nwrote " + results.resolve("runs.csv") + ", " + results.resolve("summary.csv") + " and "
                + charts + " in " + results);
        // The ratios come last, so that the end of the output is the answer.
        System.out.println();
        ratioLines.forEach(System.out::println);
    }

    private String ratioLine(Config config, Map<String, Double> medianOps, List<Run> runs) {
        StringBuilder line = new StringBuilder();
        Optional<Map.Entry<String, Double>> best = medianOps.entrySet().stream()
                .filter(e -> e.getKey().equals("ratis") || e.getKey().equals("jraft"))
                .max(Comparator.comparingDouble(Map.Entry::getValue));
        Double ours = medianOps.get("ours");
        if (best.isPresent() && ours != null) {
            line.append(String.format(
                    Locale.ROOT,
                    "%s: ours/best-peer = %.2f (best network peer: %s, %.0f ops/s; ours %.0f ops/s"
                            + "; per round: %s)",
                    config.label(),
                    ours / best.get().getValue(),
                    best.get().getKey(),
                    best.get().getValue(),
                    ours,
                    perRoundRatios(config, "ours", best.get().getKey(), runs)));
            line.append('\n').append(cpuLine(config, "ours", best.get().getKey(), runs));
        } else if (peers.contains("ratis") || peers.contains("jraft")) {
            line.append(config.label()).append(": ours/best-peer = n/a (a run failed)");
        }
        Double serial = medianOps.get("ours-serial");
        if (ours != null && serial != null) {
            if (line.length() > 0) {
                line.append('\n');
            }
            line.append(String.format(
                    Locale.ROOT,
                    "%s: ours/ours-serial = %.2f (overlapped syncs against syncs on the"
                            + " Raft thread; per round: %s)",
                    config.label(),
                    ours / serial,
                    perRoundRatios(config, "ours", "ours-serial", runs)));
        }
        Double oursInMemory = medianOps.get("ours-inmem");
        Double microraft = medianOps.get("microraft");
        if (oursInMemory != null && microraft != null) {
            if (line.length() > 0) {
                line.append('\n');
            }
            line.append(String.format(
                    Locale.ROOT,
                    "%s: ours-inmem/microraft = %.2f (both on in-memory transports, not a"
                            + " network figure; per round: %s)",
                    config.label(),
                    oursInMemory / microraft,
                    perRoundRatios(config, "ours-inmem", "microraft", runs)));
            line.append('\n').append(cpuLine(config, "ours-inmem", "microraft", runs));
        }
        return line.toString();
    }

    /** Process CPU time of the child JVM over the measured window, per completed operation, in microseconds. */
    static double cpuMicrosPerOp(BenchResult result) {
        return result.cpuSeconds() * 1e6 / Math.max(1, result.operations());
    }

    /** The CPU per operation of two libraries (medians of the rounds) and their ratio, per round too. */
    private String cpuLine(Config config, String numerator, String denominator, List<Run> runs) {
        Double a = medianOf(runs, numerator, config, RaftBench::cpuMicrosPerOp);
        Double b = medianOf(runs, denominator, config, RaftBench::cpuMicrosPerOp);
        if (a == null || b == null) {
            return config.label() + ": CPU per op " + numerator + "/" + denominator + " = n/a (a run failed)";
        }
        List<String> ratios = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            Optional<Double> x = cpuOf(runs, round, config, numerator);
            Optional<Double> y = cpuOf(runs, round, config, denominator);
            ratios.add(x.isPresent() && y.isPresent() ? String.format(Locale.ROOT, "%.2f", x.get() / y.get()) : "n/a");
        }
        return String.format(
                Locale.ROOT,
                "%s: CPU per op %s/%s = %.2f (%.1f / %.1f us of process CPU per completed op, lower is better;"
                        + " per round: %s)",
                config.label(),
                numerator,
                denominator,
                a / b,
                a,
                b,
                String.join(" ", ratios));
    }

    private static Optional<Double> cpuOf(List<Run> runs, int round, Config config, String library) {
        return runs.stream()
                .filter(r -> r.round() == round
                        && r.config().equals(config)
                        && r.library().name().equals(library)
                        && r.result().isPresent())
                .map(r -> cpuMicrosPerOp(r.result().get()))
                .findFirst();
    }

    private static Double medianOf(
            List<Run> runs, String library, Config config, ToDoubleFunction<BenchResult> metric) {
        return medianOf(runs, library, config.sync(), config.payloadBytes(), config.clients(), metric);
    }

    private String perRoundRatios(Config config, String numerator, String denominator, List<Run> runs) {
        List<String> ratios = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            Optional<Double> a = opsOf(runs, round, config, numerator);
            Optional<Double> b = opsOf(runs, round, config, denominator);
            ratios.add(a.isPresent() && b.isPresent() ? String.format(Locale.ROOT, "%.2f", a.get() / b.get()) : "n/a");
        }
        return String.join(" ", ratios);
    }

    private static Optional<Double> opsOf(List<Run> runs, int round, Config config, String library) {
        return runs.stream()
                .filter(r -> r.round() == round
                        && r.config().equals(config)
                        && r.library().name().equals(library)
                        && r.result().isPresent())
                .map(r -> r.result().get().opsPerSecond())
                .findFirst();
    }

    private static Double medianOf(
            List<Run> runs,
            String library,
            boolean sync,
            int payload,
            int clients,
            ToDoubleFunction<BenchResult> metric) {
        List<BenchResult> ok = runs.stream()
                .filter(r -> r.library().name().equals(library)
                        && r.config().sync() == sync
                        && r.config().payloadBytes() == payload
                        && r.config().clients() == clients
                        && r.result().isPresent())
                .map(r -> r.result().get())
                .toList();
        return ok.isEmpty() ? null : median(ok, metric);
    }

    private void writeRunsCsv(List<Run> runs) throws IOException {
        StringBuilder csv =
                new StringBuilder("round,library,path,sync,payload_bytes,clients,warmup_s,measured_s,operations,"
                        + "ops_per_s,p50_ms,p99_ms,p999_ms,cpu_s,errors,failure,loadavg_before\n");
        for (Run run : runs) {
            if (run.result().isPresent()) {
                BenchResult r = run.result().get();
                csv.append(String.format(
                        Locale.ROOT,
                        "%d,%s,\"%s\",%s,%d,%d,%.1f,%.3f,%d,%.1f,%.3f,%.3f,%.3f,%.2f,%d,,\"%s\"%n",
                        run.round(),
                        r.library(),
                        r.path(),
                        r.sync() ? "on" : "off",
                        r.payloadBytes(),
                        r.clients(),
                        r.warmupSeconds(),
                        r.measuredSeconds(),
                        r.operations(),
                        r.opsPerSecond(),
                        r.p50Millis(),
                        r.p99Millis(),
                        r.p999Millis(),
                        r.cpuSeconds(),
                        r.errors(),
                        run.load()));
            } else {
                csv.append(String.format(
                        Locale.ROOT,
                        "%d,%s,,%s,%d,%d,,,,,,,,,,\"%s\",\"%s\"%n",
                        run.round(),
                        run.library().name(),
                        run.config().sync() ? "on" : "off",
                        run.config().payloadBytes(),
                        run.config().clients(),
                        run.failure().replace("\"", "'"),
                        run.load()));
            }
        }
        Files.writeString(results.resolve("runs.csv"), csv);
    }

    static double median(List<BenchResult> results, ToDoubleFunction<BenchResult> metric) {
        return median(results.stream().mapToDouble(metric).toArray());
    }

    static double median(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("median of nothing");
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static double[] medianDisk(List<double[]> perRound) {
        double[] medians = new double[DISK_SHAPES.size()];
        for (int i = 0; i < medians.length; i++) {
            final int index = i;
            medians[i] = median(
                    perRound.stream().mapToDouble(values -> values[index]).toArray());
        }
        return medians;
    }

    private String syncLabels() {
        List<String> labels = new ArrayList<>();
        for (boolean sync : syncs) {
            labels.add(sync ? "on" : "OFF (labelled; not durable)");
        }
        return String.join(" and ", labels);
    }

    static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return "load average " + fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException e) {
            return "load average unknown";
        }
    }

    private static int[] parseInts(String list) {
        return Arrays.stream(list.split(","))
                .mapToInt(s -> Integer.parseInt(s.trim()))
                .toArray();
    }
}
