package io.ringwriter;

import java.nio.file.Path;
import java.util.concurrent.TimeoutException;

/**
 * The tracker of one submitted write and its future.
 */
final class SingleTracker extends Tracker
{
    final WriteFuture future = new WriteFuture(this);

    // The agent's timer for this write's deadline; read and written by the agent thread only. (A batch's items have
    // no timers of their own: the batch has one.)
    long timerId = org.agrona.DeadlineTimerWheel.NULL_DEADLINE;

    private final EngineCounters counters;
    private final RetryAgent agent;
    // Written before the release of the state in markDone.
    private long bytes;

    SingleTracker(final Path path, final long deadlineNs, final EngineCounters counters, final RetryAgent agent)
    {
        super(path, deadlineNs);
        this.counters = counters;
        this.agent = agent;
    }

    EngineCounters counters()
    {
        return counters;
    }

    void markDone(final int attempts, final long bytes)
    {
        this.bytes = bytes;
        super.markDone(attempts, bytes);
    }

    /**
     * None for a write with a deadline: the agent holds a timer for it, which only the agent's completion drops.
     */
    EngineFuture<?> handOffFuture()
    {
        return deadlineNs == NO_DEADLINE ? future : null;
    }

    void complete()
    {
        switch (state())
        {
            case DONE:
                future.finish(new WriteResult(path, bytes, attempts));
                break;
            case FAILED:
                future.finishExceptionally(new WriteFailedException(path, attempts, cause));
                break;
            case TIMED_OUT:
                future.finishExceptionally(new TimeoutException("deadline passed before the write: path=" + path));
                break;
            default:
                break;
        }
    }

    /**
     * A future whose {@link #cancel(boolean)} wins only while the write has not begun.
     */
    static final class WriteFuture extends EngineFuture<WriteResult>
    {
        private final SingleTracker tracker;

        WriteFuture(final SingleTracker tracker)
        {
            this.tracker = tracker;
        }

        /**
         * {@inheritDoc}
         */
        public boolean cancel(final boolean mayInterruptIfRunning)
        {
            if (tracker.tryCancel())
            {
                final boolean cancelled = super.cancel(mayInterruptIfRunning);
                wakeWaiter();
                return cancelled;
            }
            return isCancelled();
        }

        void finishHandedOff()
        {
            tracker.complete();
            tracker.agent.handOffDone();
        }

        void finish(final WriteResult result)
        {
            super.complete(result);
        }

        void finishExceptionally(final Throwable cause)
        {
            super.completeExceptionally(cause);
        }
    }
}
