package dev.raftchat.sim;

/**
 * The outcome of one seed.
 *
 * @param seed          the seed; {@link #replayCommand()} reruns exactly this run
 * @param configuration what the seed chose (cluster size, options, faults)
 * @param failure       null when every check passed, else what was violated
 * @param trace         the last events before the failure (empty when passed)
 * @param eventHash     a hash over every event of the run, to prove determinism
 * @param events        how many events ran
 * @param virtualMillis the virtual time at the end
 * @param operations    client operations in the history
 * @param counters      coverage counters of this run
 */
public record SimResult(
        long seed,
        String configuration,
        String failure,
        String trace,
        long eventHash,
        long events,
        long virtualMillis,
        int operations,
        Counters counters) {

    public boolean passed() {
        return failure == null;
    }

    public String replayCommand() {
        return "bin/raft-sim --seeds 1 --first-seed " + seed;
    }

    /** The report printed for a failed seed: what broke, how to replay it, and the trace. */
    public String failureReport() {
        return "FAILED seed " + seed + ": " + failure + "\n"
                + "  replay: " + replayCommand() + "\n"
                + "  config: " + configuration + "\n"
                + "  last events:\n" + trace;
    }
}
