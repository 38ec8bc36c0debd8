package dev.raftchat.chat.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.junit.jupiter.api.Test;

/** The UTF-16 check and the UTF-8 length, computed without encoding, agree with the JDK on any string. */
class ChatLimitsUtf16Test {

    @Provide
    Arbitrary<String> anyChars() {
        // Every kind of char, weighted so that surrogates (paired, lone, reversed) turn up often.
        Arbitrary<Character> chars = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.chars().range('\u0000', '\u007f')),
                Tuple.of(2, Arbitraries.chars().range('\u0080', '\u07ff')),
                Tuple.of(2, Arbitraries.chars().range('\u0800', '\ud7ff')),
                Tuple.of(3, Arbitraries.chars().range('\ud800', '\udbff')),
                Tuple.of(3, Arbitraries.chars().range('\udc00', '\udfff')),
                Tuple.of(1, Arbitraries.chars().range('\ue000', '\uffff')));
        return chars.list().ofMaxSize(24).map(list -> {
            StringBuilder text = new StringBuilder();
            list.forEach(text::append);
            return text.toString();
        });
    }

    @Property(tries = 3000)
    void utf8LengthIsTheEncodedLength(@ForAll("anyChars") String text) {
        assertThat(ChatLimits.utf8Length(text)).isEqualTo(text.getBytes(StandardCharsets.UTF_8).length);
    }

    @Property(tries = 3000)
    void wellFormedMeansEverySurrogateIsPaired(@ForAll("anyChars") String text) {
        assertThat(ChatLimits.isWellFormedUtf16(text)).isEqualTo(reference(text));
    }

    @Test
    void examples() {
        assertThat(ChatLimits.isWellFormedUtf16("plain ascii")).isTrue();
        assertThat(ChatLimits.isWellFormedUtf16("pair \ud83d\ude00 ok")).isTrue();
        assertThat(ChatLimits.isWellFormedUtf16("lone high \ud83d")).isFalse();
        assertThat(ChatLimits.isWellFormedUtf16("\ude00 lone low")).isFalse();
        assertThat(ChatLimits.isWellFormedUtf16("reversed \ude00\ud83d")).isFalse();
        assertThat(ChatLimits.utf8Length("é€\ud83d\ude00")).isEqualTo(2 + 3 + 4);
        assertThat(ChatLimits.utf8Length("lone \ud83d")).isEqualTo(6);
    }

    /** Every high surrogate followed by a low one, no low surrogate on its own: the definition, code point by code point. */
    private static boolean reference(String text) {
        return text.codePoints().noneMatch(codePoint -> codePoint >= 0xD800 && codePoint <= 0xDFFF);
    }
}
