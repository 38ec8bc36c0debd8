package dev.raftchat.chat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

/**
 * Keeps a {@link ScratchCluster}'s nodes out of the log: while a {@link Quiet} is open, events below ERROR
 * from the thread that opened it, and from every thread created from it or from its descendants (the scratch
 * nodes' Raft, Netty and timer threads inherit the mark), are dropped. The scratch nodes use the same classes
 * and the same node ids (1 to 3) as real ones, so their lines would read like a real cluster's. A real node's
 * own threads never carry the mark; after the Quiet closes nothing is filtered at all, so a thread that
 * inherited the mark and outlives the scratch cluster (a shared pool's) is silenced at most while it runs.
 */
final class ScratchLogFilter extends TurboFilter {
    private static final InheritableThreadLocal<Boolean> SCRATCH = new InheritableThreadLocal<>();

    private ScratchLogFilter() {}

    /** Marks this thread and its future children as scratch and filters their events until closed. */
    static Quiet quiet() {
        LoggerContext context = LoggerFactory.getILoggerFactory() instanceof LoggerContext logback ? logback : null;
        ScratchLogFilter filter = new ScratchLogFilter();
        if (context != null) {
            filter.setContext(context);
            filter.start();
            context.addTurboFilter(filter);
        }
        SCRATCH.set(Boolean.TRUE);
        return () -> {
            SCRATCH.remove();
            if (context != null) {
                context.getTurboFilterList().remove(filter);
                filter.stop();
            }
        };
    }

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (isStarted()
                && level != null
                && !level.isGreaterOrEqual(Level.ERROR)
                && Boolean.TRUE.equals(SCRATCH.get())) {
            return FilterReply.DENY;
        }
        return FilterReply.NEUTRAL;
    }

    /** Ends the filtering; never throws. */
    interface Quiet extends AutoCloseable {
        @Override
        void close();
    }
}
