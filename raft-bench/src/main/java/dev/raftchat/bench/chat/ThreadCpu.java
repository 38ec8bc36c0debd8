package dev.raftchat.bench.chat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU time used by the threads of a few processes between two moments, read from Linux's
 * {@code /proc/<pid>/task/<tid>/stat} (user + system time, in clock ticks of 10 ms), grouped by thread name with
 * digits folded ({@code multiThreadIoEventLoopGroup-3-1} and {@code -3-2} count together). It sees what a JFR
 * execution sample does not: JIT compiler and GC threads, and time in the kernel. On other systems, or for a
 * process that is gone, it reports nothing rather than failing the benchmark.
 *
 * <p>Not thread-safe: the benchmark's main thread takes both samples.
 */
final class ThreadCpu {
    /** Linux's USER_HZ, the unit of utime and stime in /proc; 100 on every mainstream kernel configuration. */
    private static final double TICKS_PER_SECOND = 100.0;

    /** A sample: ticks per process label, then per thread id (with its folded name). */
    record Sample(long nanoTime, Map<String, Map<String, long[]>> ticksByProcess) {}

    private ThreadCpu() {}

    /** Samples every thread of the given processes, labelled (e.g. "node 1" → pid). */
    static Sample sample(Map<String, Long> pidByLabel) {
        Map<String, Map<String, long[]>> byProcess = new LinkedHashMap<>();
        for (Map.Entry<String, Long> process : pidByLabel.entrySet()) {
            Map<String, long[]> threads = new HashMap<>();
            Path tasks = Path.of("/proc", Long.toString(process.getValue()), "task");
            try (Stream<Path> list = Files.list(tasks)) {
                for (Path task : list.toList()) {
                    readTask(task, threads);
                }
            } catch (IOException | RuntimeException e) {
                // Not Linux, or the process ended: nothing to report for it.
            }
            byProcess.put(process.getKey(), threads);
        }
        return new Sample(System.nanoTime(), byProcess);
    }

    private static void readTask(Path task, Map<String, long[]> threads) {
        try {
            String stat = Files.readString(task.resolve("stat"));
            // The name (field 2) is in parentheses and may hold spaces; the numeric fields follow the last ')'.
            int open = stat.indexOf('(');
            int close = stat.lastIndexOf(')');
            String name = stat.substring(open + 1, close).replaceAll("\\d+", "N");
            String[] fields = stat.substring(close + 2).split(" ");
            // After the name: state(0) ppid ... utime is field 14 of the line, index 11 here; stime index 12.
            long user = Long.parseLong(fields[11]);
            long system = Long.parseLong(fields[12]);
            threads.put(task.getFileName() + " " + name, new long[] {user, system});
        } catch (IOException | RuntimeException e) {
            // The thread ended between listing and reading: its time is lost, which the report accepts.
        }
    }

    /**
     * One line per process: cores used between the samples, and its top thread groups by cores. Threads that
     * started after {@code from} count from zero; threads that ended before {@code to} are missing (their time is
     * lost: short-lived threads are under-counted).
     */
    static List<String> report(Sample from, Sample to, int topGroups) {
        double seconds = (to.nanoTime() - from.nanoTime()) / 1e9;
        return to.ticksByProcess().entrySet().stream()
                .map(process -> {
                    Map<String, long[]> before = from.ticksByProcess().getOrDefault(process.getKey(), Map.of());
                    Map<String, long[]> groups = new HashMap<>();
                    long[] total = new long[2];
                    for (Map.Entry<String, long[]> thread : process.getValue().entrySet()) {
                        long[] start = before.getOrDefault(thread.getKey(), new long[2]);
                        long user = thread.getValue()[0] - start[0];
                        long system = thread.getValue()[1] - start[1];
                        String group = thread.getKey().substring(thread.getKey().indexOf(' ') + 1);
                        long[] sum = groups.computeIfAbsent(group, g -> new long[2]);
                        sum[0] += user;
                        sum[1] += system;
                        total[0] += user;
                        total[1] += system;
                    }
                    StringBuilder line = new StringBuilder(String.format(
                            Locale.ROOT,
                            "  %-16s %5.2f cores (system %4.2f):",
                            process.getKey(),
                            cores(total[0] + total[1], seconds),
                            cores(total[1], seconds)));
                    groups.entrySet().stream()
                            .sorted((a, b) ->
                                    Long.compare(b.getValue()[0] + b.getValue()[1], a.getValue()[0] + a.getValue()[1]))
                            .limit(topGroups)
                            .forEach(group -> line.append(String.format(
                                    Locale.ROOT,
                                    " %s %.2f,",
                                    group.getKey(),
                                    cores(group.getValue()[0] + group.getValue()[1], seconds))));
                    line.setLength(line.length() - 1);
                    return line.toString();
                })
                .toList();
    }

    /** Cores used in total by the processes between the samples. */
    static double totalCores(Sample from, Sample to) {
        double seconds = (to.nanoTime() - from.nanoTime()) / 1e9;
        long ticks = 0;
        for (Map.Entry<String, Map<String, long[]>> process :
                to.ticksByProcess().entrySet()) {
            Map<String, long[]> before = from.ticksByProcess().getOrDefault(process.getKey(), Map.of());
            for (Map.Entry<String, long[]> thread : process.getValue().entrySet()) {
                long[] start = before.getOrDefault(thread.getKey(), new long[2]);
                ticks += thread.getValue()[0] - start[0] + thread.getValue()[1] - start[1];
            }
        }
        return cores(ticks, seconds);
    }

    private static double cores(long ticks, double seconds) {
        return seconds <= 0 ? 0 : ticks / TICKS_PER_SECOND / seconds;
    }
}
