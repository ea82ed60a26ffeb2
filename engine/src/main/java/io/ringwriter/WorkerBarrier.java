package io.ringwriter;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.TimeoutException;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One worker's barrier: the ring's own, plus a back-off for a worker whose recent batches held nothing of its own.
 * <p>
 * Every worker reads every event (the ring is shared), so while one file streams, the workers that do not own it
 * would each keep a CPU busy passing over its events, and on a machine with no CPU to spare they take it from the
 * producer or the owning worker. After two such batches in a row this worker parks before it looks again, from
 * {@link #MIN_PARK_NS} doubling to {@link #MAX_PARK_NS}; its first batch with a message of its own ends the back-off.
 * A park is never longer than the ring takes to fill at {@link #FILL_NS_PER_SLOT} per slot (a ring too small for a
 * useful park gets a yield), and there is none while the worker is a quarter of the ring behind, so a parked worker
 * rarely holds the producers back; {@code flush()} waits at most one park more.
 * Not for {@link WaitStrategyType#BUSY_SPIN} (cores given to the engine; never parks) and only a yield for
 * {@link WaitStrategyType#YIELDING}.
 */
final class WorkerBarrier implements SequenceBarrier
{
    static final long MIN_PARK_NS = TimeUnit.MICROSECONDS.toNanos(50);
    static final long MAX_PARK_NS = TimeUnit.MILLISECONDS.toNanos(1);

    /**
     * Idle timeouts in a row (each {@link WaitStrategies#IDLE_TIMEOUT_NS}) after which a sleeping worker parks for
     * {@link #DEEP_PARK_NS} at a time, and the next write wakes it.
     */
    static final int DEEP_SLEEP_AFTER = 3;

    /**
     * A deep sleep's park: an idle engine wakes its workers this often (to take retries from their lanes and
     * check for close) instead of every 100 us.
     */
    static final long DEEP_PARK_NS = TimeUnit.MILLISECONDS.toNanos(10);

    /**
     * The fastest the ring is expected to fill, per slot: a park never lasts longer than the ring takes to fill at
     * this pace, so an idle worker does not hold a producer back even on a small ring.
     */
    static final long FILL_NS_PER_SLOT = 16;

    private final SequenceBarrier delegate;
    private final WriteWorker worker;
    private final WaitStrategyType type;
    private final int ringSize;
    private final long maxParkNs;
    private final Sequence sleepers;
    private final boolean deepSleep;

    WorkerBarrier(
        final SequenceBarrier delegate,
        final WriteWorker worker,
        final WaitStrategyType type,
        final int ringSize,
        final Sequence sleepers,
        final boolean deepSleep)
    {
        this.delegate = delegate;
        this.worker = worker;
        this.type = type;
        this.ringSize = ringSize;
        this.maxParkNs = Math.min(MAX_PARK_NS, ringSize * FILL_NS_PER_SLOT);
        this.sleepers = sleepers;
        this.deepSleep = deepSleep;
    }

    /**
     * {@inheritDoc}
     */
    public long waitFor(final long sequence) throws AlertException, InterruptedException, TimeoutException
    {
        if (type == WaitStrategyType.SLEEPING && worker.idleTimeouts() > 0)
        {
            parkWhileIdle(sequence);
        }
        final int idle = worker.batchesWithoutOwnWork();
        // Never while this worker is a quarter of the ring behind: then it is what the producers wait for.
        if (idle >= 2 && type != WaitStrategyType.BUSY_SPIN && delegate.getCursor() - sequence < ringSize >> 2)
        {
            if (type == WaitStrategyType.YIELDING || maxParkNs < MIN_PARK_NS)
            {
                Thread.yield();
            }
            else
            {
                LockSupport.parkNanos(Math.min(maxParkNs, MIN_PARK_NS << Math.min(idle - 2, 10)));
            }
            delegate.checkAlert();
        }
        return delegate.waitFor(sequence);
    }

    /**
     * A sleeping worker that has already waited a whole idle timeout without an event parks between looks at the
     * cursor straight away: the strategy's spins and yields are for a worker that has just run out of work, and
     * repeating them after every timeout would burn a CPU's time slices on an idle engine.
     */
    private void parkWhileIdle(final long sequence) throws AlertException, TimeoutException
    {
        if (deepSleep && worker.idleTimeouts() >= DEEP_SLEEP_AFTER)
        {
            sleepDeeply(sequence);
            return;
        }
        final long startNs = System.nanoTime();
        while (delegate.getCursor() < sequence)
        {
            LockSupport.parkNanos(WaitStrategies.SLEEPING_PARK_NS);
            delegate.checkAlert();
            if (System.nanoTime() - startNs > WaitStrategies.IDLE_TIMEOUT_NS)
            {
                throw TimeoutException.INSTANCE;
            }
        }
    }

    /**
     * Idle for a few timeouts: register as a sleeper, then park once for up to {@link #DEEP_PARK_NS}. A publisher
     * that sees a sleeper unparks the workers. The registration is a locked add (a full fence) before this worker
     * reads the cursor; a multi-producer publisher claimed with a CAS before it reads the count, so either the
     * worker sees the claim and does not park, or the publisher sees the sleeper and wakes it.
     */
    private void sleepDeeply(final long sequence) throws AlertException, TimeoutException
    {
        sleepers.incrementAndGet();
        try
        {
            if (delegate.getCursor() < sequence)
            {
                LockSupport.parkNanos(DEEP_PARK_NS);
            }
        }
        finally
        {
            sleepers.addAndGet(-1);
        }
        delegate.checkAlert();
        if (delegate.getCursor() < sequence)
        {
            throw TimeoutException.INSTANCE;
        }
    }

    /**
     * {@inheritDoc}
     */
    public long getCursor()
    {
        return delegate.getCursor();
    }

    /**
     * {@inheritDoc}
     */
    public boolean isAlerted()
    {
        return delegate.isAlerted();
    }

    /**
     * {@inheritDoc}
     */
    public void alert()
    {
        delegate.alert();
    }

    /**
     * {@inheritDoc}
     */
    public void clearAlert()
    {
        delegate.clearAlert();
    }

    /**
     * {@inheritDoc}
     */
    public void checkAlert() throws AlertException
    {
        delegate.checkAlert();
    }
}
