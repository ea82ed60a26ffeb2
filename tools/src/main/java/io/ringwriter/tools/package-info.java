/**
 * The {@code ringwriter} command line: {@code bench} (the Go package's suite beside a plain-Java baseline),
 * {@code write} (one message to many files, or records from stdin), {@code stat} (a running engine's counters, read
 * from its mapped counters file in another process) and {@code profile} (a bench case under async-profiler).
 * Everything here uses the engine's public API only.
 */
package io.ringwriter.tools;
