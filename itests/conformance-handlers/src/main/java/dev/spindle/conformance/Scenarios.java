package dev.spindle.conformance;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.spindle.api.HttpException;
import dev.spindle.api.IncomingMessage;
import dev.spindle.api.ServerResponse;

/**
 * The scenarios of {@code shared/conformance/scenarios.md}, each a direct transcription of the
 * Node text in {@code node-reference.js} (numbers as there). Node's {@code 'close'} event, which
 * also fires after a normal end, is Spindle's {@code onDone}; Node's {@code 'finish'} is
 * {@code onFinish}; Node's {@code setTimeout} is the {@code timers} executor.
 */
final class Scenarios {

    private static final Pattern ROUTE = Pattern.compile("^/conformance/([a-z0-9-]+)(/report)?(\\?.*)?$");

    private final ScheduledExecutorService timers;
    private final Records records = new Records();

    Scenarios(ScheduledExecutorService timers) {
        this.timers = timers;
    }

    /** The {@code 'request'} handler: dispatches on the scenario name, or serves a report. */
    void request(IncomingMessage req, ServerResponse res) {
        Matcher m = ROUTE.matcher(req.url());
        if (m.matches() && m.group(2) != null) {
            records.serve(m.group(1), res, timers);
            return;
        }
        String name = m.matches() ? m.group(1) : "";
        switch (name) {
            case "implicit-headers": implicitHeaders(res); break;
            case "writehead-headers-object": writeheadHeadersObject(res); break;
            case "reason-phrase": reasonPhrase(req, res); break;
            case "writehead-merges-setheader": writeheadMergesSetheader(res); break;
            case "setheader-array": setheaderArray(res); break;
            case "getheader-case-insensitive": getheaderCaseInsensitive(res); break;
            case "remove-header": removeHeader(res); break;
            case "after-headers-sent": afterHeadersSent(res); break;
            case "header-injection-rejected": headerInjectionRejected(res); break;
            case "end-empty": res.end(); break;
            case "write-then-end-chunked": writeThenEndChunked(res); break;
            case "write-empty-then-end": res.write(""); res.end(); break;
            case "explicit-content-length": explicitContentLength(res); break;
            case "utf8-multibyte": utf8Multibyte(res); break;
            case "encoding-write": encodingWrite(res); break;
            case "encoding-end": res.end("SGVsbG8sIGJhc2U2NCE=", "base64"); break;
            case "large-streamed-body": largeStreamedBody(res); break;
            case "head-request": headRequest(req, res); break;
            case "status-204-304": status204or304(req, res); break;
            case "trailers-chunked":
            case "trailer-header-http10": trailersChunked(res); break;
            case "trailers-end-only": trailersEndOnly(res); break;
            case "trailers-http10": trailersHttp10(res); break;
            case "http10-close": res.end("bye"); break;
            case "http10-keepalive": res.setHeader("Content-Length", "2"); res.end("ka"); break;
            case "http10-keepalive-no-length": res.end("no length"); break;
            case "http11-connection-close": res.end("closing"); break;
            case "pipelined": pipelined(req, res); break;
            case "unread-body-keepalive": res.end("not read"); break;
            case "half-close": halfClose(res); break;
            case "query-string": queryString(req, res); break;
            case "raw-headers": rawHeaders(req, res); break;
            case "echo-body-content-length":
            case "echo-body-chunked": echoBody(req, res); break;
            case "request-trailers": requestTrailers(req, res); break;
            case "expect-continue-default": receivedBytes(req, res); break;
            case "expect-unknown": res.end("handler ran"); break;
            case "response-events": responseEvents(res); break;
            case "client-abort": clientAbort(res); break;
            case "write-after-end": writeAfterEnd(res); break;
            case "throw-before-write": throwBeforeWrite(res); break;
            case "throw-after-write": throwAfterWrite(res); break;
            case "close-delimited-body":
            case "handler-keep-alive": OwnScenarios.serve(name, req, res); break;
            default:
                res.statusCode(404);
                res.setHeader("Content-Type", "text/plain");
                res.end("no such scenario\n");
        }
    }

