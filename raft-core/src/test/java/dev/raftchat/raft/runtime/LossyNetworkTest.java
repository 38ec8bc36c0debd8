package dev.raftchat.raft.runtime;

import static dev.raftchat.raft.runtime.CounterStateMachine.add;
import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.raft.core.NotLeaderException;
import dev.raftchat.raft.core.ProposalRejectedException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * Proposals under heavy message loss: whatever happens to leadership, every answer a caller gets must
 * be true. A success was applied exactly once everywhere; "not committed" and "not leader" were applied
 * nowhere; a timeout was applied at most once.
 */
class LossyNetworkTest {

    private static final int WAVES = 10;
    private static final int PROPOSALS_PER_WAVE = 10;

    @Test
    void everyAnswerIsTrueUnderTwentyPercentMessageLoss() throws Exception {
        try (ServerCluster cluster = new ServerCluster(3, builder -> builder.proposalTimeoutMillis(1_000))) {
            cluster.awaitLeader();
            cluster.network.dropIf(message -> ThreadLocalRandom.current().nextInt(100) < 20);

            Map<String, Throwable> outcomes = Collections.synchronizedMap(new TreeMap<>());
            int next = 0;
            for (int wave = 0; wave < WAVES; wave++) {
                List<CompletableFuture<byte[]>> futures = new ArrayList<>();
                List<String> commands = new ArrayList<>();
                // Spread proposals over all nodes: followers forward, so both paths see the losses.
                for (int i = 0; i < PROPOSALS_PER_WAVE; i++) {
                    String name = "k" + next++;
                    RaftServer target = cluster.server(1 + (i % 3));
                    commands.add("add " + name + " 1");
                    futures.add(target.propose(add(name, 1)));
                }
                for (int i = 0; i < futures.size(); i++) {
                    outcomes.put(commands.get(i), outcomeOf(futures.get(i)));
                }
            }

            cluster.network.heal();
            cluster.awaitLeader();
            // One more entry through the healed cluster, so every node applies everything before it.
            cluster.awaitLeader().propose(add("final", 1)).get(20, TimeUnit.SECONDS);
            cluster.awaitSameAppliedCommands(cluster.ids(), 1);

            List<String> applied = cluster.machine(1).appliedCommands();
            int successes = 0;
            for (Map.Entry<String, Throwable> outcome : outcomes.entrySet()) {
                long copies = applied.stream().filter(outcome.getKey()::equals).count();
                Throwable error = outcome.getValue();
                if (error == null) {
                    successes++;
                    assertThat(copies).as("%s succeeded", outcome.getKey()).isEqualTo(1);
                } else if (error instanceof ProposalNotCommittedException
                        || error instanceof NotLeaderException
                        || error instanceof ProposalRejectedException) {
                    assertThat(copies)
                            .as("%s failed with %s", outcome.getKey(), error)
                            .isZero();
                } else {
                    assertThat(error).isInstanceOf(RaftTimeoutException.class);
                    assertThat(copies).as("%s timed out", outcome.getKey()).isLessThanOrEqualTo(1);
                }
            }
            Map<String, Integer> byOutcome = new TreeMap<>();
            outcomes.values()
                    .forEach(e ->
                            byOutcome.merge(e == null ? "success" : e.getClass().getSimpleName(), 1, Integer::sum));
            System.out.printf(
                    "lossy network: outcomes %s, %d messages dropped%n",
                    byOutcome, cluster.network.droppedByFaultCount());
            assertThat(successes).isPositive();
            assertThat(cluster.network.droppedByFaultCount()).isPositive();
        }
    }

    /** Null for success, else the failure. */
    private static Throwable outcomeOf(CompletableFuture<byte[]> future) throws InterruptedException {
        try {
            future.get(30, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            throw new AssertionError("a proposal future never completed", e);
        }
    }
}
