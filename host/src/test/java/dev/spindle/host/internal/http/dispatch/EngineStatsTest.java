package dev.spindle.host.internal.http.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The server counters behind spindle:stats: rates over the last 1, 10 and 60 seconds. */
class EngineStatsTest {

    @Test
    void ratesComeFromTheOnceASecondSamples() {
        EngineStats stats = new EngineStats();
        assertEquals(0, stats.requestsPerSecond(1), "no sample yet");
        for (int second = 1; second <= 70; second++) {
            stats.requests.add(second <= 60 ? 10 : 100); // 10/s for a minute, then 100/s
            stats.sample();
        }
        assertEquals(100, stats.requestsPerSecond(1), 1e-9);
        assertEquals(100, stats.requestsPerSecond(10), 1e-9);
        assertEquals((50 * 10 + 10 * 100) / 60.0, stats.requestsPerSecond(60), 1e-9);
        assertEquals(60 * 10 + 10 * 100, stats.totalRequests());
    }

    @Test
    void aRateOverMoreSecondsThanTheServerHasRunUsesItsUptime() {
        EngineStats stats = new EngineStats();
        stats.sample(); // second 1: nothing yet
        stats.requests.add(30);
        stats.sample(); // second 2
        stats.requests.add(30);
        stats.sample(); // second 3
        assertEquals(60 / 3.0, stats.requestsPerSecond(60), 1e-9);
        assertEquals(30, stats.requestsPerSecond(1), 1e-9);
    }

    @Test
    void responsesAreCountedByStatusClass() {
        EngineStats stats = new EngineStats();
        stats.response(200);
        stats.response(204);
        stats.response(404);
        stats.responses(5, 3);
        assertEquals(2, stats.responses(2));
        assertEquals(1, stats.responses(4));
        assertEquals(3, stats.responses(5));
        assertEquals(0, stats.responses(1));
    }
}
