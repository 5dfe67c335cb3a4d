/** Sample: see the handler class for what it teaches. Nothing exported. */
package dev.spindle.samples.echo;
