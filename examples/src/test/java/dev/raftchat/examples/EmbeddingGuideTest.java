package dev.raftchat.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Keeps docs/embedding.md true: each {@code <!-- include: FILE#REGION -->} marker must be followed by a
 * code block holding exactly the lines between {@code // tag::REGION[]} and {@code // end::REGION[]} of that
 * file (dedented), and every artifact the guide names in its Maven snippet must be a module of this build.
 * The code itself is compiled with this module and run by {@code SettingsServiceTest}, {@code
 * KvStoreSimulationTest} and the test kit's own tests. {@code -Dembedding.rewrite=true} rewrites the guide
 * from the sources.
 */
class EmbeddingGuideTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path GUIDE = ROOT.resolve("docs/embedding.md");
    private static final Pattern INCLUDE =
            Pattern.compile("<!-- include: (\\S+)#(\\S+) -->\\n```(\\w+)\\n(.*?)```", Pattern.DOTALL);
    private static final String REWRITE = "./mvnw -B -o -pl examples -am test -Dtest=EmbeddingGuideTest"
            + " -Dsurefire.failIfNoSpecifiedTests=false -Dembedding.rewrite=true";

    /** The lines between the region's markers, without its common indentation. */
    static String region(Path file, String name) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        int start = lines.indexOf(lines.stream()
                .filter(l -> l.strip().equals("// tag::" + name + "[]"))
                .findFirst()
                .orElseThrow(() -> new AssertionError(file + " has no region " + name)));
        int end = -1;
        for (int i = start + 1; i < lines.size(); i++) {
            if (lines.get(i).strip().equals("// end::" + name + "[]")) {
                end = i;
                break;
            }
        }
        if (end < 0) {
            throw new AssertionError(file + ": region " + name + " has no end marker");
        }
        List<String> body = lines.subList(start + 1, end);
        int indent = body.stream()
                .filter(l -> !l.isBlank())
                .mapToInt(l -> l.length() - l.stripLeading().length())
                .min()
                .orElse(0);
        StringBuilder text = new StringBuilder();
        for (String line : body) {
            text.append(line.isBlank() ? "" : line.substring(indent)).append('\n');
        }
        return text.toString();
    }

    @Test
    void everyIncludedRegionMatchesItsSource() throws IOException {
        String guide = Files.readString(GUIDE, StandardCharsets.UTF_8);
        Matcher m = INCLUDE.matcher(guide);
        StringBuilder rewritten = new StringBuilder();
        List<String> stale = new ArrayList<>();
        int includes = 0;
        while (m.find()) {
            includes++;
            String source = region(ROOT.resolve(m.group(1)), m.group(2));
            if (!source.equals(m.group(4))) {
                stale.add(m.group(1) + "#" + m.group(2) + ":\n--- the guide has\n" + m.group(4) + "--- the source has\n"
                        + source);
            }
            m.appendReplacement(
                    rewritten,
                    Matcher.quoteReplacement("<!-- include: " + m.group(1) + "#" + m.group(2) + " -->\n```" + m.group(3)
                            + "\n" + source + "```"));
        }
        m.appendTail(rewritten);
        if (Boolean.getBoolean("embedding.rewrite")) {
            Files.writeString(GUIDE, rewritten.toString(), StandardCharsets.UTF_8);
            return;
        }
        assertThat(includes).as("includes in " + GUIDE).isGreaterThanOrEqualTo(8);
        assertThat(stale)
                .as("docs/embedding.md is out of date with its sources; regenerate it with\n  " + REWRITE + "\n")
                .isEmpty();
    }

    @Test
    void theGuidesArtifactsAreModulesOfThisBuild() throws IOException {
        String guide = Files.readString(GUIDE, StandardCharsets.UTF_8);
        Matcher artifact = Pattern.compile("<artifactId>([\\w-]+)</artifactId>").matcher(guide);
        List<String> named = new ArrayList<>();
        while (artifact.find()) {
            named.add(artifact.group(1));
        }
        assertThat(named).containsExactly("raft-core", "raft-storage-file", "raft-transport-netty", "raft-testkit");
        for (String module : named) {
            assertThat(Files.readString(ROOT.resolve(module).resolve("pom.xml"), StandardCharsets.UTF_8))
                    .contains("<artifactId>" + module + "</artifactId>");
        }
    }
}
