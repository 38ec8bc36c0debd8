package dev.raftchat.jepsen;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Set;

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
 * could not be carried out.
 */
public final class JepsenMain {
    private JepsenMain() {}

    public static void main(String[] args) {
        int status;
        try {
            JepsenOptions options = parse(args);
            JepsenRun.Outcome outcome = new JepsenRun(options).run();
            System.out.println("results: " + outcome.resultsDir().toAbsolutePath());
            outcome.result().anomalies().forEach(a -> System.out.println("anomaly: " + a));
            System.out.println(
                    "faults injected: " + outcome.faultsInjected() + " (network: " + outcome.network() + ")");
            System.out.println(outcome.result().verdictLine());
            status = outcome.valid() ? 0 : 1;
        } catch (IllegalArgumentException e) {
            System.err.println("raft-jepsen: " + e.getMessage());
            status = 2;
        } catch (Exception e) {
            System.err.println("raft-jepsen: the run could not be carried out: " + e);
            e.printStackTrace();
            status = 2;
        }
        System.exit(status);
    }

    static JepsenOptions parse(String[] args) {
        Path root = Path.of(System.getProperty("raftjepsen.root", "."));
        Path results = root.resolve("jepsen-tests/target/jepsen")
                .resolve(LocalDateTime.now(ZoneId.systemDefault())
                        .format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Path jar = root.resolve("chat-server/target/chat-server-0.1.0-SNAPSHOT-all.jar");
        JepsenOptions d = JepsenOptions.defaults(results, jar);
        int nodes = d.nodes(), time = d.timeSeconds(), clientsPerNode = d.clientsPerNode(), rate = d.opsPerSecondMax();
        int opsMax = d.opsMax();
        long faultMs = d.faultMillis(), quietMs = d.quietMillis(), recover = d.recoverSeconds(), seed = d.seed();
        Set<Fault> nemeses = d.nemeses();
        String network = d.networkMode(), paginated = d.paginated();
        boolean retry = d.retryOnOtherNode();
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (flag.equals("--retry-other-node")) {
                retry = true;
                continue;
            }
            if (flag.equals("-h") || flag.equals("--help")) {
                throw new IllegalArgumentException("usage: bin/raft-jepsen [--nodes 3] [--time 60] [--nemesis all] "
                        + "[--clients-per-node 2] [--rate 40] [--ops-max N] [--fault-ms 5000] [--quiet-ms 2000] "
                        + "[--recover-seconds 60] [--network auto|iptables|proxy] [--retry-other-node] "
                        + "[--paginated auto|on|off] [--seed 1] [--results DIR] [--jar PATH]");
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(flag + " needs a value");
            }
            String value = args[++i];
            try {
                switch (flag) {
                    case "--nodes" -> nodes = Integer.parseInt(value);
                    case "--time" -> time = Integer.parseInt(value);
                    case "--nemesis" -> nemeses = Fault.parse(value);
                    case "--clients-per-node" -> clientsPerNode = Integer.parseInt(value);
                    case "--rate" -> rate = Integer.parseInt(value);
                    case "--ops-max" -> opsMax = Integer.parseInt(value);
                    case "--fault-ms" -> faultMs = Long.parseLong(value);
                    case "--quiet-ms" -> quietMs = Long.parseLong(value);
                    case "--recover-seconds" -> recover = Long.parseLong(value);
                    case "--network" -> network = value;
                    case "--paginated" -> paginated = value;
                    case "--seed" -> seed = Long.parseLong(value);
                    case "--results" -> results = Path.of(value);
                    case "--jar" -> jar = Path.of(value);
                    default -> throw new IllegalArgumentException("unknown option " + flag + "; try --help");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(flag + " needs a number, got '" + value + "'");
            }
        }
        return new JepsenOptions(
                nodes,
                time,
                nemeses,
                clientsPerNode,
                rate,
                opsMax,
                faultMs,
                quietMs,
                recover,
                results,
                jar,
                network,
                retry,
                paginated,
                seed,
                d.heapMegabytes(),
                d.tickMillis(),
                d.nodeRequestTimeoutMillis(),
                d.clientTimeoutMillis(),
                d.snapshotCount());
    }
}
