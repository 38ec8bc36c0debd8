package dev.raftchat.jepsen;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

/** The partition shapes: which links each one cuts. */
class NetworkFaultsTest {
    private static final Set<Integer> FIVE = Set.of(1, 2, 3, 4, 5);

    @Test
    void halvesCutEveryLinkAcross() {
        Set<NetworkFaults.Link> cut = NetworkFaults.linksCutBy(List.of(Set.of(1, 2), Set.of(3, 4, 5)), FIVE);
        assertThat(cut)
                .hasSize(6)
                .contains(new NetworkFaults.Link(2, 3), new NetworkFaults.Link(5, 1))
                .doesNotContain(new NetworkFaults.Link(1, 2), new NetworkFaults.Link(3, 4));
    }

    @Test
    void aBridgeNodeKeepsItsLinksToBothSides() {
        Set<NetworkFaults.Link> cut = NetworkFaults.linksCutBy(List.of(Set.of(1, 2, 3), Set.of(3, 4, 5)), FIVE);
        assertThat(cut)
                .containsExactlyInAnyOrder(
                        new NetworkFaults.Link(1, 4),
                        new NetworkFaults.Link(1, 5),
                        new NetworkFaults.Link(2, 4),
                        new NetworkFaults.Link(2, 5));
        assertThat(NetworkFaults.linksCutBy(List.of(Set.of(1, 2), Set.of(2, 3)), Set.of(1, 2, 3)))
                .containsExactly(new NetworkFaults.Link(1, 3));
    }

    @Test
    void aMajorityRingLetsEachNodeSeeAMajorityButNoTwoTheSameOne() {
        Set<NetworkFaults.Link> cut = Nemesis.ringCut(List.of(1, 2, 3, 4, 5));
        assertThat(cut).hasSize(5);
        for (int node = 1; node <= 5; node++) {
            int n = node;
            long cutLinks = cut.stream().filter(l -> l.a() == n || l.b() == n).count();
            assertThat(cutLinks)
                    .as("links cut at node %d", node)
                    .isEqualTo(2); // sees itself and two neighbours: 3 of 5
        }
        assertThat(Nemesis.ringCut(List.of(2, 3, 1))).containsExactly(new NetworkFaults.Link(2, 1));
    }

    @Test
    void faultNamesParse() {
        assertThat(Fault.parse("all")).hasSize(Fault.values().length);
        assertThat(Fault.parse("kill-leader, partition-ring"))
                .containsExactlyInAnyOrder(Fault.KILL_LEADER, Fault.PARTITION_RING);
        assertThat(Fault.parse("none")).isEmpty();
        Assertions.assertThatThrownBy(() -> Fault.parse("kill-everyone"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown nemesis 'kill-everyone'");
    }
}
