package io.ringwriter;

import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;
import org.agrona.concurrent.UnsafeBuffer;
import org.jctools.queues.MpmcArrayQueue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;

/**
 * What the engine's threads share: the settings after validation, the ring and its memory, the retry pool and the
 * counters. Fields are final and set before any engine thread starts (the thread start orders them); the only
 * mutable fields are the two lifecycle flags, read with volatile loads on the paths that must see them.
 */
final class EngineContext
{
    final RingBuffer<WriteEvent> ring;
    final ByteBuffer ringBytes;
    final UnsafeBuffer ringMemory;
    final int ringSize;
    final int slotSize;
    /**
     * log2(slotSize) when the slot size is a power of two, else -1: turns the per-write division into a shift.
     */
    final int slotShift;
    final int mask;
    final int workers;
    final boolean pinWorkers;
    final Durability durability;
    final WriteMode defaultMode;
    final int maxOpenFilesPerWorker;
    final Path root;
    final Path rootReal;
    final boolean createParents;
    final RetryPolicy retryPolicy;
    final FailureHandler failureHandler;
    final FileIo fileIo;
    final EngineCounters counters;
    final int stageBufferSize;
    final boolean singleProducer;
    /**
     * Workers open files natively where they can (see {@link NativeIo}).
     */
    final boolean nativeFiles;
    /**
     * Per ring slot, the shard of the message that starts there, or {@link #NO_OWNER} for a fragment or a skipped
     * slot; written by the publisher before it publishes. A worker reads this dense array to pass over other shards'
     * events without touching their cache lines (32 slots per line instead of one event per line).
     */
    final short[] owners;
    final RetryEntry[] retryEntries;
    final MpmcArrayQueue<RetryEntry> freeRetryEntries;
    /**
     * The worker threads, by shard; filled in by the engine before any write.
     */
    final Thread[] workerThreads;
    /**
     * How many workers are in a deep sleep (idle for a while, parked for up to {@link WorkerBarrier#DEEP_PARK_NS}).
     * Padded: producers read it on every write, workers write it only when they fall asleep and wake.
     */
    final Sequence sleepers = new Sequence(0);

    /**
     * Set by close(): producers stop accepting.
     */
    volatile boolean closed;
    /**
     * Set by close() when its timeout passed: every write still pending ends as failed with ENGINE_CLOSED.
     */
    volatile boolean aborting;

    @SuppressWarnings("checkstyle:ParameterNumber")
    EngineContext(
        final RingBuffer<WriteEvent> ring,
        final ByteBuffer ringBytes,
        final int slotSize,
        final int workers,
        final boolean pinWorkers,
        final Durability durability,
        final WriteMode defaultMode,
        final int maxOpenFiles,
        final Path root,
        final Path rootReal,
        final boolean createParents,
        final RetryPolicy retryPolicy,
        final FailureHandler failureHandler,
        final FileIo fileIo,
        final EngineCounters counters,
        final int stageBufferSize,
        final int retrySlots,
        final boolean singleProducer,
        final boolean nativeFiles)
    {
        this.singleProducer = singleProducer;
        this.nativeFiles = nativeFiles;
        this.owners = new short[ring.getBufferSize()];
        this.ring = ring;
        this.ringBytes = ringBytes;
        this.ringMemory = new UnsafeBuffer(ringBytes);
        this.ringSize = ring.getBufferSize();
        this.slotSize = slotSize;
        this.slotShift = Integer.bitCount(slotSize) == 1 ? Integer.numberOfTrailingZeros(slotSize) : -1;
        this.mask = ringSize - 1;
        this.workers = workers;
        this.pinWorkers = pinWorkers;
        this.durability = durability;
        this.defaultMode = defaultMode;
        this.maxOpenFilesPerWorker = Math.max(1, maxOpenFiles / workers);
        this.root = root;
        this.rootReal = rootReal;
        this.createParents = createParents;
        this.retryPolicy = retryPolicy;
        this.failureHandler = failureHandler;
        this.fileIo = fileIo;
        this.counters = counters;
        this.stageBufferSize = stageBufferSize;
        this.workerThreads = new Thread[workers];
        this.retryEntries = new RetryEntry[retrySlots];
        this.freeRetryEntries = new MpmcArrayQueue<>(Math.max(2, retrySlots));
        for (int i = 0; i < retrySlots; i++)
        {
            retryEntries[i] = new RetryEntry(i, slotSize);
            freeRetryEntries.offer(retryEntries[i]);
        }
    }

    /**
     * @return offset in ring memory of the first byte of the message starting at {@code sequence}.
     */
    int offsetOf(final long sequence)
    {
        return (int)(sequence & mask) * slotSize;
    }

    int slotsFor(final int length)
    {
        if (length == 0)
        {
            return 1;
        }
        if (slotShift >= 0)
        {
            return (int)(((long)length + slotSize - 1) >>> slotShift);
        }
        return (int)(((long)length + slotSize - 1) / slotSize);
    }

    static final short NO_OWNER = -1;

    void own(final long sequence, final int shard)
    {
        owners[(int)sequence & mask] = (short)shard;
    }

    /**
     * For a message published in slots lo..hi (its first event already filled in by the caller): record its owner
     * in the first slot, and mark the rest as fragments owned by no one. Only the owners array is written for the
     * fragments: their events are never read, so a message spanning many slots touches one event's cache line.
     */
    void markSlots(final long lo, final long hi, final int shard)
    {
        own(lo, shard);
        for (long s = lo + 1; s <= hi; s++)
        {
            own(s, NO_OWNER);
        }
    }

    boolean ownedBy(final long sequence, final int shard)
    {
        return owners[(int)sequence & mask] == shard;
    }

    /**
     * After a publish: wake the workers if any is in a deep sleep. One volatile read of a line that is written only
     * when a worker falls asleep or wakes, so a busy engine pays next to nothing, and an idle one is woken by the
     * first write instead of up to a deep park later.
     */
    void wakeSleepers()
    {
        if (sleepers.get() > 0)
        {
            wakeAll();
        }
    }

    /**
     * Unpark every worker: no system call for one that is not parked (its next park returns at once, and it looks
     * again).
     */
    void wakeAll()
    {
        for (final Thread thread : workerThreads)
        {
            if (thread != null)
            {
                LockSupport.unpark(thread);
            }
        }
    }

    /**
     * @param shard of the worker to wake.
     */
    void wake(final int shard)
    {
        final Thread thread = workerThreads[shard];
        if (thread != null)
        {
            LockSupport.unpark(thread);
        }
    }

    int shardOf(final Path path)
    {
        // Fibonacci hashing spreads Path.hashCode (cached by the JDK's UnixPath) over the workers; a multiply and a
        // shift map it onto [0, workers) without the division a remainder costs on every write.
        final int h = path.hashCode() * 0x9E3779B9;
        return (int)(((h & 0xFFFFFFFFL) * workers) >>> 32);
    }

    void freeEntry(final RetryEntry entry)
    {
        entry.clear();
        entry.originSeqRelease(RetryEntry.NULL_ORIGIN);
        counters.retryPending.getAndAdd(-1);
        freeRetryEntries.offer(entry);
    }

    boolean isFsync()
    {
        return durability == Durability.FSYNC;
    }
}
