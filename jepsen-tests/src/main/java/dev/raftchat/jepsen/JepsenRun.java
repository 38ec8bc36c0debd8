package dev.raftchat.jepsen;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raftchat.chat.testkit.RaftChatCluster;
import dev.raftchat.testsupport.FileTrees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Jepsen-style run against real {@code raft-chat} processes: start the cluster, run clients and the
 * nemesis schedule (each selected fault alone once, then pairs of a partition and another fault) for at
 * least {@code timeSeconds} and until every selected fault was injected once, heal everything, let the nodes recover, read every member
 * directly, check, and write the results directory:
 * <pre>
 * history.jsonl      every op (invoke / ok / fail / info, monotonic nanoseconds)
 * faults.jsonl       every fault injected and healed
 * nodes/nN.log       each node's output, all its incarnations
 * final-state.json   what each member holds per room after healing
 * summary.txt        settings, faults, counts, anomalies; its last line is the verdict
 * </pre>
 *
 * <p>Every process started is stopped in a {@code finally} block and, should this JVM be stopped first,
 * by a shutdown hook; iptables rules are removed the same way. Not thread-safe: one run per instance.
 */
public final class JepsenRun {
    private static final Logger LOG = LoggerFactory.getLogger(JepsenRun.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> ROOMS = List.of("jepsen-a", "jepsen-b", "jepsen-c");
    private static final int FINAL_READER_PROCESS_BASE = 100_000;
    private static final long STARTUP_TIMEOUT_SECONDS = 90;
    /**
     * After a heal, how long restarted nodes get to serve HTTP again before the next fault. A JVM start takes
     * about 2 s on an idle 2-core machine and over 10 s on a busy one; without this wait the next fault often
     * hit a node that had not come up yet.
     */
    private static final long RESTART_WAIT_SECONDS = 30;

    /** The outcome of a run. */
    public record Outcome(
            Checker.Result result,
            Map<Fault, Integer> faultsInjected,
            List<String> notes,
            String network,
            boolean paginated,
            Path resultsDir,
            int finalMembers) {
        public boolean valid() {
            return result.valid();
        }
    }

    private final JepsenOptions options;

    public JepsenRun(JepsenOptions options) {
        this.options = options;
    }

    public Outcome run() throws IOException, InterruptedException {
        Path results = options.resultsDir();
        Files.createDirectories(results.resolve("nodes"));
        Path dataRoot = Files.createTempDirectory(
                "raft-jepsen-data-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        NetworkFaults network = openNetwork(dataRoot);
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(1))
                .build();
        RaftChatCluster cluster = new JepsenNodes(
                        options.jar(),
                        dataRoot,
                        results.resolve("nodes"),
                        options.heapMegabytes(),
                        options.tickMillis(),
                        options.nodeRequestTimeoutMillis(),
                        options.snapshotCount())
                .cluster(network, http);
        Thread cleanup = new Thread(
                () -> {
                    cluster.close();
                    network.close();
                },
                "jepsen-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        long start = System.nanoTime();
        boolean valid = false;
        try (History history = new History(results.resolve("history.jsonl"), start)) {
            Set<Integer> initial = new TreeSet<>();
            for (int id = 1; id <= options.nodes(); id++) {
                cluster.define(id, false);
                initial.add(id);
            }
            initial.forEach(cluster::start);
            awaitReady(cluster, http, initial);
            boolean paginated = switch (options.paginated()) {
                case "on" -> true;
                case "off" -> false;
                default -> get(http, cluster.baseUrl(1) + "/api/v1/info") == 200;
            };
            LOG.info(
                    "cluster of {} ready; network faults via {}; paginated reads {}",
                    initial.size(),
                    network.name(),
                    paginated ? "on" : "off");
            try (Nemesis nemesis = new Nemesis(
                    cluster, network, http, history, initial, options.seed(), results.resolve("faults.jsonl"))) {
                Workload workload = new Workload(
                        new Workload.Settings(
                                options.nodes() * options.clientsPerNode(),
                                options.opsMax(),
                                options.opsPerSecondMax(),
                                options.clientTimeoutMillis(),
                                ROOMS,
                                options.retryOnOtherNode(),
                                2,
                                paginated,
                                options.seed()),
                        history,
                        http,
                        new Workload.Targets() {
                            @Override
                            public List<Integer> members() {
                                return nemesis.members();
                            }

                            @Override
                            public String baseUrl(int node) {
                                return cluster.baseUrl(node);
                            }
                        });
                long runNanos = TimeUnit.SECONDS.toNanos(options.timeSeconds());
                // The clients run until the schedule ends: at least timeSeconds, longer if the first round of
                // faults (each selected nemesis once) needs it. The bound below only guards against a hang.
                workload.start(runNanos + TimeUnit.HOURS.toNanos(1));
                runSchedule(nemesis, System.nanoTime() + runNanos);
                workload.stop();
                workload.awaitClients();
                nemesis.healAll();
                Map<Integer, Map<String, List<String>>> finalState =
                        recover(cluster, nemesis, http, workload, paginated);
                Checker.Result result = new Checker().check(history.ops(), finalState, Set.copyOf(ROOMS));
                valid = result.valid();
                Outcome outcome = new Outcome(
                        result,
                        nemesis.injected(),
                        nemesis.notes(),
                        network.name(),
                        paginated,
                        results,
                        nemesis.members().size());
                writeFinalState(results.resolve("final-state.json"), finalState);
                writeSummary(results.resolve("summary.txt"), outcome, System.nanoTime() - start);
                return outcome;
            }
        } finally {
            cluster.close();
            network.close();
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run: nothing left to do
            }
            if (valid) {
                try {
                    FileTrees.delete(dataRoot);
                } catch (UncheckedIOException e) {
                    // Best effort: the run's verdict stands; only disk space is at stake.
                    LOG.warn(
                            "cannot delete the node data in {}: {}",
                            dataRoot,
                            e.getCause().toString());
                }
            } else {
                LOG.warn("node data kept for inspection in {}", dataRoot);
            }
        }
    }

    private NetworkFaults openNetwork(Path dataRoot) {
        String mode = options.networkMode();
        if (!mode.equals("proxy")) {
            String reason = IptablesFaults.unavailableReason(options.jar(), dataRoot);
            if (reason == null) {
                int run = (int) (ProcessHandle.current().pid() % 250) + 1;
                LOG.info("network faults: iptables (owner match per node uid, addresses 127.77.{}.N)", run);
                return IptablesFaults.open(run);
            }
            if (mode.equals("iptables")) {
                throw new IllegalStateException("--network iptables, but iptables cannot be used here: " + reason);
            }
            LOG.warn("network faults: falling back to the in-process TCP proxy because {}", reason);
        } else {
            LOG.info("network faults: in-process TCP proxy (asked for)");
        }
        return new ProxyFaults();
    }

    /** Each selected fault alone once (shuffled), then combinations, then random picks, until the deadline. */
    private void runSchedule(Nemesis nemesis, long deadlineNanos) {
        Random random = new Random(options.seed());
        List<Fault> singles = new ArrayList<>(new TreeSet<>(options.nemeses()));
        Collections.shuffle(singles, random);
        List<List<Fault>> plan = new ArrayList<>();
        singles.forEach(f -> plan.add(List.of(f)));
        List<Fault> partitions = singles.stream().filter(Fault::isPartition).toList();
        List<Fault> others = singles.stream().filter(f -> !f.isPartition()).toList();
        if (!partitions.isEmpty() && !others.isEmpty()) {
            // Two combinations belong to the first round: a membership change under a partition (when
            // selected), and a partition with a crash or pause.
            List<Fault> crashes =
                    others.stream().filter(f -> f != Fault.MEMBERSHIP).toList();
            if (options.nemeses().contains(Fault.MEMBERSHIP)) {
                plan.add(List.of(partitions.get(random.nextInt(partitions.size())), Fault.MEMBERSHIP));
            }
            if (!crashes.isEmpty()) {
                plan.add(List.of(
                        partitions.get(random.nextInt(partitions.size())),
                        crashes.get(random.nextInt(crashes.size()))));
            }
        }
        int step = 0;
        // The first round (each selected fault alone) always runs to the end, past the deadline if need be, so
        // that every selected nemesis is injected at least once; after it, steps start only before the deadline.
        while (step < plan.size()
                || System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(options.faultMillis()) < deadlineNanos) {
            List<Fault> faults;
            if (step < plan.size()) {
                faults = plan.get(step);
            } else if (!partitions.isEmpty() && !others.isEmpty()) {
                faults = List.of(
                        partitions.get(random.nextInt(partitions.size())), others.get(random.nextInt(others.size())));
            } else if (!singles.isEmpty()) {
                faults = List.of(singles.get(random.nextInt(singles.size())));
            } else {
                break; // no nemesis: clients only
            }
            step++;
            LOG.info("nemesis step {}: {}", step, faults);
            Runnable heal = nemesis.inject(faults);
            sleepUntil(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(options.faultMillis()));
            heal.run();
            nemesis.awaitServing(TimeUnit.SECONDS.toNanos(RESTART_WAIT_SECONDS));
            sleepUntil(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(options.quietMillis()));
        }
        sleepUntil(deadlineNanos);
    }

    private static void sleepUntil(long nanoTime) {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
        }
    }

