package dev.raftchat.raft.internal.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * A follower whose recovery lost synced entries (protocol-aware recovery) rejects a probe at an index it had
 * acknowledged; the leader must go back below its old match, or it would probe the same index forever.
 */
class ProgressLostEntriesTest {

    @Test
    void aProbeRejectedAtOrBelowMatchLowersMatchToTheFollowersHint() {
        Progress progress = new Progress(0, 1, 8);
        progress.maybeUpdate(31); // the follower acknowledged 1..31
        progress.becomeProbe(); // it restarted; the leader probes at prev = 31
        assertThat(progress.next()).isEqualTo(32);
        assertThat(progress.maybeDecreaseTo(31, 27)).isTrue(); // it now ends at 27
        assertThat(progress.match()).isEqualTo(27);
        assertThat(progress.next()).isEqualTo(28);
        assertThat(progress.maybeUpdate(35)).isTrue(); // replicated back, and more
        assertThat(progress.match()).isEqualTo(35);
    }

    @Test
    void aRejectionOfAnOlderProbeStillChangesNothing() {
        Progress progress = new Progress(0, 1, 8);
        progress.maybeUpdate(31);
        progress.becomeProbe();
        assertThat(progress.maybeDecreaseTo(20, 10)).isFalse();
        assertThat(progress.match()).isEqualTo(31);
        assertThat(progress.next()).isEqualTo(32);
    }
}
