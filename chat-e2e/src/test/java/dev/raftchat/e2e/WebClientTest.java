package dev.raftchat.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;

/**
 * The web client's reading and writing comforts (issue 22, item 8) against a real three-node cluster in
 * headless Chromium: editing and deleting one's own messages with the mouse and the keyboard, links that
 * are links and nothing else, the unread count in the tab title, day separators, the phone layout (cluster
 * table, drawer backdrop), and the screenshots of {@code docs/screenshots}.
 */
class WebClientTest extends BrowserTestSupport {

    @Test
    void ownMessagesAreEditedAndDeletedWithTheMouseOrTheKeyboardAndOthersAreNot() {
        String alice = unique("alice");
        String bob = unique("bob");
        String room = unique("edits");
        ChatPage page = browserAt(cluster.baseUrl(1)).register(alice).createRoom(room);
        ChatApi bobApi = new ChatApi(cluster.baseUrl(2)).signUp(bob, ChatPage.PASSWORD);
        page.send("first draft");
        long first = page.seqOf("first draft");
        bobApi.post(room, "bob was here");
        long bobs = page.seqOf("bob was here");
        page.send("second thought");
        long second = page.seqOf("second thought");
        ChatPage other = browserAt(cluster.baseUrl(3)).login(bob).openRoom(room);
        other.awaitConfirmed("second thought");

        // Only one's own messages have the actions button, in either browser.
        new Actions(page.driver).moveToElement(page.find("room-title")).perform();
        assertThat(menuButtons(page, first)).hasSize(1);
        assertThat(menuButtons(page, second)).hasSize(1);
        assertThat(menuButtons(page, bobs)).isEmpty();
        assertThat(menuButtons(other, first)).isEmpty();
        assertThat(menuButtons(other, bobs)).hasSize(1);

        // The mouse: the button shows on hover, opens a menu, "Edit" turns the text into an editor.
        WebElement button = menuButtons(page, first).get(0);
        assertThat(opacity(button)).as("hidden until hovered or focused").isEqualTo("0");
        new Actions(page.driver).moveToElement(page.message(first)).perform();
        await().atMost(ChatPage.WAIT)
                .until(() -> opacity(menuButtons(page, first).get(0)).equals("1"));
        menuButtons(page, first).get(0).click();
        WebElement menu = page.message(first).findElement(By.cssSelector("[role=menu]"));
        assertThat(menu.findElements(By.cssSelector("[role=menuitem]")))
                .extracting(WebElement::getText)
                .containsExactly("Edit", "Delete");
        assertThat(activeAttribute(page, "data-action"))
                .as("focus on the first item")
                .isEqualTo("edit");
        assertThat(menuButtons(page, first).get(0).getAttribute("aria-expanded"))
                .isEqualTo("true");
        menu.findElement(By.cssSelector("[data-action=edit]")).click();
        WebElement editor = page.message(first).findElement(By.cssSelector("textarea.msg-edit-input"));
        assertThat(editor.getAttribute("value")).isEqualTo("first draft");
        assertThat(activeAttribute(page, "class")).isEqualTo("msg-edit-input");
        page.screenshot("edit-in-place");
        editor.sendKeys(Keys.chord(Keys.CONTROL, "a"), "first, edited", Keys.ENTER);
        await().atMost(ChatPage.WAIT).until(() -> textOf(page, first).equals("first, edited"));
        assertThat(page.message(first)
                        .findElement(By.cssSelector(".msg-edited"))
                        .getText())
                .isEqualTo("(edited)");
        assertThat(stored(bobApi, room, first).path("text").asText()).isEqualTo("first, edited");
        assertThat(stored(bobApi, room, first).path("editedAt").isNull()).isFalse();
        await().atMost(ChatPage.WAIT)
                .ignoreException(StaleElementReferenceException.class)
                .until(() -> textOf(other, first).equals("first, edited"));

        // The keyboard: Up in the empty composer edits the newest own message; Escape leaves it as it was.
        page.find("composer-input").click();
        page.find("composer-input").sendKeys(Keys.ARROW_UP);
        await().atMost(ChatPage.WAIT).until(() -> "msg-edit-input".equals(activeAttribute(page, "class")));
        assertThat(page.message(second)
                        .findElement(By.cssSelector("textarea.msg-edit-input"))
                        .getAttribute("value"))
                .isEqualTo("second thought");
        page.driver.switchTo().activeElement().sendKeys(" (not saved)", Keys.ESCAPE);
        await().atMost(ChatPage.WAIT).until(() -> page.focusedId().equals("composer-input"));
        assertThat(textOf(page, second)).isEqualTo("second thought");
        page.find("composer-input").sendKeys(Keys.ARROW_UP);
        await().atMost(ChatPage.WAIT).until(() -> "msg-edit-input".equals(activeAttribute(page, "class")));
        page.driver
                .switchTo()
                .activeElement()
                .sendKeys(" and a second line", Keys.chord(Keys.SHIFT, Keys.ENTER), "too", Keys.ENTER);
        await().atMost(ChatPage.WAIT).until(() -> textOf(page, second).equals("second thought and a second line\ntoo"));
        assertThat(page.focusedId()).as("focus back in the composer").isEqualTo("composer-input");
        // Typing in the composer is not editing: Up only edits when the composer is empty.
        page.find("composer-input").sendKeys("draft", Keys.ARROW_UP);
        assertThat(page.focusedId()).isEqualTo("composer-input");
        page.find("composer-input").sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.BACK_SPACE);

