package io.ringwriter;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * The outcome of one write that somebody waits for (a future or a batch). Its state moves once from PENDING to a
 * terminal state, or through WRITING while a worker writes it (and back to PENDING when the attempt failed and the
 * write waits for a retry). Cancellation and deadlines win only from PENDING: a write that has begun is finished, and
 * a write that was cancelled or timed out is never written afterwards.
 * <p>
 * Design note: whoever wins a transition counts it (written and failed by the engine threads, cancelled and timed out
 * by the thread that won the CAS), so every write is counted exactly once.
 */
abstract class Tracker
{
    static final int PENDING = 0;
    static final int WRITING = 1;
    static final int DONE = 2;
    static final int FAILED = 3;
    static final int TIMED_OUT = 4;
    static final int CANCELLED = 5;

    static final long NO_DEADLINE = Long.MAX_VALUE;

    private static final VarHandle STATE;

    static
    {
        try
        {
            STATE = MethodHandles.lookup().findVarHandle(Tracker.class, "state", int.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    final Path path;
    final long deadlineNs;
    private volatile int state;

    // Written by the engine thread that ends the write, before the tracker goes through the completion queue
    // (whose offer/poll pair orders them for the agent that completes it). A batch has one tracker per file: no
    // field here that only a single write's future needs (its byte count, the counters: see SingleTracker).
    int attempts;
    Throwable cause;

    Tracker(final Path path, final long deadlineNs)
    {
        this.path = path;
        this.deadlineNs = deadlineNs;
    }

    /**
     * @return the engine's counters, for the cancelled and timed-out counts.
     */
    abstract EngineCounters counters();

    final int state()
    {
        return state;
    }

    final boolean isExpired(final long nowNs)
    {
        return deadlineNs != NO_DEADLINE && nowNs - deadlineNs >= 0;
    }

    final boolean tryBeginWrite()
    {
        return STATE.compareAndSet(this, PENDING, WRITING);
    }

    /**
     * The attempt failed and the write waits for a retry: cancellation and deadlines may win again.
     */
    final void backToPending()
    {
        STATE.setRelease(this, PENDING);
    }

    /**
     * @param attempts it took.
     * @param bytes    written.
     */
    void markDone(final int attempts, final long bytes)
    {
        this.attempts = attempts;
        STATE.setRelease(this, DONE);
    }

    /**
     * @return false when the tracker had already ended (cancelled or timed out, counted by whoever won).
     */
    final boolean tryMarkFailed(final int attempts, final Throwable cause)
    {
        this.attempts = attempts;
        this.cause = cause;
        return STATE.compareAndSet(this, WRITING, FAILED) || STATE.compareAndSet(this, PENDING, FAILED);
    }

    final boolean tryTimeout()
    {
        if (STATE.compareAndSet(this, PENDING, TIMED_OUT))
        {
            counters().timedOut.increment();
            return true;
        }
        return false;
    }

    final boolean tryCancel()
    {
        if (STATE.compareAndSet(this, PENDING, CANCELLED))
        {
            counters().cancelled.increment();
            return true;
        }
        return false;
    }

    /**
     * Deliver the terminal state to whoever waits. Called once, after the state became terminal, by the agent
     * (done, failed, timed out) or by the cancelling thread (cancelled).
     */
    abstract void complete();

    /**
     * Called by the worker that ended the write, before it hands the tracker to the agent: do here what needs no
     * user code (count a batch's outcome). The agent completes futures, so user callbacks never run on a worker.
     *
     * @return true when the agent still has to {@link #complete()} this tracker; false when nothing is left to do.
     */
    boolean settle()
    {
        return true;
    }

    /**
     * @return the future a worker may hand this write's completion to once {@link #settle()} returned true (see
     * EngineFuture), or null when only the agent completes it.
     */
    EngineFuture<?> handOffFuture()
    {
        return null;
    }
}
