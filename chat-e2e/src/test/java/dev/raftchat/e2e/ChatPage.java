package dev.raftchat.e2e;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * The web client as a person uses it, in one browser: what they click and type, and what they see.
 * Reads the page through its accessible markup and a few data attributes ({@code data-seq},
 * {@code data-state}), never through the client's internals.
 */
final class ChatPage {
    static final Duration WAIT = Duration.ofSeconds(30);
    static final String PASSWORD = "correct horse battery";

    final ChromeDriver driver;
    private final String baseUrl;
    private final Path screenshots;

    ChatPage(ChromeDriver driver, String baseUrl, Path screenshots) {
        this.driver = driver;
        this.baseUrl = baseUrl;
        this.screenshots = screenshots;
    }

    ChatPage open() {
        driver.get(baseUrl + "/");
        return this;
    }

    /** Creates an account through the form and ends logged in, with the room list shown. */
    ChatPage register(String username) {
        await().atMost(WAIT)
                .until(() -> find("auth-view").isDisplayed() || find("app-view").isDisplayed());
        find("tab-register").click();
        fillCredentials(username);
        awaitLoggedIn(username);
        return this;
    }

    ChatPage login(String username) {
        await().atMost(WAIT).until(() -> find("auth-view").isDisplayed());
        find("tab-login").click();
        fillCredentials(username);
        awaitLoggedIn(username);
        return this;
    }

    private void fillCredentials(String username) {
        find("auth-username").clear();
        find("auth-username").sendKeys(username);
        find("auth-password").clear();
        find("auth-password").sendKeys(PASSWORD);
        find("auth-submit").click();
    }

    void awaitLoggedIn(String username) {
        await().atMost(WAIT)
                .until(() -> find("app-view").isDisplayed()
                        && find("whoami").getText().equals(username));
    }

    ChatPage createRoom(String room) {
        find("new-room-name").sendKeys(room);
        find("new-room-name").sendKeys(Keys.ENTER);
        awaitRoomOpen(room);
        return this;
    }

    ChatPage openRoom(String room) {
        await().atMost(WAIT)
                .ignoreException(StaleElementReferenceException.class)
                .until(() -> !driver.findElements(roomButton(room)).isEmpty());
        driver.findElement(roomButton(room)).click();
        awaitRoomOpen(room);
        return this;
    }

    void awaitRoomOpen(String room) {
        await().atMost(WAIT)
                .until(() -> find("room-title").getText().equals("# " + room)
                        && find("composer-input").isEnabled()
                        && !find("history-state").getText().startsWith("Loading messages"));
    }

    private static By roomButton(String room) {
        return By.cssSelector(".room-item[data-room=\"" + room.replace("\"", "\\\"") + "\"]");
    }

    /** Types the text into the composer and presses Enter. */
    void send(String text) {
        WebElement input = find("composer-input");
        input.sendKeys(text);
        input.sendKeys(Keys.ENTER);
    }

    /** The texts of the messages the server confirmed, in the order shown. */
    List<String> confirmedTexts() {
        return texts("#message-list > li.msg:not(.pending) .msg-text");
    }

    /** The seqs of the confirmed messages, in the order shown. */
    List<Long> confirmedSeqs() {
        return ((List<?>) script("return Array.from(document.querySelectorAll('#message-list > li.msg:not(.pending)'),"
                        + " li => Number(li.dataset.seq));"))
                .stream().map(v -> ((Number) v).longValue()).toList();
    }

    List<WebElement> pendingMessages() {
        return driver.findElements(By.cssSelector("#message-list > li.msg.pending"));
    }

    List<String> texts(String css) {
        return ((List<?>)
                        script("return Array.from(document.querySelectorAll(arguments[0]), e => e.textContent);", css))
                .stream().map(String::valueOf).toList();
    }

    void awaitConfirmed(String text) {
        await().atMost(WAIT)
                .ignoreException(StaleElementReferenceException.class)
                .until(() -> confirmedTexts().contains(text));
    }

