package io.ringwriter;

import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import org.agrona.DeadlineTimerWheel;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.collections.Object2ObjectHashMap;
import org.agrona.concurrent.Agent;
import org.jctools.queues.MpscArrayQueue;
import org.jctools.queues.SpscArrayQueue;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The retry agent: keeps the writes the workers set aside, each file's in order, and brings them back when due.
 * Also completes futures and fires deadlines, so that no user callback ever runs on a worker thread.
 * <p>
 * Per file it keeps a FIFO of {@link RetryEntry}s: the head is a write that failed and waits on an Agrona
 * {@link DeadlineTimerWheel} for its backoff; the rest are later writes to the same file, set aside behind it. One
 * write per file is out at a time: when the head is due the agent republishes it into the ring (with
 * {@code tryNext}, never blocking); the owning worker writes it and sends a resume, and the next entry goes out at
 * once. A head that fails again comes back to the front of its FIFO with the next backoff. An entry stays in use
 * while its message is in the ring: the worker frees it when the write ends.
 * <p>
 * When the ring is full the agent hands the due entry to its worker's lane (an SPSC queue) instead, and the worker
 * writes it from there at its next batch end, idle timeout, or while it waits for a free retry slot. So the agent
 * never blocks and a worker never waits for room in its own ring: no deadlock.
 * <p>
 * Thread safety: {@link #offer}, {@link #offerResume}, {@link #offerCompletion}, {@link #offerDeadline} and
 * {@link #wake} are called from any thread (MPSC queues); everything else runs on the agent thread only.
 */
final class RetryAgent implements Agent, DeadlineTimerWheel.TimerHandler
{
    private static final int DRAIN_LIMIT = 4096;

    private final EngineContext ctx;
    private final RingBuffer<WriteEvent> ring;
    private final MpscArrayQueue<Object> inbox;
    private final MpscArrayQueue<Tracker> completions;
    /** Completions queued (any thread) and completed (this agent only), so flush() can wait for its futures. */
    private final AtomicLong completionsOffered = new AtomicLong();
    private final AtomicLong completionsDelivered = new AtomicLong();
    private final AtomicLong handOffs = new AtomicLong();
    private final AtomicLong handOffsInFlight = new AtomicLong();
    private final AtomicInteger flushers = new AtomicInteger();
    private final MpscArrayQueue<Object> deadlines;
    private final SpscArrayQueue<RetryEntry>[] lanes;
    private final DeadlineTimerWheel wheel;
    private final Long2ObjectHashMap<Object> timers = new Long2ObjectHashMap<>();
    private final Object2ObjectHashMap<Path, FileQueue> files = new Object2ObjectHashMap<>();
    private final ArrayDeque<RetryEntry> ready = new ArrayDeque<>();
    private volatile Thread thread;

    private static final class FileQueue
    {
        final ArrayDeque<RetryEntry> entries = new ArrayDeque<>();
        /**
         * The file's write that is out (waiting on its backoff, or republished), or null.
         */
        RetryEntry outstanding;
        /**
         * True while {@link #outstanding} waits on its backoff timer (held here, not yet in the ring).
         */
        boolean waiting;
    }

    @SuppressWarnings("unchecked")
    RetryAgent(final EngineContext ctx)
    {
        this.ctx = ctx;
        this.ring = ctx.ring;
        final int retrySlots = Math.max(2, ctx.retryEntries.length);
        // Each entry is in the inbox at most once, and each resume answers one entry: twice the slots never fills.
        this.inbox = new MpscArrayQueue<>(retrySlots * 2 + 16);
        this.completions = new MpscArrayQueue<>(Math.max(1024, ctx.ringSize * 2));
        this.deadlines = new MpscArrayQueue<>(Math.max(1024, ctx.ringSize));
        this.lanes = (SpscArrayQueue<RetryEntry>[])new SpscArrayQueue<?>[ctx.workers];
        for (int i = 0; i < lanes.length; i++)
        {
            lanes[i] = new SpscArrayQueue<>(retrySlots);
        }
        this.wheel = new DeadlineTimerWheel(TimeUnit.NANOSECONDS, System.nanoTime(), 1L << 20, 1024);
    }

    SpscArrayQueue<RetryEntry> lane(final int shard)
    {
        return lanes[shard];
    }

    /**
     * {@inheritDoc}
     */
    public String roleName()
    {
        return "ringwriter-retry";
    }

    /**
     * {@inheritDoc}
     */
    public void onStart()
    {
        thread = Thread.currentThread();
    }

    void wake()
    {
        final Thread t = thread;
        if (t != null)
        {
            LockSupport.unpark(t);
        }
    }

    void offer(final RetryEntry entry)
    {
        offerInbox(entry);
    }

    void offerResume(final Path path)
    {
        offerInbox(path);
    }

    private void offerInbox(final Object item)
    {
        while (!inbox.offer(item))
        {
            // Sized never to fill (see constructor); yield rather than lose anything if it ever does.
            wake();
            Thread.yield();
        }
    }

    /**
     * @return completions queued so far; a caller that then waits for {@link #completionsDelivered()} to reach it
     * knows every future queued before is complete.
     */
    long completionsOffered()
    {
        return completionsOffered.get();
    }

    long completionsDelivered()
    {
        return completionsDelivered.get();
    }

    /**
     * A worker is about to hand a completion to the thread waiting for it (see EngineFuture): allowed unless a
     * flush() is under way. A hand-off counts as in flight until {@link #handOffDone()}; flush() stops new ones and
     * waits for those in flight, so that the futures of the writes before it are done when it returns, whichever
     * thread completes them. (Two volatile read-modify-writes in each order, worker and flush: one sees the other.)
     *
     * @return true when the worker may hand off; then {@link #handOffDone()} must follow, by the waiter or by the
     * worker when no waiter took it.
     */
    boolean beginHandOff()
    {
        handOffsInFlight.getAndIncrement();
        if (flushers.get() == 0)
        {
            return true;
        }
        handOffsInFlight.getAndDecrement();
        return false;
    }

    void handOffDone()
    {
        handOffsInFlight.getAndDecrement();
    }

    /**
     * A waiting thread took a completion over: counted for tests and diagnostics.
     */
    void countHandOff()
    {
        handOffs.getAndIncrement();
    }

    /**
     * @return completions a worker handed to the waiting thread.
     */
    long handOffs()
    {
        return handOffs.get();
    }

    /**
     * flush() begins: no new hand-offs until {@link #endFlush()}.
     */
    void beginFlush()
    {
        flushers.getAndIncrement();
    }

    void endFlush()
    {
        flushers.getAndDecrement();
    }

    /**
     * @return hand-offs begun and not yet done.
     */
    long handOffsInFlight()
    {
        return handOffsInFlight.get();
    }

    void offerCompletion(final Tracker tracker)
    {
        completionsOffered.getAndIncrement();
        while (!completions.offer(tracker))
        {
            wake();
            Thread.yield();
        }
    }

    /**
     * @param trackerOrBatch a {@link Tracker} or a {@link BatchTracker} with a deadline to fire.
     */
    void offerDeadline(final Object trackerOrBatch)
    {
        while (!deadlines.offer(trackerOrBatch))
        {
            wake();
            Thread.yield();
        }
        wake();
    }

    /**
     * {@inheritDoc}
     */
    public int doWork()
    {
        int work = 0;
        final long nowNs = System.nanoTime();
        if (wheel.timerCount() == 0)
        {
            // The wheel moves one tick per poll: an empty one jumps to now, so a timer set after a long park is not
            // scheduled into a tick the wheel reaches only many polls later.
            wheel.currentTickTime(nowNs);
        }
        work += drainCompletions();
        work += drainInbox();
        work += drainDeadlines();
        work += pollTimers(nowNs);
        work += publishReady();
        if (ctx.aborting)
        {
            work += failEverything();
        }
        updateRingGauge();
        ctx.counters.mirrorIfDue(System.nanoTime());
        return work;
    }

    private int pollTimers(final long nowNs)
    {
        // One tick per poll: catch up with the clock when the agent was busy or parked for longer than a tick.
        int expired = 0;
        do
        {
            expired += wheel.poll(nowNs, this, DRAIN_LIMIT - expired);
        }
        while (expired < DRAIN_LIMIT && wheel.timerCount() > 0 && wheel.currentTickTime() <= nowNs);
        return expired;
    }

    /**
     * @return true when the agent has work that falls due with time alone (a timer, a retry waiting for room, the
     * counters file's mirror); everything else arrives with a {@link #wake()}.
     */
    boolean hasTimedWork()
    {
        return wheel.timerCount() > 0 || !ready.isEmpty() || ctx.counters.isMirrored() || ctx.aborting;
    }

    private void updateRingGauge()
    {
        final long used = ring.getCursor() - ring.getMinimumGatingSequence();
        ctx.counters.ringFreeSlots.setRelease(Math.max(0, ctx.ringSize - used));
    }

    private int drainCompletions()
    {
        int count = 0;
        Tracker tracker;
        while (count < DRAIN_LIMIT && (tracker = completions.relaxedPoll()) != null)
        {
            tracker.complete();
            completionsDelivered.setRelease(completionsDelivered.getPlain() + 1);
            if (tracker instanceof SingleTracker)
            {
                final SingleTracker single = (SingleTracker)tracker;
                if (single.timerId != DeadlineTimerWheel.NULL_DEADLINE)
                {
                    // Done before its deadline: drop the timer, or the wheel keeps the tracker (and its future).
                    wheel.cancelTimer(single.timerId);
                    timers.remove(single.timerId);
                    single.timerId = DeadlineTimerWheel.NULL_DEADLINE;
                }
            }
            count++;
        }
        return count;
    }

    private int drainDeadlines()
    {
        int count = 0;
        Object item;
        while (count < DRAIN_LIMIT && (item = deadlines.relaxedPoll()) != null)
        {
            count++;
            if (item instanceof SingleTracker)
            {
                final SingleTracker tracker = (SingleTracker)item;
                if (tracker.state() >= Tracker.DONE)
                {
                    // Ended before its deadline reached the agent: nothing to time out.
                    continue;
                }
                tracker.timerId = wheel.scheduleTimer(tracker.deadlineNs);
                timers.put(tracker.timerId, tracker);
            }
            else
            {
                timers.put(wheel.scheduleTimer(((BatchTracker)item).deadlineNs), item);
            }
        }
        return count;
    }

    private int drainInbox()
    {
        int count = 0;
        Object item;
        while (count < DRAIN_LIMIT && (item = inbox.relaxedPoll()) != null)
        {
            count++;
            if (item instanceof RetryEntry)
            {
                onSetAside((RetryEntry)item);
            }
            else
            {
                onResume((Path)item);
            }
        }
        return count;
    }

    private void onSetAside(final RetryEntry entry)
    {
        FileQueue queue = files.get(entry.path);
        if (queue == null)
        {
            queue = new FileQueue();
            files.put(entry.path, queue);
        }

        if (entry.type == RetryEntry.TYPE_FAILED && queue.outstanding == entry)
        {
            // The write that was out came back failed again: it stays first, with the next backoff.
            schedule(queue, entry);
        }
        else if (queue.outstanding == null && queue.entries.isEmpty())
        {
            if (entry.type == RetryEntry.TYPE_FAILED)
            {
                schedule(queue, entry);
            }
            else
            {
                queue.outstanding = entry;
                ready.addLast(entry);
            }
        }
        else
        {
            queue.entries.addLast(entry);
        }
    }

    private void schedule(final FileQueue queue, final RetryEntry entry)
    {
        queue.outstanding = entry;
        queue.waiting = true;
        final long due = System.nanoTime() + ctx.retryPolicy.delayNs(entry.attempts);
        timers.put(wheel.scheduleTimer(due), entry);
    }

    private void onResume(final Path path)
    {
        final FileQueue queue = files.get(path);
        if (queue == null)
        {
            return;
        }
        queue.outstanding = null;
        queue.waiting = false;
        final RetryEntry next = queue.entries.pollFirst();
        if (next == null)
        {
            files.remove(path);
        }
        else if (next.type == RetryEntry.TYPE_FAILED)
        {
            schedule(queue, next);
        }
        else
        {
            queue.outstanding = next;
            ready.addLast(next);
        }
    }

    /**
     * {@inheritDoc}
     */
    public boolean onTimerExpiry(final TimeUnit timeUnit, final long now, final long timerId)
    {
        final Object item = timers.remove(timerId);
        if (item instanceof RetryEntry)
        {
            final RetryEntry entry = (RetryEntry)item;
            final FileQueue queue = files.get(entry.path);
            if (queue != null && queue.outstanding == entry && queue.waiting)
            {
                queue.waiting = false;
                ready.addLast(entry);
            }
        }
        else if (item instanceof Tracker)
        {
            final Tracker tracker = (Tracker)item;
            if (tracker.tryTimeout())
            {
                tracker.complete();
            }
        }
        else if (item instanceof BatchTracker)
        {
            ((BatchTracker)item).expire();
        }
        return true;
    }

    private int publishReady()
    {
        int count = 0;
        RetryEntry entry;
        while ((entry = ready.peekFirst()) != null)
        {
            if (!republish(entry))
            {
                break;
            }
            ready.pollFirst();
            count++;
        }
        return count;
    }

    private boolean republish(final RetryEntry entry)
    {
        // Read before the entry is handed over: once published, its worker may fail it again and change its type.
        final boolean afterFailure = entry.type == RetryEntry.TYPE_FAILED;
        final int slots = ctx.slotsFor(entry.length);
        final long hi;
        try
        {
            if (ctx.singleProducer)
            {
                // The producer thread is the ring's only publisher: hand the retry to the worker beside the ring.
                return offerToLane(entry, afterFailure);
            }
            hi = ring.tryNext(slots);
        }
        catch (final InsufficientCapacityException ex)
        {
            return offerToLane(entry, afterFailure);
        }

        final long lo = hi - slots + 1;
        try
        {
            WriteEngine.copyIntoRing(ctx, lo, entry.data, 0, entry.length);
            final WriteEvent first = ring.get(lo);
            first.kind = WriteEvent.KIND_MESSAGE;
            first.retried = true;
            first.mode = entry.mode;
            first.shard = entry.shard;
            first.length = entry.length;
            first.slots = slots;
            first.attempts = entry.attempts;
            first.originSeq = entry.originSeqAcquire();
            first.path = entry.path;
            first.target = entry.target;
            first.tracker = entry.tracker;
            first.entry = entry;
            first.done = false;
            ctx.markSlots(lo, hi, entry.shard);
        }
        finally
        {
            ring.publish(lo, hi);
        }
        ctx.wakeSleepers();
        countRetry(afterFailure);
        // The entry stays in use until the worker ends the message: a write that fails again reuses it, so a worker
        // never needs a new slot for a retry, and flush() sees the write until it has ended.
        return true;
    }

    private boolean offerToLane(final RetryEntry entry, final boolean afterFailure)
    {
        if (lanes[entry.shard].offer(entry))
        {
            // The worker takes its lane between batches and when idle: start it now rather than at its next timeout.
            ctx.wake(entry.shard);
            countRetry(afterFailure);
            return true;
        }
        return false;
    }

    private void countRetry(final boolean afterFailure)
    {
        if (afterFailure)
        {
            ctx.counters.retried.increment();
        }
    }

    private int failEverything()
    {
        int count = 0;
        RetryEntry entry;
        while ((entry = ready.pollFirst()) != null)
        {
            failClosed(entry);
            count++;
        }
        for (final FileQueue queue : files.values())
        {
            if (queue.outstanding != null && queue.waiting)
            {
                failClosed(queue.outstanding);
                count++;
            }
            queue.outstanding = null;
            queue.waiting = false;
            while ((entry = queue.entries.pollFirst()) != null)
            {
                failClosed(entry);
                count++;
            }
        }
        files.clear();
        return count;
    }

    private void failClosed(final RetryEntry entry)
    {
        final Tracker tracker = entry.tracker;
        final EngineException cause = WriteEngine.closedException(entry.path);
        if (tracker == null || tracker.tryMarkFailed(entry.attempts, cause))
        {
            ctx.counters.failed.increment();
            WriteEngine.notifyFailure(ctx, entry.path, entry.bytes(), 0, entry.length, entry.attempts, cause);
            if (tracker != null)
            {
                tracker.complete();
            }
        }
        ctx.freeEntry(entry);
    }

    /**
     * {@inheritDoc}
     */
    public void onClose()
    {
        drainCompletions();
        failEverything();
        drainCompletions();
    }
}
