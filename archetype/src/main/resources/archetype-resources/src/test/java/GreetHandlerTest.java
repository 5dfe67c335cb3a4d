package ${package};

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.spindle.api.Handler;
import dev.spindle.testkit.SpindleTestServer;

/** The handler on Spindle's real engine, on a free port, with the JDK's HTTP client. */
class GreetHandlerTest {

    private final HttpClient client = HttpClient.newHttpClient();
    private SpindleTestServer server;

    @BeforeEach
    void start() {
        // the properties of GreetHandler's @Component
        server = SpindleTestServer.builder()
                .handler(new GreetHandler(), Map.of(Handler.ROUTE, "/greet/*", Handler.METHODS, "GET,HEAD"))
                .start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return client.send(request.build(), BodyHandlers.ofString());
    }

    @Test
    void greetsTheNameInThePathDecoded() throws Exception {
        HttpResponse<String> res = send(HttpRequest.newBuilder(server.uri("/greet/Zo%C3%AB")));
        assertEquals(200, res.statusCode());
        assertEquals("text/plain; charset=utf-8", res.headers().firstValue("content-type").orElse(null));
        assertEquals("hello, Zoë", res.body());
    }

    @Test
    void greetsTheWorldWithoutAName() throws Exception {
        assertEquals("hello, world", send(HttpRequest.newBuilder(server.uri("/greet"))).body());
    }

    @Test
    void refusesOtherMethods() throws Exception {
        HttpResponse<String> res = send(HttpRequest.newBuilder(server.uri("/greet/x"))
                .POST(HttpRequest.BodyPublishers.ofString("x")));
        assertEquals(405, res.statusCode());
    }
}
