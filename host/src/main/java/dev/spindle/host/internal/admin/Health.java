package dev.spindle.host.internal.admin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import dev.spindle.host.internal.http.HttpEngine;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.EventExecutor;

/**
 * Beside the data path, behind the admin listener: the answers of {@code /health/live} and
 * {@code /health/ready}, each a status (200 or 503) and a JSON body that says why.
 *
 * <ul>
 * <li>Live: the process answers (this runs), and each of the engine's event loops runs a task within
 * the bound; a loop held by a handler that never returns is named with how long it was waited for.</li>
 * <li>Ready: the server listens, is not stopping, every bundle in the deploy folders is installed
 * and active (a fragment resolved), and no route is waiting in its grace for a replacement
 * handler.</li>
 * </ul>
 */
final class Health {

    /** A status and the body saying why. */
    record Report(int status, Map<String, Object> body) {
        String json() {
            return Json.write(body);
        }
    }

    private final Supplier<ServerProbe> probe;
    private final Supplier<List<String>> deployProblems;
    private final long liveTimeoutMillis;

    /**
     * @param probe the server, null when none runs
     * @param deployProblems what keeps the deploy folders' bundles from being active, one line each
     * @param liveTimeoutMillis how long an event loop may take to run the liveness task
     */
    Health(Supplier<ServerProbe> probe, Supplier<List<String>> deployProblems, long liveTimeoutMillis) {
        this.probe = probe;
        this.deployProblems = deployProblems;
        this.liveTimeoutMillis = liveTimeoutMillis;
    }

    /** Runs a task on every event loop and completes once all answered, or at the bound. Never blocks. */
    CompletableFuture<Report> live() {
        ServerProbe p = probe.get();
        HttpEngine engine = p == null ? null : p.engine();
        if (engine == null) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", "UP");
            body.put("server", "not running");
            body.put("eventLoops", List.of());
            return CompletableFuture.completedFuture(new Report(200, body));
        }
        List<String> names = new ArrayList<>();
        List<CompletableFuture<Long>> answers = new ArrayList<>();
        long sent = System.nanoTime();
        int i = 0;
        for (EventExecutor loop : engine.loops()) {
            names.add("spindle-io-" + i++);
            CompletableFuture<Long> answer = new CompletableFuture<>();
            try {
                loop.execute(() -> answer.complete(System.nanoTime() - sent));
            } catch (java.util.concurrent.RejectedExecutionException stopped) {
                answer.completeExceptionally(stopped);
            }
            answers.add(answer);
        }
        return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
                .exceptionally(failed -> null)
                .completeOnTimeout(null, liveTimeoutMillis, TimeUnit.MILLISECONDS)
                .thenApply(done -> liveReport(names, answers));
    }

    private Report liveReport(List<String> names, List<CompletableFuture<Long>> answers) {
        List<Object> loops = new ArrayList<>();
        boolean all = true;
        for (int i = 0; i < answers.size(); i++) {
            CompletableFuture<Long> a = answers.get(i);
            Map<String, Object> loop = new LinkedHashMap<>();
            loop.put("name", names.get(i));
            Long nanos = a.isDone() && !a.isCompletedExceptionally() ? a.getNow(null) : null;
            if (nanos != null) {
                loop.put("answered", true);
                loop.put("micros", TimeUnit.NANOSECONDS.toMicros(nanos));
            } else {
                all = false;
                loop.put("answered", false);
                loop.put("reason", a.isCompletedExceptionally() ? "the event loop has stopped"
                        : "no answer within " + liveTimeoutMillis + " ms: a handler may be holding it");
            }
            loops.add(loop);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", all ? "UP" : "DOWN");
        body.put("eventLoops", loops);
        return new Report(all ? 200 : 503, body);
    }

    /** Whether the server should get traffic now, and each check with what it saw. */
    Report ready() {
        ServerProbe p = probe.get();
        HttpEngine engine = p == null ? null : p.engine();
        Map<String, Object> checks = new LinkedHashMap<>();
        boolean listening = engine != null && engine.address() != null;
        checks.put("listening", check(listening, listening ? NetUtil.toSocketAddressString(engine.address())
                : "the server is not running"));
        boolean stopping = p != null && p.stopping();
        checks.put("notStopping", check(!stopping, stopping ? "the server is shutting down" : "running"));
        List<String> problems = deployProblems.get();
        checks.put("deployedBundles", check(problems.isEmpty(), problems.isEmpty() ? "every bundle in the deploy"
                + " folders is active" : problems));
        List<String> vacant = p == null ? List.of() : p.vacantRoutes();
        checks.put("noRouteInGrace", check(vacant.isEmpty(), vacant.isEmpty() ? "no route is waiting for a handler"
                : vacant.stream().map(r -> r + " waits for a replacement handler").toList()));
        boolean ready = listening && !stopping && problems.isEmpty() && vacant.isEmpty();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", ready ? "UP" : "DOWN");
        body.put("checks", checks);
        return new Report(ready ? 200 : 503, body);
    }

    private static Map<String, Object> check(boolean ok, Object detail) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("ok", ok);
        c.put("detail", detail);
        return c;
    }
}
