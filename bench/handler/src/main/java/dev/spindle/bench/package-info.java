/** The benchmark handler. Nothing exported. */
package dev.spindle.bench;
