package dev.raftchat.chat.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.chat.api.v1.WebSocketFrameFuzzTarget;
import org.junit.jupiter.api.Test;

/**
 * Replays each fuzz target's corpus and fuzzes it for {@code -Dfuzz.seconds} (default 5) in a child JVM
 * (see {@link JazzerDriver}). Longer: {@code ./mvnw -B -pl chat-server -am test -Dtest=FuzzTargetsTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dfuzz.seconds=600}.
 */
class FuzzTargetsTest {

    @Test
    void chatCodecAndSnapshots() {
        JazzerDriver.Result result = JazzerDriver.run(ChatCodecFuzzTarget.class, "chat-codec");
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.executions()).isPositive();
    }

    @Test
    void httpRequestsAndJsonBodies() {
        JazzerDriver.Result result = JazzerDriver.run(HttpRequestFuzzTarget.class, "http-requests");
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.executions()).isPositive();
    }

    @Test
    void webSocketFramesAfterTheUpgrade() {
        JazzerDriver.Result result = JazzerDriver.run(WebSocketFrameFuzzTarget.class, "websocket-frames");
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.executions()).isPositive();
    }
}