    /** {@code connected}, {@code connecting}, {@code reconnecting} or {@code offline}. */
    String connectionState() {
        return find("conn-state").getAttribute("data-state");
    }

    void awaitConnectionState(String state) {
        await().atMost(WAIT).until(() -> connectionState().equals(state));
    }

    /** Opens the cluster view and waits until its table lists {@code members} members. */
    void openClusterView(int members) {
        find("cluster-toggle").click();
        await().atMost(WAIT)
                .until(() -> driver.findElements(By.cssSelector("#cluster-body tr[data-member]"))
                                .size()
                        == members);
    }

    Object script(String source, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(source, args);
    }

    WebElement find(String id) {
        return driver.findElement(By.id(id));
    }

    void reload() {
        driver.navigate().refresh();
    }

    /** The page's own {@code innerWidth} and {@code innerHeight}, the size its CSS lays out for. */
    Dimension viewport() {
        List<?> size = (List<?>) script("return [window.innerWidth, window.innerHeight];");
        return new Dimension(((Number) size.get(0)).intValue(), ((Number) size.get(1)).intValue());
    }

    /**
     * Resizes the window so that the page's viewport (not the window, which headless Chromium makes taller
     * than its page) is {@code width} × {@code height} CSS pixels; screenshots then have that size.
     */
    ChatPage resizeViewport(int width, int height) {
        Dimension wanted = new Dimension(width, height);
        driver.manage().window().setSize(wanted);
        await().atMost(WAIT).until(() -> {
            Dimension inner = viewport();
            if (inner.equals(wanted)) {
                return true;
            }
            Dimension outer = driver.manage().window().getSize();
            driver.manage()
                    .window()
                    .setSize(new Dimension(outer.width + width - inner.width, outer.height + height - inner.height));
            return false;
        });
        return this;
    }

    /** Minimizes the window: the page is then hidden ({@code document.hidden}), as in a background tab. */
    void hide() {
        driver.manage().window().minimize();
        await().atMost(WAIT).until(() -> Boolean.TRUE.equals(script("return document.hidden;")));
    }

    /** Shows the minimized window again at the desktop size. */
    void show() {
        resizeViewport(Chromium.DESKTOP_VIEWPORT.width, Chromium.DESKTOP_VIEWPORT.height);
        await().atMost(WAIT).until(() -> Boolean.FALSE.equals(script("return document.hidden;")));
    }

    /**
     * Makes the browser use {@code timeZone} (an IANA name or {@code GMT+hh:mm:ss}) for local times, as a
     * reader in that zone would, and reloads the page so that the client formats with it from the start.
     */
    void useTimeZone(String timeZone) {
        driver.executeCdpCommand("Emulation.setTimezoneOverride", Map.of("timezoneId", timeZone));
        reload();
        await().atMost(WAIT).until(() -> script("return Intl.DateTimeFormat().resolvedOptions().timeZone;") != null);
    }

    /** The {@code id} of the element that has the keyboard focus ("" when it has none). */
    String focusedId() {
        return String.valueOf(script("return document.activeElement ? document.activeElement.id : '';"));
    }

    /** The list item of the confirmed message {@code seq}. */
    WebElement message(long seq) {
        return driver.findElement(By.cssSelector("#message-list > li.msg[data-seq='" + seq + "']"));
    }

    /** The seq of the confirmed message showing {@code text}, once it is shown. */
    long seqOf(String text) {
        awaitConfirmed(text);
        return ((Number) script(
                        "return Number(Array.from(document.querySelectorAll('#message-list > li.msg:not(.pending)'))"
                                + ".find(li => li.querySelector('.msg-text')?.textContent === arguments[0]).dataset.seq);",
                        text))
                .longValue();
    }

    /** Writes a PNG of the window to the build directory. */
    Path screenshot(String name) {
        try {
            Files.createDirectories(screenshots);
            Path target = screenshots.resolve(name + ".png");
            Files.move(driver.getScreenshotAs(OutputType.FILE).toPath(), target, StandardCopyOption.REPLACE_EXISTING);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
