package io.ringwriter;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.ProducerType;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.AgentRunner;

import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.ConcurrentModificationException;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.RandomAccess;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.agrona.BitUtil.SIZE_OF_LONG;

/**
 * Writes messages to many files from any number of producer threads, through a preallocated Disruptor ring and a
 * pool of worker threads that each own the files whose path hashes to them.
 * <pre>{@code
 * try (WriteEngine engine = WriteEngine.builder().root(dir).durability(Durability.NONE).build())
 * {
 *     engine.write(Path.of("orders/2026-11-27.log"), bytes);   // copies into the ring and returns
 *     engine.flush();                                           // everything before is in the files
 * }
 * }</pre>
 * <p>
 * Thread safety: every method may be called from any number of threads at once. {@link #write} and
 * {@link #tryWrite} allocate nothing once the files they name are open, take no lock and make no system call; a
 * message is copied into the ring and the call returns. {@link #submit}, {@link #submitBatch} and {@link #writeAll}
 * allocate a tracker and a future per write. Order: the writes of one producer thread to one file land in the order
 * of the calls. A file is known by its {@link Path} as given: spell one file one way.
 */
public final class WriteEngine implements AutoCloseable
{
    private static final System.Logger LOGGER = System.getLogger(WriteEngine.class.getName());
    private static final AtomicBoolean PINNING_WARNED = new AtomicBoolean();
    private static final int ROOT_CACHE_LIMIT = 64 * 1024;

    private final EngineContext ctx;
    final RingMemory ringMemory;
    private final RingBuffer<WriteEvent> ring;
    private final int ringSize;
    private final long maxClaimParkNs;
    private final int slotSize;
    private final long maxMessageLength;
    private final RetryAgent agent;
    private final AgentRunner agentRunner;
    private final BatchEventProcessor<WriteEvent>[] processors;
    private final WaitStrategies.WorkerWait workerWait;
    private final EngineCounters counters;
    private final long closeTimeoutNs;
    private final boolean singleProducer;
    private final ConcurrentHashMap<Path, Path> resolvedPaths;
    private final Path rootNormalized;

    private final AtomicBoolean closeStarted = new AtomicBoolean();
    private final CountDownLatch closeDone = new CountDownLatch(1);
    private volatile boolean terminated;

    @SuppressWarnings("unchecked")
    private WriteEngine(final Builder b, final Path rootNormalized, final Path rootReal)
    {
        this.ringSize = b.ringSize;
        this.maxClaimParkNs = Math.max(MIN_CLAIM_PARK_NS, Math.min(MAX_CLAIM_PARK_NS,
            (long)b.ringSize * WorkerBarrier.FILL_NS_PER_SLOT));
        this.slotSize = b.slotSize;
        this.maxMessageLength = (long)b.ringSize * b.slotSize;
        this.closeTimeoutNs = b.closeTimeoutNs;
        this.singleProducer = b.singleProducer;
        this.rootNormalized = rootNormalized;
        this.resolvedPaths = rootNormalized == null ? null : new ConcurrentHashMap<>();

        this.counters = new EngineCounters(b.countersFile);
        this.ringMemory = RingMemory.allocate(b.ringSize * b.slotSize, b.hugePages);
        final ByteBuffer ringBytes = ringMemory.bytes();
        workerWait = WaitStrategies.create(b.waitStrategy, b.lingerNs, b.ringSize);
        this.ring = RingBuffer.create(
            b.singleProducer ? ProducerType.SINGLE : ProducerType.MULTI, WriteEvent::new, b.ringSize, workerWait);
        workerWait.bind(ring);
        this.ctx = new EngineContext(
            ring, ringBytes, b.slotSize, b.workers, b.pinWorkers, b.durability, b.writeMode, b.maxOpenFiles,
            rootNormalized, rootReal, b.createParents, b.retryPolicy, b.failureHandler, b.fileIo, counters,
            b.stageBufferSize, b.retrySlots, b.singleProducer, b.nativeIo);

        this.agent = new RetryAgent(ctx);
        this.processors = (BatchEventProcessor<WriteEvent>[])new BatchEventProcessor<?>[b.workers];
        final ExceptionHandler<WriteEvent> exceptionHandler = new CountingExceptionHandler(counters);
        for (int i = 0; i < b.workers; i++)
        {
            final WriteWorker worker = new WriteWorker(i, ctx, agent);
            // Deep sleep needs the claim CAS of a multi-producer ring before the publisher reads the sleepers (see
            // WorkerBarrier.sleepDeeply); a single producer's plain publish has no such fence: 100 us parks there.
            final WorkerBarrier barrier = new WorkerBarrier(
                ring.newBarrier(), worker, b.waitStrategy, b.ringSize, ctx.sleepers, !b.singleProducer);
            final BatchEventProcessor<WriteEvent> processor =
                new BatchEventProcessorBuilder().build(ring, barrier, worker);
            processor.setExceptionHandler(exceptionHandler);
            processors[i] = processor;
        }
        for (final BatchEventProcessor<WriteEvent> processor : processors)
        {
            ring.addGatingSequences(processor.getSequence());
        }

        this.agentRunner = new AgentRunner(
            new AgentIdle(agent),
            (throwable) ->
            {
                counters.errors.increment();
                LOGGER.log(System.Logger.Level.ERROR, "retry agent error", throwable);
            },
            null,
            agent);

        int started = 0;
        try
        {
            for (int i = 0; i < processors.length; i++)
            {
                final Thread thread = b.threadFactory.newThread(processors[i]);
                if (b.threadFactory == DEFAULT_THREAD_FACTORY)
                {
                    thread.setName("ringwriter-worker-" + i);
                }
                ctx.workerThreads[i] = thread;
                thread.start();
                started++;
            }
            final Thread agentThread = AgentRunner.startOnThread(agentRunner, b.threadFactory);
            if (b.threadFactory == DEFAULT_THREAD_FACTORY)
            {
                agentThread.setName("ringwriter-retry");
            }
        }
        catch (final RuntimeException | Error ex)
        {
            // A failed start closes what it opened.
            for (int i = 0; i < started; i++)
            {
                processors[i].halt();
            }
            agentRunner.close();
            counters.close();
            throw ex;
        }
    }

    /**
     * @return a builder with every setting at its {@link Configuration} default.
     */
    public static Builder builder()
    {
        return new Builder();
    }

