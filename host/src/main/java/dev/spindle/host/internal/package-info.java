/** The host bundle's OSGi side: configuration, the handler whiteboard and the server component. Not exported. */
package dev.spindle.host.internal;
