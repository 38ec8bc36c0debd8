package dev.raftchat.bench.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class ThreadCpuTest {

    @Test
    void chargesABusyThreadsCpuToItsFoldedNameGroup() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "needs Linux /proc");
        Map<String, Long> self = Map.of("this JVM", ProcessHandle.current().pid());
        AtomicBoolean stop = new AtomicBoolean();
        // Two threads whose names differ only in digits must land in one group.
        List<Thread> burners = List.of(burner("cpu-burner-1", stop), burner("cpu-burner-2", stop));
        ThreadCpu.Sample first = ThreadCpu.sample(self);
        burners.forEach(Thread::start);
        // Busy until each burner has used at least 50 ms of CPU by the JVM's own account: /proc counts 10 ms ticks.
        long deadline = System.nanoTime() + 20_000_000_000L;
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        while (System.nanoTime() < deadline
                && burners.stream().anyMatch(t -> threads.getThreadCpuTime(t.getId()) < 50_000_000L)) {
            Thread.onSpinWait();
        }
        ThreadCpu.Sample last = ThreadCpu.sample(self);
        stop.set(true);
        for (Thread burner : burners) {
            burner.join();
        }

        List<String> report = ThreadCpu.report(first, last, 50);
        assertThat(report).hasSize(1);
        assertThat(report.get(0))
                .startsWith("  this JVM")
                .contains("cpu-burner-N")
                .doesNotContain("cpu-burner-1");
        assertThat(ThreadCpu.totalCores(first, last)).isPositive();
    }

    @Test
    void aProcessThatIsGoneReportsNothingInsteadOfFailing() {
        ThreadCpu.Sample first = ThreadCpu.sample(Map.of("gone", Long.MAX_VALUE));
        ThreadCpu.Sample last = ThreadCpu.sample(Map.of("gone", Long.MAX_VALUE));

        assertThat(ThreadCpu.totalCores(first, last)).isZero();
        assertThat(ThreadCpu.report(first, last, 5)).containsExactly("  gone              0.00 cores (system 0.00)");
    }

    private static Thread burner(String name, AtomicBoolean stop) {
        Thread thread = new Thread(
                () -> {
                    long sink = 0;
                    while (!stop.get()) {
                        sink += System.nanoTime() % 7;
                    }
                    if (sink == 42) {
                        System.out.print("");
                    }
                },
                name);
        thread.setDaemon(true);
        return thread;
    }
}
