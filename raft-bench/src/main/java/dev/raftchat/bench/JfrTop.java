package dev.raftchat.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * Summarizes a JFR recording for bin/raft-profile: where the CPU samples ({@code jdk.ExecutionSample}) fall by
 * thread, by the code that owns them (the innermost frame in one of our modules, Netty or protobuf; JDK code is
 * charged to its caller there) and by method; where threads sat in native code ({@code jdk.NativeMethodSample}:
 * fsync, epoll, socket writes); and the time threads spent parked or blocked on monitors.
 *
 * <p>Usage: {@code JfrTop recording.jfr [top]}.
 */
@Command(
        name = "jfr-top",
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = "Summarizes a JFR recording: CPU samples by thread, by owning module and by method; native"
                + " samples; time parked and blocked on monitors.")
public final class JfrTop implements Callable<Integer> {
    private static final List<String[]> OWNERS = List.of(
            new String[] {"dev.raftchat.raft.core.", "raft-core: pure RaftNode/RaftLog"},
            new String[] {"dev.raftchat.raft.internal.", "raft-core: pure RaftNode/RaftLog"},
            new String[] {"dev.raftchat.raft.model.", "raft-core: pure RaftNode/RaftLog"},
            new String[] {"dev.raftchat.raft.confchange.", "raft-core: pure RaftNode/RaftLog"},
            new String[] {"dev.raftchat.raft.message.", "raft-core: pure RaftNode/RaftLog"},
            new String[] {"dev.raftchat.raft.runtime.", "raft-core: runtime (RaftServer)"},
            new String[] {"dev.raftchat.raft.storage.file.", "raft-storage-file"},
            new String[] {"dev.raftchat.raft.storage.", "raft-core: storage SPI"},
            new String[] {"dev.raftchat.raft.transport.netty.proto.", "protobuf (generated code)"},
            new String[] {"dev.raftchat.raft.transport.netty.", "raft-transport-netty"},
            new String[] {"dev.raftchat.chat.", "chat-server"},
            new String[] {"dev.raftchat.bench.", "benchmark harness (clients)"},
            new String[] {"com.google.protobuf.", "protobuf (runtime)"},
            new String[] {"io.netty.", "Netty"});

    @Parameters(index = "0", paramLabel = "RECORDING", description = "The JFR recording to summarize.")
    Path recording;

    @Parameters(
            index = "1",
            arity = "0..1",
            paramLabel = "TOP",
            defaultValue = "25",
            description = "Rows per table (default: ${DEFAULT-VALUE}).")
    int top;

    @Mixin
    CommonOptions common;

    JfrTop() {}