    /**
     * Agrona reaches {@code jdk.internal.misc.Unsafe}, which java.base exports only when the JVM is told to. Without
     * it the first use of the ring's memory fails deep inside Agrona with an {@link IllegalAccessError}; say instead
     * what to add to the command line. Neither this check nor {@link #builder()} loads Agrona's {@code UnsafeApi}.
     *
     * @throws IllegalStateException naming the missing JVM option.
     */
    static void requireUnsafeExport()
    {
        final Module agrona = UnsafeApi.class.getModule();
        if (!Object.class.getModule().isExported("jdk.internal.misc", agrona))
        {
            final String target = agrona.isNamed() ? agrona.getName() : "ALL-UNNAMED";
            throw new IllegalStateException(
                "ringwriter needs the JVM option --add-exports java.base/jdk.internal.misc=" + target +
                " (Agrona, which holds the ring's memory, uses jdk.internal.misc.Unsafe); add it to the java" +
                " command line, or Add-Exports: java.base/jdk.internal.misc to an executable jar's manifest");
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Producer calls
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * Copy a message into the ring for the worker that owns the file; wait while the ring is full.
     *
     * @param file to append to (or as the engine's write mode says).
     * @param data the whole array is written.
     * @return the ring sequence of the message's last slot.
     * @throws NullPointerException     naming the null argument.
     * @throws IllegalArgumentException when the path lies outside the root, or the message is larger than the ring.
     * @throws IllegalStateException    when the engine is closed.
     */
    public long write(final Path file, final byte[] data)
    {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(data, "data");
        return publish(file, data, null, 0, data.length, ctx.defaultMode.ordinal(), null, true);
    }

    /**
     * Copy part of an array into the ring; wait while the ring is full.
     *
     * @param file   to write.
     * @param data   holding the bytes.
     * @param offset of the first byte.
     * @param length in bytes.
     * @return the ring sequence of the message's last slot.
     * @throws IndexOutOfBoundsException when offset and length do not lie within the array.
     * @see #write(Path, byte[])
     */
    public long write(final Path file, final byte[] data, final int offset, final int length)
    {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(data, "data");
        Objects.checkFromIndexSize(offset, length, data.length);
        return publish(file, data, null, offset, length, ctx.defaultMode.ordinal(), null, true);
    }

    /**
     * Copy part of a buffer into the ring; wait while the ring is full.
     *
     * @param file   to write.
     * @param buffer holding the bytes.
     * @param offset of the first byte.
     * @param length in bytes.
     * @return the ring sequence of the message's last slot.
     * @throws IndexOutOfBoundsException when offset and length do not lie within the buffer.
     * @see #write(Path, byte[])
     */
    public long write(final Path file, final DirectBuffer buffer, final int offset, final int length)
    {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(buffer, "buffer");
        Objects.checkFromIndexSize(offset, length, buffer.capacity());
        return publish(file, null, buffer, offset, length, ctx.defaultMode.ordinal(), null, true);
    }

    /**
     * Copy a message into the ring if it has room now; never blocks.
     *
     * @param file to write.
     * @param data the whole array is written.
     * @return true when the message was accepted, false when the ring had no room.
     * @throws IllegalStateException when the engine is closed.
     */
    public boolean tryWrite(final Path file, final byte[] data)
    {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(data, "data");
        return publish(file, data, null, 0, data.length, ctx.defaultMode.ordinal(), null, false) >= 0;
    }

    /**
     * Write and learn the outcome. Allocates a tracker and a future.
     *
     * @param file to write.
     * @param data the whole array is written.
     * @return a future completed with the result, or exceptionally with {@link WriteFailedException},
     * {@link java.util.concurrent.TimeoutException} or {@link java.util.concurrent.CancellationException}. Its
     * dependent stages run on the engine's agent thread, or on the thread waiting in its {@code join()} or
     * {@code get()} when the write ends (the worker hands the completion to it, one wake-up instead of two, for a
     * write without a deadline), unless an executor is given (the {@code *Async} forms); never on a worker.
     */
    public CompletableFuture<WriteResult> submit(final Path file, final byte[] data)
    {
        return submit(WriteRequest.of(file, data));
    }

    /**
     * Write a request and learn its outcome. Waits while the ring is full, at most until the request's deadline.
     * A write not begun by its deadline ends as timed out; a write cancelled before it begins never happens.
     *
     * @param request to write.
     * @return a future: see {@link #submit(Path, byte[])}.
     * @throws IllegalArgumentException when the path lies outside the root, or the message is larger than the ring.
     * @throws IllegalStateException    when the engine is closed.
     */
    public CompletableFuture<WriteResult> submit(final WriteRequest request)
    {
        Objects.requireNonNull(request, "request");
        checkOpen();
        final Path target = resolve(request.path());
        checkLength(request.length());
        final long deadlineNs = deadlineOf(request.timeoutNs());
        final SingleTracker tracker = new SingleTracker(request.path(), deadlineNs, counters, agent);
        countPublished(1);
        if (deadlineNs != Tracker.NO_DEADLINE)
        {
            agent.offerDeadline(tracker);
        }
        publishTracked(request, target, tracker);
        return tracker.future;
    }

    /**
     * Write many requests as one batch: published in ring-sized chunks, completed once.
     *
     * @param requests to write, in order.
     * @return the batch's future: see {@link BatchFuture}.
     */
    public BatchFuture submitBatch(final Collection<WriteRequest> requests)
    {
        return submitBatch(requests, null);
    }

    /**
     * Write many requests as one batch with a deadline for the whole batch.
     *
     * @param requests to write, in order.
     * @param deadline from now, or null for none: writes not begun by then end as timed out.
     * @return the batch's future: see {@link BatchFuture}.
     * @throws IllegalArgumentException naming the first bad path or size; then nothing of the batch is written.
     */
    public BatchFuture submitBatch(final Collection<WriteRequest> requests, final Duration deadline)
    {
        Objects.requireNonNull(requests, "requests");
        final WriteRequest[] array = requests.toArray(new WriteRequest[0]);
        checkOpen();
        final long deadlineNs = batchDeadline(deadline);
        final BatchTracker batch = new BatchTracker(array.length, deadlineNs, counters, agent);
        final BatchTracker.Item[] items = new BatchTracker.Item[array.length];
        for (int i = 0; i < array.length; i++)
        {
            final WriteRequest request = Objects.requireNonNull(array[i], "requests contains null");
            checkLength(request.length());
            final long itemDeadline = Math.min(deadlineNs, deadlineOf(request.timeoutNs()));
            items[i] = new BatchTracker.Item(batch, request.path(), resolve(request.path()), itemDeadline);
        }
        return publishBatch(batch, items, null, array);
    }

    /**
     * Write one message to many files, the Go package's main operation, as one batch.
     *
     * @param files   to write to.
     * @param message written to each.
     * @return the batch's future: see {@link BatchFuture}.
     */
    public BatchFuture writeAll(final Collection<Path> files, final byte[] message)
    {
        return writeAll(files, message, null);
    }

    /**
     * Write one message to many files as one batch with a deadline.
     *
     * @param files    to write to.
     * @param message  written to each.
     * @param deadline from now, or null for none.
     * @return the batch's future: see {@link BatchFuture}.
     */
    public BatchFuture writeAll(final Collection<Path> files, final byte[] message, final Duration deadline)
    {
        Objects.requireNonNull(files, "files");
        Objects.requireNonNull(message, "message");
        checkOpen();
        checkLength(message.length);
        // One pass over the caller's collection straight into the batch's items: no copy of the paths, no array of
        // resolved ones (a batch of two files should cost little more than its two writes).
        final int count = files.size();
        final long deadlineNs = batchDeadline(deadline);
        final BatchTracker batch = new BatchTracker(count, deadlineNs, counters, agent);
        final BatchTracker.Item[] items = new BatchTracker.Item[count];
        int i = 0;
        if (files instanceof List && files instanceof RandomAccess)
        {
            // By index: an iterator object a call this small would not always be rid of.
            final List<Path> list = (List<Path>)files;
            for (; i < count; i++)
            {
                items[i] = fileItem(batch, list.get(i), deadlineNs);
            }
        }
        else
        {
            for (final Path path : files)
            {
                if (i == count)
                {
                    throw new ConcurrentModificationException(
                        "files grew while writeAll read them: size was " + count);
                }
                items[i++] = fileItem(batch, path, deadlineNs);
            }
        }
        if (i != count)
        {
            throw new ConcurrentModificationException(
                "files shrank while writeAll read them: size was " + count + ", read " + i);
        }
        return publishBatch(batch, items, message, null);
    }

    private BatchTracker.Item fileItem(final BatchTracker batch, final Path path, final long deadlineNs)
    {
        Objects.requireNonNull(path, "files contains null");
        return new BatchTracker.Item(batch, path, resolve(path), deadlineNs);
    }

    /**
     * Wait until every write published before this call is done (written, and forced under
     * {@link Durability#FSYNC}) or has ended otherwise (failed, timed out, cancelled), retries included, and the
     * futures of those writes are complete.
     * <p>
     * Must not be called from a {@link FailureHandler} or from a future's synchronous callback (it runs on the
     * engine's agent thread, or for a batch on the thread waiting for it: either would wait for itself).
     */
    public void flush()
    {
        // No completion is handed to a waiting thread from here on (see RetryAgent#beginHandOff): those in flight
        // are waited for below, all others go through the agent's counted queue.
        agent.beginFlush();
        try
        {
            final long cursor = ring.getCursor();
            awaitProgress(cursor);
            int idle = 0;
            while (!terminated)
            {
                if (!anySetAsideAtOrBefore(cursor))
                {
                    // A set-aside write freed just now may sit in the ring past the cursor seen first: wait for it.
                    awaitProgress(ring.getCursor());
                    if (!anySetAsideAtOrBefore(cursor))
                    {
                        awaitCompletions();
                        return;
                    }
                }
                idle = idle(idle);
            }
        }
        finally
        {
            agent.endFlush();
        }
    }

    /**
     * @return a snapshot of the counters; valid after close too.
     */
    public EngineStats stats()
    {
        final long used = ring.getCursor() - ring.getMinimumGatingSequence();
        return counters.snapshot(terminated ? ringSize : Math.max(0, ringSize - used));
    }

    /**
     * @return the ring's slots.
     */
    public int ringSize()
    {
        return ringSize;
    }

    /**
     * @return bytes per slot.
     */
    public int slotSize()
    {
        return slotSize;
    }

    /**
     * @return workers in a deep sleep now (idle for a few milliseconds, woken by the next write); for tests and
     * diagnostics.
     */
    int sleepingWorkers()
    {
        return (int)ctx.sleepers.get();
    }

    /**
     * @return write and batch ends a worker handed to the thread waiting in join() or get() (the agent completed the
     * others); for tests and diagnostics.
     */
    long completionsHandedToWaiters()
    {
        return agent.handOffs();
    }

    /**
     * @return the largest message the ring can hold: ringSize x slotSize bytes.
     */
    public long maxMessageLength()
    {
        return maxMessageLength;
    }

    /**
     * @return true once {@link #close()} has begun.
     */
    public boolean isClosed()
    {
        return ctx.closed;
    }

    /**
     * Close with the configured timeout ({@value Configuration#CLOSE_TIMEOUT_PROP_NAME}, default 30 s).
     *
     * @see #close(Duration)
     */
    public void close()
    {
        close(Duration.ofNanos(closeTimeoutNs));
    }

    /**
     * Stop accepting writes (later calls throw {@link IllegalStateException}), let the workers write everything
     * published and the retry agent bring back what it holds until the timeout, then end every write still pending
     * as failed with an {@link EngineException} "engine closed" ({@link EngineException#ENGINE_CLOSED}). Then close
     * every file and stop every thread. Idempotent: a second call waits for the first to finish.
     *
     * @param timeout to wait for pending writes.
     */
    public void close(final Duration timeout)
    {
        Objects.requireNonNull(timeout, "timeout");
        if (!closeStarted.compareAndSet(false, true))
        {
            awaitUninterruptibly(closeDone);
            return;
        }

        try
        {
            ctx.closed = true;
            // StoreLoad: a producer that claimed after the cursor read below sees closed (it reads it after its
            // claim CAS) and publishes an empty slot; one that claimed before is within the cursor we wait for.
            VarHandle.fullFence();

            final long deadlineNs = System.nanoTime() + WriteRequest.saturatedNanos(timeout);
            boolean drained = awaitDrained(deadlineNs);
            if (!drained)
            {
                ctx.aborting = true;
                agent.wake();
                drained = awaitDrained(System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
            }

            for (final BatchEventProcessor<WriteEvent> processor : processors)
            {
                processor.halt();
            }
            ctx.wakeAll();
            for (final Thread thread : ctx.workerThreads)
            {
                joinUninterruptibly(thread);
            }
            agentRunner.close();
            terminated = true;
            counters.close();
            if (drained)
            {
                ringMemory.free();
            }
            else
            {
                LOGGER.log(System.Logger.Level.WARNING, "ringwriter closed with writes still in progress");
            }
        }
        finally
        {
            closeDone.countDown();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------------------------

    private long publish(
        final Path path,
        final byte[] array,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final int mode,
        final Tracker tracker,
        final boolean block)
    {
        checkOpen();
        final Path target = resolve(path);
        final int slots = checkLength(length);
        final long hi = claim(slots, block, null);
        if (hi < 0)
        {
            return hi;
        }

        final long lo = hi - slots + 1;
        // Read after the claim's CAS: pairs with the full fence in close().
        final boolean accepted = !ctx.closed;
        try
        {
            if (accepted)
            {
                countPublished(1);
                if (array != null)
                {
                    copyIntoRing(ctx, lo, array, offset, length);
                }
                else
                {
                    copyIntoRing(ctx, lo, buffer, offset, length);
                }
                fill(lo, hi, slots, path, target, mode, length, tracker);
            }
            else
            {
                skip(lo, hi);
            }
        }
        finally
        {
            ring.publish(lo, hi);
        }
        ctx.wakeSleepers();
        if (!accepted)
        {
            throw closedState();
        }
        return hi;
    }

    private void publishTracked(final WriteRequest request, final Path target, final Tracker tracker)
    {
        final int slots = ctx.slotsFor(request.length());
        final long hi = claim(slots, true, tracker);
        if (hi == CLAIM_CLOSED)
        {
            failClosed(tracker);
            return;
        }
        if (hi < 0)
        {
            return;
        }
        final long lo = hi - slots + 1;
        final boolean accepted = !ctx.closed;
        try
        {
            if (accepted)
            {
                copyIntoRing(ctx, lo, request.data(), request.offset(), request.length());
                fill(lo, hi, slots, request.path(), target, modeOf(request.mode()), request.length(), tracker);
            }
            else
            {
                skip(lo, hi);
            }
        }
        finally
        {
            ring.publish(lo, hi);
        }
        ctx.wakeSleepers();
        if (!accepted)
        {
            failClosed(tracker);
        }
    }

    private long batchDeadline(final Duration deadline)
    {
        return deadline == null ? Tracker.NO_DEADLINE : deadlineOf(saturated(deadline));
    }

    /**
     * @param message  written to every item's path ({@link #writeAll}), or null with {@code requests}.
     * @param requests one per item ({@link #submitBatch}), or null.
     */
    private BatchFuture publishBatch(
        final BatchTracker batch, final BatchTracker.Item[] items, final byte[] message, final WriteRequest[] requests)
    {
        final int count = items.length;
        batch.items(items);
        if (count == 0)
        {
            return batch.future;
        }
        countPublished(count);
        if (batch.deadlineNs != Tracker.NO_DEADLINE)
        {
            agent.offerDeadline(batch);
        }

        // Claim a chunk of messages at once: one CAS on the cursor for up to a quarter of the ring.
        final int chunkSlots = Math.max(1, ringSize / 4);
        long last = -1;
        int i = 0;
        while (i < count)
        {
            int slots = ctx.slotsFor(lengthOf(message, requests, i));
            int j = i + 1;
            while (j < count)
            {
                final int next = ctx.slotsFor(lengthOf(message, requests, j));
                if (slots + next > chunkSlots)
                {
                    break;
                }
                slots += next;
                j++;
            }

            final long hi = claim(slots, true, null, false);
            if (hi < 0)
            {
                for (int k = i; k < count; k++)
                {
                    failClosed(items[k]);
                }
                break;
            }
            long lo = hi - slots + 1;
            final boolean accepted = !ctx.closed;
            final long first = lo;
            try
            {
                if (accepted)
                {
                    for (int k = i; k < j; k++)
                    {
                        final BatchTracker.Item item = items[k];
                        final int length = lengthOf(message, requests, k);
                        final int messageSlots = ctx.slotsFor(length);
                        if (requests == null)
                        {
                            copyIntoRing(ctx, lo, message, 0, length);
                            fill(lo, lo + messageSlots - 1, messageSlots, item.path, item.target, modeOf(null),
                                length, item);
                        }
                        else
                        {
                            final WriteRequest request = requests[k];
                            copyIntoRing(ctx, lo, request.data(), request.offset(), length);
                            fill(lo, lo + messageSlots - 1, messageSlots, item.path, item.target,
                                modeOf(request.mode()), length, item);
                        }
                        lo += messageSlots;
                    }
                }
                else
                {
                    skip(first, hi);
                }
            }
            finally
            {
                ring.publish(first, hi);
            }
            if (!accepted)
            {
                for (int k = i; k < count; k++)
                {
                    failClosed(items[k]);
                }
                break;
            }
            i = j;
            last = hi;
        }
        workerWait.batchPublished(last);
        // A worker parked between looks at the cursor would see the batch up to a park later: one unpark per worker
        // per batch (no system call for one that is not parked) starts it at once. Single writes do not do this:
        // it would cost a wake-up per write at moderate rates (see WaitStrategies.SLEEPING_PARK_NS).
        ctx.wakeAll();
        return batch.future;
    }

    private static int lengthOf(final byte[] message, final WriteRequest[] requests, final int i)
    {
        return requests == null ? message.length : requests[i].length();
    }

    private void fill(
        final long lo,
        final long hi,
        final int slots,
        final Path path,
        final Path target,
        final int mode,
        final int length,
        final Tracker tracker)
    {
        final WriteEvent first = ring.get(lo);
        first.kind = WriteEvent.KIND_MESSAGE;
        first.retried = false;
        first.mode = (byte)mode;
        final int shard = ctx.shardOf(path);
        first.shard = shard;
        first.length = length;
        first.slots = slots;
        first.attempts = 0;
        first.originSeq = lo;
        // A reference store costs a GC write barrier; a producer writing to the same file again and again stores
        // the same references, so compare first (the line is being written anyway).
        if (first.path != path)
        {
            first.path = path;
        }
        if (first.target != target)
        {
            first.target = target;
        }
        if (first.tracker != tracker)
        {
            first.tracker = tracker;
        }
        if (first.entry != null)
        {
            first.entry = null;
        }
        first.done = false;
        ctx.markSlots(lo, hi, shard);
    }

    private void skip(final long lo, final long hi)
    {
        for (long s = lo; s <= hi; s++)
        {
            final WriteEvent event = ring.get(s);
            event.kind = WriteEvent.KIND_SKIP;
            ctx.own(s, EngineContext.NO_OWNER);
            event.tracker = null;
            event.entry = null;
        }
    }

    private static final long CLAIM_FULL = -1;
    private static final long CLAIM_CLOSED = -2;
    private static final long CLAIM_ENDED = -3;
    /** A producer's first park when the ring is full. */
    private static final long MIN_CLAIM_PARK_NS = TimeUnit.MICROSECONDS.toNanos(1);
    /** A producer's longest park when the ring is full (a smaller ring caps it lower: see {@link #backOff}). */
    private static final long MAX_CLAIM_PARK_NS = TimeUnit.MILLISECONDS.toNanos(1);

    private void countPublished(final int count)
    {
        if (singleProducer)
        {
            // One writer: a plain add with release, no locked instruction to drain the store buffer on every write.
            counters.published.getAndAddRelease(count);
        }
        else
        {
            counters.published.getAndAdd(count);
        }
    }

    /**
     * @return the highest claimed sequence, or CLAIM_FULL (non-blocking and full), CLAIM_CLOSED (closed while
     * waiting; blocking untracked callers get an exception instead), CLAIM_ENDED (the tracker ended while waiting).
     */
    private long claim(final int slots, final boolean block, final Tracker tracker)
    {
        return claim(slots, block, tracker, tracker == null);
    }

    private long claim(final int slots, final boolean block, final Tracker tracker, final boolean throwOnClose)
    {
        int idle = 0;
        while (true)
        {
            try
            {
                return ring.tryNext(slots);
            }
            catch (final InsufficientCapacityException ex)
            {
                if (!block)
                {
                    return CLAIM_FULL;
                }
            }
            if (ctx.closed)
            {
                if (throwOnClose)
                {
                    throw closedState();
                }
                return CLAIM_CLOSED;
            }
            if (tracker != null)
            {
                if (tracker.isExpired(System.nanoTime()) && tracker.tryTimeout())
                {
                    agent.offerCompletion(tracker);
                    agent.wake();
                }
                if (tracker.state() != Tracker.PENDING)
                {
                    return CLAIM_ENDED;
                }
            }
            idle = backOff(idle);
        }
    }

    /**
     * Backpressure: the ring has no room. Spin, then yield (a slot or two usually frees within a worker's batch),
     * then park for doubling times up to {@link #maxClaimParkNs}. A batch waits for up to a quarter of the ring to
     * free: seconds when every message creates a file, in which fixed short parks woke this thread thousands of
     * times, and on a small machine each wake-up takes a CPU from a worker. The cap keeps a sleeping producer from
     * letting the ring run dry: it is less than the ring takes to drain at the fastest expected pace.
     */
    private int backOff(final int idle)
    {
        if (idle < 200)
        {
            return idle(idle);
        }
        LockSupport.parkNanos(Math.min(maxClaimParkNs, MIN_CLAIM_PARK_NS << Math.min(idle - 200, 20)));
        return idle + 1;
    }

    private static int idle(final int idle)
    {
        if (idle < 100)
        {
            Thread.onSpinWait();
        }
        else if (idle < 200)
        {
            Thread.yield();
        }
        else
        {
            LockSupport.parkNanos(idle < 1000 ? 1_000 : 50_000);
        }
        return idle + 1;
    }

    static void copyIntoRing(
        final EngineContext ctx, final long lo, final byte[] src, final int offset, final int length)
    {
        final int at = ctx.offsetOf(lo);
        if (length >= SIZE_OF_LONG && length <= SMALL_COPY_MAX && at + length <= ctx.ringMemory.capacity())
        {
            copySmall(src, BufferUtil.ARRAY_BASE_OFFSET + offset, ctx.ringMemory.addressOffset() + at, length);
            return;
        }
        final int first = Math.min(length, ctx.ringMemory.capacity() - at);
        ctx.ringMemory.putBytes(at, src, offset, first);
        if (first < length)
        {
            ctx.ringMemory.putBytes(0, src, offset + first, length - first);
        }
    }

    /**
     * Messages up to this size are copied into the ring eight bytes at a time: for a short message the checks and
     * the stub call of {@code Unsafe.copyMemory} cost more than the copy.
     */
    static final int SMALL_COPY_MAX = 256;

    /**
     * Copy {@code length} (8 to {@link #SMALL_COPY_MAX}) bytes with long loads and stores; the last long ends at the
     * last byte and may overlap the one before it. The caller has checked the source range and that the
     * destination lies in ring memory.
     *
     * @param base    the source array, or null for off-heap memory.
     * @param from    offset of the first byte in {@code base}, or its address.
     * @param address of the first byte in ring memory.
     * @param length  bytes to copy.
     */
    private static void copySmall(final Object base, final long from, final long address, final int length)
    {
        final int last = length - SIZE_OF_LONG;
        for (int i = 0; i < last; i += SIZE_OF_LONG)
        {
            UnsafeApi.putLong(address + i, UnsafeApi.getLong(base, from + i));
        }
        UnsafeApi.putLong(address + last, UnsafeApi.getLong(base, from + last));
    }

    static void copyIntoRing(
        final EngineContext ctx, final long lo, final DirectBuffer src, final int offset, final int length)
    {
        final int at = ctx.offsetOf(lo);
        if (length >= SIZE_OF_LONG && length <= SMALL_COPY_MAX && at + length <= ctx.ringMemory.capacity())
        {
            copySmall(src.byteArray(), src.addressOffset() + offset, ctx.ringMemory.addressOffset() + at, length);
            return;
        }
        final int first = Math.min(length, ctx.ringMemory.capacity() - at);
        ctx.ringMemory.putBytes(at, src, offset, first);
        if (first < length)
        {
            ctx.ringMemory.putBytes(0, src, offset + first, length - first);
        }
    }

    private int modeOf(final WriteMode mode)
    {
        return (mode == null ? ctx.defaultMode : mode).ordinal();
    }

    private int checkLength(final int length)
    {
        final int slots = ctx.slotsFor(length);
        if (slots > ringSize)
        {
            throw new IllegalArgumentException("message larger than the ring: length=" + length +
                ", limit=" + maxMessageLength + " (ringSize=" + ringSize + " x slotSize=" + slotSize + ")");
        }
        return slots;
    }

    private Path resolve(final Path path)
    {
        if (rootNormalized == null)
        {
            return path;
        }
        final Path cached = resolvedPaths.get(path);
        if (cached != null)
        {
            return cached;
        }
        final Path resolved = rootNormalized.resolve(path).normalize();
        if (!resolved.startsWith(rootNormalized) || resolved.equals(rootNormalized))
        {
            throw new IllegalArgumentException("path outside root: path=" + path + ", root=" + rootNormalized);
        }
        if (resolvedPaths.size() >= ROOT_CACHE_LIMIT)
        {
            resolvedPaths.clear();
        }
        resolvedPaths.put(path, resolved);
        return resolved;
    }

    private void checkOpen()
    {
        if (ctx.closed)
        {
            throw closedState();
        }
    }

    private static IllegalStateException closedState()
    {
        return new IllegalStateException("engine is closed: no write is accepted after close()");
    }

    static EngineException closedException(final Path path)
    {
        return new EngineException(
            EngineException.Category.ERROR, EngineException.ENGINE_CLOSED,
            "engine closed before the write was done: path=" + path, null);
    }

    private void failClosed(final Tracker tracker)
    {
        if (tracker.tryMarkFailed(0, closedException(tracker.path)))
        {
            counters.failed.increment();
            tracker.complete();
        }
    }

    private static long deadlineOf(final long timeoutNs)
    {
        if (timeoutNs == WriteRequest.NO_DEADLINE || timeoutNs == Long.MAX_VALUE)
        {
            return Tracker.NO_DEADLINE;
        }
        final long deadline = System.nanoTime() + timeoutNs;
        return deadline == Tracker.NO_DEADLINE ? deadline - 1 : deadline;
    }

    private static long saturated(final Duration duration)
    {
        if (duration.isNegative())
        {
            throw new IllegalArgumentException("deadline must not be negative: deadline=" + duration);
        }
        return WriteRequest.saturatedNanos(duration);
    }

    private void awaitProgress(final long sequence)
    {
        int idle = 0;
        while (!terminated && ring.getMinimumGatingSequence() < sequence)
        {
            idle = idle(idle);
        }
    }

    /**
     * The workers hand finished futures to the agent, which completes them (callbacks never run on a worker), or to
     * the thread waiting in join() or get() (none while a flush is under way, and those in flight are waited for): wait
     * until every completion queued so far is delivered, so that the futures of the flushed writes are done.
     */
    private void awaitCompletions()
    {
        final long queued = agent.completionsOffered();
        int idle = 0;
        while (!terminated && (agent.completionsDelivered() < queued || agent.handOffsInFlight() > 0))
        {
            agent.wake();
            idle = idle(idle);
        }
    }

    private boolean anySetAsideAtOrBefore(final long sequence)
    {
        for (final RetryEntry entry : ctx.retryEntries)
        {
            if (entry.originSeqAcquire() <= sequence)
            {
                return true;
            }
        }
        return false;
    }

    private boolean awaitDrained(final long deadlineNs)
    {
        int idle = 0;
        while (true)
        {
            final long cursor = ring.getCursor();
            if (ring.getMinimumGatingSequence() >= cursor && ctx.freeRetryEntries.size() == ctx.retryEntries.length &&
                ring.getCursor() == cursor)
            {
                return true;
            }
            if (System.nanoTime() - deadlineNs > 0)
            {
                return false;
            }
            idle = idle(idle);
        }
    }

    static void notifyFailure(
        final EngineContext ctx,
        final Path path,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final int attempts,
        final Throwable cause)
    {
        try
        {
            ctx.failureHandler.onFailure(path, buffer, offset, length, attempts, cause);
        }
        catch (final Throwable ex)
        {
            ctx.counters.errors.increment();
            LOGGER.log(System.Logger.Level.ERROR, "failure handler threw for path=" + path, ex);
        }
    }

    static void warnPinningOnce(final String reason)
    {
        if (PINNING_WARNED.compareAndSet(false, true))
        {
            LOGGER.log(System.Logger.Level.WARNING, "worker threads run unpinned: " + reason);
        }
    }

    private static void joinUninterruptibly(final Thread thread)
    {
        boolean interrupted = false;
        while (true)
        {
            try
            {
                thread.join();
                break;
            }
            catch (final InterruptedException ex)
            {
                interrupted = true;
            }
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
    }

    private static void awaitUninterruptibly(final CountDownLatch latch)
    {
        boolean interrupted = false;
        while (true)
        {
            try
            {
                latch.await();
                break;
            }
            catch (final InterruptedException ex)
            {
                interrupted = true;
            }
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
    }

    private static final class CountingExceptionHandler implements ExceptionHandler<WriteEvent>
    {
        private final EngineCounters counters;

        CountingExceptionHandler(final EngineCounters counters)
        {
            this.counters = counters;
        }

        public void handleEventException(final Throwable ex, final long sequence, final WriteEvent event)
        {
            counters.errors.increment();
            LOGGER.log(System.Logger.Level.ERROR, "worker error at sequence " + sequence, ex);
        }

        public void handleOnStartException(final Throwable ex)
        {
            counters.errors.increment();
            LOGGER.log(System.Logger.Level.ERROR, "worker start error", ex);
        }

        public void handleOnShutdownException(final Throwable ex)
        {
            counters.errors.increment();
            LOGGER.log(System.Logger.Level.ERROR, "worker shutdown error", ex);
        }
    }

    private static final AtomicInteger THREAD_COUNT = new AtomicInteger();

    private static final long MAX_LINGER_NS = TimeUnit.SECONDS.toNanos(1);

    private static final ThreadFactory DEFAULT_THREAD_FACTORY = (runnable) ->
    {
        final Thread thread = new Thread(runnable, "ringwriter-" + THREAD_COUNT.incrementAndGet());
        thread.setDaemon(true);
        return thread;
    };

    private static final FailureHandler DEFAULT_FAILURE_HANDLER =
        (path, buffer, offset, length, attempts, cause) -> LOGGER.log(
            System.Logger.Level.WARNING,
            "write failed after " + attempts + " attempt(s): path=" + path + ", length=" + length, cause);

    // ---------------------------------------------------------------------------------------------------------------
    // Builder
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * Settings of a {@link WriteEngine}: every one starts at its {@link Configuration} default (which a system
     * property may set). Setters store the value as given; {@link #build()} validates all of them at once and names
     * every offending value. Not thread safe.
     */
    public static final class Builder
    {
        private int ringSize = Configuration.ringSize();
        private int slotSize = Configuration.slotSize();
        private int workers = Configuration.workers();
        private boolean pinWorkers = Configuration.pinWorkers();
        private WaitStrategyType waitStrategy = Configuration.waitStrategy();
        private Durability durability = Configuration.durability();
        private WriteMode writeMode = Configuration.writeMode();
        private int maxOpenFiles = Configuration.maxOpenFiles();
        private Path root = Configuration.root();
        private boolean createParents = Configuration.createParents();
        private RetryPolicy retryPolicy = Configuration.retryPolicy();
        private int retrySlots = Configuration.retrySlots();
        private int stageBufferSize = Configuration.stageBufferSize();
        private long closeTimeoutNs = Configuration.closeTimeoutNs();
        private long lingerNs = Configuration.lingerNs();
        private boolean singleProducer = Configuration.singleProducer();
        private boolean nativeIo = Configuration.nativeIo();
        private boolean hugePages = Configuration.hugePages();
        private Path countersFile = Configuration.countersFile();
        private FailureHandler failureHandler = DEFAULT_FAILURE_HANDLER;
        private ThreadFactory threadFactory = DEFAULT_THREAD_FACTORY;
        private FileIo fileIo = FileIo.system();

        Builder()
        {
        }

        /**
         * @param ringSize slots in the ring, a power of two.
         * @return this.
         */
        public Builder ringSize(final int ringSize)
        {
            this.ringSize = ringSize;
            return this;
        }

        /**
         * @param slotSize bytes stored per slot.
         * @return this.
         */
        public Builder slotSize(final int slotSize)
        {
            this.slotSize = slotSize;
            return this;
        }

        /**
         * @param workers worker threads, at least 1.
         * @return this.
         */
        public Builder workers(final int workers)
        {
            this.workers = workers;
            return this;
        }

        /**
         * @param pinWorkers pin worker k to the k-th CPU (modulo their count) of the set the building thread may
         *                   run on, so {@code taskset} or a container's cpuset is kept.
         * @return this.
         */
        public Builder pinWorkers(final boolean pinWorkers)
        {
            this.pinWorkers = pinWorkers;
            return this;
        }

        /**
         * @param waitStrategy how idle workers wait.
         * @return this.
         */
        public Builder waitStrategy(final WaitStrategyType waitStrategy)
        {
            this.waitStrategy = Objects.requireNonNull(waitStrategy, "waitStrategy");
            return this;
        }

        /**
         * @param durability when a write counts as done.
         * @return this.
         */
        public Builder durability(final Durability durability)
        {
            this.durability = Objects.requireNonNull(durability, "durability");
            return this;
        }

        /**
         * @param writeMode of writes that do not name one.
         * @return this.
         */
        public Builder writeMode(final WriteMode writeMode)
        {
            this.writeMode = Objects.requireNonNull(writeMode, "writeMode");
            return this;
        }

        /**
         * @param maxOpenFiles handles kept open by all workers together, at least the worker count.
         * @return this.
         */
        public Builder maxOpenFiles(final int maxOpenFiles)
        {
            this.maxOpenFiles = maxOpenFiles;
            return this;
        }

        /**
         * @param root an existing directory every path is resolved against, or null for none.
         * @return this.
         */
        public Builder root(final Path root)
        {
            this.root = root;
            return this;
        }

        /**
         * @param createParents create missing parent directories.
         * @return this.
         */
        public Builder createParents(final boolean createParents)
        {
            this.createParents = createParents;
            return this;
        }

        /**
         * @param retryPolicy how failed writes are tried again.
         * @return this.
         */
        public Builder retryPolicy(final RetryPolicy retryPolicy)
        {
            this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
            return this;
        }

        /**
         * @param retrySlots writes that can be set aside at once.
         * @return this.
         */
        public Builder retrySlots(final int retrySlots)
        {
            this.retrySlots = retrySlots;
            return this;
        }

        /**
         * @param stageBufferSize bytes of each worker's coalescing buffer.
         * @return this.
         */
        public Builder stageBufferSize(final int stageBufferSize)
        {
            this.stageBufferSize = stageBufferSize;
            return this;
        }

        /**
         * @param closeTimeout how long {@link WriteEngine#close()} waits for pending writes.
         * @return this.
         */
        public Builder closeTimeout(final Duration closeTimeout)
        {
            this.closeTimeoutNs = WriteRequest.saturatedNanos(Objects.requireNonNull(closeTimeout, "closeTimeout"));
            return this;
        }

        /**
         * Promise that one thread at a time calls the write methods ({@code write}, {@code tryWrite},
         * {@code submit}, {@code submitBatch}), with a happens-before edge between one caller and the next (for
         * example, always the same thread). The ring then uses the Disruptor's single-producer sequencer: a write
         * claims its slots with plain reads and writes instead of a compare-and-set on the shared cursor, and the
         * retry agent hands retries to the workers beside the ring instead of publishing them into it.
         * <p>
         * {@link WriteEngine#close()} must then also happen after the last write returned (call it from the producer
         * thread, or after joining it): a write racing {@code close()} from another thread can be neither written nor
         * reported. {@code flush()} and {@code stats()} may be called from any thread. Breaking the promise
         * corrupts the ring; the default ({@value Configuration#SINGLE_PRODUCER_PROP_NAME} false) allows any number
         * of producers and any thread to close.
         *
         * @param singleProducer true to promise a single producer thread.
         * @return this.
         */
        public Builder singleProducer(final boolean singleProducer)
        {
            this.singleProducer = singleProducer;
            return this;
        }

        /**
         * Open and write files through the C library's {@code open}/{@code write}/{@code close} with plain file
         * descriptors (JNA) instead of {@code FileChannel}s ({@value Configuration#NATIVE_IO_PROP_NAME}, default
         * true). Used on Linux when the engine has the real file system ({@link #fileIo} not set) and no
         * {@link #root}, for ASCII paths, or for any path when the JVM runs with
         * {@code --add-opens java.base/sun.nio.fs=ALL-UNNAMED}; elsewhere the engine falls back to {@code FileChannel}s
         * silently. Saves about 360 bytes of garbage and 2 to 3 us per file opened.
         *
         * @param nativeIo false to always use {@code FileChannel}s.
         * @return this.
         */
        public Builder nativeIo(final boolean nativeIo)
        {
            this.nativeIo = nativeIo;
            return this;
        }

        /**
         * Put the ring's memory on 2 MiB pages ({@value Configuration#HUGE_PAGES_PROP_NAME}, default true): on Linux
         * 6.1 or later with JNA, for a ring of at least 2 MiB ({@code ringSize x slotSize}; the default is 16 MiB),
         * through {@code madvise(MADV_COLLAPSE)} at build. Workers read the ring in order, and on 4 KiB pages the
         * hardware prefetchers stop at every page and the TLB covers a fraction of the ring. Where the kernel refuses,
         * the ring stays on ordinary pages (one INFO log). The direct buffer is 2 MiB larger (counted against
         * {@code -XX:MaxDirectMemorySize}); the part outside the aligned ring is given back to the kernel.
         *
         * @param hugePages false to keep the ring on ordinary pages.
         * @return this.
         */
        public Builder hugePages(final boolean hugePages)
        {
            this.hugePages = hugePages;
            return this;
        }

        /**
         * How long a worker that finds fewer than {@value WaitStrategies#LINGER_BATCH} new events keeps collecting
         * before it writes them ({@value Configuration#LINGER_PROP_NAME}, default 10 us). A longer linger makes
         * bigger batches (fewer system calls, fewer cache lines passed between the producer's core and the worker's
         * per message) at the cost of up to that much delay before a write reaches the file; {@code Duration.ZERO}
         * writes each batch as soon as it is seen, for the lowest latency.
         *
         * @param linger the longest wait for a fuller batch, zero or more.
         * @return this.
         */
        public Builder linger(final Duration linger)
        {
            this.lingerNs = WriteRequest.saturatedNanos(Objects.requireNonNull(linger, "linger"));
            return this;
        }

        /**
         * @param countersFile a file to map the engine's counters into, for {@code ringwriter stat}, or null.
         * @return this.
         */
        public Builder countersFile(final Path countersFile)
        {
            this.countersFile = countersFile;
            return this;
        }

        /**
         * @param failureHandler told of every write that failed for good; the default logs a warning.
         * @return this.
         */
        public Builder failureHandler(final FailureHandler failureHandler)
        {
            this.failureHandler = Objects.requireNonNull(failureHandler, "failureHandler");
            return this;
        }

        /**
         * @param threadFactory makes the worker threads and the retry agent's thread.
         * @return this.
         */
        public Builder threadFactory(final ThreadFactory threadFactory)
        {
            this.threadFactory = Objects.requireNonNull(threadFactory, "threadFactory");
            return this;
        }

        /**
         * @param fileIo the file system layer; {@link FileIo#system()} by default.
         * @return this.
         */
        public Builder fileIo(final FileIo fileIo)
        {
            this.fileIo = Objects.requireNonNull(fileIo, "fileIo");
            return this;
        }

        /**
         * Apply every {@code ringwriter.*} key present in the properties (the names of {@link Configuration});
         * absent keys leave the setting as it is. Values are checked for their type here and for their range in
         * {@link #build()}.
         *
         * @param properties to read.
         * @return this.
         * @throws IllegalArgumentException naming the key and value that cannot be parsed, or an unknown key.
         */
        public Builder properties(final Properties properties)
        {
            Objects.requireNonNull(properties, "properties");
            int maxAttempts = retryPolicy.maxAttempts();
            long baseNs = retryPolicy.base().toNanos();
            long capNs = retryPolicy.cap().toNanos();
            double jitter = retryPolicy.jitter();
            boolean retryChanged = false;
            for (final String key : properties.stringPropertyNames())
            {
                if (!key.startsWith("ringwriter."))
                {
                    continue;
                }
                final String value = properties.getProperty(key).trim();
                switch (key)
                {
                    case Configuration.RING_SIZE_PROP_NAME:
                        ringSize = (int)parseSize(key, value);
                        break;
                    case Configuration.SLOT_SIZE_PROP_NAME:
                        slotSize = (int)parseSize(key, value);
                        break;
                    case Configuration.WORKERS_PROP_NAME:
                        workers = Configuration.intValue(value, workers, key);
                        break;
                    case Configuration.PIN_WORKERS_PROP_NAME:
                        pinWorkers = Configuration.bool(value, pinWorkers, key);
                        break;
                    case Configuration.WAIT_STRATEGY_PROP_NAME:
                        waitStrategy = Configuration.enumValue(WaitStrategyType.class, value, waitStrategy, key);
                        break;
                    case Configuration.DURABILITY_PROP_NAME:
                        durability = Configuration.enumValue(Durability.class, value, durability, key);
                        break;
                    case Configuration.WRITE_MODE_PROP_NAME:
                        writeMode = Configuration.enumValue(WriteMode.class, value, writeMode, key);
                        break;
                    case Configuration.MAX_OPEN_FILES_PROP_NAME:
                        maxOpenFiles = Configuration.intValue(value, maxOpenFiles, key);
                        break;
                    case Configuration.ROOT_PROP_NAME:
                        root = value.isEmpty() ? null : Path.of(value);
                        break;
                    case Configuration.CREATE_PARENTS_PROP_NAME:
                        createParents = Configuration.bool(value, createParents, key);
                        break;
                    case Configuration.RETRY_MAX_ATTEMPTS_PROP_NAME:
                        maxAttempts = Configuration.intValue(value, maxAttempts, key);
                        retryChanged = true;
                        break;
                    case Configuration.RETRY_BASE_PROP_NAME:
                        baseNs = parseDuration(key, value);
                        retryChanged = true;
                        break;
                    case Configuration.RETRY_CAP_PROP_NAME:
                        capNs = parseDuration(key, value);
                        retryChanged = true;
                        break;
                    case Configuration.RETRY_JITTER_PROP_NAME:
                        jitter = Configuration.doubleValue(value, jitter, key);
                        retryChanged = true;
                        break;
                    case Configuration.RETRY_SLOTS_PROP_NAME:
                        retrySlots = Configuration.intValue(value, retrySlots, key);
                        break;
                    case Configuration.STAGE_BUFFER_SIZE_PROP_NAME:
                        stageBufferSize = (int)parseSize(key, value);
                        break;
                    case Configuration.CLOSE_TIMEOUT_PROP_NAME:
                        closeTimeoutNs = parseDuration(key, value);
                        break;
                    case Configuration.SINGLE_PRODUCER_PROP_NAME:
                        singleProducer = Configuration.bool(value, singleProducer, key);
                        break;
                    case Configuration.NATIVE_IO_PROP_NAME:
                        nativeIo = Configuration.bool(value, nativeIo, key);
                        break;
                    case Configuration.HUGE_PAGES_PROP_NAME:
                        hugePages = Configuration.bool(value, hugePages, key);
                        break;
                    case Configuration.LINGER_PROP_NAME:
                        lingerNs = parseDuration(key, value);
                        break;
                    case Configuration.COUNTERS_FILE_PROP_NAME:
                        countersFile = value.isEmpty() ? null : Path.of(value);
                        break;
                    default:
                        throw new IllegalArgumentException("unknown property: " + key + "=" + value);
                }
            }
            if (retryChanged)
            {
                retryPolicy = Configuration.retryPolicy(maxAttempts, baseNs, capNs, jitter)
                    .withClassifier(retryPolicy.classifier());
            }
            return this;
        }

        private static long parseSize(final String key, final String value)
        {
            try
            {
                final long size = org.agrona.SystemUtil.parseSize(key, value);
                if (size > Integer.MAX_VALUE)
                {
                    throw new IllegalArgumentException(key + " must fit an int: " + key + "=" + value);
                }
                return size;
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException(key + " must be a size: " + key + "=" + value, ex);
            }
        }

        private static long parseDuration(final String key, final String value)
        {
            try
            {
                return org.agrona.SystemUtil.parseDuration(key, value);
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException(key + " must be a duration: " + key + "=" + value, ex);
            }
        }

        /**
         * Validate every setting, then allocate the ring and start the workers and the retry agent.
         *
         * @return a running engine.
         * @throws IllegalArgumentException naming every offending setting and its value.
         */
        public WriteEngine build()
        {
            requireUnsafeExport();
            final List<String> errors = new ArrayList<>();
            if (ringSize < 1 || Integer.bitCount(ringSize) != 1)
            {
                errors.add("ringSize must be a power of 2: ringSize=" + ringSize);
            }
            if (slotSize < 1)
            {
                errors.add("slotSize must be at least 1: slotSize=" + slotSize);
            }
            if (ringSize > 0 && slotSize > 0 && (long)ringSize * slotSize > Integer.MAX_VALUE - 8)
            {
                errors.add("ring memory (ringSize x slotSize) must be under 2 GiB: ringSize=" + ringSize +
                    ", slotSize=" + slotSize);
            }
            if (workers < 1 || workers > 1024)
            {
                errors.add("workers must be in [1, 1024]: workers=" + workers);
            }
            if (maxOpenFiles < Math.max(1, workers))
            {
                errors.add("maxOpenFiles must be at least the worker count: maxOpenFiles=" + maxOpenFiles +
                    ", workers=" + workers);
            }
            if (retrySlots < 1)
            {
                errors.add("retrySlots must be at least 1: retrySlots=" + retrySlots);
            }
            if (stageBufferSize < 4096)
            {
                errors.add("stageBufferSize must be at least 4096: stageBufferSize=" + stageBufferSize);
            }
            if (lingerNs < 0 || lingerNs > MAX_LINGER_NS)
            {
                errors.add("linger must be between 0 and 1 s: lingerNs=" + lingerNs);
            }
            if (closeTimeoutNs < 0)
            {
                errors.add("closeTimeout must not be negative: closeTimeoutNs=" + closeTimeoutNs);
            }
            Path rootNormalized = null;
            Path rootReal = null;
            if (root != null)
            {
                rootNormalized = root.toAbsolutePath().normalize();
                if (!Files.isDirectory(rootNormalized))
                {
                    errors.add("root must be an existing directory: root=" + root);
                }
                else
                {
                    try
                    {
                        rootReal = rootNormalized.toRealPath();
                    }
                    catch (final IOException ex)
                    {
                        errors.add("root cannot be resolved: root=" + root + " (" + ex + ")");
                    }
                }
            }
            if (!errors.isEmpty())
            {
                throw new IllegalArgumentException("invalid WriteEngine settings: " + String.join("; ", errors));
            }
            return new WriteEngine(this, rootNormalized, rootReal);
        }
    }
}
