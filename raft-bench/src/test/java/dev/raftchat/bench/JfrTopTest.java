package dev.raftchat.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import jdk.jfr.Recording;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class JfrTopTest {

    @Test
    void summarizesARecordingOfThisJvm(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("busy.jfr");
        try (Recording recording = new Recording()) {
            recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10));
            recording.start();
            long sink = 0;
            long until = System.nanoTime() + Duration.ofMillis(300).toNanos();
            while (System.nanoTime() < until) {
                sink += Long.toString(sink).hashCode();
            }
            recording.stop();
            recording.dump(file);
            assertThat(sink).isNotZero();
        }
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int exit;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            exit = new CommandLine(newJfrTop()).execute(file.toString(), "3");
        } finally {
            System.setOut(out);
        }
        String summary = captured.toString(StandardCharsets.UTF_8);
        assertThat(exit).isZero();
        assertThat(summary).contains("CPU by thread").contains("CPU by owning method");
        assertThat(summary).containsPattern("CPU samples \\(jdk.ExecutionSample, [^)]*\\): [1-9]");
    }

    @Test
    void badArgumentsAreRefusedWithTheUsageAndExitCodeTwo() {
        for (String[] args : new String[][] {{}, {"x.jfr", "0"}, {"x.jfr", "many"}, {"--nope"}}) {
            StringWriter err = new StringWriter();
            CommandLine cli = new CommandLine(newJfrTop()).setErr(new PrintWriter(err));
            assertThat(cli.execute(args)).as(String.join(" ", args)).isEqualTo(2);
            assertThat(err.toString()).as(String.join(" ", args)).contains("Usage: jfr-top");
        }
    }

    private static JfrTop newJfrTop() {
        return new JfrTop();
    }
}
