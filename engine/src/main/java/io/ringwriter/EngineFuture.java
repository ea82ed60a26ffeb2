package io.ringwriter;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A future the engine completes, with a faster way back to a thread that waits for it. A thread in {@link #join()}
 * or {@link #get()} parks on the future itself (no {@code CompletableFuture} signaller object) and, when the worker
 * that ends the write sees it waiting, the worker hands the completion to it ({@link #handToWaiter()}) instead of
 * queueing it for the agent: the waiter completes the future on its own thread ({@link #finishHandedOff()}), which
 * saves the agent's wake-up on the way back, and no user code (the future's dependents) ever runs on a worker.
 * <p>
 * Design note: the hand-off is one CAS on a one-shot state. The waiter closes it before it leaves (done or
 * interrupted) and finishes first if a hand-off reached it, so exactly one of the two paths completes the future. At
 * most one thread at a time parks here; others wait through the {@code CompletableFuture} as usual.
 *
 * @param <T> the result.
 */
abstract class EngineFuture<T> extends CompletableFuture<T>
{
    /**
     * Longest park of a waiting thread between looks at the future: bounds the delay when something other than the
     * engine completes it (a user's complete(), orTimeout).
     */
    private static final long MAX_PARK_NS = 1_000_000L;

    /**
     * How long a waiter yields before it first parks. A small batch ends within it and its waiter needs no wake-up:
     * a parked thread whose CPU has gone idle takes tens of microseconds to run again (on these virtual machines
     * writeAll of 2 files took 0.76x as long with the yields; from 100 files on no difference). Yielding, not
     * spinning: on a machine with no CPU to spare the workers get the waiter's CPU whenever they need it.
     */
    private static final long YIELD_BEFORE_PARK_NS = TimeUnit.MICROSECONDS.toNanos(50);

    private static final int HAND_OFF_OPEN = 0;
    private static final int HAND_OFF_TAKEN = 1;
    private static final int HAND_OFF_CLOSED = 2;
    private static final int HAND_OFF_FINISHED = 3;

    private static final VarHandle WAITER;
    private static final VarHandle HAND_OFF;

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            WAITER = lookup.findVarHandle(EngineFuture.class, "waiter", Thread.class);
            HAND_OFF = lookup.findVarHandle(EngineFuture.class, "handOff", int.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private volatile Thread waiter;
    private volatile int handOff;

    /**
     * Wait for the result as {@link CompletableFuture#join()} does; the waiting thread parks on this future and the
     * engine unparks it when the write ends (it may complete the future on this thread: see the class description).
     *
     * @return the result.
     */
    public T join()
    {
        if (!isDone())
        {
            try
            {
                await(false);
            }
            catch (final InterruptedException ex)
            {
                throw new AssertionError(ex);
            }
        }
        return super.join();
    }

    /**
     * Wait for the result as {@link CompletableFuture#get()} does (see {@link #join()}).
     *
     * @return the result.
     * @throws InterruptedException when interrupted while waiting.
     * @throws ExecutionException   when the future completed exceptionally.
     */
    public T get() throws InterruptedException, ExecutionException
    {
        if (!isDone())
        {
            await(true);
        }
        return super.get();
    }

    /**
     * As {@link CompletableFuture#complete}; a thread waiting in {@link #join()} returns at once.
     *
     * @param value the result.
     * @return true when this call completed it.
     */
    public boolean complete(final T value)
    {
        final boolean completed = super.complete(value);
        wakeWaiter();
        return completed;
    }

    /**
     * As {@link CompletableFuture#completeExceptionally}; a thread waiting in {@link #join()} returns at once.
     *
     * @param ex the exception.
     * @return true when this call completed it.
     */
    public boolean completeExceptionally(final Throwable ex)
    {
        final boolean completed = super.completeExceptionally(ex);
        wakeWaiter();
        return completed;
    }

    /**
     * Complete the future with the write's outcome (on the thread a hand-off reached) and count the completion as
     * delivered.
     */
    abstract void finishHandedOff();

    /**
     * @return whether a thread waits here now: one volatile read, so a worker pays nothing more for a future that
     * nobody joins.
     */
    final boolean hasWaiter()
    {
        return waiter != null;
    }

    /**
     * Called by the worker that ended the write: hand the completion to a thread waiting in join() or get(), if one
     * is and has not left.
     *
     * @return true when a waiter took it (and is unparked); false when the agent is to complete the future.
     */
    final boolean handToWaiter()
    {
        final Thread w = waiter;
        if (w != null && HAND_OFF.compareAndSet(this, HAND_OFF_OPEN, HAND_OFF_TAKEN))
        {
            LockSupport.unpark(w);
            return true;
        }
        return false;
    }

    final void wakeWaiter()
    {
        final Thread w = waiter;
        if (w != null)
        {
            LockSupport.unpark(w);
        }
    }

    /**
     * Park until done, as the one waiter hand-offs reach; returns at once when another thread waits here already
     * (the caller then waits through the CompletableFuture).
     */
    private void await(final boolean interruptible) throws InterruptedException
    {
        final Thread self = Thread.currentThread();
        if (!enter(self))
        {
            return;
        }
        boolean interrupted = false;
        try
        {
            // The waiter is written (a volatile CAS) before isDone is read, and whoever completes the future reads
            // the waiter after: at least one side sees the other, so no wake-up is lost.
            final long yieldUntilNs = System.nanoTime() + YIELD_BEFORE_PARK_NS;
            while (!isDone())
            {
                if (handOff == HAND_OFF_TAKEN)
                {
                    handOff = HAND_OFF_FINISHED;
                    finishHandedOff();
                    continue;
                }
                if (System.nanoTime() - yieldUntilNs < 0)
                {
                    Thread.yield();
                    continue;
                }
                LockSupport.parkNanos(this, MAX_PARK_NS);
                if (Thread.interrupted())
                {
                    if (interruptible)
                    {
                        leave(self);
                        if (!isDone())
                        {
                            throw new InterruptedException("interrupted while waiting for a write");
                        }
                    }
                    interrupted = true;
                }
            }
        }
        finally
        {
            leave(self);
            if (interrupted)
            {
                self.interrupt();
            }
        }
    }

    /**
     * @param self the thread about to wait.
     * @return true when it is now the one waiter that hand-offs reach.
     */
    final boolean enter(final Thread self)
    {
        return WAITER.compareAndSet(this, null, self);
    }

    /**
     * The waiter leaves: no hand-off can reach it after this; one that already did is finished here first.
     *
     * @param self the thread that entered.
     */
    final void leave(final Thread self)
    {
        WAITER.compareAndSet(this, self, null);
        if ((int)HAND_OFF.compareAndExchange(this, HAND_OFF_OPEN, HAND_OFF_CLOSED) == HAND_OFF_TAKEN)
        {
            handOff = HAND_OFF_FINISHED;
            finishHandedOff();
        }
    }
}
