package dev.raftchat.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;

/**
 * The web client against a real three-node cluster, in headless Chromium: the scenarios of issue 8.
 * Nothing of the server is simulated; faults are real (a node killed with SIGKILL and restarted, a
 * proxy that loses the node's answers or its WebSocket).
 */
class BrowserChatTest extends BrowserTestSupport {

    @Test
    void everyNodeServesTheClientAndItOffersLogin() {
        ChatPage page = browserAt(cluster.baseUrl(1));
        for (int id : cluster.ids()) {
            page.driver.get(cluster.baseUrl(id) + "/");
            await().atMost(ChatPage.WAIT)
                    .ignoreExceptions()
                    .until(() -> page.find("auth-view").isDisplayed());
            assertThat(page.driver.getTitle()).isEqualTo("raft-chat");
            assertThat(page.find("auth-username").getAttribute("autocomplete")).isEqualTo("username");
            assertThat(page.driver.findElements(By.cssSelector("label[for=auth-password]")))
                    .hasSize(1);
            assertThat(page.find("app-view").isDisplayed()).isFalse();
            assertThat(page.find("conn-state").isDisplayed())
                    .as("no connection state before logging in")
                    .isFalse();
            if (id == 1) {
                page.screenshot("login");
            }
            assertNoScriptErrors(page);
        }
    }

    @Test
    void theRoomListPagesAndADeletedRoomDisappearsForEveryone() {
        ChatApi owner = new ChatApi(cluster.baseUrl(2)).signUp(unique("owner"), ChatPage.PASSWORD);
        int pageSize = owner.info().path("limits").path("defaultPageSize").asInt();
        // Names after every other test's rooms, so at least the last few are beyond the first page.
        String prefix = "zz-" + unique("p");
        List<String> created = new ArrayList<>();
        for (int i = 0; i < pageSize + 3; i++) {
            String name = String.format("%s-%03d", prefix, i);
            owner.createRoom(name);
            created.add(name);
        }
        String last = created.get(created.size() - 1);
        owner.post(last, "the last room");

        ChatPage page = browserAt(cluster.baseUrl(1)).register(unique("browser"));
        await().atMost(ChatPage.WAIT).until(() -> page.find("rooms-more").isDisplayed());
        assertThat(page.driver.findElements(By.cssSelector(".room-item[data-room='" + last + "']")))
                .isEmpty();
        while (page.find("rooms-more").isDisplayed()) {
            int shown = page.driver.findElements(By.cssSelector(".room-item")).size();
            page.find("rooms-more").click();
            await().atMost(ChatPage.WAIT)
                    .until(() -> page.driver
                                            .findElements(By.cssSelector(".room-item"))
                                            .size()
                                    > shown
                            || !page.find("rooms-more").isDisplayed());
        }
        List<String> names = page.texts(".room-item .room-name");
        assertThat(names).containsAll(created);
        assertThat(names).as("sorted by name, each once").isSorted().doesNotHaveDuplicates();
        page.openRoom(last);
        page.awaitConfirmed("the last room");

        // The owner deletes the room elsewhere: the open page hears it live and leaves the room.
        owner.deleteRoom(last);
        await().atMost(ChatPage.WAIT)
                .until(() -> page.driver
                                .findElements(By.cssSelector(".room-item[data-room='" + last + "']"))
                                .isEmpty()
                        && page.find("room-title").getText().equals("Pick a room"));
        assertThat(page.find("composer-input").isEnabled()).isFalse();
        assertNoScriptErrors(page);
    }

