package dev.raftchat.jepsen;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/**
 * The CI schedule: 3 real raft-chat processes, every nemesis at least once, then heal, recover and check.
 * {@code -Djepsen.time=SECONDS} (default 60; the first round, each nemesis once and two combinations, runs to the end in any case) and {@code -Djepsen.nodes=N} (default 3) make a longer or
 * larger run; {@code -Djepsen.network=proxy} forces the fallback. Posts whose outcome is unknown are retried
 * with the same idempotency key on another node (the server deduplicates them since API v1), unless
 * {@code -Djepsen.retryOtherNode=false}. Results: {@code target/jepsen-it/}.
 */
class ShortScheduleIT {

    @Test
    void everyNemesisOnceThenHealAndTheHistoryChecksOut() throws Exception {
        int time = Integer.getInteger("jepsen.time", 60);
        int nodes = Integer.getInteger("jepsen.nodes", 3);
        Path results = Path.of(System.getProperty("jepsen.results", "target/jepsen-it"))
                .resolve("n" + nodes + "-t" + time + "-" + System.currentTimeMillis());
        JepsenOptions options = JepsenOptions.defaults(results, Path.of(System.getProperty("jepsen.jar")))
                .withNodes(nodes)
                .withTime(time, 4_000, 1_500)
                .withNetworkMode(System.getProperty("jepsen.network", "auto"))
                .withRetryOnOtherNode(Boolean.parseBoolean(System.getProperty("jepsen.retryOtherNode", "true")))
                .withSeed(Long.getLong("jepsen.seed", System.currentTimeMillis() % 100_000));

        JepsenRun.Outcome outcome = new JepsenRun(options).run();

        System.out.println("jepsen: " + results + " (network " + outcome.network() + ", seed " + options.seed() + ")");
        System.out.println("jepsen: faults injected " + outcome.faultsInjected());
        System.out.println("jepsen: " + outcome.result().verdictLine());
        assertThat(outcome.result().anomalies())
                .as("anomalies; see %s/summary.txt", results)
                .isEmpty();
        assertThat(outcome.faultsInjected().keySet())
                .as("every nemesis injected at least once")
                .containsAll(EnumSet.allOf(Fault.class));
        assertThat(outcome.result().ok()).as("acknowledged operations").isGreaterThan(50);
    }
}
