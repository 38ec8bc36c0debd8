package dev.raftchat.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Every seed that ever failed runs on every build. */
class RegressionSeedsTest {

    static List<RegressionSeeds.Entry> load() {
        InputStream in = RegressionSeedsTest.class.getResourceAsStream("/regression-seeds.txt");
        assertThat(in).as("regression-seeds.txt on the test classpath").isNotNull();
        return RegressionSeeds.parse(in);
    }

    @Test
    void everyRegressionSeedBehavesAsRecorded() {
        List<RegressionSeeds.Entry> entries = load();
        assertThat(entries).isNotEmpty();
        for (RegressionSeeds.Entry entry : entries) {
            SimResult r = Simulation.runSeed(entry.seed());
            if (entry.expectedFailure() == null) {
                assertThat(r.passed()).as(r.passed() ? "" : r.failureReport()).isTrue();
            } else if (!r.passed()) {
                // A seed of a known, reported bug may fail only with that bug. (RaftNode changes move
                // which seeds hit a bug, so passing is allowed; the report counts the known failures.)
                assertThat(r.failure())
                        .as("seed %d (line %d) may fail only with its known bug", entry.seed(), entry.line())
                        .contains(entry.expectedFailure());
            }
        }
    }

    /** The failure texts of known, reported bugs: any seed failing with one of these is a known failure. */
    static Set<String> knownBugs() {
        Set<String> texts = new TreeSet<>();
        for (RegressionSeeds.Entry e : load()) {
            if (e.expectedFailure() != null) {
                texts.add(e.expectedFailure());
            }
        }
        return texts;
    }

    @Test
    void parserReadsSeedsExpectationsAndComments() {
        String text = "# comment\n\n12\n666 expect-failure: a proposal was duplicated  # why\n";
        List<RegressionSeeds.Entry> entries =
                RegressionSeeds.parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
        assertThat(entries)
                .containsExactly(
                        new RegressionSeeds.Entry(12, null, 3),
                        new RegressionSeeds.Entry(666, "a proposal was duplicated", 4));
    }

    @Test
    void parserRejectsGarbageWithTheLineNumber() {
        assertThatThrownBy(() ->
                        RegressionSeeds.parse(new ByteArrayInputStream("1\nseven\n".getBytes(StandardCharsets.UTF_8))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("line 2");
        assertThatThrownBy(() -> RegressionSeeds.parse(
                        new ByteArrayInputStream("5 maybe-fails\n".getBytes(StandardCharsets.UTF_8))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expect-failure");
    }
}
