package dev.raftchat.bench.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class BenchResultTest {

    @Test
    void resultLineRoundTrips() {
        BenchResult result = new BenchResult(
                "ratis",
                "Netty \"RPC\", in-process",
                32,
                256,
                true,
                15.0,
                10.001,
                123_456,
                12_345.6,
                1.234,
                5.678,
                9.876,
                17.25,
                3);
        String line = result.toLine();
        assertThat(line).startsWith(BenchResult.PREFIX).doesNotContain("\n");
        assertThat(BenchResult.parse(line)).isEqualTo(result);
    }

    @Test
    void aLineMissingAFieldIsRejectedByName() {
        String line = new BenchResult("jraft", "bolt", 1, 64, false, 0, 1, 1, 1, 1, 1, 1, 1, 0)
                .toLine()
                .replace("\"p99Millis\":1.000,", "");
        assertThatThrownBy(() -> BenchResult.parse(line))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("p99Millis");
        assertThatThrownBy(() -> BenchResult.parse("hello")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void optionsAreParsedAndValidated() {
        BenchOptions options = BenchOptions.parse(new String[] {
            "--clients",
            "32",
            "--payload",
            "4096",
            "--warmup-seconds",
            "15",
            "--seconds",
            "10",
            "--sync",
            "off",
            "--dir",
            "/tmp/x"
        });
        assertThat(options).isEqualTo(new BenchOptions(32, 4096, 15, 10, false, Path.of("/tmp/x")));
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {
                    "--clients",
                    "0",
                    "--payload",
                    "1",
                    "--warmup-seconds",
                    "0",
                    "--seconds",
                    "1",
                    "--sync",
                    "on",
                    "--dir",
                    "d"
                }))
                .hasMessageContaining("clients");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--clients", "1"}))
                .hasMessageContaining("Missing required options")
                .hasMessageContaining("usage: --clients N");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--sync", "maybe"}))
                .hasMessageContaining("on or off");
    }
}
