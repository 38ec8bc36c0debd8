package dev.raftchat.chat.ops;

import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.LayoutBase;

/**
 * The console's layout (logback.xml): plain lines in {@link #setPattern pattern}, or {@link JsonLogLayout} objects,
 * chosen by {@link #setFormat format} ({@link LogFormat#PLAIN} or {@link LogFormat#JSON}). One appender with a
 * switchable layout rather than two appenders, so that the format can change after start ({@code --log-format}
 * from the command line or the configuration file, parsed after logging began) without reconfiguring logback.
 */
public final class ConsoleLayout extends LayoutBase<ILoggingEvent> {
    private final PatternLayout plain = new PatternLayout();
    private final JsonLogLayout json = new JsonLogLayout();
    private String pattern = "%msg%n";
    private volatile boolean jsonFormat;

    public void setPattern(String pattern) {
        this.pattern = pattern;
    }

    /** {@link LogFormat#PLAIN} or {@link LogFormat#JSON}, case-insensitively; anything else is reported, and plain. */
    public void setFormat(String format) {
        try {
            jsonFormat = LogFormat.parse(format).equals(LogFormat.JSON);
        } catch (IllegalArgumentException e) {
            addError(e.getMessage() + "; logging plain lines");
            jsonFormat = false;
        }
    }

    /** The format in effect. */
    public String format() {
        return jsonFormat ? LogFormat.JSON : LogFormat.PLAIN;
    }

    @Override
    public void start() {
        plain.setContext(getContext());
        plain.setPattern(pattern);
        plain.start();
        json.setContext(getContext());
        json.start();
        super.start();
    }

    @Override
    public void stop() {
        plain.stop();
        json.stop();
        super.stop();
    }

    @Override
    public String doLayout(ILoggingEvent event) {
        return jsonFormat ? json.doLayout(event) : plain.doLayout(event);
    }
}
