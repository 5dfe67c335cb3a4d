/** Test-only: the differential conformance scenarios through Spindle's API. Nothing exported. */
package dev.spindle.conformance;
