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
        int status = run("--seeds", "1", "--first-seed", "6997", "--threads", "1");
        String text = out.toString(StandardCharsets.UTF_8);
        // Seed 6997 reproduces a reported RaftNode bug (see regression-seeds.txt); if that bug is fixed,
        // this seed passes and the assertions below must move to another failing configuration.
        assertThat(status).isEqualTo(1);
        assertThat(text).contains("FAILED seed 6997", "replay: bin/raft-sim --seeds 1 --first-seed 6997", "last events:");
        assertThat(text.strip()).endsWith("0 passed, 1 failed");
    }

    @Test
    void badUsageIsExplained() {
        assertThat(run("--seeds")).isEqualTo(2);
        assertThat(run("--bogus")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("usage: bin/raft-sim", "unknown argument: --bogus");
    }
}
