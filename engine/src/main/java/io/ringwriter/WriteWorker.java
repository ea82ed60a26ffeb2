package io.ringwriter;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import org.agrona.collections.Object2IntHashMap;
import org.agrona.collections.Object2ObjectHashMap;
import org.agrona.collections.ObjectHashSet;
import org.agrona.concurrent.UnsafeBuffer;
import org.jctools.queues.SpscArrayQueue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

/**
 * One worker of the pool: an {@link EventHandler} over the shared ring that takes the messages whose path hashes to
 * its shard and skips the others at the cost of two field reads.
 * <p>
 * Within a Disruptor batch it chains the messages of each file, and at the end of the batch commits them: the chain
 * of each file is copied into one coalescing buffer and leaves in one write call (more only when the buffer fills),
 * then under FSYNC each touched file is forced once and the directory of each created file once, then every message
 * of the batch is ended (counted, its future completed through the agent). Only then does the Disruptor advance this
 * worker's sequence, which is what {@code flush()} waits on.
 * <p>
 * A failed message leaves at once for the {@link RetryAgent}, copied into a preallocated {@link RetryEntry}; later
 * messages to the same file are set aside behind it (the per-file hold count) so that the file's order holds.
 * <p>
 * NOT thread safe: every method runs on the worker's own thread.
 */
final class WriteWorker implements EventHandler<WriteEvent>
{
    private static final System.Logger LOGGER = System.getLogger(WriteWorker.class.getName());

