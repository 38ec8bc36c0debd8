package dev.raftchat.bench.jmh;

import dev.raftchat.raft.core.NodeConfig;
import dev.raftchat.raft.core.Role;
import dev.raftchat.raft.message.Message;
import dev.raftchat.raft.model.ConfState;
import dev.raftchat.raft.model.LogPosition;
import dev.raftchat.raft.runtime.RaftDriver;
import dev.raftchat.raft.runtime.RaftMetrics;
import dev.raftchat.raft.runtime.RaftServerConfig;
import dev.raftchat.raft.runtime.SyncExecutor;
import dev.raftchat.raft.statemachine.StateMachine;
import dev.raftchat.raft.storage.MemoryLogStorage;
import dev.raftchat.raft.transport.Transport;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The runtime's own cost per proposal, on one thread with no I/O and no wake-ups: a single-voter
 * {@link RaftDriver} over {@link MemoryLogStorage} takes {@code batchProposals} proposals of
 * {@code payloadBytes}, batches them into the node, writes, "syncs" (the sync task runs on the same thread),
 * applies them and completes their futures (the notification executor runs inline). Time is per proposal. What it
 * covers: {@code Proposals} (submit, envelope, queue, registry, batch, appended-index map, completion), the pure
 * node's propose/commit/apply path and the driver's Ready handling; not the Raft thread's status publishing nor
 * thread hand-offs. Time is per batch (divide by {@code batchProposals}). Compare two builds by running the same benchmark jar with either raft-core jar on the class path.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class RuntimeProposalBenchmark {

    /** Compact the memory log once it holds this many entries. */
    static final long LOG_ENTRIES_MAX = 100_000;

    @Param({"32", "128"})
    public int batchProposals;

    @Param({"256"})
    public int payloadBytes;

    private MemoryLogStorage storage;
    private RaftDriver driver;
    private final ArrayDeque<Runnable> syncs = new ArrayDeque<>();
    private long nowNanos;
    private byte[] payload;
    private CompletableFuture<?>[] futures;

    @Setup
    public void setUp() {
        storage = new MemoryLogStorage();
        payload = new byte[payloadBytes];
        futures = new CompletableFuture<?>[batchProposals];
        RaftServerConfig config = RaftServerConfig.builder(NodeConfig.defaults(1), ConfState.ofVoters(1))
                .pendingProposalsMax(Math.max(1024, 2 * batchProposals))
                .build();
        StateMachine machine = (index, command) -> new byte[0];
        Transport transport = new Transport() {
            @Override
            public void start(Inbox inbox) {}

            @Override
            public void send(Message message) {}

            @Override
            public void close() {}
        };
        SyncExecutor inline = new SyncExecutor() {
            @Override
            public void runOverlapped(Runnable sync) {
                syncs.add(sync);
            }

            @Override
            public void runAwaited(Runnable syncThenContinue) {
                syncThenContinue.run();
            }
        };
        driver = new RaftDriver(
                config,
                storage,
                null,
                transport,
                machine,
                RaftMetrics.NOOP,
                new RaftDriver.Bindings(
                        () -> nowNanos, inline, Runnable::run, null, 7, 11, 13, new RaftDriver.Events() {}));
        long tickNanos = TimeUnit.MILLISECONDS.toNanos(config.tickMillis());
        for (int tick = 0; tick < 1_000 && driver.role() != Role.LEADER; tick++) {
            nowNanos += tickNanos;
            driver.tickIfDue(nowNanos);
            drain();
        }
        if (driver.role() != Role.LEADER) {
            throw new IllegalStateException("the single voter did not become leader");
        }
    }

    MemoryLogStorage storage() {
        return storage;
    }

    /** Runs the driver until nothing is left to do, running each sync as the sync thread would. */
    private void drain() {
        boolean progress = true;
        while (progress) {
            progress = driver.process();
            Runnable sync;
            while ((sync = syncs.poll()) != null) {
                sync.run();
                progress = true;
            }
            progress |= driver.finishSyncs();
        }
    }

    @Benchmark
    public int proposeCommitApplyComplete() {
        for (int i = 0; i < batchProposals; i++) {
            futures[i] = driver.propose(payload);
        }
        drain();
        int done = 0;
        for (CompletableFuture<?> future : futures) {
            if (!future.isDone() || future.isCompletedExceptionally()) {
                throw new IllegalStateException("a proposal did not complete: " + future);
            }
            done++;
        }
        long applied = driver.appliedIndex();
        if (applied - storage.compactedThrough().index() > LOG_ENTRIES_MAX) {
            storage.compact(new LogPosition(driver.nodeStatus().term(), applied));
        }
        return done;
    }

    /**
     * The same loop timed by this thread's CPU time instead of JMH's wall clock, for a machine shared with other
     * work (where a descheduled thread inflates wall time, not CPU time): {@code batchProposals warmupSeconds
     * seconds}; prints CPU nanoseconds per proposal. Run it alternately with two raft-core jars for A/B pairs.
     */
    public static void main(String[] args) {
        RuntimeProposalBenchmark benchmark = new RuntimeProposalBenchmark();
        benchmark.batchProposals = Integer.parseInt(args[0]);
        benchmark.payloadBytes = 256;
        benchmark.setUp();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long warmupEnd = System.nanoTime() + (long) (Double.parseDouble(args[1]) * 1e9);
        while (System.nanoTime() < warmupEnd) {
            benchmark.proposeCommitApplyComplete();
        }
        long end = System.nanoTime() + (long) (Double.parseDouble(args[2]) * 1e9);
        long cpuStart = threads.getCurrentThreadCpuTime();
        long proposals = 0;
        while (System.nanoTime() < end) {
            proposals += benchmark.proposeCommitApplyComplete();
        }
        long cpu = threads.getCurrentThreadCpuTime() - cpuStart;
        System.out.printf(
                Locale.ROOT,
                "RuntimeProposalBenchmark batch %d: %.0f ns of thread CPU per proposal over %d proposals%n",
                benchmark.batchProposals,
                (double) cpu / proposals,
                proposals);
    }
}
