/** The Netty engine and Node's response rules. Knows nothing of OSGi; not exported. */
package dev.spindle.host.internal.http;
