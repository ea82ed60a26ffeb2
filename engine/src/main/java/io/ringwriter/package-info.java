/**
 * ringwriter: writes messages to many files at the rate the machine allows.
 * <p>
 * Producers publish write events onto a preallocated LMAX Disruptor ring; a pool of worker threads, each owning
 * the files whose path hashes to it, coalesces the writes of a Disruptor batch and commits them at the batch end
 * (one write call per file per batch, one force per file per batch under {@link io.ringwriter.Durability#FSYNC}).
 * Failed writes leave the worker at once for a retry agent that republishes them when their backoff is due.
 * <p>
 * The entry point is {@link io.ringwriter.WriteEngine#builder()}. Everything in this package that is not public is
 * implementation.
 */
package io.ringwriter;
