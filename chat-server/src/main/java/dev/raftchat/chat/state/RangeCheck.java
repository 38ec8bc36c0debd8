package dev.raftchat.chat.state;

/**
 * The one range check of the chat's configuration records ({@link ChatLimits}, {@link ChatPolicy}, the API, HTTP
 * and node configs), so that every bad setting fails with the same message: the field's name, its value and the
 * allowed range.
 */
public final class RangeCheck {
    private RangeCheck() {}

    /**
     * Checks that {@code min <= value <= max}.
     *
     * @throws IllegalArgumentException {@code "name = value is out of range [min, max]"} otherwise
     */
    public static void requireInRange(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " = " + value + " is out of range [" + min + ", " + max + "]");
        }
    }
}