    @Test
    void aMessageSentInOneBrowserAppearsInAnother() {
        String alice = unique("alice");
        String bob = unique("bob");
        String room = unique("lobby");
        ChatPage first = browserAt(cluster.baseUrl(1)).register(alice).createRoom(room);
        first.send("hello from " + alice);
        first.awaitConfirmed("hello from " + alice);

        ChatPage second = browserAt(cluster.baseUrl(2)).register(bob).openRoom(room);
        second.awaitConfirmed("hello from " + alice);
        // Text is shown as text, never as markup.
        String shown = "<img src=x onerror=\"document.title='pwned'\"> hi " + alice;
        second.send(shown);
        first.awaitConfirmed(shown);
        assertThat(first.driver.findElements(By.cssSelector("#message-list img")))
                .isEmpty();
        // The title may carry the unread count of the other tests' rooms, never what the markup tried to set.
        assertThat(first.driver.getTitle()).matches("(\\(\\d+\\) )?raft-chat");
        // Shift+Enter is a new line inside the message; Enter sends.
        first.find("composer-input")
                .sendKeys("first line", Keys.chord(Keys.SHIFT, Keys.ENTER), "second line", Keys.ENTER);
        second.awaitConfirmed("first line\nsecond line");
        assertThat(first.confirmedTexts()).containsExactly("hello from " + alice, shown, "first line\nsecond line");
        assertThat(first.find("composer-input").getAttribute("value"))
                .as("the composer is cleared after sending")
                .isEmpty();
        first.screenshot("chat");

        // Unread counts come from the server's read markers: bob writes in another room alice has not read.
        String other = unique("random");
        ChatApi bobApi = new ChatApi(cluster.baseUrl(3)).login(bob, ChatPage.PASSWORD);
        bobApi.createRoom(other);
        bobApi.post(other, "one");
        bobApi.post(other, "two");

        // The session survives a reload, and so does the open room (it is in the URL).
        first.reload();
        first.awaitLoggedIn(alice);
        first.awaitRoomOpen(room);
        first.awaitConfirmed(shown);
        await().atMost(ChatPage.WAIT)
                .ignoreException(StaleElementReferenceException.class)
                .until(() -> "2".equals(unreadBadge(first, other)));
        assertThat(unreadBadge(first, room))
                .as("the open room has nothing unread")
                .isNull();
        first.openRoom(other);
        first.awaitConfirmed("two");

        first.openClusterView(3);
        first.screenshot("cluster");
        first.find("cluster-close").click();

        first.driver.manage().window().setSize(Chromium.PHONE);
        await().atMost(ChatPage.WAIT).until(() -> sidebarRight(first) <= 0);
        first.screenshot("chat-narrow");
        first.find("rooms-toggle").click();
        await().atMost(ChatPage.WAIT).until(() -> sidebarLeft(first) >= 0);
        first.screenshot("rooms-narrow");
        first.driver
                .findElement(By.cssSelector(".room-item[data-room='" + room + "']"))
                .click();
        first.awaitRoomOpen(room);
        await().atMost(ChatPage.WAIT).until(() -> sidebarRight(first) <= 0);

        first.find("logout").click();
        await().atMost(ChatPage.WAIT).until(() -> first.find("auth-view").isDisplayed());
        first.reload();
        await().atMost(ChatPage.WAIT).until(() -> first.find("auth-view").isDisplayed());
        assertNoScriptErrors(first);
        assertNoScriptErrors(second);
    }

    @Test
    void scrollingUpLoadsOlderPagesAndKeepsThePlace() {
        String room = unique("history");
        ChatApi writer = new ChatApi(cluster.baseUrl(1)).signUp(unique("writer"), ChatPage.PASSWORD);
        writer.createRoom(room);
        int pageSize = writer.info().path("limits").path("defaultPageSize").asInt();
        int total = 2 * pageSize + pageSize / 2;
        for (int i = 1; i <= total; i++) {
            writer.post(room, "message " + i);
        }

        ChatPage page = browserAt(cluster.baseUrl(2)).register(unique("reader")).openRoom(room);
        await().atMost(ChatPage.WAIT).until(() -> page.confirmedSeqs().size() >= pageSize);
        List<Long> latest = page.confirmedSeqs();
        assertThat(latest)
                .as("the latest page first, contiguous up to the newest")
                .containsExactlyElementsOf(
                        LongStream.rangeClosed(latest.get(0), total).boxed().toList());
        assertThat(latest.get(0)).isGreaterThan(1L);
        assertThat(atBottom(page)).as("opened at the newest message").isTrue();

        while (page.confirmedSeqs().size() < total) {
            List<Long> before = page.confirmedSeqs();
            long anchorSeq = before.get(0);
            page.script("document.getElementById('message-scroller').scrollTop = 0;");
            double anchorTop = topInViewport(page, anchorSeq);
            await().atMost(ChatPage.WAIT).until(() -> page.confirmedSeqs().size() > before.size());
            // The text that was at the top stays where the reader saw it.
            await().atMost(ChatPage.WAIT).until(() -> Math.abs(topInViewport(page, anchorSeq) - anchorTop) < 4);
        }
        assertThat(page.confirmedSeqs())
                .containsExactlyElementsOf(
                        LongStream.rangeClosed(1, total).boxed().toList());
        assertThat(page.texts("#message-list > li.msg .msg-text").get(0)).isEqualTo("message 1");
        page.script("document.getElementById('message-scroller').scrollTop = 0;");
        await().atMost(ChatPage.WAIT)
                .until(() -> page.find("history-state").getText().startsWith("This is the beginning"));
        page.screenshot("history-top");

        // Reading history does not jump: a new message while scrolled up shows the marker instead.
        writer.post(room, "while reading");
        await().atMost(ChatPage.WAIT).until(() -> page.find("new-messages").isDisplayed());
        assertThat(atBottom(page)).isFalse();
        page.find("new-messages").click();
        await().atMost(ChatPage.WAIT)
                .until(() -> atBottom(page) && !page.find("new-messages").isDisplayed());
        assertThat(page.confirmedTexts()).last().isEqualTo("while reading");
    }

