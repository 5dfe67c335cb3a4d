package dev.spindle.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The {@code spindle:} commands in the assembled container, through {@code ./spindle --command}
 * as an operator scripts them: Gogo's {@code help} for the scope, one sentence for wrong
 * arguments, bundles of {@code deploy/} that did not resolve, and an undeploy that takes the jar
 * out of {@code deploy/} too.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ShellContainerIT {

    private static final Duration STARTUP = Duration.ofSeconds(60);

    private Container c;

    @BeforeAll
    void start() throws Exception {
        c = Container.prepare("shell");
        Path jars = c.home.resolve("jars");
        c.deploy(Jars.swapHandler(jars, "1.0.0"));
        c.deploy(unresolvable(jars.resolve("unresolvable.jar")));
        c.start(false);
        assertTrue(c.awaitStarted(STARTUP), c.log());
        assertTrue(Http.awaitOk(c.port, "/swap", STARTUP), c.log());
    }

    @AfterAll
    void stop() throws Exception {
        c.close();
    }

    /** The swap handler renamed, importing a package nothing exports. */
    private static Path unresolvable(Path target) throws IOException {
        return Jars.swapHandler(target, main -> {
            main.putValue("Bundle-SymbolicName", "dev.spindle.unresolvable");
            main.putValue("Import-Package", main.getValue("Import-Package") + ",com.example.missing;version=\"[1.0,2)\"");
        });
    }

    @Test
    void helpSpindleDescribesTheScopeAndSpindleListsEveryCommand() throws Exception {
        String help = c.script("help spindle");
        assertFalse(help.contains("No methods found"), help);
        assertTrue(help.contains("scope: spindle") && help.contains("handlers, routes, stats"), help);
        String overview = c.script("spindle");
        for (String command : new String[] {"spindle:handlers", "spindle:deploy <jar|url>", "spindle:undeploy <id|name>"}) {
            assertTrue(overview.contains(command), overview);
        }
        String one = c.script("help spindle:routes");
        assertTrue(one.contains("which handler a method and path would reach"), one);
    }

    @Test
    void wrongArgumentsGetOneSentenceAndExitStatusOne() throws Exception {
        Container.Run handlers = c.run("--command", "spindle:handlers foo");
        assertEquals(1, handlers.exit(), handlers.output());
        assertTrue(handlers.output().contains("spindle:handlers takes no arguments, not 'foo'"), handlers.output());
        assertFalse(handlers.output().contains("Cannot coerce"), handlers.output());
        Container.Run missing = c.run("--command", "spindle:deploy notajar");
        assertEquals(1, missing.exit(), missing.output());
        assertTrue(missing.output().contains("Cannot deploy notajar: no such file"), missing.output());
        Path text = Files.writeString(c.home.resolve("notes.txt"), "not a jar");
        Container.Run notAJar = c.run("--command", "spindle:deploy " + text);
        assertEquals(1, notAJar.exit(), notAJar.output());
        assertTrue(notAJar.output().contains("not a jar file"), notAJar.output());
        assertFalse(notAJar.output().contains("Unable to cache bundle"), notAJar.output());
    }

    @Test
    void handlersListsTheBundlesOfDeployThatDidNotResolveWithWhatTheyMiss() throws Exception {
        String table = c.script("spindle:handlers");
        String row = table.lines().filter(l -> l.startsWith("dev.spindle.unresolvable")).findFirst()
                .orElseThrow(() -> new AssertionError(table));
        assertTrue(table.contains("Did not resolve"), table);
        assertTrue(row.contains("unresolvable.jar")
                && row.contains("package com.example.missing (version>=1.0.0, not version>=2.0.0)"), row);
    }

    @Test
    void undeployOfABundleFromDeployDeletesItsJar() throws Exception {
        Path jar = c.home.resolve("deploy/swap-1.0.0.jar");
        assertTrue(Files.exists(jar));
        String answer = c.script("spindle:undeploy dev.spindle.swap");
        assertTrue(answer.contains("Undeployed dev.spindle.swap 1.0.0") && answer.contains("deleted deploy/swap-1.0.0.jar"),
                answer);
        assertFalse(Files.exists(jar));
        assertEquals(404, Http.get(c.port, "/swap").status);
        assertFalse(c.script("spindle:handlers").contains("dev.spindle.swap"));
    }

    /**
     * A deploy over a bundle that came from deploy/ replaces its jar there: after a restart (File
     * Install installs what deploy/ holds) the deployed version comes back, once, and the old one
     * does not; while the container runs, File Install updated it once, no second time.
     */
    @Test
    void deployOverABundleFromDeployIsTheVersionThatComesBackAtTheNextStart() throws Exception {
        try (Container d = Container.prepare("shell-deploy-over")) {
            Path jars = d.home.resolve("jars");
            d.deploy(Jars.swapHandler(jars, "1.0.0"));
            d.launch();
            assertTrue(d.awaitStarted(STARTUP), d.log());
            assertTrue(Http.awaitOk(d.port, "/swap", STARTUP), d.log());

            String answer = d.script("spindle:deploy " + Jars.swapHandler(jars, "2.0.0"));
            assertTrue(answer.matches("(?s)Updated dev\\.spindle\\.swap 1\\.0\\.0 \\[\\d+] to 2\\.0\\.0 from .*")
                    && answer.contains("deploy/swap-1.0.0.jar now holds the new jar"), answer);
            assertEquals(200, Http.get(d.port, "/swap").status);
            assertEquals(List.of("2.0.0"), swapVersions(d));
            // the swap bundle registers an HTTP and a WebSocket handler: the HTTP one's removals count
            assertEquals(1, count(d.log(), "Handler service \\d+ from dev.spindle.swap removed from /swap/\\*"),
                    "the old version stopped once: no second update or restart of the new one\n" + d.log());

            d.terminate();
            assertTrue(d.awaitExit(Duration.ofSeconds(30)), d.log());
            d.launch();
            assertTrue(d.awaitStarted(STARTUP), d.log());
            assertTrue(Http.awaitOk(d.port, "/swap", STARTUP), d.log());
            assertEquals(List.of("2.0.0"), swapVersions(d), "the deployed version, once, after a restart");
        }
    }

    private static List<String> swapVersions(Container d) throws Exception {
        return d.script("lb -s dev.spindle.swap").lines().filter(l -> l.contains("|dev.spindle.swap ("))
                .map(l -> l.replaceAll(".*\\|dev\\.spindle\\.swap \\(([^)]+)\\).*", "$1")).toList();
    }

    private static long count(String text, String regex) {
        return Pattern.compile(regex).matcher(text).results().count();
    }
}
