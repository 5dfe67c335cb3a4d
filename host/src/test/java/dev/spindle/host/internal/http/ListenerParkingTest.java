package dev.spindle.host.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.spindle.api.Handler;
import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.router.HandlerResolver;
import dev.spindle.host.internal.router.RouteTarget;

/**
 * A host that restarts (its bundle updated, or refreshed with the API) parks its listening socket
 * open for the next instance: a client that connects in between is neither refused nor reset, it
 * waits in the backlog and is answered by the next engine; a socket nobody takes is closed by the
 * place it was parked at, and without a place the socket closes as before.
 */
class ListenerParkingTest {

    private static final byte[] GET = "GET /x HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ExecutorService workers = Executors.newFixedThreadPool(2);
    private final List<HttpEngine> engines = new ArrayList<>();
    private final Lot lot = new Lot();

    @AfterEach
    void stop() {
        engines.forEach(HttpEngine::close);
        lot.closeAll();
        workers.shutdownNow();
    }

    private HttpEngine engine(String transport, String answer) {
        Handler handler = (req, res) -> res.end(answer);
        HandlerResolver.Resolution found = HandlerResolver.Resolution.found(new RouteTarget(handler, 1, false, false));
        HttpEngine e = new HttpEngine(EngineSettings.defaults(), (m, p) -> found, workers, transport, 1);
        e.listeners().parking(lot);
        engines.add(e);
        return e;
    }

    @ParameterizedTest
    @CsvSource({"nio, 127.0.0.1", "epoll, 127.0.0.1", "nio, 0.0.0.0", "epoll, 0.0.0.0"})
    void clientsConnectingWhileTheHostRestartsWaitAndAreAnsweredByTheNextInstance(String transport, String host)
            throws Exception {
        HttpEngine first = engine(transport, "first");
        // a socket bound to 0.0.0.0 says it is bound to :: on a dual-stack JVM: still the same spot
        InetSocketAddress at = new InetSocketAddress("127.0.0.1", first.start(host, 0).getPort());
        try (Socket before = connect(at)) {
            assertTrue(ask(before).endsWith("first"));
        }
        assertEquals(0, first.close(1000, true));
        assertEquals(1, lot.parked.size(), "the socket is parked, not closed");

        List<Socket> waiting = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                Socket s = connect(at); // no ConnectException: the socket still listens
                s.getOutputStream().write(GET);
                waiting.add(s);
            }
            HttpEngine second = engine(transport, "second");
            assertEquals(at.getPort(), second.start(host, at.getPort()).getPort(), "the same socket, the same port");
            assertTrue(lot.parked.isEmpty(), "taken");
            for (Socket s : waiting) {
                String answer = SocketResponses.readResponse(s.getInputStream());
                assertTrue(answer.startsWith("HTTP/1.1 200 OK") && answer.endsWith("second"), answer);
            }
            try (Socket after = connect(at)) {
                assertTrue(ask(after).endsWith("second"));
            }
        } finally {
            for (Socket s : waiting) {
                s.close();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void theNextInstanceListeningOnAnyPortTakesTheParkedOneAndAnotherTransportDoesNot(String transport)
            throws Exception {
        HttpEngine first = engine(transport, "first");
        InetSocketAddress at = first.start("127.0.0.1", 0);
        first.close(1000, true);
        HttpEngine other = engine(transport.equals("nio") ? "epoll" : "nio", "other");
        assertNotNull(lot.parked.get(new ListenerParking.Spot(false, transport.equals("epoll"), "127.0.0.1", at.getPort())));
        InetSocketAddress elsewhere = other.start("127.0.0.1", 0);
        assertTrue(elsewhere.getPort() != at.getPort(), "another transport does not take it");
        HttpEngine second = engine(transport, "second");
        assertEquals(at, second.start("127.0.0.1", 0), "port 0: the port the previous instance had");
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void aParkedSocketThatNobodyTakesIsClosedByItsPlaceAndWithoutOneItClosesAtOnce(String transport) throws Exception {
        HttpEngine first = engine(transport, "first");
        InetSocketAddress at = first.start("127.0.0.1", 0);
        first.close(1000, true);
        lot.closeAll();
        assertThrows(ConnectException.class, () -> connect(at).close(), "closed by the place it was parked at");

        HttpEngine lone = new HttpEngine(EngineSettings.defaults(), (m, p) -> HandlerResolver.Resolution.notFound(),
                workers, transport, 1);
        engines.add(lone);
        InetSocketAddress there = lone.start("127.0.0.1", 0);
        lone.close(1000, true);
        assertThrows(ConnectException.class, () -> connect(there).close(), "no place to park: closed");
    }

    private static Socket connect(InetSocketAddress at) throws IOException {
        Socket s = new Socket(at.getAddress(), at.getPort());
        s.setSoTimeout(5000);
        return s;
    }

    private static String ask(Socket s) throws IOException {
        s.getOutputStream().write(GET);
        return SocketResponses.readResponse(s.getInputStream());
    }

    /** The place a host provides, in memory (the container's is a service of the system bundle). */
    private static final class Lot implements ListenerParking {
        final Map<Spot, Object> parked = new ConcurrentHashMap<>();
        final Map<Spot, Runnable> closers = new ConcurrentHashMap<>();

        @Override
        public void park(Spot spot, Object socket, Runnable close) {
            parked.put(spot, socket);
            closers.put(spot, close);
        }

        @Override
        public Object take(Spot spot) {
            for (Spot s : parked.keySet()) {
                if (s.tls() == spot.tls() && s.epoll() == spot.epoll() && s.address().equals(spot.address())
                        && (spot.port() == 0 || s.port() == spot.port())) {
                    closers.remove(s);
                    return parked.remove(s);
                }
            }
            return null;
        }

        void closeAll() {
            parked.keySet().forEach(s -> {
                parked.remove(s);
                closers.remove(s).run();
            });
        }
    }
}
