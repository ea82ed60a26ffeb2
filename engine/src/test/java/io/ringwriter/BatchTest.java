package io.ringwriter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

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
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
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
