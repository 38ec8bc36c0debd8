package dev.raftchat.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PartitionShapesTest {

    private static int reachable(boolean[][] cut, int from) {
        int count = 0;
        for (int to = 0; to < cut.length; to++) {
            if (to != from && !cut[from][to]) {
                count++;
            }
        }
        return count;
    }

    @Test
    void symmetricShapesCutBothWaysAndCoverEveryKind() {
        Set<String> kinds = new HashSet<>();
        for (int n : new int[] {3, 5, 7}) {
            for (long seed = 0; seed < 200; seed++) {
                boolean[][] cut = new boolean[n][n];
                String shape = PartitionShapes.symmetric(cut, new SplittableRandom(seed));
                kinds.add(shape.split(" ")[0]);
                boolean any = false;
                for (int a = 0; a < n; a++) {
                    assertThat(cut[a][a]).isFalse();
                    for (int b = 0; b < n; b++) {
                        assertThat(cut[a][b]).as("%s is symmetric", shape).isEqualTo(cut[b][a]);
                        any |= cut[a][b];
                    }
                }
                assertThat(any).as("%s cuts something", shape).isTrue();
                if (shape.startsWith("majority ring")) {
                    assertThat(n).isGreaterThanOrEqualTo(5);
                    for (int a = 0; a < n; a++) {
                        assertThat(reachable(cut, a))
                                .as("ring neighbours of %d", a)
                                .isEqualTo(2);
                    }
                }
                if (shape.startsWith("isolate")) {
                    int isolated = Integer.parseInt(shape.substring("isolate ".length())) - 1;
                    assertThat(reachable(cut, isolated)).isZero();
                }
                if (shape.startsWith("bridge")) {
                    int bridge = Integer.parseInt(shape.split(" ")[2]) - 1;
                    assertThat(reachable(cut, bridge)).isEqualTo(n - 1);
                }
            }
        }
        assertThat(kinds).containsExactlyInAnyOrder("isolate", "halves", "majority", "bridge");
    }

    @Test
    void asymmetricShapeCutsOneDirectionOfOneNode() {
        for (long seed = 0; seed < 100; seed++) {
            boolean[][] cut = new boolean[5][5];
            String shape = PartitionShapes.asymmetric(cut, new SplittableRandom(seed));
            int victim = Integer.parseInt(shape.split(" ")[1]) - 1;
            for (int other = 0; other < 5; other++) {
                if (other == victim) {
                    continue;
                }
                if (shape.endsWith("cannot receive")) {
                    assertThat(cut[other][victim]).isTrue();
                    assertThat(cut[victim][other]).isFalse();
                } else {
                    assertThat(cut[victim][other]).isTrue();
                    assertThat(cut[other][victim]).isFalse();
                }
            }
        }
    }
}
