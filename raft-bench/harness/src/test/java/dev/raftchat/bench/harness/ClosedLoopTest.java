package dev.raftchat.bench.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ClosedLoopTest {

    /** Completes each proposal 200 µs later on another thread; every {@code failEvery}-th one fails. */
    private static final class FakeCluster implements BenchCluster {
        final AtomicInteger outstanding = new AtomicInteger();
        final AtomicInteger maxOutstanding = new AtomicInteger();
        final AtomicLong proposals = new AtomicLong();
        final int failEvery;
        final Executor later = CompletableFuture.delayedExecutor(200, TimeUnit.MICROSECONDS);

        FakeCluster(int failEvery) {
            this.failEvery = failEvery;
        }

        @Override
        public void start() {}

        @Override
        public CompletableFuture<?> propose(byte[] payload) {
            maxOutstanding.accumulateAndGet(outstanding.incrementAndGet(), Math::max);
            long n = proposals.incrementAndGet();
            return CompletableFuture.runAsync(
                    () -> {
                        outstanding.decrementAndGet();
                        if (failEvery > 0 && n % failEvery == 0) {
                            throw new IllegalStateException("rejected");
                        }
                    },
                    later);
        }

        @Override
        public String description() {
            return "fake";
        }

        @Override
        public void close() {}
    }

    @Test
    void keepsExactlyOneProposalOutstandingPerClientAndMeasuresOnlyTheWindow() throws Exception {
        FakeCluster cluster = new FakeCluster(0);
        BenchResult result =
                ClosedLoop.run("fake", cluster, new BenchOptions(8, 16, 0.2, 0.5, true, Path.of("unused")));
        assertThat(cluster.maxOutstanding.get()).isEqualTo(8);
        assertThat(result.clients()).isEqualTo(8);
        assertThat(result.operations()).isPositive().isLessThan(cluster.proposals.get());
        assertThat(result.opsPerSecond()).isEqualTo(result.operations() / result.measuredSeconds());
        assertThat(result.p50Millis()).isGreaterThanOrEqualTo(0.2);
        assertThat(result.p99Millis()).isGreaterThanOrEqualTo(result.p50Millis());
        assertThat(result.errors()).isZero();
    }

    @Test
    void failedProposalsAreCountedAndRetriedWithoutLosingAClient() throws Exception {
        FakeCluster cluster = new FakeCluster(3);
        BenchResult result = ClosedLoop.run("fake", cluster, new BenchOptions(4, 16, 0, 0.3, true, Path.of("unused")));
        assertThat(result.errors()).isPositive();
        assertThat(result.operations()).isPositive();
        assertThat(cluster.maxOutstanding.get()).isLessThanOrEqualTo(4);
    }
}
