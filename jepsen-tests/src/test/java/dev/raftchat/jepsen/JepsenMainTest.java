package dev.raftchat.jepsen;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** bin/raft-jepsen's flags (unchanged by the move to picocli), its help and its errors; no run is started. */
class JepsenMainTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private CommandLine commandLine() {
        CommandLine commandLine = JepsenMain.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine;
    }

    @Test
    void flagsBecomeTheRunsOptionsAndTheRestKeepTheirDefaults() {
        CommandLine commandLine = commandLine();
        commandLine.parseArgs(
                "--nodes",
                "5",
                "--time",
                "30",
                "--nemesis",
                "none",
                "--retry-other-node",
                "--seed",
                "7",
                "--jar",
                "/tmp/x.jar");
        JepsenOptions options = ((JepsenMain) commandLine.getCommand()).options();
        assertThat(options.nodes()).isEqualTo(5);
        assertThat(options.timeSeconds()).isEqualTo(30);
        assertThat(options.nemeses()).isEqualTo(Fault.parse("none"));
        assertThat(options.retryOnOtherNode()).isTrue();
        assertThat(options.seed()).isEqualTo(7);
        assertThat(options.jar()).isEqualTo(Path.of("/tmp/x.jar"));

        CommandLine plain = commandLine();
        plain.parseArgs();
        JepsenOptions defaults = ((JepsenMain) plain.getCommand()).options();
        assertThat(defaults.nodes()).isEqualTo(3);
        assertThat(defaults.jar().getFileName()).hasToString("chat-server-0.1.0-SNAPSHOT-all.jar");
    }

    @Test
    void badArgumentsExitTwoWithTheReasonAndTheUsage() {
        assertThat(commandLine().execute("--nodes", "0")).isEqualTo(2);
        assertThat(commandLine().execute("--nodes", "many")).isEqualTo(2);
        assertThat(commandLine().execute("--bogus")).isEqualTo(2);
        assertThat(err.toString())
                .contains("--nodes must be in [1, 9], got 0")
                .contains("Invalid value for option '--nodes': 'many' is not an int")
                .contains("Unknown option: '--bogus'")
                .contains("Usage: raft-jepsen");
    }

    @Test
    void helpListsTheFlagsWithTheirDefaults() {
        assertThat(commandLine().execute("--help")).isZero();
        assertThat(out.toString())
                .startsWith("Usage: raft-jepsen")
                .contains("--nodes=N", "(default: 3)", "--retry-other-node", "--paginated=MODE", "Exit codes:");
    }
}
