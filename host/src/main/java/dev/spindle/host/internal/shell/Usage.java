package dev.spindle.host.internal.shell;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Beside the Gogo commands: the one sentence a command answers to arguments it does not take,
 * in place of Gogo's {@code Cannot coerce handlers(Token) to any of [()]}.
 */
final class Usage {

    private Usage() {
    }

    static IllegalArgumentException wrong(String command, String takes, Object[] given) {
        String got = given.length == 0 ? "none"
                : Arrays.stream(given).map(a -> "'" + a + "'").collect(Collectors.joining(" "));
        return new IllegalArgumentException(command + " takes " + takes + ", not " + got + " (help " + command
                + " describes it)");
    }
}
