package dev.raftchat.chat.ops;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/**
 * The log format of {@code --log-format}: {@value #PLAIN} lines or {@value #JSON} objects ({@link JsonLogLayout}),
 * both with ISO-8601 dates. logback.xml's {@link ConsoleLayout} starts in the format {@code RAFT_CHAT_LOG_FORMAT}
 * names, which is before the command line is parsed; {@link #apply} switches it to what the flag or the
 * configuration file says.
 */
public final class LogFormat {
    public static final String PLAIN = "plain";
    public static final String JSON = "json";
    /** The formats, as the flag spells them. */
    public static final List<String> NAMES = List.of(PLAIN, JSON);

    private LogFormat() {}

    /**
     * The format named {@code name}, case-insensitively. @throws IllegalArgumentException naming the known formats
     */
    public static String parse(String name) {
        String format = name.trim().toLowerCase(Locale.ROOT);
        if (!NAMES.contains(format)) {
            throw new IllegalArgumentException(
                    "--log-format: unknown format '" + name + "'; known: " + String.join(", ", NAMES));
        }
        return format;
    }

    /**
     * Switches every {@link ConsoleLayout} on the root logger to {@code format} ({@link #parse}d). Returns how many
     * it found: 0 when logback runs with another configuration (as in some tests), which is left alone.
     */
    public static int apply(String format) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return 0;
        }
        int switched = 0;
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        for (Iterator<Appender<ILoggingEvent>> appenders = root.iteratorForAppenders(); appenders.hasNext(); ) {
            if (appenders.next() instanceof OutputStreamAppender<ILoggingEvent> appender
                    && appender.getEncoder() instanceof LayoutWrappingEncoder<ILoggingEvent> encoder
                    && encoder.getLayout() instanceof ConsoleLayout layout) {
                layout.setFormat(format);
                switched++;
            }
        }
        return switched;
    }
}
