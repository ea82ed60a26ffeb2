package io.ringwriter;

import com.lmax.disruptor.AlertException;
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

    private WaitStrategies()
    {
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
                return new SpinThenPark(200, 100, 100_000);
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
}
