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
                futures.add(pool.submit(() -> simulate.apply(seed)));
            }
            for (Future<SimResult> f : futures) {
                results.add(f.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running seeds", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a simulation crashed outside its own checks", e.getCause());
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
}
