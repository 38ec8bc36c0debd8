package dev.raftchat.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/** The client loads from every node, its modules run without errors, and a visitor is offered the login. */
class PageLoadTest extends BrowserTestSupport {

    @Test
    void everyNodeServesTheClientAndItOffersLogin() {
        for (long id : cluster.ids()) {
            ChatPage page = browserAt(cluster.baseUrl(id));
            await().atMost(ChatPage.WAIT).until(() -> page.find("auth-view").isDisplayed());
            assertThat(page.driver.getTitle()).isEqualTo("raft-chat");
            assertThat(page.find("auth-username").getAttribute("autocomplete")).isEqualTo("username");
            assertThat(page.driver.findElements(By.cssSelector("label[for=auth-password]"))).hasSize(1);
            assertThat(page.find("app-view").isDisplayed()).isFalse();
            if (id == 1) {
                page.screenshot("login");
            }
            assertNoScriptErrors(page);
            page.driver.quit();
        }
    }
}
