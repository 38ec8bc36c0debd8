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
        fuzzCleanly(ChatCodecFuzzTarget.class, "chat-codec", INSTRUMENTED_WITH_PARSERS);
    }

    @Test
    void httpRequestsAndJsonBodies() {
        fuzzCleanly(HttpRequestFuzzTarget.class, "http-requests", INSTRUMENTED_WITH_PARSERS);
    }

    @Test
    void webSocketFramesAfterTheUpgrade() {
        // Netty's WebSocket frame codec and Jackson's tokenizer are in front of the hub: instrumented too.
        fuzzCleanly(
                WebSocketFrameFuzzTarget.class,
                "websocket-frames",
                JazzerDriver.OUR_CODE + ":io.netty.handler.codec.http.websocketx.**:com.fasterxml.jackson.core.**");
    }

    /** Replays and fuzzes {@code target}: the child JVM must find nothing, and must have run the target. */
    private static void fuzzCleanly(Class<?> target, String corpus, String instrumented) {
        JazzerDriver.Result result = JazzerDriver.run(target, corpus, instrumented);
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.executions()).isPositive();
    }
}
