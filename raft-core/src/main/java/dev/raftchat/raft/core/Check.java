package dev.raftchat.raft.core;

/**
 * Always-on assertions (Java's {@code assert} is off in production). A failed check is a bug in this
 * library or a broken promise by its environment (storage, transport), never a user error, and is
 * reported as {@link IllegalStateException}.
 */
public final class Check {
    private Check() {}

    public static void that(boolean condition, String format, Object... args) {
        if (!condition) {
            throw new IllegalStateException("invariant violated: " + String.format(format, args));
        }
    }

    public static void argument(boolean condition, String format, Object... args) {
        if (!condition) {
            throw new IllegalArgumentException(String.format(format, args));
        }
    }
}
