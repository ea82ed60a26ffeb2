package io.ringwriter.bench;

import java.lang.management.ManagementFactory;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;

/**
 * Bytes allocated by the threads a writer owns (its workers, made through {@link #threadFactory(String)}) plus the
 * calling thread's bytes around the timed call: the allocation of the writer itself, without what a benchmark's
 * untimed setup allocates (which JMH's {@code -prof gc} counts into {@code gc.alloc.rate.norm} too).
 * <p>
 * Uses HotSpot's per-thread allocation counters ({@link com.sun.management.ThreadMXBean}); reading the calling
 * thread's counter allocates nothing.
 */
public final class AllocationMeter
{
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();

    private final CopyOnWriteArrayList<Thread> owned = new CopyOnWriteArrayList<>();
    private long[] ids = new long[0];
    private long ownedBaseline;

    static
    {
        THREADS.setThreadAllocatedMemoryEnabled(true);
    }

    /**
     * @param prefix of the thread names.
     * @return a factory of daemon threads whose allocation this meter counts.
     */
    public ThreadFactory threadFactory(final String prefix)
    {
        return (runnable) ->
        {
            final Thread thread = new Thread(runnable, prefix + "-" + owned.size());
            thread.setDaemon(true);
            owned.add(thread);
            return thread;
        };
    }

    /**
     * @return bytes the calling thread has allocated so far (allocation free).
     */
    public static long currentThreadAllocated()
    {
        return THREADS.getCurrentThreadAllocatedBytes();
    }

    /**
     * Remember the owned threads' counters now; {@link #ownedAllocatedSinceMark()} counts from here.
     */
    public void mark()
    {
        ownedBaseline = ownedAllocated();
    }

    /**
     * @return bytes the owned threads allocated since {@link #mark()}, and mark again.
     */
    public long ownedAllocatedSinceMark()
    {
        final long now = ownedAllocated();
        final long delta = now - ownedBaseline;
        ownedBaseline = now;
        return delta;
    }

    private long ownedAllocated()
    {
        if (ids.length != owned.size())
        {
            final long[] fresh = new long[owned.size()];
            for (int i = 0; i < fresh.length; i++)
            {
                fresh[i] = owned.get(i).getId();
            }
            ids = fresh;
        }
        long sum = 0;
        final long[] bytes = THREADS.getThreadAllocatedBytes(ids);
        for (final long b : bytes)
        {
            if (b > 0)
            {
                sum += b;
            }
        }
        return sum;
    }
}
