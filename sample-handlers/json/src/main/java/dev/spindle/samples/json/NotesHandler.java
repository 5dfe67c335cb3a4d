package dev.spindle.samples.json;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

import org.osgi.service.component.annotations.Component;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import dev.spindle.api.Handler;
import dev.spindle.api.IncomingMessage;
import dev.spindle.api.ServerResponse;

/**
 * A small JSON API over an in-memory store, with Gson (an OSGi bundle of its own in the container):
 * {@code GET /api/notes}, {@code POST /api/notes} ({@code {"text": "..."}}, answered
 * {@code 201 Created} with {@code Location}), {@code GET /api/notes/ID}, {@code DELETE
 * /api/notes/ID} ({@code 204}). Teaches a prefix route, reading a bounded body with
 * {@code body()}, status codes, and error bodies a client can parse: {@code {"error": "..."}}.
 *
 * <pre>
 * $ curl -s -d '{"text":"buy milk"}' localhost:8080/api/notes
 * {"id":1,"text":"buy milk"}
 * </pre>
 */
@Component(property = {
    Handler.ROUTE + "=/api/notes/*",
    Handler.METHODS + "=GET,POST,DELETE",
})
public final class NotesHandler implements Handler {

    /** One note. */
    static final class Note {
        final long id;
        final String text;

        Note(long id, String text) {
            this.id = id;
            this.text = text;
        }
    }

    private final Gson gson = new Gson();
    private final Map<Long, Note> notes = new ConcurrentSkipListMap<>();
    private final AtomicLong ids = new AtomicLong();

    @Override
    public void handle(IncomingMessage req, ServerResponse res) {
        String rest = req.path().substring("/api/notes".length());
        if (rest.isEmpty() || rest.equals("/")) {
            if (req.method().equals("GET")) {
                send(res, 200, new ArrayList<>(notes.values()));
            } else if (req.method().equals("POST")) {
                create(req, res);
            } else {
                res.setHeader("Allow", "GET, POST");
                error(res, 405, "use GET or POST on /api/notes");
            }
            return;
        }
        Long id = parseId(rest.substring(1));
        Note note = id == null ? null : notes.get(id);
        if (note == null) {
            error(res, 404, "no note " + rest.substring(1));
        } else if (req.method().equals("GET")) {
            send(res, 200, note);
        } else if (req.method().equals("DELETE")) {
            notes.remove(id);
            res.statusCode(204);
            res.end();
        } else {
            res.setHeader("Allow", "GET, DELETE");
            error(res, 405, "use GET or DELETE on a note");
        }
    }

    private void create(IncomingMessage req, ServerResponse res) {
        req.body().whenComplete((body, failure) -> {
            if (failure != null) {
                error(res, 413, "the body is too large");
                return;
            }
            String text;
            try {
                JsonObject o = JsonParser.parseString(new String(body, StandardCharsets.UTF_8)).getAsJsonObject();
                text = o.has("text") && o.get("text").isJsonPrimitive() ? o.get("text").getAsString() : null;
            } catch (JsonParseException | IllegalStateException e) {
                error(res, 400, "the body must be a JSON object like {\"text\": \"...\"}");
                return;
            }
            if (text == null || text.isBlank()) {
                error(res, 422, "\"text\" must be a non-empty string");
                return;
            }
            Note note = new Note(ids.incrementAndGet(), text);
            notes.put(note.id, note);
            res.setHeader("Location", "/api/notes/" + note.id);
            send(res, 201, note);
        });
    }

    private static Long parseId(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private void send(ServerResponse res, int status, Object value) {
        res.statusCode(status);
        res.setHeader("Content-Type", "application/json");
        res.end(gson.toJson(value));
    }

    private void error(ServerResponse res, int status, String message) {
        send(res, status, Map.of("error", message));
    }
}
