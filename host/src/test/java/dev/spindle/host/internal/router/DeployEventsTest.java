package dev.spindle.host.internal.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The numbering a dashboard's cursor follows: a host that restarts (a new whiteboard, so new
 * events) while the admin listener's dashboard state stays numbers on from where the old one was.
 */
class DeployEventsTest {

    @Test
    void aNewInstanceNumbersOnFromTheOldOne() {
        DeployEvents before = new DeployEvents();
        before.happened(DeployEvents.Kind.REGISTERED, "/a", 1, "a");
        before.happened(DeployEvents.Kind.UNREGISTERED, "/a", 1, "a");
        long cursor = before.since(0).get(1).seq();

        DeployEvents after = new DeployEvents();
        after.happened(DeployEvents.Kind.REGISTERED, "/a", 2, "a");
        List<DeployEvents.Event> fresh = after.since(cursor);
        assertEquals(1, fresh.size(), "the restarted host's first event is above the dashboard's cursor");
        assertTrue(fresh.get(0).seq() > cursor);
    }
}
