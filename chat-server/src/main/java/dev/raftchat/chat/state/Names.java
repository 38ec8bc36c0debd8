package dev.raftchat.chat.state;

import com.ibm.icu.lang.UCharacter;
import com.ibm.icu.lang.UProperty;
import com.ibm.icu.text.Normalizer2;
import com.ibm.icu.text.SpoofChecker;

/**
 * The rules that keep one name from passing for another: user and room names are NFKC-normalized, may not
 * hold invisible characters, and are compared through their Unicode TR39 confusable skeleton.
 *
 * <p><b>Determinism.</b> These functions are part of the replicated semantics ({@link ChatModel} calls them
 * while applying commands), so they use ICU4J, whose version the build pins, and never the JDK's
 * {@code java.text.Normalizer}, whose Unicode version changes with the JDK. Every node of a cluster must run
 * the same build (as with {@link ChatLimits}); {@link #UNICODE_VERSION} says which data it carries.
 * Thread-safe: ICU's normalizer and a built {@link SpoofChecker} are immutable.
 */
public final class Names {

    /** The Unicode version of the pinned ICU data, logged at start so operators can compare nodes. */
    public static final String UNICODE_VERSION = UCharacter.getUnicodeVersion().toString();

    private static final Normalizer2 NFKC = Normalizer2.getNFKCInstance();
    private static final SpoofChecker SKELETONS = new SpoofChecker.Builder().build();

    private Names() {}

    /**
     * Whether {@code c} is one of the plain ASCII characters of room names, usernames and transaction ids:
     * {@code A-Z a-z 0-9 - _ .} (the replicated rules of {@link ChatLimits#checkRoomName} and {@link ChatModel}).
     */
    public static boolean isPlainNameChar(char c) {
        return (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || c == '-'
                || c == '_'
                || c == '.';
    }

    /** The NFKC form of {@code name} (compatibility characters such as full-width letters become plain ones). */
    public static String normalize(String name) {
        return NFKC.normalize(name);
    }

    /**
     * The key under which two names count as the same person or room: the TR39 skeleton of the case-folded
     * NFKC form. "ann", "ANN", "Ann" and Cyrillic "аnn" share one; so do "l", "1" and "I".
     */
    public static String skeleton(String name) {
        return SKELETONS.getSkeleton(UCharacter.foldCase(normalize(name), true));
    }

    /**
     * The first reason {@code name} cannot be shown as a name, or null when it can: white space at either
     * end, or an invisible or direction-changing character anywhere (default-ignorable code points such as
     * zero-width spaces, the soft hyphen, the byte-order mark and variation selectors; bidi controls; format
     * and control characters; unassigned and private-use code points). Expects well-formed UTF-16.
     */
    public static String invisibleReason(String name) {
        if (name.isEmpty()) {
            return "is empty";
        }
        int first = name.codePointAt(0);
        int last = name.codePointBefore(name.length());
        if (UCharacter.isUWhiteSpace(first) || UCharacter.isUWhiteSpace(last)) {
            return "begins or ends with white space";
        }
        for (int i = 0; i < name.length(); ) {
            int c = name.codePointAt(i);
            String reason = invisible(c);
            if (reason != null) {
                return "contains " + reason + " U+" + String.format("%04X", c) + " at position " + i;
            }
            i += Character.charCount(c);
        }
        return null;
    }

    private static String invisible(int c) {
        if (UCharacter.hasBinaryProperty(c, UProperty.BIDI_CONTROL)) {
            return "the bidi control";
        }
        if (UCharacter.hasBinaryProperty(c, UProperty.DEFAULT_IGNORABLE_CODE_POINT)) {
            return "the invisible character";
        }
        int type = UCharacter.getType(c);
        if (type == UCharacter.CONTROL || type == UCharacter.FORMAT) {
            return "the control or format character";
        }
        if (type == UCharacter.UNASSIGNED || type == UCharacter.PRIVATE_USE || type == UCharacter.SURROGATE) {
            return "the unassigned or private-use code point";
        }
        if (UCharacter.isUWhiteSpace(c) && c != ' ') {
            return "the white space";
        }
        return null;
    }

    /**
     * Checks a name that is about to become visible: well-formed, normalized, nothing invisible.
     *
     * @throws InvalidCommandException with {@code error}
     */
    public static void requireVisible(ChatError error, String what, String name) {
        if (!ChatLimits.isWellFormedUtf16(name)) {
            throw new InvalidCommandException(error, what + " is not valid Unicode");
        }
        String reason = invisibleReason(name);
        if (reason != null) {
            throw new InvalidCommandException(error, what + " " + reason);
        }
        if (!NFKC.isNormalized(name)) {
            throw new InvalidCommandException(error, what + " is not in Unicode NFKC form");
        }
    }
}
