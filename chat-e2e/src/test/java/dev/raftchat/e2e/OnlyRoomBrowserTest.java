package dev.raftchat.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * A cluster with exactly one room: the client opens it by itself instead of showing an empty page under
 * "Pick a room". This class has one test because it needs to know every room of its cluster; the cluster is
 * a single node (the quick start's), which is all the test needs.
 */
class OnlyRoomBrowserTest extends BrowserTestSupport {

    @Override
    int clusterSize() {
        return 1;
    }

    @Test
    void theOnlyRoomOpensByItselfAndTwoRoomsLeaveTheChoiceToTheReader() {
        ChatApi ann = new ChatApi(cluster.baseUrl(1)).signUp("ann", ChatPage.PASSWORD);

        // No room yet: the page says what to do, with nothing to pick.
        ChatPage first = browserAt(cluster.baseUrl(1)).register("ben");
        await().atMost(ChatPage.WAIT).until(() -> first.find("rooms-empty").isDisplayed());
        assertThat(first.find("room-title").getText()).isEqualTo("Pick a room");
        assertThat(first.find("no-room").isDisplayed()).isTrue();
        assertThat(first.find("composer-input").isEnabled()).isFalse();

        // One room, created elsewhere: the next visit opens it, with its messages, ready to write.
        ann.createRoom("general");
        ann.post("general", "the one and only room");
        ChatPage second = browserAt(cluster.baseUrl(1)).register("cy");
        second.awaitRoomOpen("general");
        second.awaitConfirmed("the one and only room");
        assertThat(second.driver.getCurrentUrl()).endsWith("#/r/general");
        assertThat(second.find("no-room").isDisplayed()).isFalse();
        assertThat(second.focusedId()).isEqualTo("composer-input");
        second.send("found it");
        second.awaitConfirmed("found it");
        // The page that was already open finds it at its next room list refresh (every 15 s).
        first.awaitRoomOpen("general");
        first.awaitConfirmed("found it");

        // Two rooms: nothing is chosen for the reader.
        ann.createRoom("random");
        ChatPage third = browserAt(cluster.baseUrl(1)).register("dee");
        await().atMost(ChatPage.WAIT)
                .until(() ->
                        third.driver.findElements(By.cssSelector(".room-item")).size() == 2);
        assertThat(third.find("room-title").getText()).isEqualTo("Pick a room");
        assertThat(third.find("no-room").isDisplayed()).isTrue();
        assertThat(third.driver.getCurrentUrl()).doesNotContain("#/r/");
        assertNoScriptErrors(first);
        assertNoScriptErrors(second);
        assertNoScriptErrors(third);
    }
}
