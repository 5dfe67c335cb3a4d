package dev.spindle.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link IncomingMessage#percentDecode}: the URL Standard's percent-decode, then UTF-8. */
class PercentDecodeTest {

    static Stream<Arguments> truthTable() {
        return Stream.of(
                Arguments.of("Zo%C3%AB", "Zoë"),
                Arguments.of("Zo%c3%ab", "Zoë"),
                Arguments.of("%E2%82%AC%20and%20%F0%9F%99%82", "€ and 🙂"),
                Arguments.of("a+b", "a+b"),
                Arguments.of("a%2Bb", "a+b"),
                Arguments.of("a%2Fb", "a/b"),
                Arguments.of("100%zz", "100%zz"),
                Arguments.of("%", "%"),
                Arguments.of("%4", "%4"),
                Arguments.of("x%4", "x%4"),
                Arguments.of("%%41", "%A"),
                Arguments.of("%FF", "\uFFFD"),
                Arguments.of("%C3", "\uFFFD"),
                Arguments.of("%C3x", "\uFFFDx"),
                Arguments.of("Zoë%20", "Zoë "),
                Arguments.of("", ""));
    }

    @ParameterizedTest
    @MethodSource("truthTable")
    void decodesUtf8EscapesKeepsPlusAndMalformedEscapes(String raw, String decoded) {
        assertEquals(decoded, IncomingMessage.percentDecode(raw));
    }

    @Test
    void textWithoutEscapesIsReturnedAsIs() {
        String plain = "greet/a+b";
        assertSame(plain, IncomingMessage.percentDecode(plain));
    }
}
