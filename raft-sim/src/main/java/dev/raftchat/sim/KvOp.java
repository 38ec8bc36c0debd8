package dev.raftchat.sim;

/**
 * One client operation on the key-value register, as recorded in a history: what was invoked, how it
 * ended and when (virtual milliseconds).
 *
 * <p>Written values are unique per run, so a read names exactly the write it observed; the initial
 * value of every key is {@link #NO_VALUE}.
 *
 * @param id             unique within the history
 * @param process        the client process that issued it (a process issues one op at a time)
 * @param key            the register's key
 * @param kind           read, write or compare-and-set
 * @param argument       for a write the value written; for a CAS the new value; unused for a read
 * @param expected       for a CAS the value it expects; unused otherwise
 * @param outcome        ok (took effect, result known), fail (certainly did not take effect) or info
 *                       (unknown: may or may not have taken effect)
 * @param result         for an ok read the value read; for an ok CAS 1 when it swapped, 0 when not
 * @param invokeMillis   virtual time of the invocation
 * @param completeMillis virtual time of the response; meaningless for info (treated as infinity)
 */
public record KvOp(
        int id,
        int process,
        int key,
        Kind kind,
        long argument,
        long expected,
        Outcome outcome,
        long result,
        long invokeMillis,
        long completeMillis) {

    public static final long NO_VALUE = 0;

    public enum Kind {
        READ,
        WRITE,
        CAS
    }

    public enum Outcome {
        OK,
        FAIL,
        INFO
    }

    public KvOp {
        if (outcome == Outcome.OK && completeMillis < invokeMillis) {
            throw new IllegalArgumentException("op " + id + " completes before it is invoked");
        }
    }

    @Override
    public String toString() {
        String what = switch (kind) {
            case READ -> "read" + (outcome == Outcome.OK ? "->" + result : "");
            case WRITE -> "write(" + argument + ")";
            case CAS -> "cas(" + expected + "->" + argument + ")" + (outcome == Outcome.OK ? "=" + (result == 1) : "");
        };
        return "#" + id + " p" + process + " k" + key + " " + what + " " + outcome + " [" + invokeMillis + ", "
                + (outcome == Outcome.INFO ? "inf" : completeMillis) + "]";
    }
}
