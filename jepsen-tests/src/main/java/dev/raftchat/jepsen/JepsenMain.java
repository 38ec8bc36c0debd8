package dev.raftchat.jepsen;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code bin/raft-jepsen}: one fault-test run against real raft-chat processes.
 * <pre>
 * bin/raft-jepsen [--nodes 3] [--time 60] [--nemesis all|none|kill-one,partition-halves,...]
 *                 [--clients-per-node 2] [--rate 40] [--ops-max 100000] [--fault-ms 5000] [--quiet-ms 2000]
 *                 [--recover-seconds 60] [--network auto|iptables|proxy] [--retry-other-node]
 *                 [--paginated auto|on|off] [--seed 1] [--results DIR] [--jar PATH]
 * </pre>
 * The last line printed is the verdict: {@code valid: ...} or {@code INVALID: ...} with the counts of ok,
 * failed and indeterminate operations. Exit status: 0 valid, 1 invalid, 2 bad arguments or a run that
 * could not be carried out. Arguments are parsed by picocli, as by every command-line tool of the project:
 * {@code --help}, and on a bad argument its message followed by the usage.
 */
@Command(
        name = "raft-jepsen",
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = "One fault-test run against real raft-chat processes: clients, a nemesis, and a checker of the"
                + " history (lost, duplicated, phantom and divergent writes; linearizability).",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:the history is valid", "1:the history is invalid", "2:invalid arguments, or the run failed"})
public final class JepsenMain implements Callable<Integer> {
    private final JepsenOptions defaults;

    @Option(names = "--nodes", paramLabel = "N", description = "raft-chat processes (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(
            names = "--time",
            paramLabel = "SECONDS",
            description = "Length of the faulty phase (default: ${DEFAULT-VALUE}).")
    int timeSeconds;

    @Option(
            names = "--nemesis",
            paramLabel = "FAULTS",
            description = "all, none, or a comma-separated list of faults (e.g. kill-one,partition-halves).")
    String nemesis;

    @Option(
            names = "--clients-per-node",
            paramLabel = "N",
            description = "Clients per node (default: ${DEFAULT-VALUE}).")
    int clientsPerNode;

    @Option(
            names = "--rate",
            paramLabel = "OPS",
            description = "Most operations per second (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(
            names = "--ops-max",
            paramLabel = "N",
            description = "Most operations in the run (default: ${DEFAULT-VALUE}).")
    int opsMax;

    @Option(
            names = "--fault-ms",
            paramLabel = "MS",
            description = "How long each fault lasts (default: ${DEFAULT-VALUE}).")
    long faultMillis;

    @Option(
            names = "--quiet-ms",
            paramLabel = "MS",
            description = "Quiet time between faults (default: ${DEFAULT-VALUE}).")
    long quietMillis;

    @Option(
            names = "--recover-seconds",
            paramLabel = "SECONDS",
            description = "Longest wait for the healed cluster to serve again (default: ${DEFAULT-VALUE}).")
    long recoverSeconds;

    @Option(
            names = "--network",
            paramLabel = "MODE",
            description = "How partitions are made: auto, iptables or proxy (default: ${DEFAULT-VALUE}).")
    String network;

    @Option(names = "--retry-other-node", description = "Clients retry a failed operation on another node.")
    boolean retryOnOtherNode;

    @Option(
            names = "--paginated",
            paramLabel = "MODE",
            description = "Read with the paginated API v1: auto, on or off (default: ${DEFAULT-VALUE}).")
    String paginated;

    @Option(
            names = "--seed",
            paramLabel = "SEED",
            description = "Seed of the nemesis and clients (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--results",
            paramLabel = "DIR",
            description = "Where the history and the verdict go (default: ${DEFAULT-VALUE}).")
    Path results;

    @Option(names = "--jar", paramLabel = "PATH", description = "The raft-chat fat jar (default: ${DEFAULT-VALUE}).")
    Path jar;

    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "Show this help message and exit.")
    boolean help;

    @Spec
    CommandSpec spec;

    private JepsenMain(JepsenOptions defaults) {
        this.defaults = defaults;
        nodes = defaults.nodes();
        timeSeconds = defaults.timeSeconds();
        clientsPerNode = defaults.clientsPerNode();
        rate = defaults.opsPerSecondMax();
        opsMax = defaults.opsMax();
        faultMillis = defaults.faultMillis();
        quietMillis = defaults.quietMillis();
        recoverSeconds = defaults.recoverSeconds();
        network = defaults.networkMode();
        retryOnOtherNode = defaults.retryOnOtherNode();
        paginated = defaults.paginated();
        seed = defaults.seed();
        results = defaults.resultsDir();
        jar = defaults.jar();
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line, with the defaults of a run from the repository's root ({@code -Draftjepsen.root}). */
    static CommandLine commandLine() {
        Path root = Path.of(System.getProperty("raftjepsen.root", "."));
        Path results = root.resolve("jepsen-tests/target/jepsen")
                .resolve(LocalDateTime.now(ZoneId.systemDefault())
                        .format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Path jar = root.resolve("chat-server/target/chat-server-0.1.0-SNAPSHOT-all.jar");
        return new CommandLine(new JepsenMain(JepsenOptions.defaults(results, jar)));
    }

    @Override
    public Integer call() {
        JepsenOptions options;
        try {
            options = options();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        try {
            JepsenRun.Outcome outcome = new JepsenRun(options).run();
            System.out.println("results: " + outcome.resultsDir().toAbsolutePath());
            outcome.result().anomalies().forEach(a -> System.out.println("anomaly: " + a));
            System.out.println(
                    "faults injected: " + outcome.faultsInjected() + " (network: " + outcome.network() + ")");
            System.out.println(outcome.result().verdictLine());
            return outcome.valid() ? 0 : 1;
        } catch (IllegalArgumentException e) {
            System.err.println("raft-jepsen: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            System.err.println("raft-jepsen: the run could not be carried out: " + e);
            e.printStackTrace();
            return 2;
        }
    }

    /** The run's options from the parsed flags. @throws IllegalArgumentException naming a bad value */
    JepsenOptions options() {
        Set<Fault> nemeses = nemesis == null ? defaults.nemeses() : Fault.parse(nemesis);
        return new JepsenOptions(
                nodes,
                timeSeconds,
                nemeses,
                clientsPerNode,
                rate,
                opsMax,
                faultMillis,
                quietMillis,
                recoverSeconds,
                results,
                jar,
                network,
                retryOnOtherNode,
                paginated,
                seed,
                defaults.heapMegabytes(),
                defaults.tickMillis(),
                defaults.nodeRequestTimeoutMillis(),
                defaults.clientTimeoutMillis(),
                defaults.snapshotCount());
    }
}
