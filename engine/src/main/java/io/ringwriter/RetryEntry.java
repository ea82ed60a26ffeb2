package io.ringwriter;

import org.agrona.concurrent.UnsafeBuffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * A write set aside from the ring: one that failed and waits for its retry, or one that waits behind such a write to
 * the same file. Preallocated in a fixed pool; its bytes are copied out of the ring so the ring can move on.
 * <p>
 * Ownership passes from a worker to the retry agent through the agent's MPSC inbox, back into the ring (the entry is
 * freed once its bytes are republished) or to a worker's lane when the ring is full. {@link #originSeq} is the only
 * field read by other threads: {@link WriteEngine#flush()} scans it to wait for set-aside writes published before
 * the flush.
 */
final class RetryEntry
{
    static final long NULL_ORIGIN = Long.MAX_VALUE;
    static final int TYPE_FAILED = 1;
    static final int TYPE_PARKED = 2;

    private static final VarHandle ORIGIN_SEQ;

    static
    {
        try
        {
            ORIGIN_SEQ = MethodHandles.lookup().findVarHandle(RetryEntry.class, "originSeq", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    final int index;
    final UnsafeBuffer view = new UnsafeBuffer(new byte[0]);
    private long originSeq = NULL_ORIGIN;

    int type;
    Path path;
    Path target;
    int shard;
    byte mode;
    int attempts;
    Throwable cause;
    Tracker tracker;
    byte[] data;
    int length;

    RetryEntry(final int index, final int initialCapacity)
    {
        this.index = index;
        this.data = new byte[initialCapacity];
    }

    long originSeqAcquire()
    {
        return (long)ORIGIN_SEQ.getAcquire(this);
    }

    /**
     * Release: pairs with {@link #originSeqAcquire()} in flush; set before the owning worker advances its sequence.
     */
    void originSeqRelease(final long value)
    {
        ORIGIN_SEQ.setRelease(this, value);
    }

    void ensureCapacity(final int capacity)
    {
        if (data.length < capacity)
        {
            data = new byte[Math.max(capacity, data.length * 2)];
        }
    }

    UnsafeBuffer bytes()
    {
        view.wrap(data, 0, Math.max(length, 0));
        return view;
    }

    void clear()
    {
        path = null;
        target = null;
        cause = null;
        tracker = null;
        length = 0;
        attempts = 0;
        type = 0;
    }
}
