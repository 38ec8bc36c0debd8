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
        return SimulatorMain.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
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
        // A host that acknowledges before persisting fails seed 18 (see BrokenEnvironmentTest). Seed 13, used
        // before, no longer fails with the repair of followers that lost entries (Progress lowers match when
        // a follower denies an entry it acknowledged, where the leader used to probe it forever).
        FaultPlan crashes = new FaultPlan(0, 0, 0, 0, false, false, false, true, false, 0, 300, false, false);
        int status = SimulatorMain.run(
                new String[] {"--seeds", "1", "--first-seed", "18", "--threads", "1"},
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                seed -> new Simulation(
                                seed,
                                SimulationConfig.forSeed(seed)
                                        .withFaults(crashes)
                                        .withSyncMillisMax(40)
                                        .withHostMisbehaviour(SimulationConfig.HostMisbehaviour.SYNC_RETURNS_EARLY))
                        .run());
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(status).isEqualTo(1);
        assertThat(text).contains("FAILED seed 18", "replay: bin/raft-sim --seeds 1 --first-seed 18", "last events:");
        assertThat(text.strip()).endsWith("0 passed, 1 failed");
    }

    @Test
    void badUsageIsExplained() {
        assertThat(run("--seeds")).isEqualTo(2);
        assertThat(run("--bogus")).isEqualTo(2);
        assertThat(run("--seeds", "0")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("Missing required parameter for option '--seeds'")
                .contains("Unknown option: '--bogus'")
                .contains("--seeds and --threads must be >= 1")
                .contains("Usage: raft-sim");
    }

    @Test
    void helpListsEveryOptionAndTheExitCodes() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .startsWith("Usage: raft-sim")
                .contains("--seeds=N", "--first-seed=S", "--threads=T", "--verbose", "--trace-events=E", "-h, --help")
                .contains("Exit codes:", "invalid arguments");
    }
}
