/**
 * Spindle's test kit: {@link dev.spindle.testkit.SpindleTestServer} runs handlers on the host's
 * real engine and router over a real socket, in the test's JVM, without OSGi.
 */
package dev.spindle.testkit;
