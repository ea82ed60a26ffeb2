package io.ringwriter;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import com.sun.jna.LastErrorException;
import org.agrona.BufferUtil;
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
import java.nio.file.SecureDirectoryStream;
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
    private static final Set<OpenOption> TRUNCATE_EXISTING_OPTIONS = Set.of(
        StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);

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
    /**
     * A run of messages lying end to end in the ring at least this long is written from the ring without a copy.
     */
    static final int DIRECT_RUN_BYTES = 8 * 1024;
    /**
     * Longest path (with its NUL) opened natively: Linux's PATH_MAX. A longer one goes through FileChannel, which
     * reports it as the JDK does.
     */
    static final int PATH_BYTES = 4096;
    private static final int HEAP_SCRATCH_BYTES = 16 * 1024;
    /**
     * Ended writes with futures held per worker batch until its counters are out; more go to the agent at once.
     */
    private static final int PENDING_COMPLETIONS = 64;
    /**
     * Most messages chained before they are committed: a batch with more (a worker far behind, a big ring) is
     * committed in parts of this many, so the per-message bookkeeping below is bounded by this, not by ringSize
     * (about 34 bytes per message and worker). 16384 messages are a megabyte at 64 bytes each: a commit this big
     * already writes in stage-buffer-sized calls, so a second commit costs nothing measurable.
     */
    static final int MAX_CHAINED_MESSAGES = 16384;
    private static final byte OUTCOME_WRITTEN = 1;
    private static final byte OUTCOME_FAILED_HEAD = 2;
    private static final byte OUTCOME_BEHIND = 3;
    /** A failed head that held its own retry entry, already handed back (set aside) by {@link #endOutcomes}. */
    private static final byte OUTCOME_HEAD_SET_ASIDE = 4;
    /** A failed head that held its own retry entry, already failed for good by {@link #endOutcomes}. */
    private static final byte OUTCOME_HEAD_ENDED = 5;

    private final long[] msgSeq;
    private final int[] msgNext;
    /** Each chained message's length, so later passes over a batch need not read its event again. */
    private final int[] msgLen;
    private boolean ownWorkInBatch;
    private int batchesWithoutOwnWork;
    private int idleTimeouts;
    /** True for a message with no tracker that is not a retry: written, it only needs counting. */
    private final boolean[] msgPlain;
    private final byte[] msgOutcome;
    private final Throwable[] msgCause;
    private final int[] outcomeOrder;
    private int outcomeCount;
    private int msgCount;
    private final int chainCapacity;
    private long consumedThrough = -1;
    private long currentSequence = -1;
    private long lookAheadNext;
    private long commitEpoch;
    private long tempCounter;
    private final String tempToken = Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong());
    private boolean wakeAgent;
    // Ended writes whose futures are completed at the next signalCompletions().
    private final Tracker[] pending = new Tracker[PENDING_COMPLETIONS];
    private int pendingCount;

    private long localWritten;
    private long localFailed;
    private long localBytes;
    private long localWriteCalls;
    private long localForces;
    private long localWriteTimeNs;

    // Native handles (see NativeIo): a plain file descriptor instead of a FileChannel, for files opened with the real
    // file system, without a root (see encodePath for which paths). The path is put into pathBytes (NUL-terminated);
    // a write from a heap buffer (a retried message) is copied through heapScratch.
    private final boolean nativeFiles;
    private final UnsafeBuffer pathBytes;
    private final UnsafeBuffer heapScratch;

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
        // NativeIo is read last: its first use loads JNA (and the JVM keeps JNA's jar open), which an engine with a
        // root or its own FileIo never needs.
        this.nativeFiles = ctx.nativeFiles && ctx.root == null && io == FileIo.system() && NativeIo.AVAILABLE;
        this.pathBytes = nativeFiles ? new UnsafeBuffer(ByteBuffer.allocateDirect(PATH_BYTES)) : null;
        this.heapScratch = nativeFiles ? new UnsafeBuffer(ByteBuffer.allocateDirect(HEAP_SCRATCH_BYTES)) : null;

        final int maxHandles = ctx.maxOpenFilesPerWorker;
        this.handles = new Object2ObjectHashMap<>(Math.max(8, maxHandles * 2), 0.65f);
        this.freeHandles = new FileHandle[maxHandles];
        for (int i = 0; i < maxHandles; i++)
        {
            freeHandles[i] = new FileHandle();
        }
        this.freeHandleCount = maxHandles;

        this.chainCapacity = Math.min(ctx.ringSize, MAX_CHAINED_MESSAGES);
        this.touched = new FileHandle[chainCapacity + 1];
        this.msgSeq = new long[chainCapacity + 1];
        this.msgNext = new int[chainCapacity + 1];
        this.msgLen = new int[chainCapacity + 1];
        this.msgPlain = new boolean[chainCapacity + 1];
        this.msgOutcome = new byte[chainCapacity + 1];
        this.msgCause = new Throwable[chainCapacity + 1];
        this.outcomeOrder = new int[chainCapacity + 1];
    }

    /**
     * {@inheritDoc}
     */
    public void onStart()
    {
        if (ctx.pinWorkers)
        {
            final String failure = Affinity.pinToAllowedCpu(shard);
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
        currentSequence = sequence;
        idleTimeouts = 0;
        // The owners array says whether this slot starts a message of this worker's (fragments and skipped slots are
        // owned by no one), so another shard's event is passed over without reading its cache line.
        if (ctx.ownedBy(sequence, shard) && sequence > consumedThrough && !event.done)
        {
            ownWorkInBatch = true;
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
        idleTimeouts++;
        batchesWithoutOwnWork = 0;
        processLane();
        flushLocalCounters();
        signalCompletions();
    }

    /**
     * {@inheritDoc}
     */
    public void onShutdown()
    {
        processLane();
        flushLocalCounters();
        signalCompletions();
        FileHandle h = lruHead;
        while (h != null)
        {
            final FileHandle next = h.next;
            closeHandle(h);
            h = next;
        }
    }

    /**
     * @return how many batches in a row held no message of this worker's (see {@link WorkerBarrier}).
     */
    int batchesWithoutOwnWork()
    {
        return batchesWithoutOwnWork;
    }

    /**
     * @return how many idle timeouts in a row this worker has had without an event (see {@link WorkerBarrier}).
     */
    int idleTimeouts()
    {
        return idleTimeouts;
    }

    private void endBatch()
    {
        batchesWithoutOwnWork = ownWorkInBatch ? 0 : batchesWithoutOwnWork + 1;
        ownWorkInBatch = false;
        commitChains();
        processLane();
        flushLocalCounters();
        signalCompletions();
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
            endSkipped(event);
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
                endSkipped(event);
                return;
            }
        }

        final int mode = event.mode;
        if (mode == WriteMode.ATOMIC_REPLACE.ordinal())
        {
            atomicReplace(event, sequence);
            return;
        }

        if (msgCount == chainCapacity)
        {
            // Before the handle is looked up: a commit may close a handle whose write failed.
            commitChains();
        }
        final FileHandle h = handleFor(path, event.target, mode, event, sequence);
        if (h == null)
        {
            return;
        }

        final int m = msgCount++;
        final int length = event.length;
        final boolean plain = tracker == null && !retried;
        msgSeq[m] = sequence;
        msgNext[m] = -1;
        msgLen[m] = length;
        msgPlain[m] = plain;
        if (plain)
        {
            h.plainMessages++;
            h.plainBytes += length;
        }
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

    private void endSkipped(final WriteEvent event)
    {
        if (event.retried)
        {
            endRetried(event);
        }
    }

    /**
     * A republished message ended (written, failed for good, cancelled or timed out): free its entry and let the
     * agent send the next write of the file.
     */
    private void endRetried(final WriteEvent event)
    {
        final RetryEntry entry = event.entry;
        event.entry = null;
        if (entry != null)
        {
            ctx.freeEntry(entry);
        }
        resume(event.path);
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

        final boolean openNatively = nativeFiles && encodePath(target);
        int fd;
        try
        {
            fd = openEither(openNatively, target, mode, firstInMode);
        }
        catch (final NoSuchFileException ex)
        {
            final Path parent = target.toAbsolutePath().getParent();
            if (!ctx.createParents || parent == null)
            {
                throw ex;
            }
            if (!java.nio.file.Files.isDirectory(parent))
            {
                createParents(parent);
            }
            // Else another worker created it after this open failed: open again, do not fail.
            fd = openEither(openNatively, target, mode, firstInMode);
        }

        if (firstInMode)
        {
            initialised.add(path);
        }

        final FileHandle h = freeHandles[--freeHandleCount];
        freeHandles[freeHandleCount] = null;
        h.key = path;
        h.target = target;
        h.channel = lastOpenChannel;
        lastOpenChannel = null;
        h.fd = fd;
        h.created = lastOpenCreated;
        handles.put(path, h);
        ctx.counters.openFiles.getAndAdd(1);
        return h;
    }

    // What the last open made besides its descriptor: whether it created the file, and its channel when not native.
    private boolean lastOpenCreated;
    private FileChannel lastOpenChannel;

    /**
     * @return the file descriptor of a native open, or -1 with the channel in {@link #lastOpenChannel}.
     */
    private int openEither(final boolean natively, final Path target, final int mode, final boolean firstInMode)
        throws IOException
    {
        lastOpenChannel = null;
        if (natively)
        {
            return openNative(target, mode, firstInMode);
        }
        lastOpenChannel = openChannel(target, mode, firstInMode);
        return -1;
    }

    private FileChannel openChannel(final Path target, final int mode, final boolean firstInMode) throws IOException
    {
        lastOpenCreated = false;
        if (firstInMode && mode == WriteMode.CREATE_NEW.ordinal())
        {
            final FileChannel channel = openFile(target, CREATE_NEW_OPTIONS);
            lastOpenCreated = true;
            return channel;
        }
        if (!fsync)
        {
            return openFile(target, firstInMode ? TRUNCATE_OPTIONS : APPEND_OPTIONS);
        }

        // Under FSYNC a created file's directory entry must be forced too: learn whether this open creates it.
        try
        {
            final FileChannel channel = openFile(target, firstInMode ? CREATE_NEW_OPTIONS : APPEND_NEW_OPTIONS);
            lastOpenCreated = true;
            return channel;
        }
        catch (final FileAlreadyExistsException ex)
        {
            return openFile(target, firstInMode ? TRUNCATE_EXISTING_OPTIONS : APPEND_EXISTING_OPTIONS);
        }
    }

    /**
     * As {@link #openChannel}, with the C library's open (the path already in {@link #pathBytes}).
     */
    private int openNative(final Path target, final int mode, final boolean firstInMode) throws IOException
    {
        lastOpenCreated = false;
        final int write = NativeIo.O_WRONLY | NativeIo.O_CLOEXEC;
        if (firstInMode && mode == WriteMode.CREATE_NEW.ordinal())
        {
            final int fd = openNative(target, write | NativeIo.O_CREAT | NativeIo.O_EXCL);
            lastOpenCreated = true;
            return fd;
        }
        // The flags of the FileChannel options above: APPEND or TRUNCATE (the first write of a TRUNCATE file).
        final int existing = write | (firstInMode ? NativeIo.O_TRUNC : NativeIo.O_APPEND);
        if (!fsync)
        {
            return openNative(target, existing | NativeIo.O_CREAT);
        }
        try
        {
            final int fd = openNative(
                target, (firstInMode ? write : existing) | NativeIo.O_CREAT | NativeIo.O_EXCL);
            lastOpenCreated = true;
            return fd;
        }
        catch (final FileAlreadyExistsException ex)
        {
            return openNative(target, existing);
        }
    }

    private int openNative(final Path target, final int flags) throws IOException
    {
        while (true)
        {
            try
            {
                return NativeIo.openFile(pathBytes.addressOffset(), flags, 0666);
            }
            catch (final LastErrorException ex)
            {
                if (ex.getErrorCode() != NativeIo.EINTR)
                {
                    throw NativeIo.openFailure(ex, target.toString());
                }
            }
        }
    }

    /**
     * Put the path, NUL-terminated, into {@link #pathBytes}: the JDK's own bytes for it when {@link PathBytes} can
     * read them (no String made), else its String when that is ASCII.
     *
     * @return false when it cannot be opened natively (too long, or not ASCII without PathBytes): FileChannel opens
     * it instead.
     */
    private boolean encodePath(final Path target)
    {
        final byte[] bytes = PathBytes.of(target);
        if (bytes != null)
        {
            // The bytes the JDK would pass to open(2) itself (no NUL inside: the JDK refuses such paths).
            if (bytes.length >= PATH_BYTES)
            {
                return false;
            }
            pathBytes.putBytes(0, bytes);
            pathBytes.putByte(bytes.length, (byte)0);
            return true;
        }
        final String text = target.toString();
        final int length = text.length();
        if (length >= PATH_BYTES)
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            final char c = text.charAt(i);
            if (c == 0 || c > 0x7F)
            {
                return false;
            }
            pathBytes.putByte(i, (byte)c);
        }
        pathBytes.putByte(length, (byte)0);
        return true;
    }

    private int writeNative(final int fd, final ByteBuffer src) throws IOException
    {
        final int position = src.position();
        final int count;
        final long address;
        if (src.isDirect())
        {
            count = src.remaining();
            address = BufferUtil.address(src) + position;
        }
        else
        {
            count = Math.min(src.remaining(), heapScratch.capacity());
            heapScratch.putBytes(0, src.array(), src.arrayOffset() + position, count);
            address = heapScratch.addressOffset();
        }
        final long written;
        try
        {
            written = NativeIo.writeFile(fd, address, count);
        }
        catch (final LastErrorException ex)
        {
            if (ex.getErrorCode() == NativeIo.EINTR)
            {
                return 0;
            }
            throw NativeIo.ioFailure(ex);
        }
        src.position(position + (int)written);
        return (int)written;
    }

    private void force(final FileHandle h, final boolean metaData) throws IOException
    {
        if (h.fd < 0)
        {
            io.force(h.channel, metaData);
            return;
        }
        while (true)
        {
            try
            {
                if (metaData)
                {
                    NativeIo.fsync(h.fd);
                }
                else
                {
                    NativeIo.fdatasync(h.fd);
                }
                return;
            }
            catch (final LastErrorException ex)
            {
                if (ex.getErrorCode() != NativeIo.EINTR)
                {
                    throw NativeIo.ioFailure(ex);
                }
            }
        }
    }

    /**
     * Cut the file back by {@code bytes} from its end; as {@code FileChannel.truncate}, a position beyond the new
     * end moves to it.
     */
    private void truncateBy(final FileHandle h, final long bytes) throws IOException
    {
        if (h.fd < 0)
        {
            final long size = io.size(h.channel);
            io.truncate(h.channel, Math.max(0, size - bytes));
            return;
        }
        try
        {
            final long position = NativeIo.lseek(h.fd, 0, NativeIo.SEEK_CUR);
            final long size = NativeIo.lseek(h.fd, 0, NativeIo.SEEK_END);
            final long newSize = Math.max(0, size - bytes);
            NativeIo.ftruncate(h.fd, newSize);
            NativeIo.lseek(h.fd, Math.min(position, newSize), NativeIo.SEEK_SET);
        }
        catch (final LastErrorException ex)
        {
            throw NativeIo.ioFailure(ex);
        }
    }

    /**
     * Open through the {@link FileIo}; with a root, beneath it without following links (see
     * {@link FileIo#openDirectory(Path, Path)}).
     */
    private FileChannel openFile(final Path target, final Set<OpenOption> options) throws IOException
    {
        if (ctx.root == null)
        {
            return io.open(target, options);
        }
        final Path relative = ctx.root.relativize(target);
        try (SecureDirectoryStream<Path> dir = io.openDirectory(ctx.rootReal, relative.getParent()))
        {
            return (FileChannel)dir.newByteChannel(relative.getFileName(), withNoFollow(options));
        }
        catch (final IOException ex)
        {
            throw refuseLinks(relative, ex);
        }
    }

    private static Set<OpenOption> withNoFollow(final Set<OpenOption> options)
    {
        final Set<OpenOption> result = new java.util.HashSet<>(options);
        result.add(LinkOption.NOFOLLOW_LINKS);
        return result;
    }

    /**
     * With a root the engine follows no symbolic link beneath it: when a component is one, the failure becomes an
     * {@link EngineException} PATH_OUTSIDE_ROOT (permanent); otherwise it stays as it was.
     */
    private IOException refuseLinks(final Path relative, final IOException ex)
    {
        Path walked = ctx.rootReal;
        for (final Path name : relative)
        {
            walked = walked.resolve(name);
            if (java.nio.file.Files.isSymbolicLink(walked))
            {
                throw new EngineException(
                    EngineException.Category.ERROR, EngineException.PATH_OUTSIDE_ROOT,
                    "path goes through a symbolic link, which is not followed under a root: path=" + relative +
                    ", link=" + walked + ", root=" + ctx.root, ex);
            }
        }
        return ex;
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

    /**
     * Commit every chain of the batch so far (at the batch's end, or when {@link #chainCapacity} messages are
     * chained); chains an eviction already committed are passed over. Never called inside a commit.
     */
    private void commitChains()
    {
        if (touchedCount > 0)
        {
            commit(touched, touchedCount);
        }
        touchedCount = 0;
        msgCount = 0;
    }

    private void commitPendingChains()
    {
        for (int i = 0; i < touchedCount; i++)
        {
            if (touched[i].touched)
            {
                // Not inside a commit (a commit detaches every chain before it ends messages): safe to commit.
                commitChains();
                return;
            }
        }
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
            if (h.fd >= 0)
            {
                NativeIo.closeFile(h.fd);
            }
            else
            {
                h.channel.close();
            }
        }
        catch (final IOException | LastErrorException ex)
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
        final long epoch = ++commitEpoch;
        for (int i = 0; i < count; i++)
        {
            final FileHandle h = list[i];
            if (h.touched && h.writeEpoch != epoch)
            {
                h.writeEpoch = epoch;
                writeChain(h);
            }
        }

        if (fsync)
        {
            forceAll(list, count, epoch);
        }

        final int start = outcomeCount;
        int countedInOneGo = 0;
        for (int i = 0; i < count; i++)
        {
            final FileHandle h = list[i];
            if (h.touched)
            {
                if (h.failure == null && h.plainMessages == h.messages)
                {
                    // Every message written, none with a future or a retry to answer: count them in one go.
                    countedInOneGo += h.messages;
                    localWritten += h.messages;
                    localBytes += h.plainBytes;
                    h.created = false;
                    h.resetBatch();
                }
                else
                {
                    decide(h);
                }
            }
        }
        final int end = outcomeCount;

        endOutcomes(start, end);
        outcomeCount = start;

        final int committed = end - start + countedInOneGo;
        if (committed > 0)
        {
            ctx.counters.batches.increment();
            ctx.counters.batchSizeMax.proposeMax(committed);
        }
    }

    /**
     * End the messages a commit decided, outcomes {@code start} (inclusive) to {@code end} (exclusive) of
     * {@link #outcomeOrder}.
     */
    private void endOutcomes(final int start, final int end)
    {
        // The written first, then the failed in their order. A written retry gives its retry slot back when it
        // ends, and a failure may have to wait for a slot to be set aside: were a failure ended first with every
        // slot taken, this worker would wait for a slot that only this loop would free. Per file nothing moves: a
        // file's written messages all precede its first failure in its chain.
        boolean anyFailed = false;
        for (int i = start; i < end; i++)
        {
            final int m = outcomeOrder[i];
            if (msgOutcome[m] != OUTCOME_WRITTEN)
            {
                anyFailed = true;
            }
            else if (msgPlain[m])
            {
                localWritten++;
                localBytes += msgLen[m];
            }
            else
            {
                succeeded(ring.get(msgSeq[m]), msgSeq[m]);
            }
        }

        // Then the failed heads that are republished retries: each holds its own entry, so handing it back needs
        // no slot, and until it is handed back its slot is stuck in this loop. Were a failure that needs a slot
        // ended first with every slot taken (the others parked behind such a head), this worker would wait for a
        // slot only this loop could free. Per file nothing moves: a head precedes the messages behind it.
        for (int i = start; anyFailed && i < end; i++)
        {
            final int m = outcomeOrder[i];
            if (msgOutcome[m] == OUTCOME_FAILED_HEAD)
            {
                final long seq = msgSeq[m];
                final WriteEvent event = ring.get(seq);
                if (event.entry != null)
                {
                    final boolean setAside = attemptFailed(event, seq, msgCause[m]);
                    msgOutcome[m] = setAside ? OUTCOME_HEAD_SET_ASIDE : OUTCOME_HEAD_ENDED;
                    msgCause[m] = null;
                }
            }
        }

        boolean setAsideYet = false;
        for (int i = start; anyFailed && i < end; i++)
        {
            final int m = outcomeOrder[i];
            if (msgOutcome[m] == OUTCOME_WRITTEN)
            {
                continue;
            }
            final long seq = msgSeq[m];
            final WriteEvent event = ring.get(seq);
            switch (msgOutcome[m])
            {
                case OUTCOME_FAILED_HEAD:
                    setAsideYet = attemptFailed(event, seq, msgCause[m]);
                    break;
                case OUTCOME_HEAD_SET_ASIDE:
                    setAsideYet = true;
                    break;
                case OUTCOME_HEAD_ENDED:
                    setAsideYet = false;
                    break;
                default:
                    // Behind a failed write of the same file: once one of them waits for a retry, the rest wait
                    // behind it; until then each takes its own attempt's outcome (and the first set aside leads).
                    if (setAsideYet)
                    {
                        if (event.tracker != null)
                        {
                            event.tracker.backToPending();
                        }
                        setAside(event, seq, RetryEntry.TYPE_PARKED, event.attempts, null);
                    }
                    else
                    {
                        setAsideYet = attemptFailed(event, seq, msgCause[m]);
                    }
                    break;
            }
            msgCause[m] = null;
        }
    }

    /**
     * Write a file's messages of this batch, in order. Messages whose bytes lie end to end in the ring (a message
     * that fills its slots exactly, as when the slot size is the message size) form runs; a run of at least
     * {@link #DIRECT_RUN_BYTES} is written straight from the ring, the rest is gathered in the stage buffer, so a
     * stream of such messages costs no copy on this side.
     */
    private void writeChain(final FileHandle h)
    {
        int used = 0;
        int runStart = 0;
        int runLength = 0;
        try
        {
            for (int m = h.head; m != -1; m = msgNext[m])
            {
                final int length = msgLen[m];
                final int offset = ctx.offsetOf(msgSeq[m]);
                if (runLength > 0 && offset == runStart + runLength && offset + length <= ringCapacityBytes)
                {
                    runLength += length;
                    continue;
                }
                used = writeRun(h, runStart, runLength, used);
                runStart = offset;
                runLength = length;
            }
            used = writeRun(h, runStart, runLength, used);
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

    private int writeRun(final FileHandle h, final int ringOffset, final int length, final int used)
        throws IOException
    {
        if (length == 0)
        {
            return used;
        }
        final int stageCapacity = stage.capacity();
        if (length >= DIRECT_RUN_BYTES || length > stageCapacity)
        {
            if (used > 0)
            {
                drain(h, stage, 0, used);
            }
            writeFromRing(h, ringOffset, length);
            return 0;
        }
        int at = used;
        if (length > stageCapacity - at)
        {
            drain(h, stage, 0, at);
            at = 0;
        }
        copyFromRing(stageBuffer, at, ringOffset, length);
        return at + length;
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
            final int n = h.fd >= 0 ? writeNative(h.fd, buffer) : io.write(h.channel, buffer);
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

    private void forceAll(final FileHandle[] list, final int count, final long epoch)
    {
        for (int i = 0; i < count; i++)
        {
            final FileHandle h = list[i];
            if (!h.touched || h.forceEpoch == epoch)
            {
                continue;
            }
            h.forceEpoch = epoch;
            if (h.bytesDone > 0)
            {
                try
                {
                    final long start = System.nanoTime();
                    force(h, false);
                    localForces++;
                    localWriteTimeNs += System.nanoTime() - start;
                }
                catch (final Throwable ex)
                {
                    h.failure = ex;
                    h.wholeBatchFailed = true;
                }
            }
            if (h.created && !h.wholeBatchFailed)
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
            final int length = msgLen[m];
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
        if (partialBytes <= 0 || (h.channel == null && h.fd < 0))
        {
            return;
        }
        try
        {
            truncateBy(h, partialBytes);
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

    private void writeTemp(final FileChannel channel, final Path temp, final ByteBuffer src) throws IOException
    {
        tempHandle.channel = channel;
        tempHandle.target = temp;
        try
        {
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
    }

    /**
     * The temporary file is created and renamed relative to the directory's descriptor ({@code openat},
     * {@code renameat}), so no link swapped in on the way can lead the write or the rename outside the root.
     */
    private void replaceBeneathRoot(final Path target, final ByteBuffer src, final String tempName)
        throws IOException
    {
        final Path relative = ctx.root.relativize(target);
        final Path temp = relative.getFileName().resolveSibling(tempName);
        try (SecureDirectoryStream<Path> dir = io.openDirectory(ctx.rootReal, relative.getParent()))
        {
            try
            {
                try (FileChannel channel = (FileChannel)dir.newByteChannel(temp, withNoFollow(CREATE_NEW_OPTIONS)))
                {
                    writeTemp(channel, target, src);
                }
                dir.move(temp, dir, relative.getFileName());
            }
            catch (final IOException | RuntimeException ex)
            {
                try
                {
                    dir.deleteFile(temp);
                }
                catch (final IOException | RuntimeException suppressed)
                {
                    ex.addSuppressed(suppressed);
                }
                throw ex;
            }
        }
        catch (final IOException ex)
        {
            throw refuseLinks(relative, ex);
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
        if (ctx.createParents && !java.nio.file.Files.isDirectory(dir))
        {
            createParents(dir);
        }
        // A token per worker instance: a temporary file left by a killed process never collides with a new one.
        final String tempName = "." + fileName + ".rw" + tempToken + "-" + shard + "-" + (tempCounter++) + ".tmp";
        if (ctx.root != null)
        {
            replaceBeneathRoot(target, src, tempName);
        }
        else
        {
            final Path temp = dir.resolve(tempName);
            try
            {
                try (FileChannel channel = io.open(temp, CREATE_NEW_OPTIONS))
                {
                    writeTemp(channel, temp, src);
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
            completeLater(tracker);
        }
        if (event.retried)
        {
            endRetried(event);
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
                completeLater(tracker);
            }
        }
        if (event.retried)
        {
            endRetried(event);
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
        if (cause instanceof java.nio.file.FileSystemException &&
            !String.valueOf(cause.getMessage()).contains(path.toString()))
        {
            // Rooted opens are relative (openat): the exception names one component. Name the write's path, keep the
            // exception's type and reason (the classifier reads them) and the original as the cause.
            return renamed((java.nio.file.FileSystemException)cause, path);
        }
        return cause;
    }

    private static Throwable renamed(final java.nio.file.FileSystemException cause, final Path path)
    {
        final String file = path.toString();
        final String other = cause.getFile();
        final String reason = cause.getReason();
        final java.nio.file.FileSystemException named;
        if (cause instanceof java.nio.file.AccessDeniedException)
        {
            named = new java.nio.file.AccessDeniedException(file, other, reason);
        }
        else if (cause instanceof java.nio.file.NoSuchFileException)
        {
            named = new java.nio.file.NoSuchFileException(file, other, reason);
        }
        else if (cause instanceof java.nio.file.FileAlreadyExistsException)
        {
            named = new java.nio.file.FileAlreadyExistsException(file, other, reason);
        }
        else if (cause instanceof java.nio.file.NotDirectoryException)
        {
            named = new java.nio.file.NotDirectoryException(file + " (" + other + ")");
        }
        else if (cause.getClass() == java.nio.file.FileSystemException.class)
        {
            named = new java.nio.file.FileSystemException(file, other, reason);
        }
        else
        {
            return cause;
        }
        named.initCause(cause);
        return named;
    }

    private void setAside(
        final WriteEvent event, final long sequence, final int type, final int attempts, final Throwable cause)
    {
        if (ctx.aborting)
        {
            finalFailure(event, sequence, event.attempts, WriteEngine.closedException(event.path));
            return;
        }
        final RetryEntry held = event.entry;
        if (held != null)
        {
            // A republished message keeps its entry: its bytes are there already.
            event.entry = null;
            held.type = type;
            held.attempts = attempts;
            held.cause = cause;
            handOff(held);
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
        // At once, not at the batch's end: failures are rare, and this worker may yet be held inside the batch by
        // a slow open while the retry's backoff runs.
        agent.wake();
    }

    private RetryEntry takeEntry()
    {
        RetryEntry entry = ctx.freeRetryEntries.poll();
        if (entry == null)
        {
            // A retried write already chained in this batch holds its slot until the batch commits: commit the
            // chains now, or this worker waits for a slot only its own batch end would free.
            commitPendingChains();
        }
        int idle = 0;
        while (entry == null && (entry = ctx.freeRetryEntries.poll()) == null)
        {
            // Every retry slot is taken: wait (backpressure) but keep writing the retries the agent handed over,
            // through the lane or into the ring ahead of this worker, which frees slots; this worker never waits
            // for room in its own ring, nor for a message behind the one it is stuck on.
            processLane();
            lookAhead();
            signalCompletions();
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

    /**
     * Write the republished messages of this worker that the ring holds beyond the current sequence, as if they
     * had come through the lane, and mark them done so the batch loop skips them. Safe for per-file order: while a
     * file's retry is out, every newer write to it is set aside behind it.
     */
    private void lookAhead()
    {
        final long cursor = ring.getCursor();
        long s = Math.max(lookAheadNext, currentSequence + 1);
        while (s <= cursor && ring.isAvailable(s))
        {
            // Fragments, skipped slots and other shards' messages are owned by no one or by another worker: pass
            // over them slot by slot without reading their events.
            if (!ctx.ownedBy(s, shard))
            {
                s++;
                continue;
            }
            final WriteEvent event = ring.get(s);
            final long last = s + event.slots - 1;
            if (!ring.isAvailable(last))
            {
                break;
            }
            if (event.retried && !event.done && event.entry != null)
            {
                event.done = true;
                final RetryEntry entry = event.entry;
                event.entry = null;
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
            s = last + 1;
        }
        lookAheadNext = s;
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
                entryWritten(entry);
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
            h.bytesDone = 0;
            try
            {
                drain(h, src, 0, entry.length);
                if (fsync)
                {
                    force(h, false);
                    localForces++;
                    if (h.created)
                    {
                        io.forceDirectory(h.target.toAbsolutePath().getParent());
                        localForces++;
                        h.created = false;
                    }
                }
            }
            catch (final IOException | RuntimeException ex)
            {
                // Cut back what this attempt wrote, so that the next one does not leave a duplicate prefix.
                cutBack(h, h.bytesDone, ex);
                throw ex;
            }
            finally
            {
                h.bytesDone = 0;
            }
            entryWritten(entry);
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

    private void entryWritten(final RetryEntry entry)
    {
        localWritten++;
        localBytes += entry.length;
        final Tracker tracker = entry.tracker;
        if (tracker != null)
        {
            tracker.markDone(entry.attempts + 1, entry.length);
            completeLater(tracker);
        }
        endEntry(entry);
    }

    private void completeLater(final Tracker tracker)
    {
        if (tracker.settle())
        {
            if (pendingCount < pending.length)
            {
                // Handed to a waiting thread (or queued for the agent) once this worker's counters are out.
                pending[pendingCount++] = tracker;
            }
            else
            {
                agent.offerCompletion(tracker);
                wakeAgent = true;
            }
        }
    }

    /**
     * After this worker's counters are out (stats() then agrees with the futures): hand each ended write whose
     * future a thread waits for to that thread, queue the others for the agent, and wake the agent if it has work.
     */
    private void signalCompletions()
    {
        for (int i = 0; i < pendingCount; i++)
        {
            final Tracker tracker = pending[i];
            pending[i] = null;
            // The flush guard (two atomic adds) only when a thread waits: a waiter that comes later is woken by
            // the agent's completion instead.
            final EngineFuture<?> future = tracker.handOffFuture();
            if (future != null && future.hasWaiter() && agent.beginHandOff())
            {
                if (future.handToWaiter())
                {
                    agent.countHandOff();
                    continue;
                }
                agent.handOffDone();
            }
            agent.offerCompletion(tracker);
            wakeAgent = true;
        }
        pendingCount = 0;
        if (wakeAgent)
        {
            wakeAgent = false;
            agent.wake();
        }
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
