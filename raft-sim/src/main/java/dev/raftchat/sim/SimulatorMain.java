package dev.raftchat.sim;

import java.io.PrintStream;
import java.util.function.LongFunction;

/**
 * {@code bin/raft-sim --seeds N [--first-seed S] [--threads T] [--verbose] [--trace-events E]}: runs N seeds, prints each
 * failure with the command that replays it, the coverage counters and the speed, and ends with the
 * line {@code N passed, M failed}. Exit status 0 when every seed passed, 1 when one failed, 2 on bad
 * usage.
 */
public final class SimulatorMain {

    private SimulatorMain() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, null);
    }

    /** {@code simulate} replaces the seeded configurations (tests); null runs {@link SimulationConfig#forSeed}. */
    static int run(String[] args, PrintStream out, PrintStream err, LongFunction<SimResult> simulate) {
        int seeds = 100;
        long firstSeed = 1;
        int threads = Runtime.getRuntime().availableProcessors();
        boolean verbose = false;
        int traceEvents = 0;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--seeds" -> seeds = Integer.parseInt(value(args, ++i, "--seeds"));
                    case "--first-seed" -> firstSeed = Long.parseLong(value(args, ++i, "--first-seed"));
                    case "--threads" -> threads = Integer.parseInt(value(args, ++i, "--threads"));
                    case "--verbose" -> verbose = true;
                    case "--trace-events" -> traceEvents = Integer.parseInt(value(args, ++i, "--trace-events"));
                    case "-h", "--help" -> {
                        out.println(usage());
                        return 0;
                    }
                    default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
                }
            }
            if (seeds < 1 || threads < 1) {
                throw new IllegalArgumentException("--seeds and --threads must be >= 1");
            }
        } catch (IllegalArgumentException e) {
            err.println("raft-sim: " + e.getMessage());
            err.println(usage());
            return 2;
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

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }

    private static String usage() {
        return "usage: bin/raft-sim --seeds N [--first-seed S] [--threads T] [--verbose] [--trace-events E]";
    }
}
