package dev.spindle.host.internal.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

import dev.spindle.api.HttpServer;
import dev.spindle.api.HttpServer.HandlerRegistration;

/**
 * The {@code spindle:} commands run by Gogo's own runtime (its argument coercion included) over
 * a stand-in {@link HttpServer}: what an operator types and what the shell answers.
 */
class SpindleCommandsTest {

    private final ThreadIOImpl threadIo = new ThreadIOImpl();
    private final CommandProcessorImpl processor = new CommandProcessorImpl(threadIo);
    private final List<HandlerRegistration> handlers = new ArrayList<>();
    private final List<HttpServer.SocketInfo> sockets = new ArrayList<>();
    private HttpServer.RouteMatch match = new Match(null, 404, "no route matches /x");

    @TempDir
    Path dir;

    @BeforeEach
    void start() throws Exception {
        threadIo.start();
        BundleContext context = (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {BundleContext.class}, (p, m, a) -> m.getName().equals("getBundles") ? new Bundle[0] : null);
        SpindleCommands views = new SpindleCommands(server(), context);
        DeployCommands deploy = new DeployCommands();
        deploy.activate(context);
        for (String f : List.of("spindle", "handlers", "routes", "stats", "connections", "config", "tls")) {
            processor.addCommand("spindle", views, f);
        }
        for (String f : List.of("deploy", "undeploy", "redeploy")) {
            processor.addCommand("spindle", deploy, f);
        }
        processor.addCommand("spindle", new SocketCommands(server()), "sockets");
        CanaryCommands canary = new CanaryCommands(new dev.spindle.host.internal.canary.Canaries(
                new dev.spindle.host.internal.router.Whiteboard(), context));
        for (String f : List.of("canary", "promote", "rollback")) {
            processor.addCommand("spindle", canary, f);
        }
    }

    @AfterEach
    void stop() {
        processor.stop();
        threadIo.stop();
    }

    private static void inject(Object target, String field, Object value) throws Exception {
        Field f = target.getClass().getDeclaredField(field);
        f.setAccessible(true);
        f.set(target, value); // as SCR injects a field reference
    }

