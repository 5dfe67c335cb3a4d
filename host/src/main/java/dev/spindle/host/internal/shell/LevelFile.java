package dev.spindle.host.internal.shell;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Beside {@link LogCommands}: a change of logger levels written into the file of the logging
 * configuration: Log4j 2's own ({@code config/log4j2.properties}), which Log4j 2 watches and
 * applies, or pax-logging's ({@code config/org.ops4j.pax.logging.cfg} with {@code log4j2.*}
 * keys), which File Install delivers to ConfigAdmin as it does an operator's edit. The file is
 * written aside and renamed over the old one, so that no reader ever reads half of it: an update
 * through ConfigAdmin would make File Install write the file back in place while its own watcher
 * may read it (FELIX-6515), which can leave the configuration empty. Every other line, comments
 * included, stays as it was.
 */
final class LevelFile {

    private LevelFile() {
    }

    /**
     * Sets each key of {@code changes} to its value ({@code null}: removes the key's line) in
     * {@code file}: in place where the key has a line, else appended.
     */
    static void apply(Path file, Map<String, String> changes) throws IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.ISO_8859_1));
        for (Map.Entry<String, String> change : changes.entrySet()) {
            Pattern key = Pattern.compile("^\\s*" + Pattern.quote(change.getKey()) + "\\s*[=:].*$");
            boolean found = false;
            for (int i = 0; i < lines.size(); i++) {
                if (key.matcher(lines.get(i)).matches()) {
                    if (change.getValue() == null) {
                        lines.remove(i--);
                    } else if (!found) {
                        lines.set(i, change.getKey() + " = " + change.getValue());
                    } else {
                        lines.remove(i--); // a later duplicate would win over the line just set
                    }
                    found = true;
                }
            }
            if (!found && change.getValue() != null) {
                lines.add(change.getKey() + " = " + change.getValue());
            }
        }
        Path aside = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.write(aside, lines, StandardCharsets.ISO_8859_1);
        Files.move(aside, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
