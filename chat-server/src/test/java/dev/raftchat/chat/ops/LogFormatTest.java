package dev.raftchat.chat.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Plain and JSON log lines, both with ISO-8601 UTC dates, and the switch between them. */
class LogFormatTest {
    private static final String ISO_UTC = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z";

    private static LoggingEvent event(String message, Throwable throwable) {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter());
        Logger logger = context.getLogger("dev.raftchat.chat.RaftChatMain");
        LoggingEvent event = new LoggingEvent(
                Logger.class.getName(), logger, Level.ERROR, message, throwable, new Object[] {"12380"});
        event.setThreadName("main");
        event.setTimeStamp(1_796_670_000_123L);
        return event;
    }

    @Test
    void jsonLinesAreOneObjectEachWithAnIsoTimeAndTheStackOnlyWhenThereIsOne() throws IOException {
        JsonLogLayout layout = new JsonLogLayout();
        layout.setContext(new LoggerContext());
        layout.start();
        String line = layout.doLayout(event("serving \"HTTP\" on port {}\nnext line", null));
        assertThat(line).endsWith("\n").doesNotContain("\n{");
        assertThat(line.strip()).doesNotContain("\n");
        JsonNode json = new ObjectMapper().readTree(line);
        assertThat(json.get("time").asText())
                .isEqualTo("2026-12-07T19:00:00.123Z")
                .matches(ISO_UTC);
        assertThat(json.get("level").asText()).isEqualTo("ERROR");
        assertThat(json.get("thread").asText()).isEqualTo("main");
        assertThat(json.get("logger").asText()).isEqualTo("dev.raftchat.chat.RaftChatMain");
        assertThat(json.get("message").asText()).isEqualTo("serving \"HTTP\" on port 12380\nnext line");
        assertThat(json.has("stack")).isFalse();

        JsonNode failed =
                new ObjectMapper().readTree(layout.doLayout(event("failed", new IllegalStateException("disk gone"))));
        assertThat(failed.get("stack").asText())
                .startsWith("java.lang.IllegalStateException: disk gone")
                .contains("\tat ");
    }

    @Test
    void plainLinesStartWithAnIsoDate() {
        ConsoleLayout layout = new ConsoleLayout();
        layout.setContext(new LoggerContext());
        layout.setPattern("%d{yyyy-MM-dd'T'HH:mm:ss.SSSX, UTC} %-5level [%thread] %logger{20} - %msg%n");
        layout.setFormat("plain");
        layout.start();
        assertThat(layout.doLayout(event("serving HTTP on port {}", null)))
                .isEqualTo("2026-12-07T19:00:00.123Z ERROR [main] d.r.c.RaftChatMain - serving HTTP on port 12380\n");
        layout.setFormat("JSON");
        assertThat(layout.format()).isEqualTo(LogFormat.JSON);
        assertThat(layout.doLayout(event("serving HTTP on port {}", null)))
                .startsWith("{\"time\":\"2026-12-07T19:00:00.123Z\"");
        layout.setFormat("yaml");
        assertThat(layout.format()).as("an unknown format logs plain lines").isEqualTo(LogFormat.PLAIN);
    }

    @Test
    @SuppressWarnings("unchecked") // the appender and encoder of logback.xml's console, as configured there
    void theFlagSwitchesTheConsoleOfLogbackXml() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        OutputStreamAppender<ILoggingEvent> console = (OutputStreamAppender<ILoggingEvent>) root.getAppender("console");
        ConsoleLayout layout =
                (ConsoleLayout) ((LayoutWrappingEncoder<ILoggingEvent>) console.getEncoder()).getLayout();
        try {
            assertThat(LogFormat.apply(LogFormat.JSON)).isEqualTo(1);
            assertThat(layout.format()).isEqualTo(LogFormat.JSON);
        } finally {
            LogFormat.apply(LogFormat.PLAIN);
        }
        assertThat(layout.format()).isEqualTo(LogFormat.PLAIN);
        assertThatThrownBy(() -> LogFormat.parse("xml")).hasMessageContaining("known: plain, json");
    }
}
