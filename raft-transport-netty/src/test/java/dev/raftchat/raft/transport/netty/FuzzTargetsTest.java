package dev.raftchat.raft.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.testsupport.JazzerDriver;
import org.junit.jupiter.api.Test;

/**
 * Replays each fuzz target's corpus and fuzzes it for {@code -Dfuzz.seconds} (default 5) in a child JVM
 * (see {@link JazzerDriver}). Longer: {@code ./mvnw -B -pl raft-transport-netty -am test -Dtest=FuzzTargetsTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dfuzz.seconds=600}.
 */
class FuzzTargetsTest {

    @Test
    void messageCodec() {
        JazzerDriver.Result result = JazzerDriver.run(MessageCodecFuzzTarget.class, "message-codec");
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.executions()).isPositive();
    }

    @Test
    void peerFrames() {
        JazzerDriver.Result result = JazzerDriver.run(PeerFrameFuzzTarget.class, "peer-frames");
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.executions()).isPositive();
    }
}
