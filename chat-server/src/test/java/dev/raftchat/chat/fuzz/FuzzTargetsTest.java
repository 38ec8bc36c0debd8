package dev.raftchat.chat.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftchat.chat.api.v1.WebSocketFrameFuzzTarget;
import dev.raftchat.testsupport.JazzerDriver;
import org.junit.jupiter.api.Test;

/**
 * Replays each fuzz target's corpus and fuzzes it for {@code -Dfuzz.seconds} (default 5) in a child JVM
 * (see {@link JazzerDriver}). Longer: {@code ./mvnw -B -pl chat-server -am test -Dtest=FuzzTargetsTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dfuzz.seconds=600}.
 */
class FuzzTargetsTest {
    /**
     * Our code, and the parsers in front of it (Netty's HTTP codec, Jackson's tokenizer), so that coverage
     * guides the fuzzer through the request syntax too.
     */
    private static final String INSTRUMENTED_WITH_PARSERS =
            JazzerDriver.OUR_CODE + ":io.netty.handler.codec.http.**:com.fasterxml.jackson.core.**";

    @Test
    void chatCodecAndSnapshots() {
        JazzerDriver.Result result =
                JazzerDriver.run(ChatCodecFuzzTarget.class, "chat-codec", INSTRUMENTED_WITH_PARSERS);
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.executions()).isPositive();
    }

    @Test
    void httpRequestsAndJsonBodies() {
        JazzerDriver.Result result =
                JazzerDriver.run(HttpRequestFuzzTarget.class, "http-requests", INSTRUMENTED_WITH_PARSERS);
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.executions()).isPositive();
    }

    @Test
    void webSocketFramesAfterTheUpgrade() {
        // Netty's WebSocket frame codec and Jackson's tokenizer are in front of the hub: instrumented too.
        JazzerDriver.Result result = JazzerDriver.run(
                WebSocketFrameFuzzTarget.class,
                "websocket-frames",
                JazzerDriver.OUR_CODE + ":io.netty.handler.codec.http.websocketx.**:com.fasterxml.jackson.core.**");
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.executions()).isPositive();
    }
}
