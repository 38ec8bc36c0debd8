package dev.raftchat.jepsen;

import java.util.List;

/**
 * One line of a fault-test history, in the style of Jepsen: an {@code INVOKE} when a client starts an
 * operation and one completion ({@code OK}, {@code FAIL} or {@code INFO}) with the same {@code process}
 * when it ends. A process runs one operation at a time, so the completion that follows an invocation of
 * the same process is its own.
 *
 * <ul>
 *   <li>{@code OK}: the operation took effect (a post was acknowledged; a read returned {@code values}).</li>
 *   <li>{@code FAIL}: it certainly did not take effect (the server said it was never logged, or certainly
 *       not committed, or rejected it as invalid; or the connection was refused before sending).</li>
 *   <li>{@code INFO}: unknown (a timeout, a lost connection, a 503 "timeout"): a post may or may not appear.</li>
 * </ul>
 *
 * @param index     position in the history (0-based)
 * @param process   the client process
 * @param type      invoke or a completion
 * @param f         what was done
 * @param room      the room
 * @param value     for a post the unique message text (also its client transaction id); else null
 * @param node      the node the (last) attempt went to
 * @param timeNanos monotonic time since the run started
 * @param values    for an ok read the messages read, oldest first; for an ok page the page; else null
 * @param after     for a page the {@code after} cursor asked (the seq before the page's first); else -1
 * @param firstSeq  for an ok page the seq of its first message (-1 when empty); else -1
 * @param error     for FAIL/INFO what went wrong; else null
 */
public record Op(
        long index,
        int process,
        Type type,
        Function f,
        String room,
        String value,
        int node,
        long timeNanos,
        List<String> values,
        long after,
        long firstSeq,
        String error) {

    public enum Type {
        INVOKE,
        OK,
        FAIL,
        INFO
    }

    public enum Function {
        /** {@code POST /rooms/{room}} with a unique message. */
        POST,
        /** {@code GET /rooms/{room}}: the whole room, linearizable. */
        READ,
        /** {@code GET /api/v1/rooms/{room}/messages?after=&limit=}: one page. */
        PAGE
    }

    public Op {
        values = values == null ? null : List.copyOf(values);
    }

    public boolean isCompletion() {
        return type != Type.INVOKE;
    }

    /** The same operation completed as {@code type} at {@code time}. */
    public Op complete(
            long newIndex,
            Type type,
            int atNode,
            long time,
            List<String> readValues,
            long pageFirstSeq,
            String failure) {
        return new Op(newIndex, process, type, f, room, value, atNode, time, readValues, after, pageFirstSeq, failure);
    }
}