        // Deleting by keyboard only: Shift+Tab from the composer reaches the newest own message's button,
        // then the one before (bob's message has none); Enter opens the menu, Escape closes it.
        page.find("composer-input").sendKeys(Keys.chord(Keys.SHIFT, Keys.TAB));
        assertThat(focusedMenuButtonSeq(page)).isEqualTo(second);
        page.driver.switchTo().activeElement().sendKeys(Keys.chord(Keys.SHIFT, Keys.TAB));
        assertThat(focusedMenuButtonSeq(page)).isEqualTo(first);
        page.driver.switchTo().activeElement().sendKeys(Keys.ENTER);
        await().atMost(ChatPage.WAIT).until(() -> "edit".equals(activeAttribute(page, "data-action")));
        page.driver.switchTo().activeElement().sendKeys(Keys.ESCAPE);
        await().atMost(ChatPage.WAIT).until(() -> focusedMenuButtonSeq(page) == first);
        assertThat(page.message(first).findElements(By.cssSelector("[role=menu]")))
                .isEmpty();
        page.driver.switchTo().activeElement().sendKeys(Keys.ENTER);
        await().atMost(ChatPage.WAIT).until(() -> "edit".equals(activeAttribute(page, "data-action")));
        page.driver.switchTo().activeElement().sendKeys(Keys.ARROW_DOWN);
        assertThat(activeAttribute(page, "data-action")).isEqualTo("delete");
        page.driver.switchTo().activeElement().sendKeys(Keys.ENTER);
        await().atMost(ChatPage.WAIT).until(() -> "confirm-delete".equals(activeAttribute(page, "data-action")));
        assertThat(page.message(first)
                        .findElement(By.cssSelector(".msg-confirm"))
                        .getText())
                .contains("Delete this message for everyone?");
        page.screenshot("delete-confirm");
        page.driver.switchTo().activeElement().sendKeys(Keys.ENTER);
        await().atMost(ChatPage.WAIT)
                .ignoreException(StaleElementReferenceException.class)
                .until(() -> textOf(page, first).equals("This message was deleted."));
        assertThat(menuButtons(page, first)).as("a tombstone has no actions").isEmpty();
        assertThat(page.focusedId()).isEqualTo("composer-input");
        assertThat(stored(bobApi, room, first).path("deleted").asBoolean()).isTrue();
        await().atMost(ChatPage.WAIT)
                .ignoreException(StaleElementReferenceException.class)
                .until(() -> textOf(other, first).equals("This message was deleted."));

