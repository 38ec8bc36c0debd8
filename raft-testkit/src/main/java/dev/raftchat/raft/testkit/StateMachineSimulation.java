package dev.raftchat.raft.testkit;

import dev.raftchat.sim.RegisterMapping;
import dev.raftchat.sim.SeedRunner;
import dev.raftchat.sim.SimResult;
import dev.raftchat.sim.Simulation;
import java.util.List;
import java.util.Objects;

/**
 * Runs an embedder's own {@link dev.raftchat.raft.statemachine.StateMachine} under the deterministic
 * simulator: 3- or 5-node clusters of the production runtime in virtual time, with the simulator's fault plan
 * (message loss, duplication, reordering, partitions, crashes that lose unsynced writes, pauses, clock drift,
 * slow disks, leadership transfers, membership changes, snapshots and their transfer between nodes). Clients
 * read, write and compare-and-set registers through a {@link RegisterMapping} onto the embedder's commands;
 * every result the machine returns is checked against a register model at its log index, the whole history for
 * linearizability, and the cluster for Raft's invariants. One seed is one run, exactly: a failure names its
 * seed, and {@link #replay(long)} runs it again (in a debugger if need be).
 *
 * <pre>{@code
 * StateMachineSimulation.of(new MyMapping()).seeds(1, 200).check();
 * }</pre>
 *
 * Seeds run on {@link #threads(int)} threads (each run is single-threaded and independent). A seed takes tens of
 * milliseconds to a few seconds, depending on the faults it draws.
 */
public final class StateMachineSimulation {

    private final RegisterMapping mapping;
    private long firstSeed = 1;
    private int seedCount = 100;
    private int threads = 1;

    private StateMachineSimulation(RegisterMapping mapping) {
        this.mapping = Objects.requireNonNull(mapping, "mapping");
    }

    /** A simulation of the machines {@code mapping} creates. */
    public static StateMachineSimulation of(RegisterMapping mapping) {
        return new StateMachineSimulation(mapping);
    }

    /** Runs seeds {@code first .. first + count - 1}. */
    public StateMachineSimulation seeds(long first, int count) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be >= 1, got " + count);
        }
        this.firstSeed = first;
        this.seedCount = count;
        return this;
    }

    /** How many seeds run at once (default 1). */
    public StateMachineSimulation threads(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + count);
        }
        this.threads = count;
        return this;
    }

    /** Runs the seeds and returns what happened; see {@link #check()} for a test's assertion. */
    public SeedRunner.Summary run() {
        return SeedRunner.run(firstSeed, seedCount, threads, seed -> Simulation.runSeed(seed, mapping));
    }

    /**
     * Runs the seeds; throws an {@link AssertionError} naming each failed seed, what it violated, how to replay
     * it and its last events. Returns the summary when every seed passed.
     */
    public SeedRunner.Summary check() {
        SeedRunner.Summary summary = run();
        List<SimResult> failures = summary.failures();
        if (!failures.isEmpty()) {
            StringBuilder report = new StringBuilder()
                    .append(failures.size())
                    .append(" of ")
                    .append(summary.seeds())
                    .append(" seeds failed\n");
            for (SimResult failure : failures.subList(0, Math.min(3, failures.size()))) {
                report.append(describe(failure));
            }
            throw new AssertionError(report.toString());
        }
        return summary;
    }

    /** Runs one seed again, exactly as before. */
    public SimResult replay(long seed) {
        return Simulation.runSeed(seed, mapping);
    }

    /** What a failed seed violated, how to replay it, and its last events. */
    public static String describe(SimResult result) {
        return "FAILED seed " + result.seed() + ": " + result.failure() + "\n"
                + "  replay: StateMachineSimulation.of(mapping).replay(" + result.seed() + ")\n"
                + "  config: " + result.configuration() + "\n"
                + "  last events:\n" + result.trace() + "\n";
    }
}
