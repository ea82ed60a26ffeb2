package io.ringwriter;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.TimeoutBlockingWaitStrategy;
import com.lmax.disruptor.TimeoutException;
import com.lmax.disruptor.WaitStrategy;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The workers' wait strategies. Each gives up after {@link #IDLE_TIMEOUT_NS} without new events and throws the
 * Disruptor's stackless {@link TimeoutException}, so the idle worker's {@code onTimeout} runs and takes any retry the
 * agent handed to it outside the ring (see {@link RetryAgent}).
 */
final class WaitStrategies
{
    static final long IDLE_TIMEOUT_NS = TimeUnit.MILLISECONDS.toNanos(1);

    /**
     * A batch of this many events (or half the ring, if smaller) ends a linger at once.
     */
    static final int LINGER_BATCH = 256;

    /**
     * How long an idle {@link WaitStrategyType#SLEEPING} worker parks between looks at the cursor. Producers do not
     * signal a worker parked this way: at moderate rates a parked worker would be woken for nearly every write, each
     * wake a system call on the write path and a wake-up that takes a CPU (tried: at 100 k msg/s offered the producer
     * was preempted 1,961 times in 2 s with producer wake-ups, 164 without). A new write waits for at most this long.
     * Only a worker idle for several milliseconds sleeps deeply and is woken by the next write (see
     * {@link WorkerBarrier#DEEP_PARK_NS}), and batch calls wake the workers once per call.
     */
    static final long SLEEPING_PARK_NS = TimeUnit.MICROSECONDS.toNanos(100);

    /**
     * Pauses between two reads of the cursor while lingering: the cursor's cache line stays with the producer
     * for a while, so it is not pulled across cores after every event.
     */
    private static final int LINGER_PAUSES = 32;

    private WaitStrategies()
    {
    }

    static WorkerWait create(final WaitStrategyType type, final long lingerNs, final int ringSize)
    {
        return new WorkerWait(create(type), lingerNs, Math.min(LINGER_BATCH, Math.max(1, ringSize / 2)));
    }

    static WaitStrategy create(final WaitStrategyType type)
    {
        switch (type)
        {
            case BLOCKING:
                return new TimeoutBlockingWaitStrategy(IDLE_TIMEOUT_NS, TimeUnit.NANOSECONDS);
            case YIELDING:
                return new SpinThenPark(100, Integer.MAX_VALUE, 0);
            case BUSY_SPIN:
                return new SpinThenPark(Integer.MAX_VALUE, 0, 0);
            case SLEEPING:
            default:
                return new SpinThenPark(200, 100, SLEEPING_PARK_NS);
        }
    }

    /**
     * Spin, then yield, then park, re-checking the sequence each time; never signalled by producers.
     */
    static final class SpinThenPark implements WaitStrategy
    {
        private final int spins;
        private final int yields;
        private final long parkNs;

        SpinThenPark(final int spins, final int yields, final long parkNs)
        {
            this.spins = spins;
            this.yields = yields;
            this.parkNs = parkNs;
        }

        /**
         * {@inheritDoc}
         */
        public long waitFor(
            final long sequence, final Sequence cursor, final Sequence dependentSequence, final SequenceBarrier barrier)
            throws AlertException, TimeoutException
        {
            long available;
            long counter = 0;
            long startNs = 0;
            while ((available = dependentSequence.get()) < sequence)
            {
                barrier.checkAlert();
                counter++;
                if (counter <= spins)
                {
                    Thread.onSpinWait();
                }
                else if (counter <= (long)spins + yields)
                {
                    Thread.yield();
                }
                else if (parkNs > 0)
                {
                    LockSupport.parkNanos(parkNs);
                }
                else
                {
                    Thread.onSpinWait();
                }

                if ((counter & 63) == 0 || counter > (long)spins + yields)
                {
                    final long now = System.nanoTime();
                    if (startNs == 0)
                    {
                        startNs = now;
                    }
                    else if (now - startNs > IDLE_TIMEOUT_NS)
                    {
                        throw TimeoutException.INSTANCE;
                    }
                }
            }
            return available;
        }

        /**
         * {@inheritDoc}
         */
        public void signalAllWhenBlocking()
        {
        }
    }

    /**
     * The workers' wait: the chosen strategy, then two things it cannot do alone.
     * <ul>
     * <li>With several producers the cursor counts claimed slots. When the next slot is claimed but not yet
     * published, the Disruptor's barrier returns at once and the processor calls again: a loop that reads the
     * cursor and the availability buffer as fast as it can, pulling the very cache lines the producer is writing to
     * this core. Here the worker pauses until that slot is published.</li>
     * <li>When fewer than {@code batch} events are available it keeps collecting for up to {@code lingerNs},
     * reading the cursor only every few dozen pauses, so one system call carries a bigger batch.</li>
     * </ul>
     */
    static final class WorkerWait implements WaitStrategy
    {
        private final WaitStrategy inner;
        private final long lingerNs;
        private final int batch;
        private final Sequence batchPublishedThrough = new Sequence(-1);
        private RingBuffer<?> ring;

        WorkerWait(final WaitStrategy inner, final long lingerNs, final int batch)
        {
            this.inner = inner;
            this.lingerNs = lingerNs;
            this.batch = batch;
        }

        /**
         * Called once, before any worker starts (the thread start publishes it).
         *
         * @param ring whose slots the workers read.
         */
        void bind(final RingBuffer<?> ring)
        {
            this.ring = ring;
        }

        /**
         * A batch call (writeAll, submitBatch) published everything up to {@code sequence} at once: nothing more is
         * coming from it, so a worker does not linger for more when it reaches that far. Any thread.
         *
         * @param sequence the last sequence of the batch.
         */
        void batchPublished(final long sequence)
        {
            long current;
            while ((current = batchPublishedThrough.get()) < sequence)
            {
                if (batchPublishedThrough.compareAndSet(current, sequence))
                {
                    break;
                }
            }
        }

        /**
         * {@inheritDoc}
         */
        public long waitFor(
            final long sequence, final Sequence cursor, final Sequence dependentSequence, final SequenceBarrier barrier)
            throws AlertException, InterruptedException, TimeoutException
        {
            long available = inner.waitFor(sequence, cursor, dependentSequence, barrier);
            if (available < sequence)
            {
                return available;
            }

            int idle = 0;
            while (!ring.isAvailable(sequence))
            {
                barrier.checkAlert();
                if (idle < 1000)
                {
                    Thread.onSpinWait();
                }
                else if (idle < 1100)
                {
                    Thread.yield();
                }
                else
                {
                    LockSupport.parkNanos(1000);
                }
                idle++;
            }

            if (lingerNs > 0 && available - sequence + 1 < batch && available > batchPublishedThrough.get())
            {
                final long deadlineNs = System.nanoTime() + lingerNs;
                do
                {
                    for (int i = 0; i < LINGER_PAUSES; i++)
                    {
                        Thread.onSpinWait();
                    }
                    barrier.checkAlert();
                    available = Math.max(available, dependentSequence.get());
                }
                while (available - sequence + 1 < batch && System.nanoTime() - deadlineNs < 0);
            }
            return available;
        }

        /**
         * {@inheritDoc}
         */
        public void signalAllWhenBlocking()
        {
            inner.signalAllWhenBlocking();
        }
    }
}
