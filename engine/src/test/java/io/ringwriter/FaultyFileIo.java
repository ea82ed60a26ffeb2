package io.ringwriter;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link FileIo} that does the real file system's work and injects faults by rules: fail the k-th call, fail with
 * probability p (seeded), fail one path until released or for a time window, fail a set of paths for good, make
 * writes short, or block calls until a gate is released. The exceptions are the types the JDK's file system throws
 * for the real errors ({@code IOException("No space left on device")} for ENOSPC, {@link AccessDeniedException} for
 * EACCES, {@link FileSystemException} with the errno text otherwise).
 * <p>
 * Calls on a channel (write, force, size, truncate) are attributed to the path the channel was opened with. Thread
 * safe: the engine's workers call it concurrently.
 */
final class FaultyFileIo implements FileIo
{
    /**
     * The operations a rule can target.
     */
    enum Op
    {
        OPEN, WRITE, FORCE, TRUNCATE, CREATE_DIRECTORIES, FORCE_DIRECTORY, MOVE
    }

    /**
     * Makes the exception for a failed call.
     */
    @FunctionalInterface
    interface Fault
    {
        IOException create(Path path);
    }

    static final Fault NO_SPACE = (path) -> new IOException("No space left on device");
    static final Fault IO_ERROR = (path) -> new IOException("Input/output error");
    static final Fault ACCESS_DENIED = (path) -> new AccessDeniedException(String.valueOf(path));
    static final Fault READ_ONLY =
        (path) -> new FileSystemException(String.valueOf(path), null, "Read-only file system");
    static final Fault TOO_MANY_OPEN_FILES =
        (path) -> new FileSystemException(String.valueOf(path), null, "Too many open files");

    private final FileIo delegate = FileIo.system();
    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private final Map<FileChannel, Path> channels = new ConcurrentHashMap<>();
    private final Map<Op, Map<Path, AtomicLong>> callsByPath = new EnumMap<>(Op.class);
    private final Map<Op, AtomicLong> calls = new EnumMap<>(Op.class);
    private final AtomicLong injected = new AtomicLong();
    private final Map<Path, Set<String>> writerThreads = new ConcurrentHashMap<>();