    /** The {@code 'checkContinue'} handlers (36, 37). */
    void checkContinue(IncomingMessage req, ServerResponse res) {
        Matcher m = ROUTE.matcher(req.url());
        String name = m.matches() ? m.group(1) : "";
        if (name.equals("expect-continue")) {
            res.writeContinue();
            receivedBytes(req, res);
        } else if (name.equals("expect-continue-reject")) {
            res.writeHead(417, Map.of("Content-Type", "text/plain"));
            res.end("rejected");
        } else {
            request(req, res);
        }
    }

    // ---------------------------------------------------------------- A. status line and headers

    private static void implicitHeaders(ServerResponse res) {
        res.statusCode(200);
        res.setHeader("Content-Type", "text/plain");
        res.end("hello");
    }

    private static void writeheadHeadersObject(ServerResponse res) {
        res.writeHead(201, ordered("Content-Type", "text/plain", "X-Explicit", "yes"));
        res.end("created");
    }

    private static void reasonPhrase(IncomingMessage req, ServerResponse res) {
        String v = param(req, "v");
        if ("custom".equals(v)) {
            res.writeHead(418, "Short And Stout", ordered("X-Teapot", "1"));
            res.end("tea");
        } else if ("default".equals(v)) {
            res.statusCode(418);
            res.end();
        } else {
            res.statusCode(599);
            res.end();
        }
    }

    private static void writeheadMergesSetheader(ServerResponse res) {
        res.setHeader("X-A", "from-setHeader");
        res.setHeader("X-B", "kept");
        res.writeHead(200, ordered("X-A", "from-writeHead", "X-C", "added"));
        res.end("merged");
    }

    private static void setheaderArray(ServerResponse res) {
        res.setHeader("Set-Cookie", List.of("a=1; Path=/", "b=2; HttpOnly"));
        res.setHeader("X-Multi", List.of("one", "two"));
        res.end("arrays");
    }

    private static void getheaderCaseInsensitive(ServerResponse res) {
        res.setHeader("X-Custom-Thing", "Value-1");
        res.setHeader("x-lower-case", "lc");
        res.setHeader("Set-Cookie", List.of("k=v"));
        res.end(String.join("\n",
                res.getHeader("x-custom-thing"),
                res.getHeader("X-CUSTOM-THING"),
                String.valueOf(res.hasHeader("x-CuStOm-tHiNg")),
                Json.array(res.getHeaderValues("SET-COOKIE")),
                String.valueOf(undefinedIfNull(res.getHeader("x-missing"))),
                Json.array(res.getHeaderNames())));
    }

    private static void removeHeader(ServerResponse res) {
        res.setHeader("X-Gone", "1");
        res.setHeader("X-Stay", "1");
        res.removeHeader("x-gone");
        res.removeHeader("Date");
        res.end("hasHeader=" + res.hasHeader("X-Gone"));
    }

    private static void afterHeadersSent(ServerResponse res) {
        res.statusCode(200);
        res.write("first;");
        res.statusCode(500);
        List<String> out = new ArrayList<>();
        attempt(out, "setHeader", () -> res.setHeader("X-Late", "1"));
        attempt(out, "removeHeader", () -> res.removeHeader("Content-Type"));
        attempt(out, "writeHead", () -> res.writeHead(202));
        out.add("statusCode=" + res.statusCode());
        out.add("headersSent=" + res.headersSent());
        res.end(String.join(";", out));
    }

    private static void attempt(List<String> out, String label, Runnable fn) {
        try {
            fn.run();
            out.add(label + " ok");
        } catch (HttpException e) {
            out.add(label + " threw " + e.code());
        }
    }

