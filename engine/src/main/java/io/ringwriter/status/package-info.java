/**
 * Counter ids and labels of the engine, and the layout of the counters file that {@code ringwriter stat} reads from
 * another process.
 */
package io.ringwriter.status;
