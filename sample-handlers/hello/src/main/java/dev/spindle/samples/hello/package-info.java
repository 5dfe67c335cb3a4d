/** Sample: the smallest handler bundle. Nothing exported. */
package dev.spindle.samples.hello;
