package io.ringwriter;

import java.nio.file.Path;

/**
 * One ring slot. A message of {@code length} bytes occupies {@code slots} consecutive slots; the first carries the
 * description below and every slot owns {@code slotSize} bytes of the ring's preallocated memory at
 * {@code (sequence & mask) * slotSize}. The events of a message's later slots are not written at all: the owners
 * array ({@code EngineContext.owners}) marks those slots as owned by no one, and nothing reads their events. Written
 * by one producer between claim and publish, read by the workers after publish (the Disruptor's publish/barrier pair
 * orders it); never shared otherwise.
 */
final class WriteEvent
{
    /**
     * Claimed and published without content (the engine closed between claim and publish): every worker skips it.
     */
    static final byte KIND_SKIP = 0;
    /**
     * First slot of a message.
     */
    static final byte KIND_MESSAGE = 1;

    byte kind;
    /**
     * True when the retry agent republished this message.
     */
    boolean retried;
    byte mode;
    int shard;
    int length;
    int slots;
    int attempts;
    long originSeq;
    Path path;
    Path target;
    Tracker tracker;
    /**
     * The retry entry that holds this republished message's bytes and stays in use until the message ends; null for
     * a fresh message.
     */
    RetryEntry entry;
    /**
     * Set by the owning worker when it wrote this republished message ahead of its sequence (see
     * {@code WriteWorker.lookAhead}); read only by that worker.
     */
    boolean done;
}