    @Test
    void theClientResumesWithoutGapsOrDuplicatesWhenItsWebSocketIsDropped() throws Exception {
        int pageNode = follower(leaderAtStart);
        FaultyProxy proxy = closeAfterTest(new FaultyProxy(cluster.httpPort(pageNode)));
        String room = unique("resume");
        ChatPage page = browserAt("http://127.0.0.1:" + proxy.port())
                .register(unique("reader"))
                .createRoom(room);
        page.awaitConnectionState("connected");
        page.send("before the drop");
        page.awaitConfirmed("before the drop");
        ChatApi writer = new ChatApi(cluster.baseUrl(leaderAtStart)).signUp(unique("writer"), ChatPage.PASSWORD);

        // 1. The connection is cut and stays down while others write: the client must not miss them.
        proxy.blockWebSockets(true);
        proxy.dropWebSockets();
        await().atMost(ChatPage.WAIT).until(() -> !page.connectionState().equals("connected"));
        page.screenshot("reconnecting");
        for (int i = 1; i <= 5; i++) {
            writer.post(room, "while cut " + i);
        }
        proxy.blockWebSockets(false);
        page.awaitConnectionState("connected");
        page.awaitConfirmed("while cut 5");

        // 2. The node the page talks to crashes and comes back, with writes elsewhere in between.
        cluster.kill(pageNode);
        await().atMost(ChatPage.WAIT).until(() -> !page.connectionState().equals("connected"));
        for (int i = 1; i <= 3; i++) {
            writer.post(room, "while down " + i);
        }
        cluster.start(pageNode);
        page.awaitConnectionState("connected");
        page.awaitConfirmed("while down 3");
        page.send("after the restart");
        page.awaitConfirmed("after the restart");

        List<String> stored = writer.allMessages(room).stream()
                .map(m -> m.get("text").asText())
                .toList();
        assertThat(stored).hasSize(10);
        await().atMost(ChatPage.WAIT).until(() -> page.confirmedTexts().size() == stored.size());
        assertThat(page.confirmedTexts()).containsExactlyElementsOf(stored);
        assertThat(page.confirmedSeqs())
                .containsExactlyElementsOf(LongStream.rangeClosed(1, 10).boxed().toList());
        assertNoScriptErrors(page);
    }

    @Test
    void theChatCarriesOnThroughALeaderFailoverWithThePageOpen() {
        int leader = leaderAtStart;
        int pageNode = follower(leader);
        int otherSurvivor = cluster.ids().stream()
                .filter(id -> id != leader && id != pageNode)
                .findFirst()
                .orElseThrow();
        String room = unique("failover");
        ChatPage page =
                browserAt(cluster.baseUrl(pageNode)).register(unique("reader")).createRoom(room);
        page.send("before the failover");
        page.awaitConfirmed("before the failover");
        ChatApi writer = new ChatApi(cluster.baseUrl(otherSurvivor)).signUp(unique("writer"), ChatPage.PASSWORD);

        page.find("cluster-toggle").click();
        await().atMost(ChatPage.WAIT)
                .until(() ->
                        String.valueOf(leader).equals(page.find("cluster-body").getAttribute("data-leader")));

        cluster.kill(leader);
        page.send("during the failover");
        page.awaitConfirmed("during the failover");
        await().atMost(ChatPage.WAIT).until(() -> {
            String shown = page.find("cluster-body").getAttribute("data-leader");
            return shown != null && !shown.isEmpty() && !shown.equals(String.valueOf(leader));
        });
        page.screenshot("cluster-after-failover");
        writer.post(room, "from the other survivor");
        page.awaitConfirmed("from the other survivor");
        assertThat(page.connectionState())
                .as("the page's own node never went away")
                .isEqualTo("connected");

        cluster.start(leader);
        awaitStableLeader();
        writer.post(room, "after the old leader is back");
        page.awaitConfirmed("after the old leader is back");
        assertThat(page.confirmedTexts())
                .containsExactly(
                        "before the failover",
                        "during the failover",
                        "from the other survivor",
                        "after the old leader is back");
        assertThat(page.pendingMessages()).isEmpty();
        assertNoScriptErrors(page);
    }

