package io.ringwriter;

import org.agrona.DirectBuffer;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Helpers shared by the engine's tests. Waiting is always for a condition (a latch, a future, a counter reaching a
 * value), with a generous limit that only turns a hang into a failure; nothing waits for a fixed time.
 */
final class TestSupport
{
    /**
     * The limit for any single wait; reaching it is a failure, not a timing assertion.
     */
    static final Duration WAIT_LIMIT = Duration.ofSeconds(30);

    private TestSupport()
    {
    }

    static byte[] ascii(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    static String readString(final Path file) throws IOException
    {
        return new String(Files.readAllBytes(file), StandardCharsets.US_ASCII);
    }

    /**
     * Wait until the condition holds; fail with the description (and the supplier's detail) at the limit.
     */
    static void awaitUntil(final BooleanSupplier condition, final Supplier<String> description)
    {
        final long deadline = System.nanoTime() + WAIT_LIMIT.toNanos();
        int idle = 0;
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("condition not reached within " + WAIT_LIMIT + ": " + description.get() + "\n" +
                    threadDump());
            }
            if (++idle < 100)
            {
                Thread.onSpinWait();
            }
            else
            {
                // Polling a condition, not a sleep standing in for it: the loop ends when the condition holds.
                LockSupport.parkNanos(50_000);
            }
        }
    }

    /**
     * A run is stuck when none of the engine's counters moved for this long (a slow machine still moves them).
     */
    static final Duration STALL_LIMIT = Duration.ofSeconds(10);

    /**
     * Wait for producers that each return their per-file, per-producer message counts, and add them up.
     *
     * @param engine  whose progress tells a slow producer from a stuck one.
     * @param running the producers.
     * @param written counts per file and producer, added to.
     */
    static void addProducerCounts(
        final WriteEngine engine, final List<CompletableFuture<int[][]>> running, final int[][] written)
    {
        for (final CompletableFuture<int[][]> producer : running)
        {
            final int[][] counts = get(engine, producer, "producer");
            for (int f = 0; f < written.length; f++)
            {
                for (int p = 0; p < written[f].length; p++)
                {
                    written[f][p] += counts[f][p];
                }
            }
        }
    }

    /**
     * Flush on another thread so that a flush that never returns fails the test instead of hanging it: at once when
     * the engine makes no progress for {@link #STALL_LIMIT}, at the latest after {@link #WAIT_LIMIT}.
     */
    static void flush(final WriteEngine engine)
    {
        final CompletableFuture<Void> done = CompletableFuture.runAsync(engine::flush, TestSupport::startDaemon);
        awaitWithProgress(engine, done::isDone, () -> "flush() returns");
        try
        {
            done.get();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            fail("interrupted");
        }
        catch (final ExecutionException ex)
        {
            fail("flush() threw", ex.getCause());
        }
    }

    /**
     * Wait until the condition holds while the engine makes progress; fail with the stats and the threads' stacks
     * when its counters stand still for {@link #STALL_LIMIT} (a deadlock) or at {@link #WAIT_LIMIT}.
     */
    static void awaitWithProgress(
        final WriteEngine engine, final BooleanSupplier condition, final Supplier<String> description)
    {
        final long start = System.nanoTime();
        EngineStats last = engine.stats();
        long lastChangeNs = start;
        while (!condition.getAsBoolean())
        {
            final long now = System.nanoTime();
            final EngineStats stats = engine.stats();
            if (!sameProgress(stats, last))
            {
                last = stats;
                lastChangeNs = now;
            }
            else if (now - lastChangeNs > STALL_LIMIT.toNanos())
            {
                fail("no progress for " + STALL_LIMIT + " waiting until " + description.get() +
                    " (deadlock?): stats=" + stats + "\n" + threadDump());
            }
            if (now - start > WAIT_LIMIT.toNanos())
            {
                fail("not reached within " + WAIT_LIMIT + ": " + description.get() + ": stats=" + stats + "\n" +
                    threadDump());
            }
            // Polling a condition, not a sleep standing in for it.
            LockSupport.parkNanos(100_000);
        }
    }

    private static boolean sameProgress(final EngineStats a, final EngineStats b)
    {
        return a.published() == b.published() && a.completed() == b.completed() && a.retried() == b.retried() &&
            a.writeCalls() == b.writeCalls() && a.retryPending() == b.retryPending();
    }

    /**
     * Wait for a future while the engine makes progress (see {@link #awaitWithProgress}).
     */
    static <T> T get(final WriteEngine engine, final Future<T> future, final String what)
    {
        awaitWithProgress(engine, future::isDone, () -> what + " is done");
        return get(future, what);
    }

    /**
     * @return the stacks of the engine's threads and the test's own, to tell a deadlock from a slow run.
     */
    static String threadDump()
    {
        final StringBuilder dump = new StringBuilder("threads:\n");
        for (final java.util.Map.Entry<Thread, StackTraceElement[]> entry : Thread.getAllStackTraces().entrySet())
        {
            final Thread thread = entry.getKey();
            final String name = thread.getName();
            if (name.startsWith("ringwriter-") || name.startsWith("rw-test-"))
            {
                dump.append('"').append(name).append("\" ").append(thread.getState()).append('\n');
                final StackTraceElement[] stack = entry.getValue();
                for (int i = 0; i < Math.min(stack.length, 14); i++)
                {
                    dump.append("    at ").append(stack[i]).append('\n');
                }
            }
        }
        return dump.toString();
    }

    static <T> T get(final Future<T> future, final String what)
    {
        try
        {
            return future.get(WAIT_LIMIT.toSeconds(), TimeUnit.SECONDS);
        }
        catch (final TimeoutException ex)
        {
            return fail(what + " not done within " + WAIT_LIMIT + "\n" + threadDump());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return fail("interrupted");
        }
        catch (final ExecutionException ex)
        {
            return fail(what + " failed", ex.getCause());
        }
    }

    /**
     * @return the exception a future completed with (unwrapped from ExecutionException), failing if it succeeded.
     */
    static Throwable failureOf(final Future<?> future, final String what)
    {
        try
        {
            final Object value = future.get(WAIT_LIMIT.toSeconds(), TimeUnit.SECONDS);
            return fail(what + " completed normally with " + value + " but should have failed");
        }
        catch (final TimeoutException ex)
        {
            return fail(what + " not done within " + WAIT_LIMIT);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return fail("interrupted");
        }
        catch (final ExecutionException ex)
        {
            return ex.getCause();
        }
        catch (final java.util.concurrent.CancellationException ex)
        {
            return ex;
        }
    }

    /**
     * Wait at a barrier from a test thread; a broken or interrupted barrier fails the thread with the cause.
     */
    static void await(final CyclicBarrier barrier)
    {
        try
        {
            barrier.await();
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    static void startDaemon(final Runnable runnable)
    {
        final Thread thread = new Thread(runnable, "rw-test-helper");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Run on a new thread, returning a future of the result.
     */
    static <T> CompletableFuture<T> async(final String name, final Supplier<T> supplier)
    {
        final CompletableFuture<T> result = new CompletableFuture<>();
        final Thread thread = new Thread(
            () ->
            {
                try
                {
                    result.complete(supplier.get());
                }
                catch (final Throwable ex)
                {
                    result.completeExceptionally(ex);
                }
            },
            "rw-test-" + name);
        thread.setDaemon(true);
        thread.start();
        return result;
    }

    static void assertCountersAddUp(final EngineStats stats)
    {
        assertEquals(stats.published(), stats.completed(),
            "completed (written + failed + timedOut + cancelled) must equal published: " + stats);
    }

    /**
     * One call of a {@link FailureHandler}, with the bytes copied.
     */
    record Failure(Path path, byte[] bytes, int attempts, Throwable cause, String thread)
    {
        String text()
        {
            return new String(bytes, StandardCharsets.US_ASCII);
        }
    }

    /**
     * A failure handler that keeps every call.
     */
    static final class RecordingFailureHandler implements FailureHandler
    {
        final List<Failure> failures = new CopyOnWriteArrayList<>();

        public void onFailure(
            final Path path, final DirectBuffer buffer, final int offset, final int length, final int attempts,
            final Throwable cause)
        {
            final byte[] bytes = new byte[length];
            buffer.getBytes(offset, bytes, 0, length);
            failures.add(new Failure(path, bytes, attempts, cause, Thread.currentThread().getName()));
        }

        int count()
        {
            return failures.size();
        }

        List<Failure> forPath(final Path path)
        {
            final List<Failure> result = new ArrayList<>();
            for (final Failure failure : failures)
            {
                if (failure.path().equals(path))
                {
                    result.add(failure);
                }
            }
            return result;
        }
    }

    /**
     * A thread factory that keeps the threads it made, named {@code rw-test-engine-N}.
     */
    static final class RecordingThreadFactory implements ThreadFactory
    {
        final List<Thread> threads = new CopyOnWriteArrayList<>();
        private final AtomicInteger count = new AtomicInteger();

        public Thread newThread(final Runnable runnable)
        {
            final Thread thread = new Thread(runnable, "rw-test-engine-" + count.getAndIncrement());
            thread.setDaemon(true);
            threads.add(thread);
            return thread;
        }
    }

    /**
     * Fails a test that leaves engine threads running (an engine not closed, or a close that left a thread behind).
     */
    static final class NoLeakedThreads implements AfterEachCallback
    {
        public void afterEach(final ExtensionContext context) throws InterruptedException
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            List<Thread> alive = engineThreads();
            while (!alive.isEmpty() && System.nanoTime() - deadline < 0)
            {
                alive.get(0).join(100);
                alive = engineThreads();
            }
            if (!alive.isEmpty())
            {
                final StringBuilder names = new StringBuilder();
                for (final Thread thread : alive)
                {
                    names.append(thread.getName()).append(' ').append(thread.getState()).append("; ");
                }
                fail("engine threads still running after the test: " + names);
            }
        }

        private static List<Thread> engineThreads()
        {
            final List<Thread> result = new ArrayList<>();
            for (final Thread thread : Thread.getAllStackTraces().keySet())
            {
                final String name = thread.getName();
                if (thread.isAlive() && (name.startsWith("ringwriter-") || name.startsWith("rw-test-engine-")))
                {
                    result.add(thread);
                }
            }
            return result;
        }
    }
}