    private static void headerInjectionRejected(ServerResponse res) {
        List<String> out = new ArrayList<>();
        try {
            res.setHeader("X-Bad", "a\r\nInjected: 1");
            out.add("value accepted");
        } catch (HttpException e) {
            out.add(e.code());
        }
        try {
            res.setHeader("Bad Name", "x");
            out.add("name accepted");
        } catch (HttpException e) {
            out.add(e.code());
        }
        out.add("hasHeader=" + res.hasHeader("X-Bad"));
        res.end(String.join(",", out));
    }

    // ---------------------------------------------------------------- B. body framing

    private static void writeThenEndChunked(ServerResponse res) {
        res.setHeader("Content-Type", "text/plain");
        res.write("hello ");
        res.write("world");
        res.end("!");
    }

    private static void explicitContentLength(ServerResponse res) {
        res.setHeader("Content-Length", "10");
        res.write("01234");
        res.write("567");
        res.end("89");
    }

    private static void utf8Multibyte(ServerResponse res) {
        res.setHeader("Content-Type", "text/plain; charset=utf-8");
        res.end("h\u00e9llo w\u00f6rld \u2013 \u2713 \uD83D\uDE00");
    }

    private static void encodingWrite(ServerResponse res) {
        res.write("caf\u00e9 ", "latin1");
        res.write("48657821", "hex");
        res.write(" ");
        res.write("YmFzZTY0", "base64");
        res.end(" \u2713", "utf8");
    }

    private static void largeStreamedBody(ServerResponse res) {
        res.setHeader("Content-Type", "application/octet-stream");
        int[] i = {0};
        Runnable writeMore = new Runnable() {
            @Override
            public void run() {
                while (i[0] < 16) {
                    byte[] chunk = new byte[64 * 1024];
                    java.util.Arrays.fill(chunk, (byte) (0x41 + i[0]));
                    i[0]++;
                    if (!res.write(chunk)) {
                        return; // the drain listener calls run() again
                    }
                }
                res.end();
            }
        };
        res.onDrain(writeMore);
        writeMore.run();
    }

    // ---------------------------------------------------------------- C. responses without a body

    private static void headRequest(IncomingMessage req, ServerResponse res) {
        res.setHeader("Content-Type", "text/plain");
        if ("explicit".equals(param(req, "v"))) {
            res.setHeader("Content-Length", "11");
        }
        res.end("hello world");
    }

    private static void status204or304(IncomingMessage req, ServerResponse res) {
        if ("204".equals(param(req, "code"))) {
            res.statusCode(204);
            res.setHeader("X-Note", "no content");
        } else {
            res.writeHead(304, ordered("ETag", "\"v1\""));
        }
        res.end("ignored body");
    }

    // ---------------------------------------------------------------- D. trailers

    private static void trailersChunked(ServerResponse res) {
        res.writeHead(200, ordered("Content-Type", "text/plain", "Trailer", "X-Checksum"));
        res.write("data");
        res.addTrailers(ordered("X-Checksum", "abc123"));
        res.end();
    }

    private static void trailersEndOnly(ServerResponse res) {
        res.setHeader("Trailer", "X-Count");
        res.addTrailers(ordered("X-Count", "1"));
        res.end("single");
    }

    private static void trailersHttp10(ServerResponse res) {
        res.setHeader("Content-Type", "text/plain");
        res.write("data");
        res.addTrailers(ordered("X-Checksum", "abc123"));
        res.end();
    }

    // ---------------------------------------------------------------- E. connection management

    private void pipelined(IncomingMessage req, ServerResponse res) {
        String n = param(req, "n");
        timers.schedule(() -> res.end("n=" + n), "1".equals(n) ? 50 : 0, TimeUnit.MILLISECONDS);
    }

    private void halfClose(ServerResponse res) {
        Records.Record r = records.start("half-close");
        res.onDone(outcome -> {
            r.add("res 'close': writableEnded=" + res.writableEnded() + " writableFinished=" + res.writableFinished());
            r.done();
        });
        timers.schedule(() -> res.end("still here"), 200, TimeUnit.MILLISECONDS);
    }

    // ---------------------------------------------------------------- F. the request