    @Test
    void aRetryAfterAFailedSendCreatesOneMessage() throws Exception {
        FaultyProxy proxy = closeAfterTest(new FaultyProxy(cluster.httpPort(1)));
        String room = unique("retry");
        String user = unique("sender");
        ChatPage page =
                browserAt("http://127.0.0.1:" + proxy.port()).register(user).createRoom(room);
        page.awaitConnectionState("connected");
        ChatApi observer = new ChatApi(cluster.baseUrl(2)).signUp(unique("observer"), ChatPage.PASSWORD);

        // The node gets the post and commits it, but the browser never hears back: to the reader it failed.
        proxy.blockWebSockets(true);
        proxy.dropWebSockets();
        proxy.swallowResponses(true);
        page.send("exactly once");
        await().atMost(ChatPage.WAIT)
                .until(() -> page.driver
                                .findElements(By.cssSelector("li.msg.pending .retry"))
                                .size()
                        == 1);
        WebElement pending = page.pendingMessages().get(0);
        String txnId = pending.getAttribute("data-txn");
        assertThat(txnId).isNotBlank();
        assertThat(page.confirmedTexts()).doesNotContain("exactly once");
        await().atMost(ChatPage.WAIT).until(() -> countText(observer.allMessages(room), "exactly once") == 1);
        page.screenshot("send-failed");

        // The answer path works again; the retry reuses the transaction id and the server replays its first result.
        proxy.swallowResponses(false);
        page.driver.findElement(By.cssSelector("li.msg.pending .retry")).click();
        page.awaitConfirmed("exactly once");
        assertThat(page.pendingMessages()).isEmpty();
        WebElement confirmed = page.driver.findElement(
                By.cssSelector("#message-list > li.msg:not(.pending)[data-txn='" + txnId + "']"));
        assertThat(confirmed.getAttribute("data-replayed"))
                .as("answered as a replay of the first post")
                .isEqualTo("true");

        // The live stream then delivers the same message again on resume: still shown once.
        proxy.blockWebSockets(false);
        clickRetryNowIfShown(page);
        page.awaitConnectionState("connected");
        page.send("and one more");
        page.awaitConfirmed("and one more");
        assertThat(page.confirmedTexts()).containsExactly("exactly once", "and one more");
        List<JsonNode> stored = observer.allMessages(room);
        assertThat(countText(stored, "exactly once")).isEqualTo(1);
        assertThat(stored.stream()
                        .filter(m -> m.get("text").asText().equals("exactly once"))
                        .findFirst()
                        .orElseThrow()
                        .get("txnId")
                        .asText())
                .isEqualTo(txnId);
        assertNoScriptErrors(page);
    }

    /** The connection state's "Retry now" skips the backoff wait, as a reader in a hurry would. */
    private static void clickRetryNowIfShown(ChatPage page) {
        List<WebElement> retry = page.driver.findElements(By.cssSelector("#conn-state .conn-retry"));
        if (!retry.isEmpty() && retry.get(0).isDisplayed()) {
            try {
                retry.get(0).click();
            } catch (RuntimeException e) {
                // hidden meanwhile: the client reconnected by itself
            }
        }
    }

    private static double sidebarRight(ChatPage page) {
        return ((Number) page.script("return document.getElementById('sidebar').getBoundingClientRect().right;"))
                .doubleValue();
    }

    private static double sidebarLeft(ChatPage page) {
        return ((Number) page.script("return document.getElementById('sidebar').getBoundingClientRect().left;"))
                .doubleValue();
    }

    private static long countText(List<JsonNode> messages, String text) {
        return messages.stream()
                .filter(m -> m.path("text").asText().equals(text))
                .count();
    }

    private static String unreadBadge(ChatPage page, String room) {
        List<WebElement> badges =
                page.driver.findElements(By.cssSelector(".room-item[data-room='" + room + "'] .unread"));
        return badges.isEmpty() ? null : badges.get(0).getText();
    }

    private static boolean atBottom(ChatPage page) {
        return (Boolean) page.script("const s = document.getElementById('message-scroller');"
                + " return s.scrollHeight - s.scrollTop - s.clientHeight <= 48;");
    }

    private static double topInViewport(ChatPage page, long seq) {
        return ((Number) page.script(
                        "const text = document.querySelector(`#message-list > li.msg[data-seq='${arguments[0]}'] .msg-text`);"
                                + " return text.getBoundingClientRect().top - document.getElementById('message-scroller').getBoundingClientRect().top;",
                        seq))
                .doubleValue();
    }
}
