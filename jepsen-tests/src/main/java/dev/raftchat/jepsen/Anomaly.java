package dev.raftchat.jepsen;

/** One thing the checker found wrong, with enough detail to find it in the history. */
public record Anomaly(Kind kind, String room, String detail) {

    public enum Kind {
        /** An acknowledged post is missing from the final state. */
        LOST_WRITE,
        /** A message appears more than once (a retry with the same transaction id produced a second one). */
        DUPLICATE,
        /** A post whose request definitely failed appears in the final state. */
        FAILED_WRITE_PRESENT,
        /** A message no client ever posted. */
        UNKNOWN_VALUE,
        /** Two nodes hold different sequences for a room after healing. */
        DIVERGENT,
        /** A read seen during the run is not a prefix of the final sequence. */
        READ_NOT_PREFIX,
        /** A paginated read is not the contiguous slice of the final sequence it names. */
        PAGE_NOT_CONTIGUOUS,
        /** Reads against writes are not linearizable (e.g. a read missed a post acknowledged before it began). */
        NOT_LINEARIZABLE,
        /** A member could not be read after healing (it did not recover). */
        NODE_NOT_RECOVERED
    }

    @Override
    public String toString() {
        return kind + (room == null ? "" : " room=" + room) + ": " + detail;
    }
}