    private static final Set<OpenOption> APPEND_OPTIONS = Set.of(
        StandardOpenOption.WRITE, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    private static final Set<OpenOption> APPEND_NEW_OPTIONS = Set.of(
        StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW, StandardOpenOption.APPEND);
    private static final Set<OpenOption> APPEND_EXISTING_OPTIONS = Set.of(
        StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    private static final Set<OpenOption> TRUNCATE_OPTIONS = Set.of(
        StandardOpenOption.WRITE, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
    private static final Set<OpenOption> CREATE_NEW_OPTIONS = Set.of(
        StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW);

    private final int shard;
    private final EngineContext ctx;
    private final RetryAgent agent;
    private final RingBuffer<WriteEvent> ring;
    private final UnsafeBuffer ringMemory;
    private final ByteBuffer ringView;
    private final int ringCapacityBytes;
    private final FileIo io;
    private final boolean fsync;
    private final SpscArrayQueue<RetryEntry> lane;

    private final ByteBuffer stage;
    private final UnsafeBuffer stageBuffer;
    private final UnsafeBuffer failureView = new UnsafeBuffer(new byte[0]);
    private byte[] failureScratch = new byte[0];

    private final Object2ObjectHashMap<Path, FileHandle> handles;
    private final FileHandle[] freeHandles;
    private int freeHandleCount;
    private FileHandle lruHead;
    private FileHandle lruTail;
    private FileHandle lastHandle;
    private final ObjectHashSet<Path> initialised = new ObjectHashSet<>();
    private final Object2IntHashMap<Path> holds = new Object2IntHashMap<>(0);
    private final ObjectHashSet<Path> dirsToForce = new ObjectHashSet<>();

    private final FileHandle[] touched;
    private int touchedCount;
    private final FileHandle[] single = new FileHandle[1];
    private final FileHandle tempHandle = new FileHandle();
    private static final byte OUTCOME_WRITTEN = 1;
    private static final byte OUTCOME_FAILED_HEAD = 2;
    private static final byte OUTCOME_BEHIND = 3;

    private final long[] msgSeq;
    private final int[] msgNext;
    private final byte[] msgOutcome;
    private final Throwable[] msgCause;
    private final int[] outcomeOrder;
    private int outcomeCount;
    private int msgCount;
    private long consumedThrough = -1;
    private long tempCounter;
    private boolean wakeAgent;

    private long localWritten;
    private long localFailed;
    private long localBytes;
    private long localWriteCalls;
    private long localForces;
    private long localWriteTimeNs;

    WriteWorker(final int shard, final EngineContext ctx, final RetryAgent agent)
    {
        this.shard = shard;
        this.ctx = ctx;
        this.agent = agent;
        this.ring = ctx.ring;
        this.ringMemory = ctx.ringMemory;
        this.ringView = ctx.ringBytes.duplicate();
        this.ringCapacityBytes = ctx.ringBytes.capacity();
        this.io = ctx.fileIo;
        this.fsync = ctx.isFsync();
        this.lane = agent.lane(shard);

        this.stage = ByteBuffer.allocateDirect(ctx.stageBufferSize);
        this.stageBuffer = new UnsafeBuffer(stage);

        final int maxHandles = ctx.maxOpenFilesPerWorker;
        this.handles = new Object2ObjectHashMap<>(Math.max(8, maxHandles * 2), 0.65f);
        this.freeHandles = new FileHandle[maxHandles];
        for (int i = 0; i < maxHandles; i++)
        {
            freeHandles[i] = new FileHandle();
        }
        this.freeHandleCount = maxHandles;

        this.touched = new FileHandle[ctx.ringSize + 1];
        this.msgSeq = new long[ctx.ringSize + 1];
        this.msgNext = new int[ctx.ringSize + 1];
        this.msgOutcome = new byte[ctx.ringSize + 1];
        this.msgCause = new Throwable[ctx.ringSize + 1];
        this.outcomeOrder = new int[ctx.ringSize + 1];
    }

    /**
     * {@inheritDoc}
     */
    public void onStart()
    {
        if (ctx.pinWorkers)
        {
            final int cpu = shard % Runtime.getRuntime().availableProcessors();
            final String failure = Affinity.pinCurrentThread(cpu);
            if (failure != null)
            {
                WriteEngine.warnPinningOnce(failure);
            }
        }
    }

    /**
     * {@inheritDoc}
     */
    public void onEvent(final WriteEvent event, final long sequence, final boolean endOfBatch)
    {
        if (event.kind == WriteEvent.KIND_MESSAGE && event.shard == shard && sequence > consumedThrough)
        {
            try
            {
                onMessage(event, sequence);
            }
            catch (final Throwable ex)
            {
                ctx.counters.errors.increment();
                attemptFailed(event, sequence, ex);
            }
        }

        if (endOfBatch)
        {
            endBatch();
        }
    }

    /**
     * {@inheritDoc}
     */
    public void onTimeout(final long sequence)
    {
        processLane();
        flushLocalCounters();
        if (wakeAgent)
        {
            wakeAgent = false;
            agent.wake();
        }
    }

    /**
     * {@inheritDoc}
     */
    public void onShutdown()
    {
        processLane();
        FileHandle h = lruHead;
        while (h != null)
        {
            final FileHandle next = h.next;
            closeHandle(h);
            h = next;
        }
    }

    private void endBatch()
    {
        if (touchedCount > 0)
        {
            commit(touched, touchedCount);
            touchedCount = 0;
            msgCount = 0;
        }
        processLane();
        flushLocalCounters();
        if (wakeAgent)
        {
            wakeAgent = false;
            agent.wake();
        }
    }

    private void onMessage(final WriteEvent event, final long sequence)
    {
        final int slots = event.slots;
        if (slots > 1)
        {
            awaitFragments(sequence + slots - 1);
            consumedThrough = sequence + slots - 1;
        }

        final Path path = event.path;
        final boolean retried = event.retried;
        if (retried)
        {
            releaseHold(path);
        }

        if (ctx.aborting)
        {
            finalFailure(event, sequence, event.attempts, WriteEngine.closedException(path));
            return;
        }

        final Tracker tracker = event.tracker;
        if (tracker != null && tracker.state() != Tracker.PENDING)
        {
            endSkipped(path, retried);
            return;
        }

        if (!retried && holds.size() > 0 && holds.getValue(path) > 0)
        {
            setAside(event, sequence, RetryEntry.TYPE_PARKED, event.attempts, null);
            return;
        }

        if (tracker != null)
        {
            if (tracker.isExpired(System.nanoTime()) && tracker.tryTimeout())
            {
                completeLater(tracker);
            }
            if (!tracker.tryBeginWrite())
            {
                endSkipped(path, retried);
                return;
            }
        }

        final int mode = event.mode;
        if (mode == WriteMode.ATOMIC_REPLACE.ordinal())
        {
            atomicReplace(event, sequence);
            return;
        }

        final FileHandle h = handleFor(path, event.target, mode, event, sequence);
        if (h == null)
        {
            return;
        }

        final int m = msgCount++;
        msgSeq[m] = sequence;
        msgNext[m] = -1;
        if (h.touched)
        {
            msgNext[h.tail] = m;
        }
        else
        {
            h.touched = true;
            h.head = m;
            touched[touchedCount++] = h;
        }
        h.tail = m;
        h.messages++;
    }

    private void endSkipped(final Path path, final boolean retried)
    {
        if (retried)
        {
            resume(path);
        }
    }

    private void awaitFragments(final long lastSequence)
    {
        // The producer claimed the slots together and publishes them together: at most a few slots behind.
        int spins = 0;
        while (!ring.isAvailable(lastSequence))
        {
            if (++spins < 1000)
            {
                Thread.onSpinWait();
            }
            else
            {
                Thread.yield();
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Handles
    // ---------------------------------------------------------------------------------------------------------------

    private FileHandle handleFor(
        final Path path, final Path target, final int mode, final WriteEvent event, final long sequence)
    {
        FileHandle h = lastHandle;
        if (h == null || h.key != path)
        {
            h = handles.get(path);
            if (h == null)
            {
                try
                {
                    h = open(path, target, mode);
                }
                catch (final Throwable ex)
                {
                    attemptFailed(event, sequence, ex);
                    return null;
                }
            }
            touchLru(h);
            lastHandle = h;
        }
        return h;
    }

    private FileHandle open(final Path path, final Path target, final int mode) throws IOException
    {
        if (freeHandleCount == 0)
        {
            evict(lruTail);
        }

        final boolean firstInMode = (mode == WriteMode.TRUNCATE.ordinal() || mode == WriteMode.CREATE_NEW.ordinal()) &&
            !initialised.contains(path);
        checkInsideRoot(target);

        FileChannel channel;
        boolean created = false;
        try
        {
            channel = openChannel(target, mode, firstInMode);
            created = lastOpenCreated;
        }
        catch (final NoSuchFileException ex)
        {
            final Path parent = target.toAbsolutePath().getParent();
            if (!ctx.createParents || parent == null || java.nio.file.Files.isDirectory(parent))
            {
                throw ex;
            }
            createParents(parent);
            checkInsideRoot(target);
            channel = openChannel(target, mode, firstInMode);
            created = lastOpenCreated;
        }

        if (firstInMode)
        {
            initialised.add(path);
        }

        final FileHandle h = freeHandles[--freeHandleCount];
        freeHandles[freeHandleCount] = null;
        h.key = path;
        h.target = target;
        h.channel = channel;
        h.created = created;
        handles.put(path, h);
        ctx.counters.openFiles.getAndAdd(1);
        return h;
    }

    private boolean lastOpenCreated;

    private FileChannel openChannel(final Path target, final int mode, final boolean firstInMode) throws IOException
    {
        lastOpenCreated = false;
        if (firstInMode && mode == WriteMode.CREATE_NEW.ordinal())
        {
            final FileChannel channel = io.open(target, withNoFollow(CREATE_NEW_OPTIONS));
            lastOpenCreated = true;
            return channel;
        }
        if (firstInMode && mode == WriteMode.TRUNCATE.ordinal())
        {
            return io.open(target, withNoFollow(TRUNCATE_OPTIONS));
        }
        if (!fsync)
        {
            return io.open(target, withNoFollow(APPEND_OPTIONS));
        }

        // Under FSYNC a created file's directory entry must be forced too: learn whether this open creates it.
        try
        {
            final FileChannel channel = io.open(target, withNoFollow(APPEND_NEW_OPTIONS));
            lastOpenCreated = true;
            return channel;
        }
        catch (final FileAlreadyExistsException ex)
        {
            return io.open(target, withNoFollow(APPEND_EXISTING_OPTIONS));
        }
    }

    private Set<OpenOption> withNoFollow(final Set<OpenOption> options)
    {
        if (ctx.root == null)
        {
            return options;
        }
        // With a root, a symbolic link as the last component could lead out: refuse to follow it (O_NOFOLLOW).
        final Set<OpenOption> result = new java.util.HashSet<>(options);
        result.add(LinkOption.NOFOLLOW_LINKS);
        return result;
    }

    private void checkInsideRoot(final Path target) throws IOException
    {
        if (ctx.rootReal == null)
        {
            return;
        }
        Path dir = target.toAbsolutePath().getParent();
        while (dir != null && !java.nio.file.Files.exists(dir, LinkOption.NOFOLLOW_LINKS))
        {
            dir = dir.getParent();
        }
        if (dir == null || !io.realPath(dir).startsWith(ctx.rootReal))
        {
            throw new EngineException(
                EngineException.Category.ERROR, EngineException.PATH_OUTSIDE_ROOT,
                "path resolves outside root (through a symbolic link): path=" + target + ", root=" + ctx.root, null);
        }
    }

    private void createParents(final Path parent) throws IOException
    {
        Path firstMissing = parent;
        while (firstMissing.getParent() != null && !java.nio.file.Files.exists(firstMissing.getParent()))
        {
            firstMissing = firstMissing.getParent();
        }
        io.createDirectories(parent);
        if (fsync)
        {
            // Each created directory is an entry of its parent: force those parents, deepest first.
            final Path stop = firstMissing.getParent();
            for (Path dir = parent; dir != null && !dir.equals(stop); dir = dir.getParent())
            {
                if (dir.getParent() != null)
                {
                    io.forceDirectory(dir.getParent());
                    localForces++;
                }
            }
        }
    }

    private void touchLru(final FileHandle h)
    {
        if (lruHead == h)
        {
            return;
        }
        if (h.prev != null || h.next != null || lruTail == h)
        {
            unlink(h);
        }
        h.next = lruHead;
        h.prev = null;
        if (lruHead != null)
        {
            lruHead.prev = h;
        }
        lruHead = h;
        if (lruTail == null)
        {
            lruTail = h;
        }
    }

    private void unlink(final FileHandle h)
    {
        if (h.prev != null)
        {
            h.prev.next = h.next;
        }
        else if (lruHead == h)
        {
            lruHead = h.next;
        }
        if (h.next != null)
        {
            h.next.prev = h.prev;
        }
        else if (lruTail == h)
        {
            lruTail = h.prev;
        }
        h.prev = null;
        h.next = null;
    }

    private void evict(final FileHandle h)
    {
        if (h.touched)
        {
            single[0] = h;
            commit(single, 1);
            single[0] = null;
        }
        closeHandle(h);
    }

    private void closeHandle(final FileHandle h)
    {
        if (h.key == null)
        {
            return;
        }
        unlink(h);
        handles.remove(h.key);
        if (lastHandle == h)
        {
            lastHandle = null;
        }
        try
        {
            h.channel.close();
        }
        catch (final IOException ex)
        {
            LOGGER.log(System.Logger.Level.WARNING, "closing " + h.target + " failed", ex);
        }
        ctx.counters.openFiles.getAndAdd(-1);
        h.clear();
        freeHandles[freeHandleCount++] = h;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Commit: write each chain, force, then end every message
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * Commit the chains of the touched handles in {@code list}: write every chain, force (FSYNC), decide each
     * message's outcome and detach the chains, and only then end the messages. Ending a message may wait for a free
     * retry slot and, while waiting, take retries from the lane, which may open files and evict handles: by then no
     * handle of this commit is touched, so nothing is written twice. Nested commits use the outcome stack above
     * this one's segment.
     */
    private void commit(final FileHandle[] list, final int count)
    {
        for (int i = 0; i < count; i++)
        {
            final FileHandle h = list[i];
            if (h.touched)
            {
                writeChain(h);
            }
        }

        if (fsync)
        {
            forceAll(list, count);
        }

        final int start = outcomeCount;
        for (int i = 0; i < count; i++)
        {
            final FileHandle h = list[i];
            if (h.touched)
            {
                decide(h);
            }
        }
        final int end = outcomeCount;

        boolean headSetAside = false;
        for (int i = start; i < end; i++)
        {
            final int m = outcomeOrder[i];
            final long seq = msgSeq[m];
            final WriteEvent event = ring.get(seq);
            switch (msgOutcome[m])
            {
                case OUTCOME_WRITTEN:
                    succeeded(event, seq);
                    break;
                case OUTCOME_FAILED_HEAD:
                    headSetAside = attemptFailed(event, seq, msgCause[m]);
                    break;
                default:
                    if (headSetAside)
                    {
                        if (event.tracker != null)
                        {
                            event.tracker.backToPending();
                        }
                        setAside(event, seq, RetryEntry.TYPE_PARKED, event.attempts, null);
                    }
                    else
                    {
                        attemptFailed(event, seq, msgCause[m]);
                    }
                    break;
            }
            msgCause[m] = null;
        }
        outcomeCount = start;

        final int committed = end - start;
        if (committed > 0)
        {
            ctx.counters.batches.increment();
            ctx.counters.batchSizeMax.proposeMax(committed);
        }
    }

    private void writeChain(final FileHandle h)
    {
        final ByteBuffer stage = this.stage;
        final int stageCapacity = stage.capacity();
        int used = 0;
        try
        {
            for (int m = h.head; m != -1; m = msgNext[m])
            {
                final long seq = msgSeq[m];
                final int length = ring.get(seq).length;
                final int offset = ctx.offsetOf(seq);
                if (length > stageCapacity - used)
                {
                    if (used > 0)
                    {
                        drain(h, stage, 0, used);
                        used = 0;
                    }
                    if (length > stageCapacity)
                    {
                        writeFromRing(h, offset, length);
                        continue;
                    }
                }
                copyFromRing(stageBuffer, used, offset, length);
                used += length;
            }
            if (used > 0)
            {
                drain(h, stage, 0, used);
            }
        }
        catch (final Throwable ex)
        {
            h.failure = ex;
        }
    }

    private void copyFromRing(final UnsafeBuffer dst, final int dstOffset, final int ringOffset, final int length)
    {
        final int first = Math.min(length, ringCapacityBytes - ringOffset);
        dst.putBytes(dstOffset, ringMemory, ringOffset, first);
        if (first < length)
        {
            dst.putBytes(dstOffset + first, ringMemory, 0, length - first);
        }
    }

    private void writeFromRing(final FileHandle h, final int ringOffset, final int length) throws IOException
    {
        final int first = Math.min(length, ringCapacityBytes - ringOffset);
        drain(h, ringView, ringOffset, first);
        if (first < length)
        {
            drain(h, ringView, 0, length - first);
        }
    }

    private void drain(final FileHandle h, final ByteBuffer buffer, final int from, final int length)
        throws IOException
    {
        buffer.limit(from + length).position(from);
        final long start = System.nanoTime();
        int zeroWrites = 0;
        while (buffer.hasRemaining())
        {
            final int n = io.write(h.channel, buffer);
            localWriteCalls++;
            if (n > 0)
            {
                h.bytesDone += n;
                zeroWrites = 0;
            }
            else if (++zeroWrites > 16)
            {
                throw new IOException("write made no progress: path=" + h.target);
            }
        }
        localWriteTimeNs += System.nanoTime() - start;
    }

    private void forceAll(final FileHandle[] list, final int count)
    {
        for (int i = 0; i < count; i++)
        {
            final FileHandle h = list[i];
            if (h.touched && h.bytesDone > 0)
            {
                try
                {
                    final long start = System.nanoTime();
                    io.force(h.channel, false);
                    localForces++;
                    localWriteTimeNs += System.nanoTime() - start;
                }
                catch (final Throwable ex)
                {
                    h.failure = ex;
                    h.wholeBatchFailed = true;
                }
            }
            if (h.touched && h.created && !h.wholeBatchFailed)
            {
                final Path dir = h.target.toAbsolutePath().getParent();
                if (dir != null)
                {
                    dirsToForce.add(dir);
                }
            }
        }

        if (!dirsToForce.isEmpty())
        {
            for (final Path dir : dirsToForce)
            {
                try
                {
                    io.forceDirectory(dir);
                    localForces++;
                }
                catch (final Throwable ex)
                {
                    failCreatedIn(list, count, dir, ex);
                }
            }
            dirsToForce.clear();
        }
    }

    private static void failCreatedIn(final FileHandle[] list, final int count, final Path dir, final Throwable ex)
    {
        for (int i = 0; i < count; i++)
        {
            final FileHandle h = list[i];
            if (h.touched && h.created && dir.equals(h.target.toAbsolutePath().getParent()))
            {
                h.failure = ex;
                h.wholeBatchFailed = true;
            }
        }
    }

    /**
     * Record each message's outcome on the outcome stack, cut back a half-written tail, detach the chain, and close
     * the handle if its commit failed (the next attempt reopens the file).
     */
    private void decide(final FileHandle h)
    {
        final Throwable failure = h.failure;
        final boolean whole = h.wholeBatchFailed;
        final long done = h.bytesDone;

        // Keep whole messages only: cut the file back to the end of the last whole message (or to where the batch
        // began when the force failed), so that a retry does not leave a duplicate prefix behind.
        long kept = 0;
        boolean failedYet = false;
        for (int m = h.head; m != -1; m = msgNext[m])
        {
            outcomeOrder[outcomeCount++] = m;
            if (failure == null)
            {
                msgOutcome[m] = OUTCOME_WRITTEN;
                continue;
            }
            final int length = ring.get(msgSeq[m]).length;
            if (!whole && !failedYet && kept + length <= done)
            {
                kept += length;
                msgOutcome[m] = OUTCOME_WRITTEN;
            }
            else
            {
                msgOutcome[m] = failedYet ? OUTCOME_BEHIND : OUTCOME_FAILED_HEAD;
                msgCause[m] = failure;
                failedYet = true;
            }
        }

        h.created = false;
        h.resetBatch();
        if (failure != null)
        {
            cutBack(h, done - kept, failure);
            closeHandle(h);
        }
    }

    private void cutBack(final FileHandle h, final long partialBytes, final Throwable failure)
    {
        if (partialBytes <= 0 || h.channel == null)
        {
            return;
        }
        try
        {
            final long size = io.size(h.channel);
            io.truncate(h.channel, Math.max(0, size - partialBytes));
        }
        catch (final Throwable ex)
        {
            failure.addSuppressed(ex);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Atomic replace: temporary file, force, rename, force the directory
    // ---------------------------------------------------------------------------------------------------------------

    private void atomicReplace(final WriteEvent event, final long sequence)
    {
        try
        {
            final int offset = ctx.offsetOf(sequence);
            final int length = event.length;
            final ByteBuffer src;
            if (offset + length <= ringCapacityBytes)
            {
                src = ringView;
                src.limit(offset + length).position(offset);
            }
            else
            {
                final byte[] copy = new byte[length];
                ringMemory.getBytes(offset, copy, 0, ringCapacityBytes - offset);
                ringMemory.getBytes(0, copy, ringCapacityBytes - offset, length - (ringCapacityBytes - offset));
                src = ByteBuffer.wrap(copy);
            }
            replaceAtomically(event.path, event.target, src);
            succeeded(event, sequence);
        }
        catch (final Throwable ex)
        {
            attemptFailed(event, sequence, ex);
        }
    }

    private void replaceAtomically(final Path path, final Path target, final ByteBuffer src) throws IOException
    {
        final FileHandle open = handles.get(path);
        if (open != null)
        {
            // The file is about to become another inode: write what waits for the old one, then let it go.
            evict(open);
        }

        final Path dir = target.toAbsolutePath().getParent();
        final Path fileName = target.getFileName();
        if (dir == null || fileName == null)
        {
            throw new EngineException(EngineException.Category.ERROR, EngineException.INVALID_PATH,
                "atomic replace needs a file name and a directory: path=" + path, null);
        }
        checkInsideRoot(target);
        if (ctx.createParents && !java.nio.file.Files.isDirectory(dir))
        {
            createParents(dir);
        }
        final Path temp = dir.resolve("." + fileName + ".rw" + shard + "-" + (tempCounter++) + ".tmp");
        try
        {
            try (FileChannel channel = io.open(temp, CREATE_NEW_OPTIONS))
            {
                tempHandle.channel = channel;
                tempHandle.target = temp;
                drain(tempHandle, src, src.position(), src.remaining());
                if (fsync)
                {
                    io.force(channel, true);
                    localForces++;
                }
            }
            finally
            {
                tempHandle.clear();
            }
            io.moveAtomically(temp, target);
        }
        catch (final IOException | RuntimeException ex)
        {
            try
            {
                io.deleteIfExists(temp);
            }
            catch (final IOException | RuntimeException suppressed)
            {
                ex.addSuppressed(suppressed);
            }
            throw ex;
        }
        if (fsync)
        {
            io.forceDirectory(dir);
            localForces++;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // How a message ends
    // ---------------------------------------------------------------------------------------------------------------

    private void succeeded(final WriteEvent event, final long sequence)
    {
        localWritten++;
        localBytes += event.length;
        final Tracker tracker = event.tracker;
        if (tracker != null)
        {
            tracker.markDone(event.attempts + 1, event.length);
            agent.offerCompletion(tracker);
            wakeAgent = true;
        }
        if (event.retried)
        {
            resume(event.path);
        }
    }

    /**
     * @return true when the message was set aside for a retry, false when it ended as failed.
     */
    private boolean attemptFailed(final WriteEvent event, final long sequence, final Throwable cause)
    {
        final int attempts = event.attempts + 1;
        final Throwable reported = classify(cause, event.path);
        if (!ctx.aborting && ctx.retryPolicy.isRetryable(reported, attempts))
        {
            if (event.tracker != null)
            {
                event.tracker.backToPending();
            }
            setAside(event, sequence, RetryEntry.TYPE_FAILED, attempts, reported);
            return true;
        }
        finalFailure(event, sequence, attempts, reported);
        return false;
    }

    private void finalFailure(final WriteEvent event, final long sequence, final int attempts, final Throwable cause)
    {
        final Tracker tracker = event.tracker;
        if (tracker == null || tracker.tryMarkFailed(attempts, cause))
        {
            localFailed++;
            reportFailure(event.path, sequence, event.length, attempts, cause);
            if (tracker != null)
            {
                agent.offerCompletion(tracker);
                wakeAgent = true;
            }
        }
        if (event.retried)
        {
            resume(event.path);
        }
    }

    private void reportFailure(
        final Path path, final long sequence, final int length, final int attempts, final Throwable cause)
    {
        final int offset = ctx.offsetOf(sequence);
        if (offset + length <= ringCapacityBytes)
        {
            failureView.wrap(ringMemory, offset, length);
        }
        else
        {
            if (failureScratch.length < length)
            {
                failureScratch = new byte[length];
            }
            final int first = ringCapacityBytes - offset;
            ringMemory.getBytes(offset, failureScratch, 0, first);
            ringMemory.getBytes(0, failureScratch, first, length - first);
            failureView.wrap(failureScratch, 0, length);
        }
        WriteEngine.notifyFailure(ctx, path, failureView, 0, length, attempts, cause);
    }

    static Throwable classify(final Throwable cause, final Path path)
    {
        if (cause instanceof IOException && cause.getMessage() != null &&
            cause.getMessage().contains("No space left on device"))
        {
            return new EngineException(
                EngineException.Category.ERROR, EngineException.STORAGE_SPACE,
                "storage full: path=" + path + ", cause=" + cause.getMessage(), cause);
        }
        return cause;
    }

    private void setAside(
        final WriteEvent event, final long sequence, final int type, final int attempts, final Throwable cause)
    {
        if (ctx.aborting)
        {
            finalFailure(event, sequence, event.attempts, WriteEngine.closedException(event.path));
            return;
        }
        final RetryEntry entry = takeEntry();
        final int length = event.length;
        entry.ensureCapacity(length);
        final int offset = ctx.offsetOf(sequence);
        final int first = Math.min(length, ringCapacityBytes - offset);
        ringMemory.getBytes(offset, entry.data, 0, first);
        if (first < length)
        {
            ringMemory.getBytes(0, entry.data, first, length - first);
        }
        entry.length = length;
        entry.type = type;
        entry.path = event.path;
        entry.target = event.target;
        entry.shard = event.shard;
        entry.mode = event.mode;
        entry.attempts = attempts;
        entry.cause = cause;
        entry.tracker = event.tracker;
        entry.originSeqRelease(event.originSeq);
        handOff(entry);
    }

    private void handOff(final RetryEntry entry)
    {
        holds.put(entry.path, holds.getValue(entry.path) + 1);
        agent.offer(entry);
        wakeAgent = true;
    }

    private RetryEntry takeEntry()
    {
        RetryEntry entry;
        int idle = 0;
        while ((entry = ctx.freeRetryEntries.poll()) == null)
        {
            // Every retry slot is taken: wait (backpressure) but keep taking retries the agent could not republish
            // into the full ring, which frees slots; this worker never waits for room in its own ring.
            processLane();
            if (wakeAgent)
            {
                wakeAgent = false;
                agent.wake();
            }
            if (++idle < 100)
            {
                Thread.yield();
            }
            else
            {
                LockSupport.parkNanos(50_000);
            }
        }
        ctx.counters.retryPending.getAndAdd(1);
        return entry;
    }

    private void releaseHold(final Path path)
    {
        final int remaining = holds.getValue(path) - 1;
        if (remaining <= 0)
        {
            holds.removeKey(path);
        }
        else
        {
            holds.put(path, remaining);
        }
    }

    private void resume(final Path path)
    {
        agent.offerResume(path);
        wakeAgent = true;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Lane: retries the agent handed over directly because the ring was full
    // ---------------------------------------------------------------------------------------------------------------

    private void processLane()
    {
        RetryEntry entry;
        while ((entry = lane.poll()) != null)
        {
            try
            {
                writeEntry(entry);
            }
            catch (final Throwable ex)
            {
                ctx.counters.errors.increment();
                entryFailed(entry, ex);
            }
        }
    }

    private void writeEntry(final RetryEntry entry)
    {
        final Path path = entry.path;
        releaseHold(path);
        final Tracker tracker = entry.tracker;
        if (ctx.aborting)
        {
            entryFinal(entry, entry.attempts, WriteEngine.closedException(path));
            return;
        }
        if (tracker != null)
        {
            if (tracker.isExpired(System.nanoTime()) && tracker.tryTimeout())
            {
                completeLater(tracker);
            }
            if (!tracker.tryBeginWrite())
            {
                endEntry(entry);
                return;
            }
        }

        try
        {
            if (entry.mode == WriteMode.ATOMIC_REPLACE.ordinal())
            {
                replaceAtomically(path, entry.target, ByteBuffer.wrap(entry.data, 0, entry.length));
                localWritten++;
                localBytes += entry.length;
                if (tracker != null)
                {
                    tracker.markDone(entry.attempts + 1, entry.length);
                    completeLater(tracker);
                }
                endEntry(entry);
                return;
            }
            final FileHandle open = handles.get(path);
            if (open != null && open.touched)
            {
                evict(open);
            }
            FileHandle h = handles.get(path);
            if (h == null)
            {
                h = open(path, entry.target, entry.mode);
                touchLru(h);
            }
            final ByteBuffer src = ByteBuffer.wrap(entry.data, 0, entry.length);
            while (src.hasRemaining())
            {
                io.write(h.channel, src);
                localWriteCalls++;
            }
            if (fsync)
            {
                io.force(h.channel, false);
                localForces++;
            }
            localWritten++;
            localBytes += entry.length;
            if (tracker != null)
            {
                tracker.markDone(entry.attempts + 1, entry.length);
                completeLater(tracker);
            }
            endEntry(entry);
        }
        catch (final Throwable ex)
        {
            final FileHandle h = handles.get(path);
            if (h != null)
            {
                closeHandle(h);
            }
            entryFailed(entry, ex);
        }
    }

    private void completeLater(final Tracker tracker)
    {
        agent.offerCompletion(tracker);
        wakeAgent = true;
    }

    private void entryFailed(final RetryEntry entry, final Throwable cause)
    {
        final int attempts = entry.attempts + 1;
        final Throwable reported = classify(cause, entry.path);
        if (!ctx.aborting && ctx.retryPolicy.isRetryable(reported, attempts))
        {
            if (entry.tracker != null)
            {
                entry.tracker.backToPending();
            }
            entry.type = RetryEntry.TYPE_FAILED;
            entry.attempts = attempts;
            entry.cause = reported;
            handOff(entry);
            return;
        }
        entryFinal(entry, attempts, reported);
    }

    private void entryFinal(final RetryEntry entry, final int attempts, final Throwable cause)
    {
        final Tracker tracker = entry.tracker;
        if (tracker == null || tracker.tryMarkFailed(attempts, cause))
        {
            localFailed++;
            WriteEngine.notifyFailure(ctx, entry.path, entry.bytes(), 0, entry.length, attempts, cause);
            if (tracker != null)
            {
                completeLater(tracker);
            }
        }
        endEntry(entry);
    }

    private void endEntry(final RetryEntry entry)
    {
        final Path path = entry.path;
        ctx.freeEntry(entry);
        resume(path);
    }

    private void flushLocalCounters()
    {
        final EngineCounters counters = ctx.counters;
        if (localWritten != 0)
        {
            counters.written.getAndAdd(localWritten);
            localWritten = 0;
        }
        if (localBytes != 0)
        {
            counters.bytesWritten.getAndAdd(localBytes);
            localBytes = 0;
        }
        if (localFailed != 0)
        {
            counters.failed.getAndAdd(localFailed);
            localFailed = 0;
        }
        if (localWriteCalls != 0)
        {
            counters.writeCalls.getAndAdd(localWriteCalls);
            localWriteCalls = 0;
        }
        if (localForces != 0)
        {
            counters.forces.getAndAdd(localForces);
            localForces = 0;
        }
        if (localWriteTimeNs != 0)
        {
            counters.writeTimeNs.getAndAdd(localWriteTimeNs);
            localWriteTimeNs = 0;
        }
    }
}