    FaultyFileIo()
    {
        for (final Op op : Op.values())
        {
            callsByPath.put(op, new ConcurrentHashMap<>());
            calls.put(op, new AtomicLong());
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Rules
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * What a rule does to a call.
     */
    enum Effect
    {
        PROCEED, SHORT_WRITE
    }

    /**
     * A rule: decides for each matching call whether it proceeds, becomes a short write, blocks or throws.
     */
    abstract static class Rule
    {
        final Op op;
        final Path path;

        Rule(final Op op, final Path path)
        {
            this.op = op;
            this.path = path;
        }

        boolean matches(final Op op, final Path path)
        {
            return this.op == op && (this.path == null || this.path.equals(path));
        }

        abstract Effect apply(Path path) throws IOException;
    }

    <R extends Rule> R add(final R rule)
    {
        rules.add(rule);
        return rule;
    }

    void remove(final Rule rule)
    {
        rules.remove(rule);
    }

    /**
     * Fail the k-th matching call (1-based), counted over calls of {@code op} to {@code path} (any path if null).
     */
    Rule failCall(final Op op, final Path path, final long k, final Fault fault)
    {
        final AtomicLong seen = new AtomicLong();
        return add(new Rule(op, path)
        {
            Effect apply(final Path p) throws IOException
            {
                if (seen.incrementAndGet() == k)
                {
                    throw inject(fault, p);
                }
                return Effect.PROCEED;
            }
        });
    }

    /**
     * Fail each matching call with probability {@code p}, the fault drawn in turn from {@code faults}, from a
     * {@link Random} seeded with {@code seed}.
     */
    Rule failWithProbability(final Op op, final double p, final long seed, final Fault... faults)
    {
        final Random random = new Random(seed);
        return add(new Rule(op, null)
        {
            Effect apply(final Path path) throws IOException
            {
                final boolean fail;
                final int which;
                synchronized (random)
                {
                    fail = random.nextDouble() < p;
                    which = random.nextInt(faults.length);
                }
                if (fail)
                {
                    throw inject(faults[which], path);
                }
                return Effect.PROCEED;
            }
        });
    }

    /**
     * Make each write with probability {@code p} short (about half of what remains; the engine must loop).
     */
    Rule shortWritesWithProbability(final double p, final long seed)
    {
        final Random random = new Random(seed);
        return add(new Rule(Op.WRITE, null)
        {
            Effect apply(final Path path)
            {
                synchronized (random)
                {
                    return random.nextDouble() < p ? Effect.SHORT_WRITE : Effect.PROCEED;
                }
            }
        });
    }

    /**
     * Fail every matching call to the path until the returned switch is released.
     */
    Switch failPath(final Op op, final Path path, final Fault fault)
    {
        return add(new Switch(op, path, fault));
    }

    /**
     * Fail every matching call to the path for a time window that starts at the first matching call.
     */
    Rule failPathFor(final Op op, final Path path, final Duration window, final Fault fault)
    {
        final AtomicLong startNs = new AtomicLong(Long.MIN_VALUE);
        return add(new Rule(op, path)
        {
            Effect apply(final Path p) throws IOException
            {
                final long now = System.nanoTime();
                startNs.compareAndSet(Long.MIN_VALUE, now);
                if (now - startNs.get() < window.toNanos())
                {
                    throw inject(fault, p);
                }
                return Effect.PROCEED;
            }
        });
    }

    /**
     * Fail every matching call to any of the paths, for good.
     */
    Rule failPaths(final Op op, final Set<Path> paths, final Fault fault)
    {
        return add(new Rule(op, null)
        {
            boolean matches(final Op o, final Path p)
            {
                return o == op && p != null && paths.contains(p);
            }

            Effect apply(final Path p) throws IOException
            {
                throw inject(fault, p);
            }
        });
    }

    /**
     * A script for the calls of one op to one path: step i decides call i; after the last step calls proceed.
     * A step is a {@link Fault}, {@link Effect#SHORT_WRITE} or {@link Effect#PROCEED}.
     */
    Rule script(final Op op, final Path path, final Object... steps)
    {
        final ArrayDeque<Object> remaining = new ArrayDeque<>(List.of(steps));
        return add(new Rule(op, path)
        {
            Effect apply(final Path p) throws IOException
            {
                final Object step;
                synchronized (remaining)
                {
                    step = remaining.pollFirst();
                }
                if (step instanceof Fault)
                {
                    throw inject((Fault)step, p);
                }
                return step == null ? Effect.PROCEED : (Effect)step;
            }
        });
    }

    /**
     * Block every matching call until the gate is released (calls after the release pass at once).
     */
    Gate block(final Op op, final Path path)
    {
        return add(new Gate(op, path));
    }

    /**
     * A rule that fails calls until released.
     */
    final class Switch extends Rule
    {
        private final Fault fault;
        private volatile boolean released;

        Switch(final Op op, final Path path, final Fault fault)
        {
            super(op, path);
            this.fault = fault;
        }

        Effect apply(final Path p) throws IOException
        {
            if (!released)
            {
                throw inject(fault, p);
            }
            return Effect.PROCEED;
        }

        void release()
        {
            released = true;
            remove(this);
        }
    }

    /**
     * A rule that blocks calls until released, and tells when the first call arrived.
     */
    static final class Gate extends Rule
    {
        private final CountDownLatch entered = new CountDownLatch(1);
        private final CountDownLatch released = new CountDownLatch(1);
        private final AtomicLong blockedCalls = new AtomicLong();

        Gate(final Op op, final Path path)
        {
            super(op, path);
        }

        Effect apply(final Path p) throws IOException
        {
            if (released.getCount() == 0)
            {
                return Effect.PROCEED;
            }
            blockedCalls.incrementAndGet();
            entered.countDown();
            try
            {
                if (!released.await(2, TimeUnit.MINUTES))
                {
                    throw new IOException("test gate never released: path=" + p);
                }
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted at test gate: path=" + p);
            }
            return Effect.PROCEED;
        }

        /**
         * Wait until a call is blocked at the gate.
         */
        void awaitEntered() throws InterruptedException
        {
            if (!entered.await(TestSupport.WAIT_LIMIT.toSeconds(), TimeUnit.SECONDS))
            {
                throw new AssertionError("no call reached the gate within " + TestSupport.WAIT_LIMIT);
            }
        }

        void release()
        {
            released.countDown();
        }

        long blockedCalls()
        {
            return blockedCalls.get();
        }
    }

    private IOException inject(final Fault fault, final Path path)
    {
        injected.incrementAndGet();
        return fault.create(path);
    }

    private Effect before(final Op op, final Path path) throws IOException
    {
        calls.get(op).incrementAndGet();
        if (path != null)
        {
            callsByPath.get(op).computeIfAbsent(path, (p) -> new AtomicLong()).incrementAndGet();
        }
        Effect effect = Effect.PROCEED;
        for (final Rule rule : rules)
        {
            if (rule.matches(op, path) && rule.apply(path) == Effect.SHORT_WRITE)
            {
                effect = Effect.SHORT_WRITE;
            }
        }
        return effect;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // What the tests read
    // ---------------------------------------------------------------------------------------------------------------

    long calls(final Op op)
    {
        return calls.get(op).get();
    }

    long calls(final Op op, final Path path)
    {
        final AtomicLong count = callsByPath.get(op).get(path);
        return count == null ? 0 : count.get();
    }

    long injected()
    {
        return injected.get();
    }

    /**
     * @return the names of the threads that wrote to the path.
     */
    Set<String> writerThreads(final Path path)
    {
        return writerThreads.getOrDefault(path, Set.of());
    }

    Map<Path, Set<String>> writerThreads()
    {
        return writerThreads;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // FileIo
    // ---------------------------------------------------------------------------------------------------------------

    public FileChannel open(final Path path, final Set<? extends OpenOption> options) throws IOException
    {
        before(Op.OPEN, path);
        final FileChannel channel = delegate.open(path, options);
        channels.put(channel, path);
        return channel;
    }

    public int write(final FileChannel channel, final ByteBuffer src) throws IOException
    {
        final Path path = channels.get(channel);
        final Effect effect = before(Op.WRITE, path);
        if (path != null)
        {
            writerThreads.computeIfAbsent(path, (p) -> ConcurrentHashMap.newKeySet())
                .add(Thread.currentThread().getName());
        }
        if (effect == Effect.SHORT_WRITE && src.remaining() > 1)
        {
            final ByteBuffer part = src.duplicate();
            part.limit(part.position() + src.remaining() / 2);
            final int written = delegate.write(channel, part);
            src.position(src.position() + written);
            return written;
        }
        return delegate.write(channel, src);
    }

    public void force(final FileChannel channel, final boolean metaData) throws IOException
    {
        before(Op.FORCE, channels.get(channel));
        delegate.force(channel, metaData);
    }

    public long size(final FileChannel channel) throws IOException
    {
        return delegate.size(channel);
    }

    public void truncate(final FileChannel channel, final long size) throws IOException
    {
        before(Op.TRUNCATE, channels.get(channel));
        delegate.truncate(channel, size);
    }

    public void createDirectories(final Path dir) throws IOException
    {
        before(Op.CREATE_DIRECTORIES, dir);
        delegate.createDirectories(dir);
    }

    public void forceDirectory(final Path dir) throws IOException
    {
        before(Op.FORCE_DIRECTORY, dir);
        delegate.forceDirectory(dir);
    }

    public void moveAtomically(final Path source, final Path target) throws IOException
    {
        before(Op.MOVE, target);
        delegate.moveAtomically(source, target);
    }

    public void deleteIfExists(final Path path) throws IOException
    {
        delegate.deleteIfExists(path);
    }

    public Path realPath(final Path path) throws IOException
    {
        return delegate.realPath(path);
    }
}
