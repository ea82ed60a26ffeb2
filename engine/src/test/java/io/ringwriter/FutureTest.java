package io.ringwriter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How a submitted write ends: a {@link WriteResult}, {@link WriteFailedException} after the last attempt,
 * {@link TimeoutException} past its deadline, {@link CancellationException} when cancelled; at every stage (queued
 * behind a busy worker, waiting for room, waiting for a retry), and a write that ended so is never written after.
 */
@ExtendWith(TestSupport.NoLeakedThreads.class)
class FutureTest
{
    @TempDir
    Path dir;

    private final TestSupport.RecordingFailureHandler failures = new TestSupport.RecordingFailureHandler();
    private final FaultyFileIo io = new FaultyFileIo();

    private WriteEngine.Builder builder()
    {
        return WriteEngine.builder().ringSize(64).slotSize(32).workers(1).fileIo(io).failureHandler(failures)
            .closeTimeout(Duration.ofSeconds(5));
    }

    /**
     * flush() returns only when the futures of the writes before it are complete, not only when the bytes are in the
     * files (the agent completes futures after the worker has written): 20 rounds of 500 submits over 4 files, two
     * workers, every future done the moment flush returns.
     */
    @Test
    void shouldHaveEveryFutureDoneWhenFlushReturns() throws Exception
    {
        final Path[] files = {dir.resolve("f0"), dir.resolve("f1"), dir.resolve("f2"), dir.resolve("f3")};
        try (WriteEngine engine = builder().workers(2).build())
        {
            final List<CompletableFuture<WriteResult>> futures = new ArrayList<>();
            for (int round = 0; round < 20; round++)
            {
                futures.clear();
                for (int i = 0; i < 500; i++)
                {
                    futures.add(engine.submit(files[i & 3], TestSupport.ascii("r" + round + "m" + i + "\n")));
                }
                engine.flush();
                for (int i = 0; i < futures.size(); i++)
                {
                    assertTrue(futures.get(i).isDone(), "round " + round + ": future " + i + " not done after flush");
                }
            }
            assertEquals(10_000, engine.stats().written());
        }
    }

    @Test
    void shouldCompleteWithTheResult() throws Exception
    {
        final Path file = dir.resolve("a.log");
        final Path flaky = dir.resolve("flaky.log");
        io.script(FaultyFileIo.Op.OPEN, flaky, FaultyFileIo.IO_ERROR, FaultyFileIo.NO_SPACE);
        try (WriteEngine engine = builder()
            .retryPolicy(RetryPolicy.exponential(3, Duration.ofMillis(1), Duration.ofMillis(1))).build())
        {
            final byte[] data = TestSupport.ascii("0123456789");
            assertEquals(new WriteResult(file, 10, 1), TestSupport.get(engine.submit(file, data), "submit"));
            assertEquals(new WriteResult(file, 4, 1),
                TestSupport.get(engine.submit(WriteRequest.of(file, data, 3, 4)), "submit part"));
            assertEquals(new WriteResult(flaky, 10, 3), TestSupport.get(engine.submit(flaky, data), "flaky"),
                "two failed attempts, then done");
            assertEquals("01234567893456", TestSupport.readString(file));
            assertEquals("0123456789", TestSupport.readString(flaky));
            final EngineStats stats = engine.stats();
            assertEquals(3, stats.written());
            assertEquals(2, stats.retried());
            TestSupport.assertCountersAddUp(stats);
        }
    }