    private static void queryString(IncomingMessage req, ServerResponse res) {
        res.end("method=" + req.method() + "\nurl=" + req.url() + "\nhttpVersion=" + req.httpVersion());
    }

    private static void rawHeaders(IncomingMessage req, ServerResponse res) {
        res.end(Json.array(req.rawHeaders()) + "\n" + Json.object(req.headers()));
    }

    private static void echoBody(IncomingMessage req, ServerResponse res) {
        req.body().thenAccept(body -> {
            res.setHeader("Content-Type", "text/plain");
            res.end("content-length=" + undefinedIfNull(req.header("content-length")) + "\n"
                    + "transfer-encoding=" + undefinedIfNull(req.header("transfer-encoding")) + "\n"
                    + "bytes=" + body.length + "\n" + new String(body, StandardCharsets.UTF_8));
        });
    }

    private static void requestTrailers(IncomingMessage req, ServerResponse res) {
        req.body().thenAccept(body -> res.end("body=" + new String(body, StandardCharsets.UTF_8) + "\n"
                + Json.object(req.trailers()) + "\n" + Json.array(req.rawTrailers())));
    }

    private static void receivedBytes(IncomingMessage req, ServerResponse res) {
        req.body().thenAccept(body -> res.end("received " + body.length + " bytes: "
                + new String(body, StandardCharsets.UTF_8)));
    }

    // ---------------------------------------------------------------- H. lifecycle, events, errors

    private void responseEvents(ServerResponse res) {
        Records.Record r = records.start("response-events");
        res.onFinish(() -> r.add("res 'finish': writableFinished=" + res.writableFinished()));
        res.onDone(outcome -> {
            r.add("res 'close': writableEnded=" + res.writableEnded() + " writableFinished=" + res.writableFinished());
            r.done();
        });
        res.end("ok");
        r.add("after end(): writableEnded=" + res.writableEnded() + " headersSent=" + res.headersSent());
    }

    private void clientAbort(ServerResponse res) {
        Records.Record r = records.start("client-abort");
        res.onDone(outcome -> {
            r.add("res 'close': writableEnded=" + res.writableEnded() + " writableFinished=" + res.writableFinished());
            r.done();
        });
        res.writeHead(200, ordered("Content-Type", "text/plain"));
        res.write("partial");
    }

    private void writeAfterEnd(ServerResponse res) {
        Records.Record r = records.start("write-after-end");
        AtomicReference<String> callbackErr = new AtomicReference<>();
        AtomicReference<String> eventErr = new AtomicReference<>();
        Runnable settle = () -> {
            if (callbackErr.get() == null || eventErr.get() == null) {
                return;
            }
            r.add("write callback error: " + callbackErr.get());
            r.add("'error' event: " + eventErr.get());
            r.done();
        };
        res.onError(e -> {
            eventErr.set(e.code());
            settle.run();
        });
        res.end("done");
        boolean ret = res.write("more", "utf8", e -> {
            callbackErr.set(e == null ? "none" : e.code());
            settle.run();
        });
        r.add("write() returned " + ret);
    }

    private static void throwBeforeWrite(ServerResponse res) {
        res.setHeader("X-Before-Throw", "1");
        throw new IllegalStateException("boom");
    }

    private static void throwAfterWrite(ServerResponse res) {
        res.writeHead(200, ordered("Content-Type", "text/plain"));
        res.write("partial");
        throw new IllegalStateException("boom");
    }

    // ---------------------------------------------------------------- helpers

    /** A header object with the key order of the Node source. */
    private static Map<String, String> ordered(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    /** {@code new URL(req.url, 'http://x').searchParams.get(key)}. */
    static String param(IncomingMessage req, String key) {
        String url = req.url();
        int q = url.indexOf('?');
        if (q < 0) {
            return null;
        }
        for (String pair : url.substring(q + 1).split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            if (k.equals(key)) {
                return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    /** {@code String(x)} of a JavaScript value that may be {@code undefined}. */
    private static String undefinedIfNull(String s) {
        return s == null ? "undefined" : s;
    }
}
