package dev.raftchat.chat.ops;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ChatMetricsRouteTest {

    @Test
    void routeLabelsKeepKnownWordsAndHideEverythingElse() {
        assertThat(ChatMetrics.routeTemplate("/rooms/general")).isEqualTo("/rooms/{}");
        assertThat(ChatMetrics.routeTemplate("/rooms")).isEqualTo("/rooms");
        assertThat(ChatMetrics.routeTemplate("/raft/4/promote")).isEqualTo("/raft/{}/promote");
        assertThat(ChatMetrics.routeTemplate("/general")).isEqualTo("/{}");
        assertThat(ChatMetrics.routeTemplate("/api/v1/rooms/abc/messages")).isEqualTo("/api/v1/rooms/{}/messages");
        assertThat(ChatMetrics.routeTemplate("/")).isEqualTo("/");
        assertThat(ChatMetrics.routeTemplate("/a/b/c/d/e/f/g/h")).isEqualTo("/{}/{}/{}/{}/{}/{}/...");
    }
}
