package dev.raftchat.sim;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.function.LongFunction;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code bin/raft-sim --seeds N [--first-seed S] [--threads T] [--verbose] [--trace-events E]}: runs N seeds, prints each
 * failure with the command that replays it, the coverage counters and the speed, and ends with the
 * line {@code N passed, M failed}. Exit status 0 when every seed passed, 1 when one failed, 2 on bad
 * usage (picocli's message and the usage, as every command-line tool of the project).
 */
@Command(
        name = "raft-sim",
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = "Runs the deterministic simulator over a range of seeds, each a whole faulty cluster run, and"
                + " checks its invariants and linearizability.",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:every seed passed", "1:a seed failed (its replay command is printed)", "2:invalid arguments"
        })
public final class SimulatorMain implements Callable<Integer> {
    @Option(
            names = "--seeds",
            paramLabel = "N",
            defaultValue = "100",
            description = "Seeds to run (default: ${DEFAULT-VALUE}).")
    int seeds;

    @Option(
            names = "--first-seed",
            paramLabel = "S",
            defaultValue = "1",
            description = "The first seed; runs S .. S+N-1 (default: ${DEFAULT-VALUE}).")
    long firstSeed;

    @Option(
            names = "--threads",
            paramLabel = "T",
            description = "Seeds run in parallel (default: the machine's processors).")
    Integer threads;

    @Option(names = "--verbose", description = "Print each seed's configuration before running it.")
    boolean verbose;

    @Option(
            names = "--trace-events",
            paramLabel = "E",
            defaultValue = "0",
            description = "Events of a failing seed's trace to print (default: the seed's own setting).")
    int traceEvents;

    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "Show this help message and exit.")
    boolean help;

    @Spec
    CommandSpec spec;

    private final PrintStream out;
    private final LongFunction<SimResult> simulate;

    private SimulatorMain(PrintStream out, LongFunction<SimResult> simulate) {
        this.out = out;
        this.simulate = simulate;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, null);
    }

    /** {@code simulate} replaces the seeded configurations (tests); null runs {@link SimulationConfig#forSeed}. */
    static int run(String[] args, PrintStream out, PrintStream err, LongFunction<SimResult> simulate) {
        CommandLine commandLine = new CommandLine(new SimulatorMain(out, simulate));
        commandLine.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        commandLine.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        return commandLine.execute(args);
    }

    @Override
    public Integer call() {
        int threads = this.threads == null ? Runtime.getRuntime().availableProcessors() : this.threads;
        if (seeds < 1 || threads < 1) {
            throw new ParameterException(spec.commandLine(), "--seeds and --threads must be >= 1");
        }
        if (verbose || seeds == 1) {
            for (long s = firstSeed; s < firstSeed + seeds; s++) {
                out.println("seed " + s + ": " + SimulationConfig.forSeed(s).describe());
            }
        }
        int traceOverride = traceEvents;
        SeedRunner.Summary summary = SeedRunner.run(
                firstSeed,
                seeds,
                threads,
                simulate != null
                        ? simulate
                        : seed -> {
                            SimulationConfig config = SimulationConfig.forSeed(seed);
                            return new Simulation(
                                            seed, traceOverride > 0 ? config.withTraceEvents(traceOverride) : config)
                                    .run();
                        });
        for (SimResult failure : summary.failures()) {
            out.println(failure.failureReport());
        }
        out.println("coverage over " + seeds + " seeds:");
        out.print(summary.counters().format());
        out.printf(
                "%.1f seeds per second on %d threads (%.1f s)%n",
                summary.seedsPerSecond(), threads, summary.elapsedNanos() / 1e9);
        out.println(summary.passed() + " passed, " + summary.failures().size() + " failed");
        return summary.failures().isEmpty() ? 0 : 1;
    }
}
