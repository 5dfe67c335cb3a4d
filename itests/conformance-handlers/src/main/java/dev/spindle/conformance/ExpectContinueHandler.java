package dev.spindle.conformance;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import dev.spindle.api.Handler;
import dev.spindle.api.IncomingMessage;
import dev.spindle.api.ServerResponse;

/**
 * Scenario 36: an exact route with {@code spindle.checkContinue}, called when the head of an
 * {@code Expect: 100-continue} request arrives, as Node's {@code 'checkContinue'} listener is.
 */
@Component(property = {
    Handler.ROUTE + "=/conformance/expect-continue",
    Handler.CHECK_CONTINUE + ":Boolean=true",
})
public final class ExpectContinueHandler implements Handler {

    @Reference
    private ConformanceHandlers all;

    @Override
    public void handle(IncomingMessage req, ServerResponse res) {
        all.scenarios().checkContinue(req, res);
    }
}
