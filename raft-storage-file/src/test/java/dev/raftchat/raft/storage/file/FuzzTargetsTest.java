package dev.raftchat.raft.storage.file;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.testsupport.JazzerDriver;
import org.junit.jupiter.api.Test;

/**
 * Replays the segment recovery fuzz target's corpus and fuzzes it for {@code -Dfuzz.seconds} (default 5) in
 * a child JVM (see {@link JazzerDriver}). Longer: {@code ./mvnw -B -pl raft-storage-file -am test
 * -Dtest=FuzzTargetsTest -Dsurefire.failIfNoSpecifiedTests=false -Dfuzz.seconds=600}.
 */
class FuzzTargetsTest {

    @Test
    void segmentRecovery() {
        JazzerDriver.Result result = JazzerDriver.run(SegmentRecoveryFuzzTarget.class, "segment-recovery");
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.executions()).isPositive();
    }
}
