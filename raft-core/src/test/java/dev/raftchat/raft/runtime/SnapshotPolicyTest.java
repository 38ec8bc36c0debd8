package dev.raftchat.raft.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** When an automatic snapshot is due: the entry or byte floor, and the growth against the last snapshot. */
class SnapshotPolicyTest {

    @Test
    void withoutGrowthTheEntryIntervalAloneDecides() {
        SnapshotPolicy policy = new SnapshotPolicy(10_000, 0, 0);

        assertThat(policy.due(9_999, 1L << 40, 0)).isFalse();
        assertThat(policy.due(10_000, 0, 1L << 40)).isTrue();
    }

    @Test
    void theByteIntervalAlsoMakesOneDue() {
        SnapshotPolicy policy = new SnapshotPolicy(0, 1_000, 0);

        assertThat(policy.due(1, 999, 0)).isFalse();
        assertThat(policy.due(1, 1_000, 0)).isTrue();
    }

    @Test
    void growthWaitsUntilTheLogSinceTheLastSnapshotIsAsLargeAsItsShare() {
        SnapshotPolicy policy = new SnapshotPolicy(10_000, 0, 100);
        long lastSnapshotBytes = 100_000_000;

        // 10,000 posts of 256 B are 2.56 MB: the floor is reached but a 100 MB state is not rewritten yet
        assertThat(policy.due(10_000, 2_560_000, lastSnapshotBytes)).isFalse();
        assertThat(policy.due(400_000, 99_999_999, lastSnapshotBytes)).isFalse();
        assertThat(policy.due(400_000, 100_000_000, lastSnapshotBytes)).isTrue();
    }

    @Test
    void growthIsAPercentageOfTheLastSnapshot() {
        SnapshotPolicy policy = new SnapshotPolicy(1, 0, 50);

        assertThat(policy.due(5, 499, 1_000)).isFalse();
        assertThat(policy.due(5, 500, 1_000)).isTrue();
    }

    @Test
    void theFloorStillAppliesToASmallState() {
        SnapshotPolicy policy = new SnapshotPolicy(10_000, 0, 100);

        // a tiny state grows past its own size quickly: the entry interval still spaces the snapshots
        assertThat(policy.due(9_999, 5_000_000, 1_000)).isFalse();
        assertThat(policy.due(10_000, 5_000_000, 1_000)).isTrue();
        // nothing known about the last snapshot (none yet): the floor alone decides
        assertThat(policy.due(10_000, 1, 0)).isTrue();
    }

    @Test
    void hugeSizesDoNotOverflow() {
        SnapshotPolicy policy = new SnapshotPolicy(1, 0, 1_000_000);

        assertThat(policy.due(1, Long.MAX_VALUE / 2, Long.MAX_VALUE)).isFalse();
        assertThat(policy.due(1, Long.MAX_VALUE, Long.MAX_VALUE / 10_000)).isTrue();
    }

    @Test
    void withNoIntervalNothingIsAutomatic() {
        SnapshotPolicy policy = new SnapshotPolicy(0, 0, 100);

        assertThat(policy.due(1_000_000, 1L << 40, 1)).isFalse();
    }

    @Test
    void negativeFieldsAreRefused() {
        assertThatThrownBy(() -> new SnapshotPolicy(-1, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SnapshotPolicy(0, -1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SnapshotPolicy(0, 0, -1)).isInstanceOf(IllegalArgumentException.class);
    }
}