    public static void main(String[] args) {
        System.exit(new CommandLine(new JfrTop()).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        if (top < 1) {
            throw new CommandLine.ParameterException(common.commandLine(), "TOP must be at least 1, got " + top);
        }
        Map<String, Long> byThread = new HashMap<>();
        Map<String, Long> byOwner = new HashMap<>();
        Map<String, Long> bySelf = new HashMap<>();
        Map<String, Long> byOwnerMethod = new HashMap<>();
        Map<String, Long> nativeBySelf = new HashMap<>();
        Map<String, Long> parkNanosByThread = new HashMap<>();
        Map<String, Long> monitorNanosByClass = new HashMap<>();
        Map<String, Double> cpuLoadByThread = new HashMap<>();
        Map<String, Long> cpuLoadSamples = new HashMap<>();
        long cpuSamples = 0;
        long nativeSamples = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(recording)) {
            String type = event.getEventType().getName();
            switch (type) {
                case "jdk.ExecutionSample" -> {
                    cpuSamples++;
                    RecordedStackTrace stack = event.getStackTrace();
                    byThread.merge(threadGroup(event.getThread("sampledThread")), 1L, Long::sum);
                    if (stack == null || stack.getFrames().isEmpty()) {
                        bySelf.merge("(no stack)", 1L, Long::sum);
                        continue;
                    }
                    bySelf.merge(name(stack.getFrames().get(0)), 1L, Long::sum);
                    String owner = "JDK/other";
                    String ownerMethod = name(stack.getFrames().get(0));
                    for (RecordedFrame frame : stack.getFrames()) {
                        String cls = frame.getMethod().getType().getName();
                        String found = ownerOf(cls);
                        if (found != null) {
                            owner = found;
                            ownerMethod = name(frame);
                            break;
                        }
                    }
                    byOwner.merge(owner, 1L, Long::sum);
                    byOwnerMethod.merge(ownerMethod, 1L, Long::sum);
                }
                case "jdk.NativeMethodSample" -> {
                    nativeSamples++;
                    RecordedStackTrace stack = event.getStackTrace();
                    String where = stack == null || stack.getFrames().isEmpty()
                            ? "(no stack)"
                            : name(stack.getFrames().get(0));
                    nativeBySelf.merge(threadGroup(event.getThread("sampledThread")) + "  " + where, 1L, Long::sum);
                }
                case "jdk.ThreadPark", "jdk.ThreadSleep" ->
                    parkNanosByThread.merge(
                            threadGroup(event.getThread()), event.getDuration().toNanos(), Long::sum);
                case "jdk.JavaMonitorEnter" ->
                    monitorNanosByClass.merge(
                            event.getClass("monitorClass") == null
                                    ? "?"
                                    : event.getClass("monitorClass").getName(),
                            event.getDuration().toNanos(),
                            Long::sum);
                case "jdk.ThreadCPULoad" -> {
                    // Summed per thread per interval; averaged over the intervals below (one event per thread per
                    // second).
                    String key = threadGroup(event.getThread("eventThread"));
                    cpuLoadByThread.merge(
                            key, (double) (event.getFloat("user") + event.getFloat("system")), Double::sum);
                    cpuLoadSamples.merge(event.getThread("eventThread").getJavaThreadId() + "", 1L, Long::sum);
                }
                default -> {}
            }
        }
        long intervals = cpuLoadSamples.values().stream()
                .mapToLong(Long::longValue)
                .max()
                .orElse(1);
        System.out.printf(
                Locale.ROOT,
                "thread CPU (jdk.ThreadCPULoad, user + system, in cores, averaged over %d one-second"
                        + " intervals; JFR reports fractions of the whole machine, scaled here by this machine's %d cores):%n",
                intervals,
                Runtime.getRuntime().availableProcessors());
        cpuLoadByThread.entrySet().stream()
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .limit(top)
                .forEach(e -> System.out.printf(
                        Locale.ROOT,
                        "  %6.3f  %s%n",
                        e.getValue() / intervals * Runtime.getRuntime().availableProcessors(),
                        e.getKey()));
        System.out.printf(
                Locale.ROOT, "%nCPU samples (jdk.ExecutionSample, threads running Java code): %d%n", cpuSamples);
        print("CPU by thread", byThread, cpuSamples, top);
        print(
                "CPU by owner (innermost frame in our modules, Netty or protobuf; JDK code charged to its caller there)",
                byOwner,
                cpuSamples,
                top);
        print("CPU by owning method", byOwnerMethod, cpuSamples, top);
        print("CPU by innermost frame (self)", bySelf, cpuSamples, top);
        System.out.printf(
                Locale.ROOT,
                "%nnative samples (jdk.NativeMethodSample: threads inside native code, e.g. fsync,"
                        + " epoll, socket I/O): %d%n",
                nativeSamples);
        print("native by thread and method", nativeBySelf, nativeSamples, top);
        printMillis("parked (jdk.ThreadPark, >= the recording's threshold), ms by thread", parkNanosByThread, top);
        printMillis("blocked on monitors (jdk.JavaMonitorEnter), ms by monitor class", monitorNanosByClass, top);
        return 0;
    }

    private static String ownerOf(String cls) {
        for (String[] owner : OWNERS) {
            if (cls.startsWith(owner[0])) {
                return owner[1];
            }
        }
        return null;
    }

    /** Thread names with their numbers folded, so that pools group ("raft-1" stays apart from the clients). */
    private static String threadGroup(RecordedThread thread) {
        if (thread == null) {
            return "?";
        }
        String name = thread.getJavaName() == null ? thread.getOSName() : thread.getJavaName();
        if (name == null) {
            return "?";
        }
        if (name.startsWith("raft-")) {
            return name.replaceAll("-\\d+$", "-N").replaceAll("^raft-\\d+", "raft-N");
        }
        return name.replaceAll("\\d+", "N");
    }

    private static String name(RecordedFrame frame) {
        return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
    }

    private static void print(String title, Map<String, Long> counts, long total, int top) {
        System.out.printf(Locale.ROOT, "%n%s:%n", title);
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(top)
                .forEach(e -> System.out.printf(
                        Locale.ROOT,
                        "  %6.2f %%  %6d  %s%n",
                        100.0 * e.getValue() / Math.max(1, total),
                        e.getValue(),
                        e.getKey()));
    }

    private static void printMillis(String title, Map<String, Long> nanos, int top) {
        System.out.printf(Locale.ROOT, "%n%s:%n", title);
        nanos.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(top)
                .forEach(e -> System.out.printf(Locale.ROOT, "  %10.0f ms  %s%n", e.getValue() / 1e6, e.getKey()));
    }
}
