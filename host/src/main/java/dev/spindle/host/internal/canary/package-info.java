/** Canary releases of handler bundles: installing, analysing, promoting and rolling back (not exported). */
package dev.spindle.host.internal.canary;
