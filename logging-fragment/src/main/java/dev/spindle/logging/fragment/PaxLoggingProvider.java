package dev.spindle.logging.fragment;

import org.apache.logging.log4j.spi.Provider;
import org.ops4j.pax.logging.log4jv2.Log4jv2LoggerContextFactory;

/**
 * Beside the logging backend, not on any request's path: the Log4j API provider that Log4j 2
 * looks for (ServiceLoader, from pax-logging-api's class loader, which this fragment extends) the
 * first time its API is initialised outside pax-logging's own entry points, which is when it
 * reloads its watched configuration. It names pax-logging's logger context factory, the one
 * pax-logging-api's {@code LogManager} uses anyway; without a provider Log4j 2 logs the error
 * "Log4j API could not find a logging provider" and falls back to its simple logger.
 */
public final class PaxLoggingProvider extends Provider {

    public PaxLoggingProvider() {
        super(100, CURRENT_VERSION, Log4jv2LoggerContextFactory.class);
    }
}
