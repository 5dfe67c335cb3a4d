package dev.spindle.host.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.spindle.api.Handler;
import dev.spindle.host.internal.http.connection.EngineSettings;
import dev.spindle.host.internal.router.HandlerResolver;
import dev.spindle.host.internal.router.RouteTarget;

/**
 * The listening socket outlives an engine: a replacement on the same address and transport takes
 * it over (the port never closes), and closing it does not wait for the engine's event loops.
 */
class ListenerHandoverTest {

    private static final byte[] GET = "GET /x HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ExecutorService workers = Executors.newFixedThreadPool(2);
    private HttpEngine first;
    private HttpEngine second;

    @AfterEach
    void stop() {
        for (HttpEngine e : new HttpEngine[] {first, second}) {
            if (e != null) {
                e.close();
            }
        }
        workers.shutdownNow();
    }

    private HttpEngine engine(String transport, int loops, Handler handler) {
        HandlerResolver.Resolution found = HandlerResolver.Resolution.found(new RouteTarget(handler, 1, false, false));
        return new HttpEngine(EngineSettings.defaults(), (m, p) -> found, workers, transport, loops);
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void aReplacementEngineTakesOverTheListeningSocketAndTheConnectionsItAcceptsFromThen(String transport)
            throws Exception {
        first = engine(transport, 1, (req, res) -> res.end("first"));
        InetSocketAddress at = first.start("127.0.0.1", 0);
        try (Socket before = new Socket(at.getAddress(), at.getPort())) {
            before.setSoTimeout(5000);
            before.getOutputStream().write(GET);
            assertTrue(SocketResponses.readResponse(before.getInputStream()).endsWith("first"));

            second = engine(transport, 2, (req, res) -> res.end("second"));
            assertTrue(second.listeners().canAdopt(first.listeners(), "127.0.0.1", at.getPort()));
            assertTrue(second.listeners().canAdopt(first.listeners(), "127.0.0.1", 0), "port 0: whichever it has");
            assertEquals(at, second.listeners().adopt(first.listeners()));
            assertNull(first.address(), "the socket is the new engine's now");
            assertEquals(at, second.address());

            try (Socket after = new Socket(at.getAddress(), at.getPort())) {
                after.setSoTimeout(5000);
                after.getOutputStream().write(GET);
                assertTrue(SocketResponses.readResponse(after.getInputStream()).endsWith("second"));
            }
            CompletableFuture<Integer> retired = CompletableFuture.supplyAsync(() -> first.retire(5000));
            // a connection of the old engine is answered by it until, once its retirement began,
            // a response says it is the last
            String last = "";
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!last.contains("\r\nConnection: close\r\n") && System.nanoTime() < deadline) {
                before.getOutputStream().write(GET);
                last = SocketResponses.readResponse(before.getInputStream());
                assertTrue(last.endsWith("first"), last);
            }
            assertTrue(last.contains("\r\nConnection: close\r\n"), last);
            assertEquals(0, retired.get(10, TimeUnit.SECONDS), "nothing had to be cut off");
        }
        try (Socket later = new Socket(at.getAddress(), at.getPort())) {
            later.setSoTimeout(5000);
            later.getOutputStream().write(GET);
            assertTrue(SocketResponses.readResponse(later.getInputStream()).endsWith("second"), "the old engine's end left the socket open");
        }
        assertEquals(2, second.totalRequests());
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void anEngineOnOtherEventLoopsOrAnotherAddressOrTransportCannotTakeTheSocket(String transport) throws Exception {
        first = engine(transport, 1, (req, res) -> res.end("first"));
        InetSocketAddress at = first.start("127.0.0.1", 0);
        second = engine(transport.equals("nio") ? "epoll" : "nio", 1, (req, res) -> res.end("second"));
        assertTrue(!second.listeners().canAdopt(first.listeners(), "127.0.0.1", at.getPort()), "another transport");
        HttpEngine same = engine(transport, 1, (req, res) -> res.end("same"));
        try {
            assertTrue(!same.listeners().canAdopt(first.listeners(), "0.0.0.0", at.getPort()), "another address");
            assertTrue(!same.listeners().canAdopt(first.listeners(), "127.0.0.1", at.getPort() == 65535 ? 1 : at.getPort() + 1), "another port");
            assertTrue(!same.listeners().canAdoptTls(first.listeners(), "127.0.0.1", at.getPort()), "no TLS listener to take");
        } finally {
            same.close();
        }
    }

    /**
     * A handler holding the engine's only event loop neither delays closing the listening socket
     * nor keeps it bound: once {@code stopListening} returns, the port is free (on NIO a socket
     * registered with a selector closes only at that selector's next pass), and the held request
     * is still answered.
     */
    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll"})
    void closingTheListenerDoesNotWaitForABusyEventLoopAndFreesThePort(String transport) throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        first = engine(transport, 1, (req, res) -> {
            held.countDown();
            release.await(10, TimeUnit.SECONDS); // holds the loop, as a faulty handler would
            res.end("late");
        });
        InetSocketAddress at = first.start("127.0.0.1", 0);
        try (Socket s = new Socket(at.getAddress(), at.getPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(GET);
            assertTrue(held.await(5, TimeUnit.SECONDS));
            first.listeners().close(() -> { });
            Listener.requireFree("127.0.0.1", at.getPort());
            release.countDown();
            assertTrue(SocketResponses.readResponse(s.getInputStream()).endsWith("late"));
        } finally {
            release.countDown();
        }
    }

}
