package io.ringwriter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code close(Duration)}: what is still pending when the time is up ends with {@link EngineException#ENGINE_CLOSED},
 * and every accepted write is accounted for exactly once.
 */
@ExtendWith(TestSupport.NoLeakedThreads.class)
class CloseTest
{
    @TempDir
    Path dir;

    private final TestSupport.RecordingFailureHandler failures = new TestSupport.RecordingFailureHandler();
    private final FaultyFileIo io = new FaultyFileIo();

    @Test
    void shouldEndWritesStillInRetryWithEngineClosed() throws Exception
    {
        final Path file = dir.resolve("failing.log");
        final Path good = dir.resolve("good.log");
        io.failPath(FaultyFileIo.Op.WRITE, file, FaultyFileIo.NO_SPACE);
        final WriteEngine engine = WriteEngine.builder().ringSize(64).slotSize(32).workers(2).fileIo(io)
            .failureHandler(failures)
            .retryPolicy(RetryPolicy.exponential(5, Duration.ofSeconds(10), Duration.ofSeconds(10)))
            .build();
        final List<CompletableFuture<WriteResult>> futures = new ArrayList<>();
        try
        {
            futures.add(engine.submit(file, TestSupport.ascii("s0")));
            engine.write(file, TestSupport.ascii("w0"));
            futures.add(engine.submit(file, TestSupport.ascii("s1")));
            engine.write(file, TestSupport.ascii("w1"));
            futures.add(engine.submit(file, TestSupport.ascii("s2")));
            engine.write(good, TestSupport.ascii("good"));
            TestSupport.awaitUntil(() -> engine.stats().retryPending() == 5, () -> "all five set aside: " +
                engine.stats());

            engine.close(Duration.ofMillis(100));

            for (final CompletableFuture<WriteResult> future : futures)
            {
                final WriteFailedException ex = assertInstanceOf(WriteFailedException.class,
                    TestSupport.failureOf(future, "submit pending at close"));
                final EngineException cause = assertInstanceOf(EngineException.class, ex.getCause());
                assertEquals(EngineException.ENGINE_CLOSED, cause.code(), cause.getMessage());
            }
            assertEquals(5, failures.count(), "each pending write reported once: " + failures.failures);
            final List<String> texts = new ArrayList<>();
            for (final TestSupport.Failure failure : failures.failures)
            {
                assertEquals(file, failure.path());
                final EngineException cause = assertInstanceOf(EngineException.class, failure.cause());
                assertEquals(EngineException.ENGINE_CLOSED, cause.code());
                texts.add(failure.text());
            }
            texts.sort(String::compareTo);
            assertEquals(List.of("s0", "s1", "s2", "w0", "w1"), texts);
            assertEquals("good", TestSupport.readString(good));
            assertEquals(0, Files.size(file));

            final EngineStats stats = engine.stats();
            assertEquals(6, stats.published());
            assertEquals(1, stats.written());
            assertEquals(5, stats.failed());
            assertEquals(0, stats.retryPending());
            TestSupport.assertCountersAddUp(stats);
            assertThrows(IllegalStateException.class, () -> engine.write(file, TestSupport.ascii("late")));
        }
        finally
        {
            engine.close();
        }
    }

    @Test
    void shouldDrainRetriesThatLandWithinTheCloseTimeout() throws Exception
    {
        final Path file = dir.resolve("flaky.log");
        io.script(FaultyFileIo.Op.WRITE, file, FaultyFileIo.IO_ERROR, FaultyFileIo.IO_ERROR);
        final WriteEngine engine = WriteEngine.builder().ringSize(64).slotSize(32).workers(1).fileIo(io)
            .failureHandler(failures)
            .retryPolicy(RetryPolicy.exponential(5, Duration.ofMillis(20), Duration.ofMillis(20)))
            .build();
        try
        {
            engine.write(file, TestSupport.ascii("a|"));
            engine.write(file, TestSupport.ascii("b|"));
            TestSupport.awaitUntil(() -> engine.stats().retryPending() >= 1, () -> "set aside");
            engine.close(Duration.ofSeconds(20));
            assertEquals("a|b|", TestSupport.readString(file));
            assertEquals(List.of(), failures.failures);
            final EngineStats stats = engine.stats();
            assertEquals(2, stats.written());
            TestSupport.assertCountersAddUp(stats);
        }
        finally
        {
            engine.close();
        }
    }

    /**
     * A single submit that waits for room in the ring when the engine closes ends with ENGINE_CLOSED.
     */
    @Test
    void shouldFailASubmitWaitingForRoomWhenClosed() throws Exception
    {
        final Path gateFile = dir.resolve("gate.log");
        final Path file = dir.resolve("waiting.log");
        final FaultyFileIo.Gate gate = io.block(FaultyFileIo.Op.WRITE, gateFile);
        final WriteEngine engine = WriteEngine.builder().ringSize(16).slotSize(32).workers(1).fileIo(io)
            .failureHandler(failures).build();
        try
        {
            final CompletableFuture<CompletableFuture<WriteResult>> submitter;
            final CompletableFuture<Boolean> closer;
            try
            {
                fillRing(engine, gateFile, gate);
                submitter = TestSupport.async("submitter", () -> engine.submit(file, TestSupport.ascii("waiting")));
                TestSupport.awaitUntil(() -> engine.stats().published() == 17, () -> "the submit is counted");
                closer = closeAsync(engine);
                // While the ring is still full: the waiting submit must end because the engine closed.
                TestSupport.awaitUntil(submitter::isDone, () -> "the waiting submit returns");
            }
            finally
            {
                gate.release();
            }
            assertTrue(TestSupport.get(closer, "close"));
            final CompletableFuture<WriteResult> future = TestSupport.get(submitter, "submit");
            final WriteFailedException ex = assertInstanceOf(WriteFailedException.class,
                TestSupport.failureOf(future, "submit waiting for room"));
            assertEquals(EngineException.ENGINE_CLOSED, ((EngineException)ex.getCause()).code());
            final EngineStats stats = engine.stats();
            assertEquals(16, stats.written());
            TestSupport.assertCountersAddUp(stats);
        }
        finally
        {
            gate.release();
            engine.close();
        }
    }

    /**
     * A batch that waits for room in the ring when the engine closes: the writes not yet in the ring end with
     * ENGINE_CLOSED in its result, and the counters add up.
     */
    @Test
    void shouldAccountForEveryWriteOfABatchWaitingForRoomWhenClosed() throws Exception
    {
        final Path gateFile = dir.resolve("gate.log");
        final FaultyFileIo.Gate gate = io.block(FaultyFileIo.Op.WRITE, gateFile);
        final WriteEngine engine = WriteEngine.builder().ringSize(16).slotSize(32).workers(1).fileIo(io)
            .failureHandler(failures).build();
        final List<Path> paths = new ArrayList<>();
        for (int i = 0; i < 100; i++)
        {
            paths.add(dir.resolve("batch-" + i + ".log"));
        }
        try
        {
            final CompletableFuture<BatchFuture> submitter;
            final CompletableFuture<Boolean> closer;
            try
            {
                fillRing(engine, gateFile, gate);
                submitter = TestSupport.async("batch", () -> engine.writeAll(paths, TestSupport.ascii("b")));
                TestSupport.awaitUntil(() -> engine.stats().published() == 116, () -> "the batch is counted");
                closer = closeAsync(engine);
                // While the ring is still full: the waiting batch must end because the engine closed.
                TestSupport.awaitUntil(submitter::isDone, () -> "the waiting batch returns");
            }
            finally
            {
                gate.release();
            }
            assertTrue(TestSupport.get(closer, "close"));
            final BatchFuture batch;
            try
            {
                batch = submitter.get();
            }
            catch (final ExecutionException ex)
            {
                final EngineStats stats = engine.stats();
                fail("writeAll threw " + ex.getCause() + " after counting the batch as published; its writes are " +
                    "never accounted for: " + stats, ex.getCause());
                return;
            }
            final BatchResult result = TestSupport.get(batch, "batch");
            assertEquals(100, result.total());
            assertEquals(100 - result.succeeded(), result.failures().size());
            for (final BatchResult.Failure failure : result.failures())
            {
                final EngineException cause = assertInstanceOf(EngineException.class, failure.cause());
                assertEquals(EngineException.ENGINE_CLOSED, cause.code());
                assertTrue(Files.notExists(failure.path()));
            }
            TestSupport.assertCountersAddUp(engine.stats());
        }
        finally
        {
            gate.release();
            engine.close();
        }
    }

    /**
     * A plain write that waits for room when the engine closes throws and is not counted.
     */
    @Test
    void shouldRefuseAWriteWaitingForRoomWhenClosed() throws Exception
    {
        final Path gateFile = dir.resolve("gate.log");
        final FaultyFileIo.Gate gate = io.block(FaultyFileIo.Op.WRITE, gateFile);
        final WriteEngine engine = WriteEngine.builder().ringSize(16).slotSize(32).workers(1).fileIo(io).build();
        try
        {
            final CompletableFuture<Long> writer;
            final CompletableFuture<Boolean> closer;
            try
            {
                fillRing(engine, gateFile, gate);
                writer = TestSupport.async("writer", () -> engine.write(dir.resolve("w.log"), TestSupport.ascii("w")));
                closer = closeAsync(engine);
                // While the ring is still full: the waiting write must end because the engine closed.
                TestSupport.awaitUntil(writer::isDone, () -> "the waiting write returns");
            }
            finally
            {
                gate.release();
            }
            assertTrue(TestSupport.get(closer, "close"));
            final Throwable thrown = TestSupport.failureOf(writer, "write waiting for room");
            assertInstanceOf(IllegalStateException.class, thrown);
            assertTrue(thrown.getMessage().contains("closed"), thrown.getMessage());
            final EngineStats stats = engine.stats();
            assertEquals(16, stats.published());
            assertEquals(16, stats.written());
            TestSupport.assertCountersAddUp(stats);
        }
        finally
        {
            gate.release();
            engine.close();
        }
    }

    /**
     * Hold the only worker at the gate and fill the ring of 16: 1 + 15 writes.
     */
    private static void fillRing(final WriteEngine engine, final Path gateFile, final FaultyFileIo.Gate gate)
        throws InterruptedException
    {
        engine.write(gateFile, TestSupport.ascii("g"));
        gate.awaitEntered();
        int accepted = 1;
        while (engine.tryWrite(gateFile, TestSupport.ascii("g")))
        {
            accepted++;
        }
        assertEquals(16, accepted);
    }

    private static CompletableFuture<Boolean> closeAsync(final WriteEngine engine)
    {
        final CompletableFuture<Boolean> closer = TestSupport.async("closer", () ->
        {
            engine.close();
            return true;
        });
        TestSupport.awaitUntil(engine::isClosed, () -> "close() has begun");
        return closer;
    }
}