        // Bob's Up arrow edits bob's message, never alice's newer one; the server refuses him alice's anyway.
        other.find("composer-input").sendKeys(Keys.ARROW_UP);
        await().atMost(ChatPage.WAIT).until(() -> "msg-edit-input".equals(activeAttribute(other, "class")));
        assertThat(other.message(bobs).findElements(By.cssSelector("textarea.msg-edit-input")))
                .hasSize(1);
        other.driver.switchTo().activeElement().sendKeys(Keys.ESCAPE);
        assertThat(bobApi.tryEdit(room, second, "bob's words")).isEqualTo(403);
        assertThat(page.confirmedTexts())
                .containsExactly("This message was deleted.", "bob was here", "second thought and a second line\ntoo");
        assertNoScriptErrors(page);
        assertNoScriptErrors(other);
    }

    @Test
    void urlsBecomeSafeLinksAndMarkupStaysText() {
        String room = unique("links");
        ChatPage page = browserAt(cluster.baseUrl(1)).register(unique("linker")).createRoom(room);
        String target = cluster.baseUrl(2) + "/app/icon.svg";
        String secure = "https://127.0.0.1:1/a_(b)?q=1#top";
        String withLinks = "see " + target + ", and (" + secure + "). Not javascript:alert(1) nor JAVASCRIPT:alert(2)";
        page.send(withLinks);
        long linked = page.seqOf(withLinks);
        List<WebElement> links = page.message(linked).findElements(By.cssSelector(".msg-text a"));
        assertThat(links).extracting(link -> link.getAttribute("href")).containsExactly(target, secure);
        assertThat(links).extracting(WebElement::getText).containsExactly(target, secure);
        for (WebElement link : links) {
            assertThat(link.getAttribute("rel")).isEqualTo("noopener noreferrer");
            assertThat(link.getAttribute("target")).isEqualTo("_blank");
        }

        String injection = "<a href=\"javascript:document.title='pwned'\">click</a>"
                + " <img src=x onerror=\"document.title='pwned'\"> <script>document.title='pwned'</script>"
                + " [x](javascript:alert(3)) data:text/html,<b>x</b> http://127.0.0.1:1/\"onmouseover=\"document.title='pwned'";
        page.send(injection);
        long injected = page.seqOf(injection);
        assertThat(page.message(injected)
                        .findElement(By.cssSelector(".msg-text"))
                        .getText())
                .isEqualTo(injection);
        assertThat(page.message(injected).findElements(By.cssSelector(".msg-text *")))
                .as("only the one http URL became an element")
                .extracting(element -> element.getTagName() + " " + element.getAttribute("href"))
                .containsExactly("a http://127.0.0.1:1/");
        // Nothing in the list is a link anywhere but http(s), and no element carries a handler or a style.
        assertThat(page.texts("#message-list a")).hasSize(3);
        assertThat((Boolean) page.script("return Array.from(document.querySelectorAll('#message-list a'))"
                        + ".every(a => a.protocol === 'http:' || a.protocol === 'https:');"))
                .isTrue();
        assertThat((Boolean) page.script("return Array.from(document.querySelectorAll('#message-list *'))"
                        + ".some(e => Array.from(e.attributes).some(a => a.name.startsWith('on')));"))
                .isFalse();
        assertThat(page.driver.findElements(By.cssSelector("#message-list img, #message-list script, #message-list b")))
                .isEmpty();
        assertThat(page.driver.getTitle()).isEqualTo("raft-chat");

        // A click opens the link in a new tab that cannot reach back to the chat, and is told nothing of it.
        String chat = page.driver.getWindowHandle();
        links.get(0).click();
        await().atMost(ChatPage.WAIT).until(() -> page.driver.getWindowHandles().size() == 2);
        String opened = page.driver.getWindowHandles().stream()
                .filter(handle -> !handle.equals(chat))
                .findFirst()
                .orElseThrow();
        page.driver.switchTo().window(opened);
        await().atMost(ChatPage.WAIT).until(() -> page.driver.getCurrentUrl().equals(target));
        assertThat(page.script("return window.opener;")).isNull();
        assertThat(page.script("return document.referrer;")).isEqualTo("");
        page.driver.close();
        page.driver.switchTo().window(chat);
        assertThat(page.driver.getTitle()).isEqualTo("raft-chat");
        assertNoScriptErrors(page);
    }

    @Test
    void theTabTitleCountsWhatIsUnreadInOtherRoomsAndWhileThePageIsHidden() {
        String reader = unique("reader");
        String here = unique("here");
        String there = unique("there");
        ChatApi writer = new ChatApi(cluster.baseUrl(2)).signUp(unique("writer"), ChatPage.PASSWORD);
        writer.createRoom(here);
        writer.createRoom(there);
        writer.post(here, "welcome");
        ChatApi readerApi = new ChatApi(cluster.baseUrl(1)).signUp(reader, ChatPage.PASSWORD);
        readerApi.markAllRead(); // the other tests' rooms are not what this one counts
        ChatPage page = browserAt(cluster.baseUrl(1)).login(reader).openRoom(here);
        page.awaitConfirmed("welcome");
        assertThat(page.driver.getTitle()).isEqualTo("raft-chat");

        // Another room gets two messages: the title says so (the room list refreshes every 15 s).
        writer.post(there, "one");
        writer.post(there, "two");
        await().atMost(ChatPage.WAIT).until(() -> page.driver.getTitle().equals("(2) raft-chat"));
        page.openRoom(there);
        page.awaitConfirmed("two");
        await().atMost(ChatPage.WAIT).until(() -> page.driver.getTitle().equals("raft-chat"));

        // Hidden, the open room's new messages count too, and so do the other rooms' (refreshed while hidden).
        page.hide();
        writer.post(there, "while away 1");
        writer.post(there, "while away 2");
        writer.post(there, "while away 3");
        await().atMost(ChatPage.WAIT).until(() -> page.driver.getTitle().equals("(3) raft-chat"));
        page.awaitConfirmed("while away 3");
        writer.post(here, "meanwhile here");
        await().atMost(ChatPage.WAIT).until(() -> page.driver.getTitle().equals("(4) raft-chat"));

        // Back in view, what is on screen is read; the other room still counts.
        page.show();
        await().atMost(ChatPage.WAIT).until(() -> page.driver.getTitle().equals("(1) raft-chat"));
        page.openRoom(here);
        page.awaitConfirmed("meanwhile here");
        await().atMost(ChatPage.WAIT).until(() -> page.driver.getTitle().equals("raft-chat"));
        assertNoScriptErrors(page);
    }

    @Test
    void daySeparatorsMarkWhereTheReadersLocalDayChanges() {
        String room = unique("days");
        ChatApi writer = new ChatApi(cluster.baseUrl(1)).signUp(unique("night-owl"), ChatPage.PASSWORD);
        writer.createRoom(room);
        // Two messages on either side of a whole second; a reader whose midnight is that second sees them on
        // two days. The nodes stamp messages with this machine's clock (docs/api.md, "Times").
        long lateAt = writer.post(room, "late last night").get("postedAtMillis").asLong();
        long midnight = (lateAt / 1000 + 1) * 1000;
        await().atMost(ChatPage.WAIT)
                .pollInterval(Duration.ofMillis(50))
                .until(() -> System.currentTimeMillis() > midnight + 50);
        long earlyAt =
                writer.post(room, "early this morning").get("postedAtMillis").asLong();
        assertThat(earlyAt).isGreaterThanOrEqualTo(midnight);
        writer.post(room, "and a bit later");
        ZoneOffset zone = offsetWhoseMidnightIs(midnight);

        ChatPage page = browserAt(cluster.baseUrl(2));
        page.useTimeZone(timeZoneId(zone));
        page.register(unique("reader")).openRoom(room);
        page.awaitConfirmed("and a bit later");
        List<String> days = page.texts("#message-list > li.msg .day-separator");
        assertThat(days).containsExactly("Yesterday", "Today");
        LocalDate today = Instant.ofEpochMilli(earlyAt).atOffset(zone).toLocalDate();
        assertThat(separatorDay(page, "late last night"))
                .isEqualTo(today.minusDays(1).toString());
        assertThat(separatorDay(page, "early this morning")).isEqualTo(today.toString());
        assertThat(separatorDay(page, "and a bit later")).isNull();
        // The same author within minutes, but a new day: the first message of the day shows its header again.
        assertThat(classesOf(page, "early this morning")).contains("new-day").doesNotContain("continued");
        assertThat(classesOf(page, "and a bit later")).contains("continued");

        // A message arriving live on the same day gets no separator; the list keeps its two days.
        writer.post(room, "still today");
        page.awaitConfirmed("still today");
        assertThat(separatorDay(page, "still today")).isNull();
        assertThat(page.texts("#message-list > li.msg .day-separator")).containsExactly("Yesterday", "Today");
        page.screenshot("day-separators");
        assertNoScriptErrors(page);
    }

    @Test
    void atPhoneWidthTheClusterTableFitsAndTheDrawerHasABackdrop() {
        String room = unique("phone");
        ChatPage page = browserAt(cluster.baseUrl(1)).register(unique("mobile")).createRoom(room);
        page.send("hello from a phone");
        page.awaitConfirmed("hello from a phone");
        page.resizeViewport(Chromium.PHONE_VIEWPORT.width, Chromium.PHONE_VIEWPORT.height);
        awaitSidebarClosed(page);
        assertThat(page.find("drawer-backdrop").isDisplayed()).isFalse();

        // The drawer opens over a backdrop; a tap on the backdrop closes it and focus returns to the toggle.
        page.find("rooms-toggle").click();
        awaitSidebarOpen(page);
        assertThat(page.find("drawer-backdrop").isDisplayed()).isTrue();
        Rect sidebar = rect(page, "sidebar");
        int x = (int) Math.round((sidebar.right() + Chromium.PHONE_VIEWPORT.width) / 2);
        int y = Chromium.PHONE_VIEWPORT.height / 2;
        assertThat(page.script("return document.elementFromPoint(arguments[0], arguments[1]).id;", x, y))
                .as("the backdrop covers the page beside the drawer")
                .isEqualTo("drawer-backdrop");
        assertThat((Boolean) page.script("return document.getElementById('chat').inert;"))
                .as("the page behind takes no focus")
                .isTrue();
        new Actions(page.driver).moveToLocation(x, y).click().perform();
        awaitSidebarClosed(page);
        assertThat(page.find("drawer-backdrop").isDisplayed()).isFalse();
        assertThat(page.focusedId()).isEqualTo("rooms-toggle");
        assertThat(page.find("rooms-toggle").getAttribute("aria-expanded")).isEqualTo("false");
        // Escape closes it as well.
        page.find("rooms-toggle").click();
        awaitSidebarOpen(page);
        page.driver.switchTo().activeElement().sendKeys(Keys.ESCAPE);
        awaitSidebarClosed(page);

        // The cluster view: every cell of the members table inside the panel, the panel inside the screen.
        page.openClusterView(3);
        Rect panel = rect(page, "cluster-panel");
        assertThat(panel.left()).isGreaterThanOrEqualTo(0);
        assertThat(panel.right()).isLessThanOrEqualTo(Chromium.PHONE_VIEWPORT.width);
        assertThat(
                        (Boolean)
                                page.script(
                                        "const panel = document.getElementById('cluster-panel').getBoundingClientRect();"
                                                + " return Array.from(document.querySelectorAll('#cluster-body th, #cluster-body td')).every(cell => {"
                                                + " const r = cell.getBoundingClientRect(); return r.left >= panel.left && r.right <= panel.right; });"))
                .as("no cell of the cluster table is cut off")
                .isTrue();
        assertThat((Boolean) page.script("const s = document.querySelector('#cluster-body .table-scroll');"
                        + " return s.scrollWidth <= s.clientWidth;"))
                .as("the table fits without scrolling sideways")
                .isTrue();
        assertThat((Boolean) page.script("return document.documentElement.scrollWidth <= window.innerWidth;"))
                .isTrue();
        page.find("cluster-close").click();
        assertNoScriptErrors(page);
    }

    /**
     * The screenshots linked from README.md: a conversation with a link, an edit, a deletion and a day
     * separator, at a laptop's and a phone's size. Each PNG is checked to have the page's size.
     */
    @Test
    void screenshotsAtDesktopAndPhoneSizes() throws IOException {
        String room = unique("general");
        ChatApi ann = new ChatApi(cluster.baseUrl(2)).signUp(unique("ann"), ChatPage.PASSWORD);
        ann.createRoom(room);
        long yesterdayAt = ann.post(room, "Release notes are up for review.")
                .get("postedAtMillis")
                .asLong();
        long midnight = (yesterdayAt / 1000 + 1) * 1000;
        await().atMost(ChatPage.WAIT)
                .pollInterval(Duration.ofMillis(50))
                .until(() -> System.currentTimeMillis() > midnight + 50);
        ann.post(room, "Morning! Every node serves this page, node 2 too: " + cluster.baseUrl(2) + "/");
        long typo = ann.post(room, "I will merge it at noon unles someone objects.")
                .get("seq")
                .asLong();
        ann.edit(room, typo, "I will merge it at noon unless someone objects.");
        long oops = ann.post(room, "wrong room, sorry").get("seq").asLong();
        ann.delete(room, oops);
        String random = unique("random");
        ann.createRoom(random);
        ann.post(random, "lunch?");
        ann.post(random, "in 10 minutes at the usual place");

        String ben = unique("ben");
        // The leader's page, whose cluster view knows every member's progress and health.
        ChatPage page = browserAt(cluster.baseUrl(leaderAtStart));
        page.useTimeZone(timeZoneId(offsetWhoseMidnightIs(midnight)));
        page.register(ben).openRoom(room);
        page.send("Looks good to me. I stopped the leader and it kept answering.");
        long mine = page.seqOf("Looks good to me. I stopped the leader and it kept answering.");
        page.awaitConnectionState("connected");

        List<Path> shots = new ArrayList<>();
        page.resizeViewport(Chromium.DESKTOP_VIEWPORT.width, Chromium.DESKTOP_VIEWPORT.height);
        shots.add(page.screenshot("desktop-chat"));
        new Actions(page.driver).moveToElement(page.message(mine)).perform();
        await().atMost(ChatPage.WAIT)
                .until(() -> opacity(menuButtons(page, mine).get(0)).equals("1"));
        menuButtons(page, mine).get(0).click();
        await().atMost(ChatPage.WAIT)
                .until(() -> !page.message(mine)
                        .findElements(By.cssSelector("[role=menu]"))
                        .isEmpty());
        shots.add(page.screenshot("desktop-message-menu"));
        page.driver.switchTo().activeElement().sendKeys(Keys.ESCAPE);
        page.openClusterView(3);
        shots.add(page.screenshot("desktop-cluster"));
        page.find("cluster-close").click();
        for (Path shot : shots) {
            assertThat(sizeOf(shot)).as(shot.toString()).isEqualTo(Chromium.DESKTOP_VIEWPORT);
        }

        shots.clear();
        page.resizeViewport(Chromium.PHONE_VIEWPORT.width, Chromium.PHONE_VIEWPORT.height);
        awaitSidebarClosed(page);
        page.script("document.getElementById('message-scroller').scrollTop = 1e9;");
        shots.add(page.screenshot("phone-chat"));
        page.find("rooms-toggle").click();
        awaitSidebarOpen(page);
        shots.add(page.screenshot("phone-rooms"));
        page.driver.switchTo().activeElement().sendKeys(Keys.ESCAPE);
        awaitSidebarClosed(page);
        page.openClusterView(3);
        shots.add(page.screenshot("phone-cluster"));
        for (Path shot : shots) {
            assertThat(sizeOf(shot)).as(shot.toString()).isEqualTo(Chromium.PHONE_VIEWPORT);
        }
        assertThat(page.texts("#message-list > li.msg .day-separator")).containsExactly("Yesterday", "Today");
        assertNoScriptErrors(page);
    }

    // ---- helpers ---------------------------------------------------------------------------------

    /** The fixed offset (whole seconds, within ±12 h) at which {@code midnightMillis} is 00:00:00 local time. */
    static ZoneOffset offsetWhoseMidnightIs(long midnightMillis) {
        int secondOfDay = (int) Math.floorMod(midnightMillis / 1000, 86_400L);
        int offset = Math.floorMod(-secondOfDay, 86_400);
        if (offset > 43_200) {
            offset -= 86_400;
        }
        return ZoneOffset.ofTotalSeconds(offset);
    }

    /** The zone as Chromium's time zone override takes a fixed offset: {@code GMT+hh:mm:ss}. */
    static String timeZoneId(ZoneOffset offset) {
        int seconds = Math.abs(offset.getTotalSeconds());
        return String.format(
                "GMT%s%02d:%02d:%02d",
                offset.getTotalSeconds() < 0 ? "-" : "+", seconds / 3600, seconds / 60 % 60, seconds % 60);
    }

    private static List<WebElement> menuButtons(ChatPage page, long seq) {
        return page.message(seq).findElements(By.cssSelector(".msg-menu-button"));
    }

    private static String opacity(WebElement element) {
        return element.findElement(By.xpath("ancestor::div[contains(@class,'msg-actions')]"))
                .getCssValue("opacity");
    }

    private static String activeAttribute(ChatPage page, String name) {
        return (String) page.script("return document.activeElement.getAttribute(arguments[0]);", name);
    }

    private static long focusedMenuButtonSeq(ChatPage page) {
        Object seq = page.script("const e = document.activeElement;"
                + " return e.classList.contains('msg-menu-button') ? Number(e.closest('li.msg').dataset.seq) : -1;");
        return ((Number) seq).longValue();
    }

    private static String textOf(ChatPage page, long seq) {
        List<WebElement> text = page.message(seq).findElements(By.cssSelector(".msg-text"));
        return text.isEmpty() ? "" : text.get(0).getAttribute("textContent");
    }

    private static JsonNode stored(ChatApi api, String room, long seq) {
        return api.allMessages(room).stream()
                .filter(m -> m.path("seq").asLong() == seq)
                .findFirst()
                .orElseThrow();
    }

    private static String separatorDay(ChatPage page, String text) {
        return (String) page.script(
                "const li = Array.from(document.querySelectorAll('#message-list > li.msg'))"
                        + ".find(li => li.querySelector('.msg-text')?.textContent === arguments[0]);"
                        + " const separator = li.querySelector(':scope > .day-separator');"
                        + " return separator ? separator.dataset.day : null;",
                text);
    }

    private static Set<String> classesOf(ChatPage page, String text) {
        String classes = (String) page.script(
                "return Array.from(document.querySelectorAll('#message-list > li.msg'))"
                        + ".find(li => li.querySelector('.msg-text')?.textContent === arguments[0]).className;",
                text);
        return Set.of(classes.split(" "));
    }

    record Rect(double left, double right) {}

    /** Waits until the rooms drawer has slid in completely. */
    private static void awaitSidebarOpen(ChatPage page) {
        await().atMost(ChatPage.WAIT).until(() -> rect(page, "sidebar").left() >= 0);
    }

    /** Waits until the rooms drawer has slid out of the screen completely. */
    private static void awaitSidebarClosed(ChatPage page) {
        await().atMost(ChatPage.WAIT).until(() -> rect(page, "sidebar").right() <= 0);
    }

    private static Rect rect(ChatPage page, String id) {
        List<?> box = (List<?>) page.script(
                "const r = document.getElementById(arguments[0]).getBoundingClientRect(); return [r.left, r.right];",
                id);
        return new Rect(((Number) box.get(0)).doubleValue(), ((Number) box.get(1)).doubleValue());
    }

    private static Dimension sizeOf(Path png) throws IOException {
        BufferedImage image = ImageIO.read(png.toFile());
        return new Dimension(image.getWidth(), image.getHeight());
    }
}
