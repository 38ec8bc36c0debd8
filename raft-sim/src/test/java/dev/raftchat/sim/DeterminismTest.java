package dev.raftchat.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** One seed, one run: a sample of seeds run twice must produce identical event hashes and verdicts. */
class DeterminismTest {

    @Test
    void sampledSeedsReplayIdentically() {
        for (long seed = 7; seed < 7 + 40 * 97; seed += 97) {
            SimResult first = Simulation.runSeed(seed);
            SimResult second = Simulation.runSeed(seed);
            assertThat(second.eventHash()).as("event hash of seed %d", seed).isEqualTo(first.eventHash());
            assertThat(second.events()).isEqualTo(first.events());
            assertThat(second.virtualMillis()).isEqualTo(first.virtualMillis());
            assertThat(second.operations()).isEqualTo(first.operations());
            assertThat(second.failure()).isEqualTo(first.failure());
            assertThat(second.counters().asMap()).isEqualTo(first.counters().asMap());
        }
    }

    @Test
    void differentSeedsTakeDifferentPaths() {
        assertThat(Simulation.runSeed(1).eventHash())
                .isNotEqualTo(Simulation.runSeed(2).eventHash());
    }

    @Test
    void failingSeedsReplayTheSameFailureAndTrace() {
        for (RegressionSeeds.Entry e : RegressionSeedsTest.load()) {
            SimResult first = Simulation.runSeed(e.seed());
            SimResult second = Simulation.runSeed(e.seed());
            assertThat(second.failure()).isEqualTo(first.failure());
            assertThat(second.trace()).isEqualTo(first.trace());
            assertThat(second.eventHash()).isEqualTo(first.eventHash());
        }
    }
}
