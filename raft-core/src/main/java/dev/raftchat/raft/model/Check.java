package dev.raftchat.raft.model;

/**
 * Always-on assertions (Java's {@code assert} is off in production). A failed check is a bug in this
 * library or a broken promise by its environment (storage, transport), never a user error, and is
 * reported as {@link IllegalStateException}.
 */
public final class Check {
    private Check() {}

    // AnnotateFormatMethod: @FormatMethod would make error_prone_annotations a dependency of the library for one
    // annotation; the callers pass literal formats, covered by the tests that trip each check.
    @SuppressWarnings("AnnotateFormatMethod")
    public static void that(boolean condition, String format, Object... args) {
        if (!condition) {
            throw new IllegalStateException("invariant violated: " + String.format(format, args));
        }
    }

    @SuppressWarnings("AnnotateFormatMethod") // as above
    public static void argument(boolean condition, String format, Object... args) {
        if (!condition) {
            throw new IllegalArgumentException(String.format(format, args));
        }
    }
}
