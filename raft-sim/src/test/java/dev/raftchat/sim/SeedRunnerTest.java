package dev.raftchat.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SeedRunnerTest {

    /** Seed 3 throws an exception, seed 5 an Error (as an assertion in the code under test would); the rest pass. */
    private static SimResult throwsOn3And5(long seed) {
        if (seed == 3) {
            throw new IllegalStateException("broken on purpose");
        }
        if (seed == 5) {
            throw new AssertionError("assertion on purpose");
        }
        return new SimResult(seed, "fake", null, "", seed, 1, 1, 0, new Counters());
    }

    @Test
    void aSeedThatThrowsIsThatSeedsFailureAndTheBatchGoesOn() {
        SeedRunner.Summary summary = SeedRunner.run(1, 6, 2, SeedRunnerTest::throwsOn3And5);

        assertThat(summary.seeds()).isEqualTo(6);
        assertThat(summary.passed()).isEqualTo(4);
        assertThat(summary.failures()).extracting(SimResult::seed).containsExactly(3L, 5L);
        assertThat(summary.failures().get(0).failure())
                .contains("IllegalStateException: broken on purpose", "SeedRunnerTest");
        assertThat(summary.failures().get(1).failure()).contains("AssertionError: assertion on purpose");
    }

    @Test
    void theReportNamesTheSeedAndItsReplayCommand() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = SimulatorMain.run(
                new String[] {"--seeds", "6", "--first-seed", "1", "--threads", "2"},
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                SeedRunnerTest::throwsOn3And5);
        String text = out.toString(StandardCharsets.UTF_8);

        assertThat(status).isEqualTo(1);
        assertThat(text)
                .contains(
                        "FAILED seed 3: exception outside the simulator's checks",
                        "replay: bin/raft-sim --seeds 1 --first-seed 3",
                        "FAILED seed 5: exception outside the simulator's checks",
                        "replay: bin/raft-sim --seeds 1 --first-seed 5");
        assertThat(text.strip()).endsWith("4 passed, 2 failed");
    }
}
