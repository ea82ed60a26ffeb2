package io.ringwriter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Batches: thousands of files, some failing; one message to many files; a batch deadline; a cancelled batch. The
 * result says exactly which writes were done, and the files and the counters agree with it.
 */
@ExtendWith(TestSupport.NoLeakedThreads.class)
class BatchTest
{
    @TempDir
    Path dir;

    private final FaultyFileIo io = new FaultyFileIo();

    // heldBatch's engine, closed when heldBatch returns: its workers have stopped, so its counts are final.
    private WriteEngine heldEngine;

    private List<Path> paths(final int count)
    {
        final List<Path> paths = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            paths.add(dir.resolve("d" + (i % 50)).resolve("file-" + i + ".log"));
        }
        return paths;
    }

    @Test
    void shouldReportExactlyWhichOfFiveThousandFilesFailed() throws Exception
    {
        final List<Path> paths = paths(5_000);
        final Set<Path> denied = new HashSet<>();
        final Set<Path> directories = new HashSet<>();
        for (int i = 0; i < paths.size(); i++)
        {
            if (i % 37 == 5)
            {
                denied.add(paths.get(i));
            }
            else if (i % 251 == 7)
            {
                // A real fault: a directory stands where the file should be.
                directories.add(Files.createDirectories(paths.get(i)));
            }
        }
        io.failPaths(FaultyFileIo.Op.OPEN, denied, FaultyFileIo.ACCESS_DENIED);
        final TestSupport.RecordingFailureHandler failures = new TestSupport.RecordingFailureHandler();
        final List<WriteRequest> requests = new ArrayList<>();
        for (int i = 0; i < paths.size(); i++)
        {
            requests.add(WriteRequest.of(paths.get(i), TestSupport.ascii("content of file " + i + "\n")));
        }
        try (WriteEngine engine = WriteEngine.builder().ringSize(1024).slotSize(64).workers(2).maxOpenFiles(256)
            .fileIo(io).failureHandler(failures).build())
        {
            final BatchResult result = TestSupport.get(engine.submitBatch(requests), "batch");
            final int failing = denied.size() + directories.size();
            assertEquals(5_000, result.total());
            assertEquals(5_000 - failing, result.succeeded());
            assertEquals(failing, result.failed());
            assertEquals(failing, result.failures().size());
            assertEquals(0, result.timedOut());
            assertEquals(0, result.cancelled());
            assertEquals((5_000.0 - failing) / 5_000, result.successRate(), 1e-9);
            assertEquals((double)failing / 5_000, result.failureRate(), 1e-9);

            final Map<Path, Integer> index = new HashMap<>();
            for (int i = 0; i < paths.size(); i++)
            {
                index.put(paths.get(i), i);
            }
            int previous = -1;
            for (final BatchResult.Failure failure : result.failures())
            {
                final int at = index.get(failure.path());
                assertTrue(at > previous, "failures in input order: " + failure.path() + " after index " + previous);
                previous = at;
            }

            final Map<Path, BatchResult.Failure> byPath = new HashMap<>();
            for (final BatchResult.Failure failure : result.failures())
            {
                assertEquals(null, byPath.put(failure.path(), failure), "one failure per path: " + failure.path());
                assertEquals(1, failure.attempts(), "permanent failures are attempted once: " + failure);
            }
            for (final Path path : denied)
            {
                assertInstanceOf(AccessDeniedException.class, byPath.get(path).cause());
            }
            for (final Path path : directories)
            {
                final FileSystemException cause = assertInstanceOf(FileSystemException.class,
                    byPath.get(path).cause());
                assertTrue(cause.getMessage().contains("Is a directory"), cause.getMessage());
            }
            assertEquals(failing, failures.count(), "the failure handler is told once per failed write");

            for (int i = 0; i < paths.size(); i++)
            {
                final Path path = paths.get(i);
                if (!denied.contains(path) && !directories.contains(path))
                {
                    assertEquals("content of file " + i + "\n", TestSupport.readString(path));
                }
                else if (denied.contains(path))
                {
                    assertFalse(Files.exists(path));
                }
            }
            TestSupport.flush(engine);
            final EngineStats stats = engine.stats();
            assertEquals(5_000, stats.published());
            assertEquals(5_000 - failing, stats.written());
            assertEquals(failing, stats.failed());
            TestSupport.assertCountersAddUp(stats);
        }
    }

    @Test
    void shouldWriteOneMessageToManyFiles() throws Exception
    {
        final List<Path> paths = paths(2_000);
        final byte[] message = TestSupport.ascii("the same message for everyone\n");
        try (WriteEngine engine = WriteEngine.builder().ringSize(512).slotSize(32).workers(2).build())
        {
            final BatchResult first = TestSupport.get(engine.writeAll(paths, message), "writeAll");
            assertEquals(2_000, first.total());
            assertEquals(2_000, first.succeeded());
            assertEquals(List.of(), first.failures());
            final BatchResult second = TestSupport.get(engine.writeAll(paths, message, Duration.ofMinutes(1)),
                "writeAll with a deadline");
            assertEquals(2_000, second.succeeded());
            for (final Path path : paths)
            {
                assertEquals("the same message for everyone\nthe same message for everyone\n",
                    TestSupport.readString(path));
            }
            final EngineStats stats = engine.stats();
            assertEquals(4_000, stats.written());
            assertEquals(4_000L * message.length, stats.bytesWritten());
            TestSupport.assertCountersAddUp(stats);
        }
    }

    /**
     * Two workers; one is held at a gate, so the batch's writes it owns wait in the ring past the batch's deadline
     * while the other worker writes its share.
     */
    @Test
    void shouldReportWhatWasWrittenAndWhatNotWhenTheBatchDeadlinePasses() throws Exception
    {
        final Path gateFile = dir.resolve("gate.log");
        final FaultyFileIo.Gate gate = io.block(FaultyFileIo.Op.WRITE, gateFile);
        final List<Path> paths = paths(1_000);
        try (WriteEngine engine = WriteEngine.builder().ringSize(4096).slotSize(64).workers(2).fileIo(io).build())
        {
            final BatchFuture batch;
            try
            {
                engine.write(gateFile, TestSupport.ascii("gate"));
                gate.awaitEntered();
                batch = engine.writeAll(paths, TestSupport.ascii("batch|"), Duration.ofMillis(100));
                TestSupport.awaitUntil(() -> engine.stats().timedOut() > 0, () -> "the deadline passed");
            }
            finally
            {
                gate.release();
            }
            final BatchResult result = TestSupport.get(batch, "batch");
            TestSupport.flush(engine);
            assertTrue(result.timedOut() > 0, "the held worker's writes timed out: " + result);
            assertEquals(result.total(), result.succeeded() + result.timedOut(), "every write accounted for");
            assertEquals(result.timedOut(), result.failures().size());
            for (final BatchResult.Failure failure : result.failures())
            {
                assertInstanceOf(TimeoutException.class, failure.cause());
            }
            final int written = assertFiles(paths, result, "batch|");
            assertEquals(result.succeeded(), written);
            final EngineStats stats = engine.stats();
            assertEquals(result.timedOut(), stats.timedOut());
            assertEquals(1 + result.succeeded(), stats.written());
            TestSupport.assertCountersAddUp(stats);
        }
    }

    @Test
    void shouldReportWhatWasWrittenAndWhatNotWhenTheBatchIsCancelled() throws Exception
    {
        final Path gateFile = dir.resolve("gate.log");
        final FaultyFileIo.Gate gate = io.block(FaultyFileIo.Op.WRITE, gateFile);
        final List<Path> paths = paths(1_000);
        try (WriteEngine engine = WriteEngine.builder().ringSize(4096).slotSize(64).workers(2).fileIo(io).build())
        {
            final BatchFuture batch;
            try
            {
                engine.write(gateFile, TestSupport.ascii("gate"));
                gate.awaitEntered();
                batch = engine.writeAll(paths, TestSupport.ascii("batch|"));
                // The free worker writes some of its share; the held one cannot begin any of its own.
                TestSupport.awaitUntil(() -> engine.stats().written() > 0, () -> "some written");
                assertTrue(batch.cancel(true));
                assertTrue(batch.isCancelled());
                assertInstanceOf(CancellationException.class, TestSupport.failureOf(batch, "cancelled batch"));
            }
            finally
            {
                gate.release();
            }
            final BatchResult result = TestSupport.get(batch.report(), "report of the cancelled batch");
            TestSupport.flush(engine);
            assertTrue(result.cancelled() > 0, "writes not begun are cancelled: " + result);
            assertTrue(result.succeeded() > 0, "writes done before the cancel are reported: " + result);
            assertEquals(result.total(), result.succeeded() + result.cancelled(), "every write accounted for");
            for (final BatchResult.Failure failure : result.failures())
            {
                assertInstanceOf(CancellationException.class, failure.cause());
            }
            final int written = assertFiles(paths, result, "batch|");
            assertEquals(result.succeeded(), written);
            final EngineStats stats = engine.stats();
            assertEquals(result.cancelled(), stats.cancelled());
            assertEquals(1 + result.succeeded(), stats.written());
            TestSupport.assertCountersAddUp(stats);
        }
    }

    @Test
    void shouldWakeEveryThreadWaitingForTheBatchWithTheOneResult() throws Exception
    {
        final List<CompletableFuture<BatchResult>> waiting = new ArrayList<>();
        final List<Thread> waiters = new CopyOnWriteArrayList<>();
        final BatchFuture batch = heldBatch(200, "all|", (held, engine) ->
        {
            // Two threads in join() (one parks on the batch, the other through the future), two in get(), one in
            // get with a timeout: every way of waiting at once.
            for (int t = 0; t < 5; t++)
            {
                final int kind = t;
                waiting.add(TestSupport.async("waiter-" + t, () ->
                {
                    waiters.add(Thread.currentThread());
                    try
                    {
                        return kind < 2 ? held.join() : kind < 4 ? held.get() : held.get(1, TimeUnit.MINUTES);
                    }
                    catch (final Exception ex)
                    {
                        throw new IllegalStateException(ex);
                    }
                }));
            }
            TestSupport.awaitUntil(() -> waiters.size() == 5 && waiters.stream().allMatch(BatchTest::isParked),
                () -> "every waiter parked: " + waiters);
        });
        final BatchResult result = TestSupport.get(batch, "batch");
        for (final CompletableFuture<BatchResult> w : waiting)
        {
            assertSame(result, TestSupport.get(w, "a waiter's result"), "every waiter gets the one result");
        }
    }

    @Test
    void shouldLetAThreadWaitingInGetBeInterruptedAndTheBatchStillEnd() throws Exception
    {
        heldBatch(50, "int|", (held, engine) ->
        {
            final AtomicReference<Thread> waiter = new AtomicReference<>();
            final CompletableFuture<Throwable> outcome = TestSupport.async("interrupted", () ->
            {
                waiter.set(Thread.currentThread());
                try
                {
                    held.get();
                    return null;
                }
                catch (final Exception ex)
                {
                    return ex;
                }
            });
            TestSupport.awaitUntil(() -> isParked(waiter.get()), () -> "the waiter parked");
            waiter.get().interrupt();
            assertInstanceOf(InterruptedException.class, TestSupport.get(outcome, "the interrupted get"));
            assertFalse(held.isDone(), "an interrupted waiter does not end the batch");
        });
    }

    @Test
    void shouldReturnFromJoinWhenTheCallerCompletesTheFutureAndStillReportTheEnginesResult() throws Exception
    {
        final BatchResult mine = new BatchResult(0, 0, 0, 0, List.of(), 0);
        final BatchFuture batch = heldBatch(20, "own|", (held, engine) ->
        {
            final AtomicReference<Thread> waiter = new AtomicReference<>();
            final CompletableFuture<BatchResult> joined = TestSupport.async("joiner", () ->
            {
                waiter.set(Thread.currentThread());
                return held.join();
            });
            TestSupport.awaitUntil(() -> isParked(waiter.get()), () -> "the joiner parked");
            assertTrue(held.complete(mine));
            assertSame(mine, TestSupport.get(joined, "join after the caller's complete"));
        });
        assertSame(mine, batch.join(), "the future keeps the caller's value");
    }

    /**
     * Batches joined, and single writes (submit) joined: the worker hands their ends to the waiting threads.
     */
    @ParameterizedTest(name = "singles={0}")
    @ValueSource(booleans = {false, true})
    void shouldHandWriteEndsToWaitingThreadsAndLetFlushSeeThemDone(final boolean singles) throws Exception
    {
        final int threads = 6;
        final int batches = 300;
        final ConcurrentLinkedQueue<CompletableFuture<?>> published = new ConcurrentLinkedQueue<>();
        final AtomicBoolean running = new AtomicBoolean(true);
        try (WriteEngine engine = WriteEngine.builder().ringSize(1024).slotSize(64).workers(2).build())
        {
            // A thread that flushes again and again: every future published before a flush began is done when it
            // returns, whether the agent or a waiting thread completed it.
            final CompletableFuture<Integer> flusher = TestSupport.async("flusher", () ->
            {
                int flushes = 0;
                while (running.get())
                {
                    final List<CompletableFuture<?>> before = new ArrayList<>(published);
                    engine.flush();
                    for (final CompletableFuture<?> future : before)
                    {
                        assertTrue(future.isDone(), "a write published before flush() is done when it returns");
                    }
                    flushes++;
                }
                return flushes;
            });
            final List<CompletableFuture<Integer>> writers = new ArrayList<>();
            for (int t = 0; t < threads; t++)
            {
                final int thread = t;
                writers.add(TestSupport.async("writer-" + t, () ->
                {
                    int succeeded = 0;
                    for (int b = 0; b < batches; b++)
                    {
                        final List<Path> files = new ArrayList<>();
                        for (int f = 0; f <= b % 3; f++)
                        {
                            files.add(dir.resolve("t" + thread + "-f" + f + ".log"));
                        }
                        final byte[] message = TestSupport.ascii("t" + thread + " b" + b + "\n");
                        if (singles)
                        {
                            for (final Path file : files)
                            {
                                final CompletableFuture<WriteResult> write = engine.submit(file, message);
                                published.add(write);
                                final WriteResult result = b % 2 == 0 ? write.join() : TestSupport.get(write, "write");
                                assertEquals(message.length, result.bytesWritten());
                                succeeded++;
                            }
                            continue;
                        }
                        final BatchFuture batch = engine.writeAll(files, message);
                        published.add(batch);
                        final BatchResult result = b % 2 == 0 ? batch.join() : TestSupport.get(batch, "batch");
                        assertEquals(files.size(), result.total());
                        succeeded += result.succeeded();
                    }
                    return succeeded;
                }));
            }
            int succeeded = 0;
            for (final CompletableFuture<Integer> writer : writers)
            {
                succeeded += TestSupport.get(writer, "writer");
            }
            running.set(false);
            assertTrue(TestSupport.get(flusher, "flusher") > 0);
            final int perThread = batches / 3 * (1 + 2 + 3);
            assertEquals(threads * perThread, succeeded, "every write of every batch done");
            TestSupport.assertCountersAddUp(engine.stats());
        }
        // Every file holds its thread's messages, in batch order, each once.
        for (int t = 0; t < threads; t++)
        {
            for (int f = 0; f < 3; f++)
            {
                final StringBuilder expected = new StringBuilder();
                for (int b = 0; b < batches; b++)
                {
                    if (f <= b % 3)
                    {
                        expected.append("t").append(t).append(" b").append(b).append('\n');
                    }
                }
                assertEquals(expected.toString(), TestSupport.readString(dir.resolve("t" + t + "-f" + f + ".log")));
            }
        }
    }

    @Test
    void shouldCompleteAWaitedBatchOnTheWaitingThread() throws Exception
    {
        final AtomicReference<Thread> waiter = new AtomicReference<>();
        final AtomicReference<Thread> completedOn = new AtomicReference<>();
        final CompletableFuture<BatchResult>[] joined = newFutureArray();
        final long[] handOffs = new long[1];
        heldBatch(30, "wait|", (held, engine) ->
        {
            joined[0] = TestSupport.async("joiner", () ->
            {
                waiter.set(Thread.currentThread());
                return held.join();
            });
            TestSupport.awaitUntil(() -> isParked(waiter.get()), () -> "the joiner parked");
            held.thenRun(() -> completedOn.set(Thread.currentThread()));
            handOffs[0] = engine.completionsHandedToWaiters();
        });
        assertEquals(30 + 1, TestSupport.get(joined[0], "join").succeeded());
        // The waiter completes the future; its dependents run there or on another thread waiting through the
        // CompletableFuture (which helps run them when it wakes): never on an engine thread.
        assertFalse(completedOn.get().getName().startsWith("ringwriter-"), "completed on " + completedOn.get());
        assertEquals(1, heldEngine.completionsHandedToWaiters() - handOffs[0],
            "the worker handed the batch's end to the parked thread");
    }

    @Test
    void shouldCompleteAWaitedWriteOnTheWaitingThread() throws Exception
    {
        final Path file = dir.resolve("single.log");
        final FaultyFileIo.Gate gate = io.block(FaultyFileIo.Op.WRITE, file);
        final WriteEngine engine = WriteEngine.builder().workers(2).fileIo(io).build();
        final long before;
        try (engine)
        {
            final AtomicReference<Thread> waiter = new AtomicReference<>();
            final AtomicReference<Thread> completedOn = new AtomicReference<>();
            final CompletableFuture<WriteResult> write;
            final CompletableFuture<WriteResult> joined;
            try
            {
                write = engine.submit(file, TestSupport.ascii("single\n"));
                gate.awaitEntered();
                joined = TestSupport.async("joiner", () ->
                {
                    waiter.set(Thread.currentThread());
                    return write.join();
                });
                TestSupport.awaitUntil(() -> isParked(waiter.get()), () -> "the joiner parked");
                write.thenRun(() -> completedOn.set(Thread.currentThread()));
                before = engine.completionsHandedToWaiters();
            }
            finally
            {
                gate.release();
            }
            assertEquals(7, TestSupport.get(joined, "join").bytesWritten());
            TestSupport.awaitUntil(() -> completedOn.get() != null, () -> "the callback ran");
            assertSame(waiter.get(), completedOn.get(), "the future completed on the waiting thread, not on the agent");
        }
        // Closed: the workers have stopped, so the count is final (a worker counts after it hands over).
        assertEquals(1, engine.completionsHandedToWaiters() - before, "handed to the parked thread");
        assertEquals("single\n", TestSupport.readString(file));
    }

    @SuppressWarnings("unchecked")
    private static CompletableFuture<BatchResult>[] newFutureArray()
    {
        return (CompletableFuture<BatchResult>[])new CompletableFuture<?>[1];
    }

    /**
     * What a test does while a batch is held.
     */
    @FunctionalInterface
    private interface WhileHeld
    {
        void run(BatchFuture batch, WriteEngine engine) throws Exception;
    }

    /**
     * Write {@code files} files and one more whose write is held at a gate as one batch; run {@code body} while it
     * is held (the batch not done); release it, wait in join() on this thread (which parks on the batch as any
     * other waiter would) and check that the report says every write was done and that every file holds the text.
     *
     * @return the batch, ended.
     */
    private BatchFuture heldBatch(final int files, final String text, final WhileHeld body) throws Exception
    {
        final Path gateFile = dir.resolve("gate.log");
        final FaultyFileIo.Gate gate = io.block(FaultyFileIo.Op.WRITE, gateFile);
        final List<Path> paths = paths(files);
        paths.add(files / 2, gateFile);
        try (WriteEngine engine = WriteEngine.builder().ringSize(1024).slotSize(64).workers(2).fileIo(io).build())
        {
            final BatchFuture batch;
            try
            {
                batch = engine.writeAll(paths, TestSupport.ascii(text));
                gate.awaitEntered();
                assertFalse(batch.isDone(), "the gated write holds the batch");
                body.run(batch, engine);
            }
            finally
            {
                gate.release();
            }
            try
            {
                batch.join();
            }
            catch (final CancellationException | CompletionException ex)
            {
                // The body ended the future its own way; the report below is the engine's.
            }
            final BatchResult report = TestSupport.get(batch.report(), "the engine's report");
            heldEngine = engine;
            assertEquals(paths.size(), report.total());
            assertEquals(paths.size(), report.succeeded(), "every write done: " + report);
            assertEquals(paths.size(), assertFiles(paths, report, text));
            return batch;
        }
    }

    private static boolean isParked(final Thread thread)
    {
        return thread != null &&
            (thread.getState() == Thread.State.WAITING || thread.getState() == Thread.State.TIMED_WAITING);
    }

    /**
     * Every path the result reports as not done does not exist; every other path holds the message once.
     *
     * @return the number of files written.
     */
    private static int assertFiles(final List<Path> paths, final BatchResult result, final String text)
        throws Exception
    {
        final Set<Path> notDone = new HashSet<>();
        for (final BatchResult.Failure failure : result.failures())
        {
            notDone.add(failure.path());
        }
        assertEquals(result.failures().size(), notDone.size(), "one failure per path");
        int written = 0;
        for (final Path path : paths)
        {
            if (notDone.contains(path))
            {
                assertFalse(Files.exists(path), "reported not done but written: " + path);
            }
            else
            {
                assertEquals(text, TestSupport.readString(path), "reported done: " + path);
                written++;
            }
        }
        return written;
    }
}
