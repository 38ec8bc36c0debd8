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

    @Test
    void labelsStayBoundedWhateverClientsSend() {
        ChatMetrics metrics = new ChatMetrics(
                1,
                () -> {
                    throw new AssertionError("gauges are not read here");
                },
                () -> 0);
        String[] words = {"rooms", "raft", "api", "v1", "admin", "cluster", "messages", "x"};
        int requests = 0;
        for (String a : words) {
            for (String b : words) {
                for (String c : words) {
                    metrics.requestCompleted("BREW", "/" + a + "/" + b + "/" + c, 400, 1_000);
                    requests++;
                }
            }
        }
        var timers = metrics.registry().find("http.server.requests").timers();
        assertThat(timers.size()).isLessThanOrEqualTo(ChatMetrics.ROUTE_LABELS_MAX + 1);
        assertThat(timers.stream().mapToLong(timer -> timer.count()).sum()).isEqualTo(requests);
        assertThat(timers.stream().map(timer -> timer.getId().getTag("method")).distinct())
                .containsExactly("OTHER");
        assertThat(timers.stream().map(timer -> timer.getId().getTag("route"))).contains("other");
    }
}
