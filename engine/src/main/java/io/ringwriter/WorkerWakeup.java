package io.ringwriter;

import com.lmax.disruptor.Sequence;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;

/**
 * Lets a producer wake the workers that went to sleep on an idle ring, so they can sleep long (fewer wake-ups that
 * take a CPU from a busy producer) and still start on a new write within an unpark, not a park period.
 * <p>
 * A worker about to park counts itself in {@link #parked} (an atomic add: a full fence), checks the cursor once more
 * and parks; a producer, after publishing, reads the count (a plain volatile read of a line nobody writes while the
 * ring is busy) and unparks the workers only when it is not zero. The producer's read is not fenced against its
 * publish, so in a narrow race a worker sleeps through a wake-up: it then notices the write when its park ends, so
 * the park period bounds the delay and nothing is missed.
 */
final class WorkerWakeup
{
    private final AtomicInteger parked = new AtomicInteger();
    private final AtomicReferenceArray<Thread> threads;

    WorkerWakeup(final int workers)
    {
        this.threads = new AtomicReferenceArray<>(workers);
    }

    /**
     * Called by each worker thread as it starts.
     *
     * @param shard of the worker.
     */
    void register(final int shard)
    {
        threads.set(shard, Thread.currentThread());
    }

    /**
     * Park the calling worker for up to {@code parkNs} unless {@code sequence} has been published meanwhile.
     *
     * @param cursor    the ring's cursor.
     * @param sequence  the worker waits for.
     * @param parkNs    the longest sleep.
     */
    void park(final Sequence cursor, final long sequence, final long parkNs)
    {
        parked.getAndIncrement();
        try
        {
            if (cursor.get() < sequence)
            {
                LockSupport.parkNanos(parkNs);
            }
        }
        finally
        {
            parked.getAndDecrement();
        }
    }

    /**
     * After a publish: wake the sleeping workers, if any.
     */
    void wakeIfParked()
    {
        if (parked.get() != 0)
        {
            for (int i = 0, n = threads.length(); i < n; i++)
            {
                final Thread thread = threads.get(i);
                if (thread != null)
                {
                    LockSupport.unpark(thread);
                }
            }
        }
    }
}