    @Test
    void shouldFailWithWriteFailedExceptionAfterTheLastAttempt() throws Exception
    {
        final Path file = dir.resolve("broken.log");
        io.failPath(FaultyFileIo.Op.WRITE, file, FaultyFileIo.IO_ERROR);
        try (WriteEngine engine = builder()
            .retryPolicy(RetryPolicy.exponential(4, Duration.ofMillis(1), Duration.ofMillis(2))).build())
        {
            final Throwable thrown = TestSupport.failureOf(engine.submit(file, TestSupport.ascii("lost")), "submit");
            final WriteFailedException ex = assertInstanceOf(WriteFailedException.class, thrown);
            assertEquals(file, ex.path());
            assertEquals(4, ex.attempts());
            assertInstanceOf(IOException.class, ex.getCause());
            assertEquals("Input/output error", ex.getCause().getMessage());
            assertEquals(4, io.calls(FaultyFileIo.Op.WRITE, file), "one write call per attempt");

            TestSupport.flush(engine);
            assertEquals(1, failures.count(), "the failure handler is told once: " + failures.failures);
            assertEquals(4, failures.failures.get(0).attempts());
            assertEquals("lost", failures.failures.get(0).text());
            assertEquals(0, Files.size(file));
            final EngineStats stats = engine.stats();
            assertEquals(1, stats.failed());
            assertEquals(3, stats.retried());
            TestSupport.assertCountersAddUp(stats);
        }
    }

    @Test
    void shouldTimeOutAWriteQueuedBehindABusyWorkerAndNeverWriteIt() throws Exception
    {
        final Path gateFile = dir.resolve("gate.log");
        final Path file = dir.resolve("late.log");
        final FaultyFileIo.Gate gate = io.block(FaultyFileIo.Op.WRITE, gateFile);
        try (WriteEngine engine = builder().build())
        {
            final CompletableFuture<WriteResult> future;
            try
            {
                engine.write(gateFile, TestSupport.ascii("gate"));
                gate.awaitEntered();
                future = engine.submit(WriteRequest.of(file, TestSupport.ascii("too late"))
                    .withDeadline(Duration.ofMillis(50)));
                final TimeoutException ex = assertInstanceOf(TimeoutException.class,
                    TestSupport.failureOf(future, "submit with deadline"));
                assertTrue(ex.getMessage().contains(file.toString()), ex.getMessage());
            }
            finally
            {
                gate.release();
            }
            TestSupport.flush(engine);
            assertFalse(Files.exists(file), "a timed-out write is never written");
            assertEquals(0, io.calls(FaultyFileIo.Op.OPEN, file));
            final EngineStats stats = engine.stats();
            assertEquals(1, stats.timedOut());
            assertEquals(1, stats.written());
            assertEquals(List.of(), failures.failures);
            TestSupport.assertCountersAddUp(stats);
        }
    }

    @Test
    void shouldTimeOutAWriteWaitingForRoomInTheRing() throws Exception
    {
        final Path gateFile = dir.resolve("gate.log");
        final Path file = dir.resolve("no-room.log");
        final FaultyFileIo.Gate gate = io.block(FaultyFileIo.Op.WRITE, gateFile);
        try (WriteEngine engine = builder().ringSize(16).build())
        {
            try
            {
                engine.write(gateFile, TestSupport.ascii("g|"));
                gate.awaitEntered();
                while (engine.tryWrite(gateFile, TestSupport.ascii("g|")))
                {
                    assertTrue(engine.stats().published() <= 16);
                }
                final CompletableFuture<WriteResult> future = engine.submit(
                    WriteRequest.of(file, TestSupport.ascii("no room")).withDeadline(Duration.ofMillis(50)));
                assertInstanceOf(TimeoutException.class, TestSupport.failureOf(future, "submit waiting for room"));
                assertEquals(0, engine.stats().ringFreeSlots(), "it timed out while the ring was full");
            }
            finally
            {
                gate.release();
            }
            TestSupport.flush(engine);
            assertFalse(Files.exists(file));
            final EngineStats stats = engine.stats();
            assertEquals(17, stats.published());
            assertEquals(16, stats.written());
            assertEquals(1, stats.timedOut());
            TestSupport.assertCountersAddUp(stats);
        }
    }

