package io.ringwriter;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * Counts down the outcomes of a batch's writes and completes its future once, when the last write has ended.
 * Outcomes are counted by the worker that wrote (done, failed), the agent (timed out, failed by a retry) and cancelling
 * threads; only the last outcome goes through the agent, which completes the future, so a batch of a thousand files
 * wakes the agent once, not once per worker batch.
 * <p>
 * Design note: a batch of two files should cost little more than the two writes, so it carries one count and no
 * per-outcome tallies: whoever finishes it reads the outcomes off its items (each item's state and cause are written
 * before the count goes down, a full fence, and read after the count has reached zero), in input order.
 * <p>
 * A thread waiting in {@link BatchFuture#join()} may be handed the batch's end by the worker that counts the last
 * outcome (see {@link EngineFuture}); it then finishes the batch on its own thread ({@link #finishHandedOff()}).
 */
final class BatchTracker
{
    private static final VarHandle REMAINING;
    private static final VarHandle REPORT;

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            REMAINING = lookup.findVarHandle(BatchTracker.class, "remaining", int.class);
            REPORT = lookup.findVarHandle(BatchTracker.class, "report", CompletableFuture.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    final long deadlineNs;
    final BatchFuture future;
    private final long startNs = System.nanoTime();
    private final EngineCounters counters;
    private final RetryAgent agent;
    private volatile int remaining;
    private Item[] items;
    // Made by the first call of BatchFuture.report(): most callers never ask for it.
    private volatile CompletableFuture<BatchResult> report;
    private volatile BatchResult result;

    /**
     * @param total      writes in the batch; {@link #items(Item[])} must follow with as many unless zero.
     * @param deadlineNs of the batch, or {@link Tracker#NO_DEADLINE}.
     * @param counters   of the engine.
     * @param agent      of the engine, which counts the completions handed to waiting threads (for flush()).
     */
    BatchTracker(final int total, final long deadlineNs, final EngineCounters counters, final RetryAgent agent)
    {
        this.deadlineNs = deadlineNs;
        this.counters = counters;
        this.agent = agent;
        this.remaining = total;
        this.future = new BatchFuture(this);
        if (total == 0)
        {
            items = new Item[0];
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
        // The path the worker opens: the caller's path resolved against the engine's root (the same object when
        // there is no root); the tracker's path is the caller's, for the result.
        final Path target;
        // Set by the worker that counted this item in settle(), before the completion queue's offer; read by the
        // agent after its poll.
        private boolean counted;

        Item(final BatchTracker batch, final Path path, final Path target, final long deadlineNs)
        {
            super(path, deadlineNs);
            this.batch = batch;
            this.target = target;
        }

        EngineCounters counters()
        {
            return batch.counters;
        }

        boolean settle()
        {
            counted = true;
            return batch.count();
        }

        EngineFuture<?> handOffFuture()
        {
            return batch.future;
        }

        void complete()
        {
            if (counted || batch.count())
            {
                batch.finish();
            }
        }
    }

    /**
     * Count one item's outcome (its state and cause already written); any thread, any number at once.
     *
     * @return true when it was the batch's last outcome: the future is then to be completed, once.
     */
    boolean count()
    {
        // getAndAdd is a full fence: the item's outcome is visible to whoever sees zero.
        return (int)REMAINING.getAndAdd(this, -1) == 1;
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
        future.wakeWaiter();
    }

    void finish()
    {
        final Item[] items = this.items;
        int succeeded = 0;
        int timedOut = 0;
        int cancelled = 0;
        List<BatchResult.Failure> failures = null;
        for (final Item item : items)
        {
            final int state = item.state();
            if (state == Tracker.DONE)
            {
                succeeded++;
                continue;
            }
            final Throwable cause;
            switch (state)
            {
                case Tracker.FAILED:
                    cause = item.cause;
                    break;
                case Tracker.TIMED_OUT:
                    timedOut++;
                    cause = new TimeoutException("deadline passed before the write: path=" + item.path);
                    break;
                case Tracker.CANCELLED:
                    cancelled++;
                    cause = new CancellationException("cancelled before the write: path=" + item.path);
                    break;
                default:
                    throw new IllegalStateException("outcome of a write that has not ended: state=" + state);
            }
            if (failures == null)
            {
                failures = new ArrayList<>();
            }
            failures.add(new BatchResult.Failure(item.path, item.attempts, cause));
        }
        final BatchResult result = new BatchResult(
            items.length, succeeded, timedOut, cancelled, failures == null ? List.of() : List.copyOf(failures),
            System.nanoTime() - startNs);
        this.result = result;
        final CompletableFuture<BatchResult> report = this.report;
        if (report != null)
        {
            report.complete(result);
        }
        future.finish(result);
    }

    /**
     * Finish the batch on the waiting thread a worker handed its end to.
     */
    void finishHandedOff()
    {
        finish();
        agent.handOffDone();
    }

    /**
     * @return the future behind {@link BatchFuture#report()}, made on first use and completed by {@link #finish()}.
     */
    CompletableFuture<BatchResult> report()
    {
        CompletableFuture<BatchResult> report = this.report;
        if (report == null)
        {
            final CompletableFuture<BatchResult> made = new CompletableFuture<>();
            final Object witness = REPORT.compareAndExchange(this, null, made);
            report = witness == null ? made : existing(witness);
        }
        // finish() writes the result before it reads the report: one of the two sides sees the other.
        final BatchResult done = result;
        if (done != null)
        {
            report.complete(done);
        }
        return report;
    }

    @SuppressWarnings("unchecked")
    private static CompletableFuture<BatchResult> existing(final Object witness)
    {
        return (CompletableFuture<BatchResult>)witness;
    }
}
