package io.ringwriter;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeoutException;

/**
 * Counts the outcomes of a batch's writes and completes its future once, when the last write has ended. Outcomes
 * are counted by the worker that wrote (done, failed), the agent (timed out, failed by a retry) and cancelling threads:
 * all counts are atomic. Only the last outcome goes through the agent, which completes the future, so a batch of a
 * thousand files wakes the agent once, not once per worker batch.
 */
final class BatchTracker
{
    private static final VarHandle REMAINING;
    private static final VarHandle SUCCEEDED;
    private static final VarHandle TIMED_OUT;
    private static final VarHandle CANCELLED;
    private static final VarHandle FAILURES;

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            REMAINING = lookup.findVarHandle(BatchTracker.class, "remaining", int.class);
            SUCCEEDED = lookup.findVarHandle(BatchTracker.class, "succeeded", int.class);
            TIMED_OUT = lookup.findVarHandle(BatchTracker.class, "timedOut", int.class);
            CANCELLED = lookup.findVarHandle(BatchTracker.class, "cancelled", int.class);
            FAILURES = lookup.findVarHandle(BatchTracker.class, "failures", ConcurrentLinkedQueue.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    final long deadlineNs;
    final BatchFuture future;
    private final long startNs = System.nanoTime();
    private final int total;
    // Counted with the VarHandles above (int fields, not four AtomicIntegers: a batch of two files should not carry
    // four more objects); failures are rare, so their queue is made by the first one.
    private volatile int remaining;
    private volatile int succeeded;
    private volatile int timedOut;
    private volatile int cancelled;
    private volatile ConcurrentLinkedQueue<BatchResult.Failure> failures;
    private Item[] items;

    BatchTracker(final int total, final long deadlineNs)
    {
        this.total = total;
        this.deadlineNs = deadlineNs;
        this.remaining = total;
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
                SUCCEEDED.getAndAdd(this, 1);
                break;
            case Tracker.FAILED:
                failures().add(new BatchResult.Failure(item.path, item.attempts, item.cause));
                break;
            case Tracker.TIMED_OUT:
                TIMED_OUT.getAndAdd(this, 1);
                failures().add(new BatchResult.Failure(item.path, item.attempts,
                    new TimeoutException("deadline passed before the write: path=" + item.path)));
                break;
            case Tracker.CANCELLED:
                CANCELLED.getAndAdd(this, 1);
                failures().add(new BatchResult.Failure(item.path, item.attempts,
                    new CancellationException("cancelled before the write: path=" + item.path)));
                break;
            default:
                throw new IllegalStateException("outcome of a write that has not ended: state=" + item.state());
        }
        // getAndAdd is a full fence: the counts and failures above are visible to whoever sees zero.
        return (int)REMAINING.getAndAdd(this, -1) == 1;
    }

    private ConcurrentLinkedQueue<BatchResult.Failure> failures()
    {
        final ConcurrentLinkedQueue<BatchResult.Failure> existing = failures;
        if (existing != null)
        {
            return existing;
        }
        final ConcurrentLinkedQueue<BatchResult.Failure> made = new ConcurrentLinkedQueue<>();
        final Object witness = FAILURES.compareAndExchange(this, null, made);
        return witness == null ? made : existing(witness);
    }

    @SuppressWarnings("unchecked")
    private static ConcurrentLinkedQueue<BatchResult.Failure> existing(final Object witness)
    {
        return (ConcurrentLinkedQueue<BatchResult.Failure>)witness;
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
        final ConcurrentLinkedQueue<BatchResult.Failure> failed = failures;
        final List<BatchResult.Failure> list = failed == null ? List.of() : List.copyOf(failed);
        final BatchResult result = new BatchResult(
            total, succeeded, timedOut, cancelled, list, System.nanoTime() - startNs);
        future.finish(result);
    }
}