    private HttpServer server() {
        return (HttpServer) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {HttpServer.class},
                (p, m, a) -> switch (m.getName()) {
                    case "handlers" -> List.copyOf(handlers);
                    case "match" -> match;
                    case "address" -> new InetSocketAddress("::", 8080);
                    case "configuration" -> List.of(setting("bindAddress", "0.0.0.0"));
                    case "sockets" -> List.copyOf(sockets);
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    private static HttpServer.Setting setting(String key, String value) {
        return new HttpServer.Setting() {
            @Override
            public String key() {
                return key;
            }

            @Override
            public String value() {
                return value;
            }

            @Override
            public String source() {
                return "default";
            }
        };
    }

    private String run(String line) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        CommandSession session = processor.createSession(InputStream.nullInputStream(), print, print);
        try {
            Object result = session.execute(line);
            return out.toString(StandardCharsets.UTF_8) + (result == null ? "" : result);
        } finally {
            session.close();
        }
    }

    private String refusal(String line) {
        return assertThrows(Exception.class, () -> run(line), line).getMessage();
    }

    static Stream<Arguments> wrongArguments() {
        return Stream.of(
                Arguments.of("spindle:handlers foo", "spindle:handlers takes no arguments, not 'foo'"),
                Arguments.of("spindle:stats 1 2", "spindle:stats takes no arguments, not '1' '2'"),
                Arguments.of("spindle:connections x", "spindle:connections takes no arguments, not 'x'"),
                Arguments.of("spindle:sockets x", "spindle:sockets takes no arguments, not 'x'"),
                Arguments.of("spindle:config x", "spindle:config takes no arguments, not 'x'"),
                Arguments.of("spindle:tls x", "spindle:tls takes no arguments, not 'x'"),
                Arguments.of("spindle:routes GET /a /b", "spindle:routes takes nothing, a path, or a method and a path,"
                        + " not 'GET' '/a' '/b'"),
                Arguments.of("spindle:routes hello", "spindle:routes takes a request path starting with '/', not 'hello'"),
                Arguments.of("spindle:deploy", "spindle:deploy takes one jar file or URL, not none"),
                Arguments.of("spindle:deploy a.jar b.jar", "spindle:deploy takes one jar file or URL, not 'a.jar' 'b.jar'"),
                Arguments.of("spindle:undeploy", "spindle:undeploy takes one bundle id or symbolic name, not none"),
                Arguments.of("spindle:redeploy", "spindle:redeploy takes a bundle id or symbolic name, then optionally"
                        + " a jar file or URL, not none"));
    }

    @ParameterizedTest
    @MethodSource("wrongArguments")
    void wrongArgumentsGetOneSentenceWithTheUsage(String line, String sentence) {
        assertEquals(sentence + " (help " + line.split(" ")[0] + " describes it)", refusal(line));
    }

    @Test
    void aJarThatIsMissingOrNotABundleIsRefusedBeforeTheFrameworkSeesIt() throws Exception {
        assertEquals("Cannot deploy notajar: no such file (" + Path.of("notajar").toAbsolutePath() + ")",
                refusal("spindle:deploy notajar"));
        Path text = Files.writeString(dir.resolve("notes.txt"), "not a jar");
        assertEquals("Cannot deploy " + text + ": not a jar file (no META-INF/MANIFEST.MF in a zip)",
                refusal("spindle:deploy " + text));
        assertEquals("Cannot deploy " + dir + ": it is a folder, not a jar file", refusal("spindle:deploy " + dir));
        Path plain = dir.resolve("plain.jar");
        java.util.jar.Manifest manifest = new java.util.jar.Manifest();
        manifest.getMainAttributes().put(java.util.jar.Attributes.Name.MANIFEST_VERSION, "1.0");
        new java.util.jar.JarOutputStream(Files.newOutputStream(plain), manifest).close();
        assertEquals("Cannot deploy " + plain + ": not an OSGi bundle (its manifest has no Bundle-SymbolicName)",
                refusal("spindle:deploy " + plain));
    }

    @Test
    void theCommandsStillRunWithTheirOwnArguments() throws Exception {
        assertTrue(run("spindle:handlers").startsWith("ID "));
        assertTrue(run("spindle:routes").startsWith("ROUTE "));
        assertEquals("GET /x -> 404: no route matches /x\n", run("spindle:routes /x"));
        assertEquals("POST /x -> 404: no route matches /x\n", run("spindle:routes post /x"));
    }

    @Test
    void theCanaryCommandsListAndRefuseWhatTheyCannotDo() throws Exception {
        assertEquals("ROUTE  VERSION  ROLE  WEIGHT  REQUESTS  2XX %  4XX %  5XX %  P50 MS  P99 MS  VERDICT\n",
                run("spindle:canary"));
        assertTrue(refusal("spindle:canary a b c").contains("spindle:canary takes a jar file or URL, then optionally a percent"));
        assertTrue(refusal("spindle:promote /x").contains("No canary serves /x"));
    }

    @Test
    void theOverviewDescribesEveryCommandOfTheScope() throws Exception {
        String overview = run("spindle");
        for (String command : List.of("spindle:handlers", "spindle:routes <path>", "spindle:routes <method> <path>",
                "spindle:stats", "spindle:connections", "spindle:sockets", "spindle:tls", "spindle:config", "spindle:deploy <jar|url>",
                "spindle:undeploy <id|name>", "spindle:redeploy <id|name>", "spindle:redeploy <id|name> <jar|url>",
                "spindle:canary", "spindle:canary [options] <jar|url> <percent>", "spindle:promote <route|name>",
                "spindle:rollback <route|name>")) {
            assertTrue(overview.lines().anyMatch(l -> l.matches(java.util.regex.Pattern.quote(command) + " {2,}\\S.*")),
                    command + " in\n" + overview);
        }
        assertFalse(overview.contains("any other arguments"), overview);
    }

    @Test
    void socketsShowRouteServiceAgeAndTraffic() throws Exception {
        sockets.add(socket(5, "/chat/lobby", 41, 3, 30, 4, 400, 12));
        List<String[]> rows = run("spindle:sockets").lines().map(l -> l.split(" {2,}")).toList();
        assertEquals(List.of("ID", "REMOTE", "PATH", "SERVICE", "AGE", "MSGS IN", "BYTES IN", "MSGS OUT", "BYTES OUT",
                "BUFFERED"), List.of(rows.get(0)));
        assertEquals(List.of("5", "127.0.0.1:40000", "/chat/lobby", "41", "1.5 s", "3", "30", "4", "400", "12"),
                List.of(rows.get(1)));
    }

    private static HttpServer.SocketInfo socket(long id, String path, long service, long in, long bytesIn, long out,
            long bytesOut, long buffered) {
        return (HttpServer.SocketInfo) Proxy.newProxyInstance(SpindleCommandsTest.class.getClassLoader(),
                new Class<?>[] {HttpServer.SocketInfo.class}, (p, m, a) -> switch (m.getName()) {
                    case "id" -> id;
                    case "remoteAddress" -> new InetSocketAddress("127.0.0.1", 40000);
                    case "path" -> path;
                    case "serviceId" -> service;
                    case "age" -> java.time.Duration.ofMillis(1500);
                    case "messagesIn" -> in;
                    case "bytesIn" -> bytesIn;
                    case "messagesOut" -> out;
                    case "bytesOut" -> bytesOut;
                    case "bufferedAmount" -> buffered;
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    @Test
    void handlersAreSortedByRouteWithTheStateAndItsReasonApart() throws Exception {
        handlers.add(new Registration(31, "/zeta", "ACTIVE", null, 0));
        handlers.add(new Registration(32, "/alpha", "ACTIVE", null, 0));
        handlers.add(new Registration(33, "/alpha", "SHADOWED", "shadowed by service 32", 0));
        handlers.add(new Registration(34, "/gone", "DRAINING", "2 request(s) in flight", 2));
        handlers.add(new Registration(35, "beta", "FAILED", "spindle.route must start with '/': beta", 0));
        handlers.add(new Registration(36, null, "FAILED", "spindle.route is missing", 0));
        List<String[]> rows = run("spindle:handlers").lines().skip(1).map(l -> l.split(" {2,}")).toList();
        assertEquals(List.of("/alpha", "/alpha", "/gone", "/zeta", "beta", "-"), rows.stream().map(r -> r[2]).toList());
        assertEquals(List.of("ACTIVE", "SHADOWED", "DRAINING", "ACTIVE", "FAILED", "FAILED"),
                rows.stream().map(r -> r[6]).toList());
        assertEquals("by service 32", rows.get(1)[15]);
        assertEquals("2 in flight", rows.get(2)[15]);
        assertEquals("spindle.route must start with '/': beta", rows.get(4)[15]);
        assertEquals(15, rows.get(0).length, "nothing after THREW for an active handler");

        String routes = run("spindle:routes");
        List<String[]> table = routes.lines().skip(1).map(l -> l.split(" {2,}")).toList();
        assertEquals(List.of("/alpha", "/alpha", "/zeta"), table.stream().map(r -> r[0]).toList(), routes);
        assertEquals("yes", table.get(0)[5], routes);
        assertEquals("no, service 32 does", table.get(1)[5], routes);
    }

    @Test
    void aPathWithoutAHandlerNamesTheRegistrationThatFailedForIt() throws Exception {
        handlers.add(new Registration(35, "hello", "FAILED", "spindle.route must start with '/': hello", 0));
        handlers.add(new Registration(36, "/api*", "FAILED", "spindle.route may only end in '/*': /api*", 0));
        match = new Match(null, 404, "no route matches /hello");
        assertEquals("GET /hello -> 404: no route matches /hello; service 35 (dev.test [7]) has route hello but FAILED:"
                + " spindle.route must start with '/': hello\n", run("spindle:routes /hello"));
        match = new Match(null, 404, "no route matches /api/notes");
        assertTrue(run("spindle:routes /api/notes").contains("service 36 (dev.test [7]) has route /api* but FAILED"));
        match = new Match(null, 404, "no route matches /other");
        assertEquals("GET /other -> 404: no route matches /other\n", run("spindle:routes /other"));
    }

    @Test
    void theListeningAddressIsWrittenAsTheLogWritesIt() throws Exception {
        assertEquals("0.0.0.0:8080", processorlessListening());
    }

    private String processorlessListening() throws Exception {
        SpindleCommands views = new SpindleCommands(server(), null);
        java.lang.reflect.Method m = SpindleCommands.class.getDeclaredMethod("listening", InetSocketAddress.class);
        m.setAccessible(true);
        return (String) m.invoke(views, new InetSocketAddress("::", 8080));
    }

    private record Match(HandlerRegistration handler, int status, String reason) implements HttpServer.RouteMatch {
    }

    private record Registration(long serviceId, String route, String state, String reason, long inFlight)
            implements HandlerRegistration {
        @Override
        public String bundleSymbolicName() {
            return "dev.test";
        }

        @Override
        public long bundleId() {
            return 7;
        }

        @Override
        public List<String> methods() {
            return List.of();
        }

        @Override
        public int ranking() {
            return 0;
        }

        @Override
        public boolean blocking() {
            return false;
        }

        @Override
        public long totalRequests() {
            return 0;
        }

        @Override
        public long responses(int statusClass) {
            return 0;
        }

        @Override
        public double latencyMillis(double percentile) {
            return Double.NaN;
        }

        @Override
        public Map<String, Long> exceptions() {
            return Map.of();
        }
    }
}
