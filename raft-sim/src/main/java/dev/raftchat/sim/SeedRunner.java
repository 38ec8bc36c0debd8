package dev.raftchat.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongFunction;

/**
 * Runs a range of seeds, each an independent {@link Simulation}, on a fixed number of threads (a
 * simulation itself is single-threaded; parallelism is only across seeds, so results do not depend on
 * it). Results come back in seed order.
 *
 * <p>A seed whose simulation throws (an {@link Error} such as an assertion or a stack overflow in the code
 * under test, or an exception from outside {@link Simulation#run()}'s own checks) is a failure of that seed,
 * reported with its replay command like any other; the batch goes on with the other seeds.
 */
public final class SeedRunner {

    /** The summary of a batch: every failed result, the counters summed over all seeds, the wall time. */
    public record Summary(int seeds, List<SimResult> failures, Counters counters, long elapsedNanos) {
        public int passed() {
            return seeds - failures.size();
        }

        public double seedsPerSecond() {
            return seeds / Math.max(1e-9, elapsedNanos / 1e9);
        }
    }

    /** Frames of a thrown exception's stack printed with the seed's failure. */
    static final int STACK_FRAMES_REPORTED = 12;

    private SeedRunner() {}

    public static Summary run(long firstSeed, int seedCount, int threads) {
        return run(firstSeed, seedCount, threads, Simulation::runSeed);
    }

    /** Runs {@code simulate} for each seed in {@code [firstSeed, firstSeed + seedCount)}. */
    public static Summary run(long firstSeed, int seedCount, int threads, LongFunction<SimResult> simulate) {
        if (seedCount < 0 || threads < 1) {
            throw new IllegalArgumentException(
                    "need seedCount >= 0 and threads >= 1, got " + seedCount + ", " + threads);
        }
        long start = System.nanoTime();
        List<SimResult> results = new ArrayList<>(seedCount);
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "raft-sim");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<SimResult>> futures = new ArrayList<>(seedCount);
            for (int i = 0; i < seedCount; i++) {
                long seed = firstSeed + i;
                futures.add(pool.submit(() -> runOne(seed, simulate)));
            }
            for (Future<SimResult> f : futures) {
                results.add(f.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running seeds", e);
        } catch (ExecutionException e) {
            // runOne catches every Throwable of its seed, so only the pool itself can fail here.
            throw new IllegalStateException("the seed runner failed", e.getCause());
        } finally {
            pool.shutdownNow();
        }
        Counters total = new Counters();
        List<SimResult> failures = new ArrayList<>();
        for (SimResult r : results) {
            total.add(r.counters());
            if (!r.passed()) {
                failures.add(r);
            }
        }
        return new Summary(seedCount, failures, total, System.nanoTime() - start);
    }

    /** Runs one seed; whatever it throws becomes that seed's failure, so one seed cannot end the batch. */
    static SimResult runOne(long seed, LongFunction<SimResult> simulate) {
        try {
            SimResult result = simulate.apply(seed);
            if (result == null) {
                return thrown(seed, new IllegalStateException("the simulation returned no result"));
            }
            return result;
        } catch (Throwable t) {
            // Every Throwable, Errors included: an assertion, a stack overflow or an out-of-memory in the code
            // under test is this seed's failure (the seed's garbage is freed once it returns).
            return thrown(seed, t);
        }
    }

    private static SimResult thrown(long seed, Throwable t) {
        String configuration;
        try {
            configuration = SimulationConfig.forSeed(seed).describe();
        } catch (RuntimeException e) {
            configuration = "(the seed's configuration could not be drawn: " + e + ")";
        }
        StringBuilder failure = new StringBuilder("exception outside the simulator's checks: ").append(t);
        StackTraceElement[] stack = t.getStackTrace();
        for (int i = 0; i < Math.min(STACK_FRAMES_REPORTED, stack.length); i++) {
            failure.append("\n      at ").append(stack[i]);
        }
        return new SimResult(
                seed,
                configuration,
                failure.toString(),
                "    (none: the simulation threw before it could report its events)\n",
                0,
                0,
                0,
                0,
                new Counters());
    }
}
