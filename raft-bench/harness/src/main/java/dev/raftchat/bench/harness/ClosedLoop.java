package dev.raftchat.bench.harness;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Closed-loop clients, each with exactly one outstanding proposal: when a proposal completes, its client
 * records the latency and submits the next one at once, from the completing thread (the same for every
 * library). A failed proposal is counted and retried after {@value #RETRY_DELAY_MILLIS} ms from a separate
 * thread, so that a library failing synchronously cannot recurse. Latencies and completions count only
 * inside the measured window, which follows the warm-up.
 */
public final class ClosedLoop {
    static final long RETRY_DELAY_MILLIS = 1;
    /** How long to wait for the outstanding proposals to finish after the window before closing. */
    static final long DRAIN_TIMEOUT_MILLIS = 10_000;

    private final BenchCluster cluster;
    private final BenchOptions options;
    private final byte[] payload;
    private final Histogram latencies = new ConcurrentHistogram(3);
    private final AtomicLong completedInWindow = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicReference<Throwable> firstError = new AtomicReference<>();
    private final AtomicInteger outstanding = new AtomicInteger();
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bench-retry");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean measuring;
    private volatile boolean stopping;

    private ClosedLoop(BenchCluster cluster, BenchOptions options) {
        this.cluster = cluster;
        this.options = options;
        this.payload = new byte[options.payloadBytes()];
        ThreadLocalRandom.current().nextBytes(payload);
    }

    /** Runs the warm-up and the measured window against a started cluster. */
    public static BenchResult run(String library, BenchCluster cluster, BenchOptions options)
            throws InterruptedException {
        return new ClosedLoop(cluster, options).run(library);
    }

    private BenchResult run(String library) throws InterruptedException {
        var os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        for (int i = 0; i < options.clients(); i++) {
            outstanding.incrementAndGet();
            submit();
        }
        sleepNanos((long) (options.warmupSeconds() * 1e9));
        long cpuStart = os.getProcessCpuTime();
        long start = System.nanoTime();
        measuring = true;
        sleepNanos((long) (options.seconds() * 1e9));
        measuring = false;
        stopping = true;
        long end = System.nanoTime();
        long cpuEnd = os.getProcessCpuTime();
        long drainDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DRAIN_TIMEOUT_MILLIS);
        while (outstanding.get() > 0 && System.nanoTime() < drainDeadline) {
            Thread.sleep(10); // the benchmark's own pacing, not a test wait
        }
        retries.shutdownNow();
        double measured = (end - start) / 1e9;
        long operations = completedInWindow.get();
        if (operations == 0) {
            throw new IllegalStateException(
                    "no proposal completed in the measured window; first error: " + firstError.get(), firstError.get());
        }
        return new BenchResult(
                library,
                cluster.description(),
                options.clients(),
                options.payloadBytes(),
                options.sync(),
                options.warmupSeconds(),
                measured,
                operations,
                operations / measured,
                latencies.getValueAtPercentile(50) / 1e6,
                latencies.getValueAtPercentile(99) / 1e6,
                latencies.getValueAtPercentile(99.9) / 1e6,
                (cpuEnd - cpuStart) / 1e9,
                errors.get());
    }

    @SuppressWarnings("FutureReturnValueIgnored") // completed() records both outcomes
    private void submit() {
        long submitted = System.nanoTime();
        CompletableFuture<?> future;
        try {
            future = cluster.propose(payload.clone());
        } catch (RuntimeException e) {
            future = CompletableFuture.failedFuture(e);
        }
        future.whenComplete((result, error) -> completed(submitted, error));
    }

    @SuppressWarnings("FutureReturnValueIgnored") // the retry is a new submit(), whose outcome completed() records
    private void completed(long submitted, Throwable error) {
        if (error == null) {
            if (measuring) {
                latencies.recordValue(System.nanoTime() - submitted);
                completedInWindow.incrementAndGet();
            }
        } else {
            errors.incrementAndGet();
            firstError.compareAndSet(null, error);
        }
        if (stopping) {
            outstanding.decrementAndGet();
        } else if (error == null) {
            submit();
        } else {
            retries.schedule(this::submit, RETRY_DELAY_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private static void sleepNanos(long nanos) throws InterruptedException {
        long end = System.nanoTime() + nanos;
        for (long left = nanos; left > 0; left = end - System.nanoTime()) {
            TimeUnit.NANOSECONDS.sleep(Math.min(left, 100_000_000L));
        }
    }
}
