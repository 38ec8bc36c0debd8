package dev.raftchat.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SimulatorMainTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return SimulatorMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void runsSeedsAndEndsWithTheSummaryLine() {
        int status = run("--seeds", "3", "--first-seed", "10", "--threads", "1");
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(status).isZero();
        assertThat(text).contains("seeds per second", "crashes", "messages_dropped");
        assertThat(text.strip()).endsWith("3 passed, 0 failed");
    }

    @Test
    void aFailingSeedPrintsItsReplayCommandAndExitsNonZero() {
        // A seed that reproduces a reported RaftNode bug (see regression-seeds.txt).
        long seed = RegressionSeedsTest.load().stream().filter(e -> e.expectedFailure() != null)
                .findFirst().orElseThrow(() -> new AssertionError("no known failing seed left: use a broken host"))
                .seed();
        int status = run("--seeds", "1", "--first-seed", Long.toString(seed), "--threads", "1");
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(status).isEqualTo(1);
        assertThat(text).contains("FAILED seed " + seed, "replay: bin/raft-sim --seeds 1 --first-seed " + seed,
                "last events:");
        assertThat(text.strip()).endsWith("0 passed, 1 failed");
    }

    @Test
    void badUsageIsExplained() {
        assertThat(run("--seeds")).isEqualTo(2);
        assertThat(run("--bogus")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("usage: bin/raft-sim", "unknown argument: --bogus");
    }
}
