package io.ringwriter;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the outcomes of a batch's writes and completes its future once, when the last write has ended. Outcomes
 * are counted by the worker that wrote (done, failed), the agent (timed out, failed by a retry) and cancelling threads:
 * all counts are atomic. Only the last outcome goes through the agent, which completes the future, so a batch of a
 * thousand files wakes the agent once, not once per worker batch.
 */
final class BatchTracker
{
    final long deadlineNs;
    final BatchFuture future;
    private final long startNs = System.nanoTime();
    private final int total;
    private final AtomicInteger remaining;
    private final AtomicInteger succeeded = new AtomicInteger();
    private final AtomicInteger timedOut = new AtomicInteger();
    private final AtomicInteger cancelled = new AtomicInteger();
    private final ConcurrentLinkedQueue<BatchResult.Failure> failures = new ConcurrentLinkedQueue<>();
    private Item[] items;

    BatchTracker(final int total, final long deadlineNs)
    {
        this.total = total;
        this.deadlineNs = deadlineNs;
        this.remaining = new AtomicInteger(total);
        this.future = new BatchFuture(this);
        if (total == 0)
        {
            finish();
        }
    }

    void items(final Item[] items)
    {
        this.items = items;
    }

    Item[] items()
    {
        return items;
    }

    /**
     * One write of a batch.
     */
    static final class Item extends Tracker
    {
        private final BatchTracker batch;

        Item(final BatchTracker batch, final Path path, final long deadlineNs, final EngineCounters counters)
        {
            super(path, deadlineNs, counters);
            this.batch = batch;
        }

        // Set by the worker that counted this item in settle(), before the completion queue's offer; read by the
        // agent after its poll.
        private boolean counted;

        boolean settle()
        {
            counted = true;
            return batch.count(this);
        }

        void complete()
        {
            if (counted)
            {
                batch.finish();
            }
            else
            {
                batch.onOutcome(this);
            }
        }
    }

    void onOutcome(final Item item)
    {
        if (count(item))
        {
            finish();
        }
    }

    /**
     * Count one item's outcome; any thread, any number at once.
     *
     * @return true when it was the batch's last outcome: the future is then to be completed, once.
     */
    boolean count(final Item item)
    {
        switch (item.state())
        {
            case Tracker.DONE:
                succeeded.incrementAndGet();
                break;
            case Tracker.FAILED:
                failures.add(new BatchResult.Failure(item.path, item.attempts, item.cause));
                break;
            case Tracker.TIMED_OUT:
                timedOut.incrementAndGet();
                failures.add(new BatchResult.Failure(item.path, item.attempts,
                    new TimeoutException("deadline passed before the write: path=" + item.path)));
                break;
            case Tracker.CANCELLED:
                cancelled.incrementAndGet();
                failures.add(new BatchResult.Failure(item.path, item.attempts,
                    new CancellationException("cancelled before the write: path=" + item.path)));
                break;
            default:
                throw new IllegalStateException("outcome of a write that has not ended: state=" + item.state());
        }
        return remaining.decrementAndGet() == 0;
    }

    void expire()
    {
        final Item[] items = this.items;
        if (items != null)
        {
            for (final Item item : items)
            {
                if (item.tryTimeout())
                {
                    item.complete();
                }
            }
        }
    }

    void cancelAll()
    {
        final Item[] items = this.items;
        if (items != null)
        {
            for (final Item item : items)
            {
                if (item.tryCancel())
                {
                    item.complete();
                }
            }
        }
    }

    void finish()
    {
        final List<BatchResult.Failure> list = new ArrayList<>(failures);
        final BatchResult result = new BatchResult(
            total, succeeded.get(), timedOut.get(), cancelled.get(), List.copyOf(list), System.nanoTime() - startNs);
        future.finish(result);
    }
}
