package dev.raftchat.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Test;

/**
 * The checkers must be able to fail: break the environment's promises on purpose and require the
 * simulator to report a violation within a bounded number of seeds. Without these, a green run of
 * thousands of seeds would prove nothing.
 */
class BrokenEnvironmentTest {

    /** Crashes every few hundred milliseconds, nothing else, so that lost writes matter. */
    private static final FaultPlan CRASHES_ONLY =
            new FaultPlan(0, 0, 0, 0, false, false, false, true, false, 0, 300, false, false);

    private static List<SimResult> failuresAmong(int seeds, LongFunction<SimulationConfig> config) {
        List<SimResult> failures = new ArrayList<>();
        for (long seed = 1; seed <= seeds; seed++) {
            SimResult r = new Simulation(seed, config.apply(seed)).run();
            // Both broken promises endanger safety; a stalled cluster alone would prove less.
            if (!r.passed() && !r.failure().startsWith("liveness")) {
                failures.add(r);
                break; // one report proves the point; the bound is on how many seeds it takes
            }
        }
        return failures;
    }

    /** At least one seed reported a safety violation; shows the first report. */
    private static void assertCaught(String breakage, List<SimResult> failures) {
        assertThat(failures).as("seeds that reported a safety violation").isNotEmpty();
        System.out.println(breakage + ", caught by seed " + failures.get(0).seed() + ":\n"
                + failures.get(0).failureReport());
    }

    @Test
    void diskThatForgetsSyncedWritesOnAMajorityIsCaught() {
        List<SimResult> failures = failuresAmong(20, seed -> {
            SimulationConfig base = SimulationConfig.forSeed(seed);
            int majority = base.nodeCount() / 2 + 1;
            return base.withFaults(CRASHES_ONLY)
                    .withStorageFactory((nodeId, random) -> new ModelDisk(nodeId <= majority));
        });
        assertCaught("forgetful disk", failures);
    }

    @Test
    void hostThatAcknowledgesBeforePersistingIsCaught() {
        List<SimResult> failures = failuresAmong(
                200,
                seed -> SimulationConfig.forSeed(seed)
                        .withFaults(CRASHES_ONLY)
                        .withSyncMillisMax(40)
                        .withHostMisbehaviour(SimulationConfig.HostMisbehaviour.SYNC_RETURNS_EARLY));
        assertCaught("early acknowledgements", failures);
    }

    @Test
    void hostThatCountsUnsyncedWritesDurableIsCaught() {
        List<SimResult> failures = failuresAmong(
                400,
                seed -> SimulationConfig.forSeed(seed)
                        .withFaults(CRASHES_ONLY)
                        .withSyncMillisMax(40)
                        .withOverlappedSyncs(true)
                        .withHostMisbehaviour(SimulationConfig.HostMisbehaviour.OVERLAPPED_SYNC_RETURNS_EARLY));
        assertCaught("unsynced entries counted durable", failures);
    }
}
