package io.ringwriter;

import java.util.concurrent.CompletableFuture;

/**
 * The future of a batch. It completes once every write of the batch has ended, with a {@link BatchResult} that says
 * which were done and which were not, and why: also when the batch's deadline passes (the writes not begun by then
 * are reported as timed out).
 * <p>
 * {@link #cancel(boolean)} stops every write of the batch that has not begun (a write that has begun is finished)
 * and, as the {@link java.util.concurrent.Future} contract asks, leaves this future cancelled; {@link #report()}
 * still completes with the result once every write has ended, so a caller can learn what was written.
 * <p>
 * Where it completes: when a thread waits in {@link #join()} or {@link #get()} as the last write ends, on that thread
 * (the worker hands the batch's end to it, one wake-up instead of two); otherwise on the engine's agent thread.
 * Synchronous dependent stages run there: use the {@code *Async} forms for heavy callbacks.
 */
public final class BatchFuture extends EngineFuture<BatchResult>
{
    private final BatchTracker batch;

    BatchFuture(final BatchTracker batch)
    {
        this.batch = batch;
    }

    /**
     * @return a future that completes with the batch's result once every write has ended, cancelled or not.
     */
    public CompletableFuture<BatchResult> report()
    {
        return batch.report().copy();
    }

    /**
     * Stop the writes of this batch that have not begun. Thread safe; may be called from any thread.
     *
     * @param mayInterruptIfRunning ignored: a write that has begun is finished.
     * @return true when this future is cancelled.
     */
    public boolean cancel(final boolean mayInterruptIfRunning)
    {
        final boolean cancelled = super.cancel(mayInterruptIfRunning);
        batch.cancelAll();
        return cancelled || isCancelled();
    }

    void finishHandedOff()
    {
        batch.finishHandedOff();
    }

    void finish(final BatchResult result)
    {
        super.complete(result);
    }
}
