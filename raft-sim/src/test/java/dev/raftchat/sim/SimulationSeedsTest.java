package dev.raftchat.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The CI batch: {@code raft.sim.seeds} seeds (2000 by default, set in the parent POM) must pass, and
 * every fault kind must really have happened. A failing seed is printed with the command that replays
 * it. A seed may fail only with the message of a known, reported bug listed in the regression file
 * (each such failure is printed and counted).
 */
class SimulationSeedsTest {

    @Test
    void seedsPassAndEveryFaultKindIsExercised() {
        int seeds = Integer.getInteger("raft.sim.seeds", 2000);
        int threads = Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()));
        SeedRunner.Summary summary = SeedRunner.run(1, seeds, threads);

        Set<String> knownBugs = RegressionSeedsTest.knownBugs();
        List<String> unexpected = new ArrayList<>();
        int known = 0;
        for (SimResult failure : summary.failures()) {
            if (knownBugs.stream().anyMatch(failure.failure()::contains)) {
                known++;
                System.out.println("known bug: "
                        + failure.failureReport().lines().findFirst().orElse(""));
            } else {
                unexpected.add(failure.failureReport());
            }
        }
        System.out.printf(
                "%d seeds: %d passed, %d failed (%d known bugs), %.1f seeds/s on %d threads%n%s",
                seeds,
                summary.passed(),
                summary.failures().size(),
                known,
                summary.seedsPerSecond(),
                threads,
                summary.counters().format());
        assertThat(unexpected).as("failed seeds").isEmpty();
        if (seeds >= 500) {
            for (Counter c : Counter.FAULT_KINDS) {
                assertThat(summary.counters().get(c))
                        .as("counter %s over %d seeds", c, seeds)
                        .isPositive();
            }
        }
    }
}
