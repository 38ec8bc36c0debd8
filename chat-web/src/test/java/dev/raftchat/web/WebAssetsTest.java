package dev.raftchat.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class WebAssetsTest {
    private final WebAssets assets = WebAssets.fromClassPath();

    @Test
    void theRootIsTheIndexPage() {
        WebAssets.Asset index = assets.forPath("/").orElseThrow();
        assertThat(index.name()).isEqualTo("index.html");
        assertThat(index.contentType()).isEqualTo("text/html; charset=utf-8");
        assertThat(index.isHtml()).isTrue();
        assertThat(index.text()).contains("<script type=\"module\" src=\"/app/main.js\">");
    }

    @Test
    void filesUnderAppHaveTheirContentTypes() {
        assertThat(assets.forPath("/app/main.js").orElseThrow().contentType())
                .isEqualTo("text/javascript; charset=utf-8");
        assertThat(assets.forPath("/app/app.css").orElseThrow().contentType()).isEqualTo("text/css; charset=utf-8");
        assertThat(assets.forPath("/app/icon.svg").orElseThrow().contentType()).isEqualTo("image/svg+xml");
    }

    @Test
    void everyFileThePageAndTheModulesReferToExists() {
        String index = assets.named("index.html").orElseThrow().text();
        Matcher link = Pattern.compile("(?:src|href)=\"(/app/[^\"]+)\"").matcher(index);
        int found = 0;
        while (link.find()) {
            assertThat(assets.forPath(link.group(1))).as(link.group(1)).isPresent();
            found++;
        }
        assertThat(found).isGreaterThanOrEqualTo(3);
        for (String module : new String[] {"main.js", "api.js", "live.js", "messages.js", "cluster.js", "format.js"}) {
            String source = assets.named(module).orElseThrow().text();
            Matcher imports = Pattern.compile("from '\\./([^']+)'").matcher(source);
            while (imports.find()) {
                assertThat(assets.named(imports.group(1)))
                        .as(module + " imports " + imports.group(1))
                        .isPresent();
            }
        }
    }

    @Test
    void theClientHasNoDependencyAndNoMarkupSink() {
        String[] modules = {"main.js", "api.js", "live.js", "messages.js", "cluster.js", "format.js"};
        Pattern anyImport = Pattern.compile("(?m)^\\s*import\\s[^;]*from\\s+'([^']+)'|import\\(");
        Pattern markupSinks =
                Pattern.compile("innerHTML|outerHTML|insertAdjacentHTML|document\\.write|eval\\(|new Function");
        for (String module : modules) {
            String source = assets.named(module).orElseThrow().text();
            Matcher imports = anyImport.matcher(source);
            while (imports.find()) {
                assertThat(imports.group(1))
                        .as(module + ": only the client's own files, statically")
                        .isNotNull()
                        .startsWith("./");
            }
            String code = source.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("(?m)//.*$", "");
            assertThat(markupSinks.matcher(code).find())
                    .as(module + " turns no string into markup or code")
                    .isFalse();
        }
        for (String file : new String[] {"index.html", "app.css"}) {
            assertThat(assets.named(file).orElseThrow().text())
                    .as(file + " loads nothing from another origin")
                    .doesNotContainPattern("(?i)(src|href)=\"(https?:)?//|@import|url\\(\"?(https?:)?//");
        }
    }

    @Test
    void unsafeOrUnknownNamesAreNeverLookedUp() {
        assertThat(assets.forPath("/app/../assets/index.html")).isEmpty();
        assertThat(assets.forPath("/app/..")).isEmpty();
        assertThat(assets.forPath("/app/.hidden.js")).isEmpty();
        assertThat(assets.forPath("/app/sub/main.js")).isEmpty();
        assertThat(assets.forPath("/app/..\\main.js")).isEmpty();
        assertThat(assets.forPath("/app/")).isEmpty();
        assertThat(assets.forPath("/app/missing.js")).isEmpty();
        assertThat(assets.forPath("/app/WebAssets.class"))
                .as("extension not served")
                .isEmpty();
        assertThat(assets.forPath("/app/" + "a".repeat(WebAssets.ASSET_NAME_CHARS_MAX) + ".js"))
                .isEmpty();
        assertThat(assets.forPath("/index.html"))
                .as("only / and /app/ are claimed")
                .isEmpty();
    }

    @Test
    void onlyTheRootAndTheAppFolderAreClaimed() {
        assertThat(WebAssets.claims("/")).isTrue();
        assertThat(WebAssets.claims("/app/main.js")).isTrue();
        assertThat(WebAssets.claims("/app"))
                .as("a room called app stays readable at /app")
                .isFalse();
        assertThat(WebAssets.claims("/general")).isFalse();
        assertThat(WebAssets.claims("/api/v1/rooms")).isFalse();
    }

    @Test
    void theEtagFollowsTheContent() {
        WebAssets.Asset main = assets.named("main.js").orElseThrow();
        WebAssets.Asset api = assets.named("api.js").orElseThrow();
        assertThat(main.etag()).matches("\"[0-9a-f]{32}\"");
        assertThat(main.etag()).isNotEqualTo(api.etag());
        assertThat(WebAssets.fromClassPath().named("main.js").orElseThrow().etag())
                .isEqualTo(main.etag());
    }
}