    private void awaitReady(RaftChatCluster cluster, HttpClient http, Set<Integer> nodes) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STARTUP_TIMEOUT_SECONDS);
        Set<Integer> waiting = new TreeSet<>(nodes);
        while (!waiting.isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "nodes " + waiting + " did not answer a linearizable read within " + STARTUP_TIMEOUT_SECONDS
                                + " s; see " + options.resultsDir().resolve("nodes"));
            }
            for (int id : List.copyOf(waiting)) {
                if (!cluster.alive(id)) {
                    throw new IllegalStateException(
                            "node " + id + " exited during startup; see " + cluster.logFile(id));
                }
                if (get(http, cluster.baseUrl(id) + "/rooms/" + ROOMS.get(0)) == 200) {
                    waiting.remove(id);
                }
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
        }
    }

    /**
     * Waits for the healed cluster to agree: every member answers a linearizable read of every room and all
     * hold the same sequences. Returns the last answers (null for a member or room that never answered).
     */
    private Map<Integer, Map<String, List<String>>> recover(
            RaftChatCluster cluster, Nemesis nemesis, HttpClient http, Workload workload, boolean paginated) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.recoverSeconds());
        Set<Integer> members = null;
        while (System.nanoTime() < deadline && members == null) {
            int leader = cluster.leader();
            if (leader > 0) {
                members = cluster.members(leader).orElse(null);
            }
            if (members == null) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(250));
            }
        }
        if (members == null) {
            members = new TreeSet<>(nemesis.members());
            LOG.warn("no leader after healing; reading the expected members {}", members);
        } else {
            nemesis.adoptMembers(members);
        }
        Map<Integer, Map<String, List<String>>> state = new TreeMap<>();
        while (true) {
            state.clear();
            boolean complete = true;
            for (int id : members) {
                Map<String, List<String>> rooms = new TreeMap<>();
                for (String room : ROOMS) {
                    List<String> values = readRoom(http, cluster.baseUrl(id), room);
                    if (values == null) {
                        complete = false;
                    }
                    rooms.put(room, values);
                }
                state.put(id, rooms);
            }
            if (complete && state.values().stream().distinct().count() == 1) {
                break;
            }
            if (System.nanoTime() > deadline) {
                LOG.warn("the cluster did not converge within {} s after healing", options.recoverSeconds());
                break;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500));
        }
        if (paginated) {
            for (int id : members) {
                for (String room : ROOMS) {
                    long after = 0;
                    for (int pages = 0; pages < 100_000; pages++) {
                        Op page = workload.page(FINAL_READER_PROCESS_BASE + id, room, after, id);
                        if (page.type() != Op.Type.OK || page.values().isEmpty()) {
                            break;
                        }
                        after += page.values().size();
                    }
                }
            }
        }
        return state;
    }

    private List<String> readRoom(HttpClient http, String baseUrl, String room) {
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create(baseUrl + "/rooms/" + Workload.encode(room)))
                            .timeout(Duration.ofMillis(options.clientTimeoutMillis()))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return null;
            }
            List<String> values = new ArrayList<>();
            for (JsonNode post : JSON.readTree(response.body())) {
                values.add(post.path("Message").asText());
            }
            return values;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static int get(HttpClient http, String url) {
        try {
            return http.send(
                            HttpRequest.newBuilder(URI.create(url))
                                    .timeout(Duration.ofSeconds(3))
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static void writeFinalState(Path file, Map<Integer, Map<String, List<String>>> state) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        state.forEach((node, rooms) -> {
            ObjectNode n = root.putObject("n" + node);
            rooms.forEach((room, values) -> {
                if (values == null) {
                    n.putNull(room);
                } else {
                    values.forEach(n.putArray(room)::add);
                }
            });
        });
        Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root), StandardCharsets.UTF_8);
    }

    private void writeSummary(Path file, Outcome outcome, long elapsedNanos) throws IOException {
        StringBuilder s = new StringBuilder();
        s.append("raft-jepsen run: ")
                .append(options.nodes())
                .append(" nodes, ")
                .append(options.timeSeconds())
                .append(" s of faults, seed ")
                .append(options.seed())
                .append(", ")
                .append(TimeUnit.NANOSECONDS.toSeconds(elapsedNanos))
                .append(" s in all\n");
        s.append("options: ").append(options).append('\n');
        s.append("network faults via: ")
                .append(outcome.network())
                .append("; paginated reads: ")
                .append(outcome.paginated() ? "on" : "off")
                .append("; retry on another node: ")
                .append(options.retryOnOtherNode() ? "on" : "off")
                .append('\n');
        s.append("members at the end: ").append(outcome.finalMembers()).append('\n');
        Map<Fault, Integer> faults = new LinkedHashMap<>();
        for (Fault fault : Fault.values()) {
            faults.put(fault, outcome.faultsInjected().getOrDefault(fault, 0));
        }
        s.append("faults injected:\n");
        faults.forEach((fault, count) -> s.append("  ")
                .append(fault.cliName())
                .append(": ")
                .append(count)
                .append('\n'));
        Set<Fault> missing = EnumSet.noneOf(Fault.class);
        options.nemeses().stream()
                .filter(f -> outcome.faultsInjected().getOrDefault(f, 0) == 0)
                .forEach(missing::add);
        if (!missing.isEmpty()) {
            s.append("  (selected but never injected: ").append(missing).append(")\n");
        }
        if (!outcome.notes().isEmpty()) {
            s.append("notes:\n");
            outcome.notes().forEach(n -> s.append("  ").append(n).append('\n'));
        }
        s.append("anomalies: ").append(outcome.result().anomalies().size()).append('\n');
        outcome.result().anomalies().forEach(a -> s.append("  ").append(a).append('\n'));
        s.append(outcome.result().verdictLine()).append('\n');
        Files.writeString(file, s.toString(), StandardCharsets.UTF_8);
    }
}