    @Test
    void shouldCancelAQueuedWriteAndNeverWriteIt() throws Exception
    {
        final Path gateFile = dir.resolve("gate.log");
        final Path file = dir.resolve("cancelled.log");
        final Path kept = dir.resolve("kept.log");
        final FaultyFileIo.Gate gate = io.block(FaultyFileIo.Op.WRITE, gateFile);
        try (WriteEngine engine = builder().build())
        {
            final CompletableFuture<WriteResult> cancelled;
            final CompletableFuture<WriteResult> other;
            try
            {
                engine.write(gateFile, TestSupport.ascii("gate"));
                gate.awaitEntered();
                cancelled = engine.submit(file, TestSupport.ascii("cancelled"));
                other = engine.submit(kept, TestSupport.ascii("kept"));
                assertTrue(cancelled.cancel(true), "cancel wins before the write begins");
                assertTrue(cancelled.isCancelled());
                assertInstanceOf(CancellationException.class, TestSupport.failureOf(cancelled, "cancelled"));
            }
            finally
            {
                gate.release();
            }
            assertEquals(new WriteResult(kept, 4, 1), TestSupport.get(other, "other"));
            assertFalse(other.cancel(true), "too late to cancel a write that is done");
            assertEquals(new WriteResult(kept, 4, 1), other.join());
            TestSupport.flush(engine);
            assertFalse(Files.exists(file), "a cancelled write is never written");
            final EngineStats stats = engine.stats();
            assertEquals(1, stats.cancelled());
            assertEquals(2, stats.written());
            TestSupport.assertCountersAddUp(stats);
        }
    }

    @Test
    void shouldTimeOutAWriteWaitingForItsRetryAndNeverWriteIt() throws Exception
    {
        final Path file = dir.resolve("retrying.log");
        final FaultyFileIo.Switch fault = io.failPath(FaultyFileIo.Op.WRITE, file, FaultyFileIo.NO_SPACE);
        try (WriteEngine engine = builder()
            .retryPolicy(RetryPolicy.exponential(5, Duration.ofSeconds(1), Duration.ofSeconds(1))).build())
        {
            final CompletableFuture<WriteResult> future = engine.submit(
                WriteRequest.of(file, TestSupport.ascii("never")).withDeadline(Duration.ofMillis(200)));
            TestSupport.awaitUntil(() -> io.calls(FaultyFileIo.Op.WRITE, file) == 1, () -> "first attempt made");
            assertInstanceOf(TimeoutException.class, TestSupport.failureOf(future, "submit in retry"));
            fault.release();
            // flush waits for the set-aside write to come back from its backoff and be dropped.
            TestSupport.flush(engine);
            assertEquals(0, Files.size(file), "a timed-out write is never written, also after its backoff");
            assertEquals(1, io.calls(FaultyFileIo.Op.WRITE, file), "no attempt after the deadline");
            final EngineStats stats = engine.stats();
            assertEquals(1, stats.timedOut());
            assertEquals(0, stats.written());
            assertEquals(0, stats.failed());
            assertEquals(0, stats.retryPending());
            assertEquals(List.of(), failures.failures);
            TestSupport.assertCountersAddUp(stats);
        }
    }

    @Test
    void shouldCancelAWriteWaitingForItsRetryAndNeverWriteIt() throws Exception
    {
        final Path file = dir.resolve("retrying.log");
        final FaultyFileIo.Switch fault = io.failPath(FaultyFileIo.Op.WRITE, file, FaultyFileIo.IO_ERROR);
        try (WriteEngine engine = builder()
            .retryPolicy(RetryPolicy.exponential(5, Duration.ofSeconds(1), Duration.ofSeconds(1))).build())
        {
            final CompletableFuture<WriteResult> future = engine.submit(file, TestSupport.ascii("never"));
            final CompletableFuture<WriteResult> behind = engine.submit(file, TestSupport.ascii("behind"));
            TestSupport.awaitUntil(() -> engine.stats().retryPending() == 2, () -> "both set aside: " + engine.stats());
            assertTrue(future.cancel(false), "cancel wins while the write waits for its retry");
            assertInstanceOf(CancellationException.class, TestSupport.failureOf(future, "cancelled in retry"));
            fault.release();
            assertEquals(new WriteResult(file, 6, 1), TestSupport.get(behind, "the write behind it"));
            TestSupport.flush(engine);
            assertEquals("behind", TestSupport.readString(file), "the cancelled write is never written");
            final EngineStats stats = engine.stats();
            assertEquals(1, stats.cancelled());
            assertEquals(1, stats.written());
            assertEquals(List.of(), failures.failures);
            TestSupport.assertCountersAddUp(stats);
        }
    }
}
