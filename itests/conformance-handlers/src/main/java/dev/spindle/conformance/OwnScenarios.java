package dev.spindle.conformance;

import dev.spindle.api.IncomingMessage;
import dev.spindle.api.ServerResponse;

/**
 * Spindle's own differential scenarios, beside the shared ones: the Java transcription of
 * {@code itests/src/test/conformance/extra-reference.js}, each a framing rule from Node's own tests.
 */
final class OwnScenarios {

    private OwnScenarios() {
    }

    static void serve(String name, IncomingMessage req, ServerResponse res) {
        switch (name) {
            case "close-delimited-body": closeDelimitedBody(req, res); break;
            case "handler-keep-alive": res.setHeader("Keep-Alive", "timeout=7, max=3"); res.end("kept"); break;
            default: throw new IllegalArgumentException("no such scenario: " + name);
        }
    }

    /** E1 (test-http-remove-header-stays-removed): both framing headers removed, the body ends with the connection. */
    private static void closeDelimitedBody(IncomingMessage req, ServerResponse res) {
        res.removeHeader("Transfer-Encoding");
        if ("whole".equals(Scenarios.param(req, "v"))) {
            res.removeHeader("Content-Length");
            res.end("whole body");
        } else {
            res.write("first ");
            res.end("second");
        }
    }
}
