/** Test-only handler for the hot-deploy tests. Nothing exported. */
package dev.spindle.swap;
