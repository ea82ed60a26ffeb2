package io.ringwriter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Retries under injected and real faults: transient faults retried until the write lands, in per-file order;
 * permanent faults attempted once and reported once; partial writes never leave duplicate bytes behind.
 */
@ExtendWith(TestSupport.NoLeakedThreads.class)
class RetryTest
{
    private static final long SEED = Long.getLong("ringwriter.test.seed", 20261127L);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private final TestSupport.RecordingFailureHandler failures = new TestSupport.RecordingFailureHandler();

    /**
     * 30% of open and write calls fail with a transient error, 20% of writes are short: 4 producers x 4 files, half
     * of them through {@code write} and half through {@code submit}; every message lands once, in per-file order.
     */
    @Test
    void shouldLandEveryWriteInPerFileOrderUnderThirtyPercentTransientFaults() throws Exception
    {
        final int producers = 4;
        final int fileCount = 4;
        final int perProducerPerFile = 750;
        System.out.println("shouldLandEveryWriteInPerFileOrderUnderThirtyPercentTransientFaults seed=" + SEED);
        final FaultyFileIo io = new FaultyFileIo();
        io.failWithProbability(FaultyFileIo.Op.WRITE, 0.3, SEED, FaultyFileIo.NO_SPACE, FaultyFileIo.IO_ERROR);
        io.failWithProbability(FaultyFileIo.Op.OPEN, 0.3, SEED + 1, FaultyFileIo.IO_ERROR,
            FaultyFileIo.TOO_MANY_OPEN_FILES);
        io.shortWritesWithProbability(0.2, SEED + 2);
        final Path[] files = new Path[fileCount];
        for (int f = 0; f < fileCount; f++)
        {
            files[f] = dir.resolve("f" + f + ".log");
        }
        try (WriteEngine engine = WriteEngine.builder()
            .ringSize(256).slotSize(64).workers(2).fileIo(io).failureHandler(failures).closeTimeout(CLOSE_TIMEOUT)
            .retryPolicy(RetryPolicy.exponential(60, Duration.ofMillis(1), Duration.ofMillis(5)))
            .build())
        {
            final CyclicBarrier start = new CyclicBarrier(producers);
            final List<CompletableFuture<List<CompletableFuture<WriteResult>>>> running = new ArrayList<>();
            for (int p = 0; p < producers; p++)
            {
                final int producer = p;
                running.add(TestSupport.async("producer-" + p, () ->
                {
                    final List<CompletableFuture<WriteResult>> futures = new ArrayList<>();
                    TestSupport.await(start);
                    for (int seq = 0; seq < perProducerPerFile; seq++)
                    {
                        for (int f = 0; f < fileCount; f++)
                        {
                            final byte[] message = TestMessages.message(
                                producer, f, seq, TestMessages.mixedSize(producer, f, seq));
                            if (producer < 2)
                            {
                                engine.write(files[f], message);
                            }
                            else
                            {
                                futures.add(engine.submit(files[f], message));
                            }
                        }
                    }
                    return futures;
                }));
            }
            long retriesSeenByFutures = 0;
            for (final CompletableFuture<List<CompletableFuture<WriteResult>>> producer : running)
            {
                for (final CompletableFuture<WriteResult> future : TestSupport.get(engine, producer, "producer"))
                {
                    final WriteResult result = TestSupport.get(engine, future, "submitted write");
                    assertTrue(result.attempts() >= 1);
                    retriesSeenByFutures += result.attempts() - 1;
                }
            }
            TestSupport.flush(engine);

            final EngineStats stats = engine.stats();
            final long total = (long)producers * fileCount * perProducerPerFile;
            assertEquals(List.of(), failures.failures, "no write fails for good");
            assertEquals(total, stats.published(), "published: " + stats);
            assertEquals(total, stats.written(), "written: " + stats);
            assertEquals(0, stats.failed());
            assertTrue(stats.retried() > 0, "retries made: " + stats);
            assertTrue(retriesSeenByFutures > 0, "the futures' attempts count retries");
            assertTrue(retriesSeenByFutures <= stats.retried(),
                "retries of submitted writes " + retriesSeenByFutures + " within all retries " + stats.retried());
            assertEquals(0, stats.retryPending(), "nothing left set aside: " + stats);
            TestSupport.assertCountersAddUp(stats);
            assertTrue(io.injected() > 0);

            long onDisk = 0;
            final int[] expected = new int[producers];
            java.util.Arrays.fill(expected, perProducerPerFile);
            for (int f = 0; f < fileCount; f++)
            {
                final byte[] content = Files.readAllBytes(files[f]);
                onDisk += content.length;
                TestMessages.verifyFile(files[f], content, f, producers, expected);
            }
            assertEquals(stats.bytesWritten(), onDisk, "bytes counted equal bytes on disk: " + stats);
        }
    }

    /**
     * Only submitted writes, so that every retry belongs to a future: the futures' attempts add up to the retries.
     */
    @Test
    void shouldCountEveryAttemptInTheFuturesAndTheCounters() throws Exception
    {
        final FaultyFileIo io = new FaultyFileIo();
        io.failWithProbability(FaultyFileIo.Op.WRITE, 0.3, SEED + 3, FaultyFileIo.IO_ERROR);
        final Path[] files = {dir.resolve("a.log"), dir.resolve("b.log"), dir.resolve("c.log")};
        final List<CompletableFuture<WriteResult>> futures = new ArrayList<>();
        final StringBuilder[] expected = {new StringBuilder(), new StringBuilder(), new StringBuilder()};
        try (WriteEngine engine = WriteEngine.builder()
            .ringSize(128).slotSize(32).workers(2).fileIo(io).failureHandler(failures).closeTimeout(CLOSE_TIMEOUT)
            .retryPolicy(RetryPolicy.exponential(60, Duration.ofMillis(1), Duration.ofMillis(2)))
            .build())
        {
            final CompletableFuture<Boolean> submitter = TestSupport.async("submitter", () ->
            {
                for (int i = 0; i < 3_000; i++)
                {
                    final String text = "w" + i + "|";
                    expected[i % 3].append(text);
                    futures.add(engine.submit(files[i % 3], TestSupport.ascii(text)));
                }
                return true;
            });
            TestSupport.get(engine, submitter, "3,000 submits");
            long retries = 0;
            for (int i = 0; i < futures.size(); i++)
            {
                final WriteResult result = TestSupport.get(engine, futures.get(i), "write " + i);
                assertEquals(files[i % 3], result.path());
                assertEquals(("w" + i + "|").length(), result.bytesWritten());
                retries += result.attempts() - 1;
            }
            TestSupport.flush(engine);
            final EngineStats stats = engine.stats();
            assertEquals(retries, stats.retried(), "each retry is one more attempt of one write: " + stats);
            assertEquals(3_000, stats.written());
            TestSupport.assertCountersAddUp(stats);
            for (int f = 0; f < 3; f++)
            {
                assertEquals(expected[f].toString(), TestSupport.readString(files[f]));
            }
        }
    }

    /**
     * The k-th write call of the engine fails once with a full disk: exactly that attempt is retried.
     */
    @Test
    void shouldRetryTheKthWriteCallAndLandEverything() throws Exception
    {
        final Path file = dir.resolve("kth.log");
        final FaultyFileIo io = new FaultyFileIo();
        io.failCall(FaultyFileIo.Op.WRITE, null, 7, FaultyFileIo.NO_SPACE);
        final StringBuilder expected = new StringBuilder();
        try (WriteEngine engine = WriteEngine.builder()
            .ringSize(64).slotSize(32).workers(1).fileIo(io).failureHandler(failures)
            .retryPolicy(RetryPolicy.exponential(3, Duration.ofMillis(1), Duration.ofMillis(1)))
            .build())
        {
            for (int i = 0; i < 30; i++)
            {
                final String text = "k" + i + "|";
                // One write at a time: each is one write call, so call 7 is write 6.
                TestSupport.get(engine, engine.submit(file, TestSupport.ascii(text)), "write " + i);
                expected.append(text);
            }
            TestSupport.flush(engine);
            assertEquals(expected.toString(), TestSupport.readString(file));
            assertEquals(1, io.injected());
            assertEquals(31, io.calls(FaultyFileIo.Op.WRITE));
            final EngineStats stats = engine.stats();
            assertEquals(1, stats.retried());
            assertEquals(30, stats.written());
            assertEquals(List.of(), failures.failures);
            TestSupport.assertCountersAddUp(stats);
        }
    }

    @Test
    void shouldAttemptAPermanentOpenFailureOnceAndReportEachWriteOnce() throws Exception
    {
        final Path denied = dir.resolve("denied.log");
        final Path good = dir.resolve("good.log");
        final FaultyFileIo io = new FaultyFileIo();
        io.failPath(FaultyFileIo.Op.OPEN, denied, FaultyFileIo.ACCESS_DENIED);
        final List<byte[]> messages = new ArrayList<>();
        final StringBuilder expectedGood = new StringBuilder();
        try (WriteEngine engine = WriteEngine.builder()
            // 3-slot messages in a 16-slot ring: the failure handler gets messages that wrap around the ring's end.
            .ringSize(16).slotSize(16).workers(2).fileIo(io).failureHandler(failures)
            .retryPolicy(RetryPolicy.exponential(5, Duration.ofMillis(1), Duration.ofMillis(1)))
            .build())
        {
            for (int i = 0; i < 50; i++)
            {
                final byte[] message = TestMessages.message(0, 0, i, 40);
                messages.add(message);
                engine.write(denied, message);
                final String text = "g" + i + "|";
                engine.write(good, TestSupport.ascii(text));
                expectedGood.append(text);
            }
            TestSupport.flush(engine);

            assertEquals(50, failures.count(), "one report per write: " + failures.failures.size());
            for (int i = 0; i < 50; i++)
            {
                final TestSupport.Failure failure = failures.failures.get(i);
                assertEquals(denied, failure.path());
                assertArrayEquals(messages.get(i), failure.bytes(), "bytes of write " + i + ", in order");
                assertEquals(1, failure.attempts());
                assertInstanceOf(AccessDeniedException.class, failure.cause());
            }
            assertEquals(50, io.calls(FaultyFileIo.Op.OPEN, denied), "exactly one attempt per write");
            assertEquals(expectedGood.toString(), TestSupport.readString(good));
            assertFalse(Files.exists(denied));
            final EngineStats stats = engine.stats();
            assertEquals(50, stats.failed());
            assertEquals(50, stats.written());
            assertEquals(0, stats.retried());
            TestSupport.assertCountersAddUp(stats);
        }
    }

    @Test
    void shouldAttemptAPermanentWriteFailureOnceForEveryWriteOfTheBatch() throws Exception
    {
        final Path readOnly = dir.resolve("read-only.log");
        final Path gateFile = dir.resolve("gate.log");
        final FaultyFileIo io = new FaultyFileIo();
        final FaultyFileIo.Gate gate = io.block(FaultyFileIo.Op.WRITE, gateFile);
        io.failPath(FaultyFileIo.Op.WRITE, readOnly, FaultyFileIo.READ_ONLY);
        try (WriteEngine engine = WriteEngine.builder()
            .ringSize(256).slotSize(32).workers(1).fileIo(io).failureHandler(failures)
            .retryPolicy(RetryPolicy.exponential(5, Duration.ofMillis(1), Duration.ofMillis(1)))
            .build())
        {
            try
            {
                engine.write(gateFile, TestSupport.ascii("gate"));
                gate.awaitEntered();
                // All 100 wait behind the gate and reach the worker in one batch: one failed write call for all.
                for (int i = 0; i < 100; i++)
                {
                    engine.write(readOnly, TestSupport.ascii("r" + i + "|"));
                }
            }
            finally
            {
                gate.release();
            }
            TestSupport.flush(engine);

            assertEquals(100, failures.count());
            for (int i = 0; i < 100; i++)
            {
                final TestSupport.Failure failure = failures.failures.get(i);
                assertEquals("r" + i + "|", failure.text());
                assertEquals(1, failure.attempts());
                final FileSystemException cause = assertInstanceOf(FileSystemException.class, failure.cause());
                assertEquals("Read-only file system", cause.getReason());
            }
            assertEquals(0, Files.size(readOnly), "nothing of the failed writes in the file");
            final EngineStats stats = engine.stats();
            assertEquals(100, stats.failed());
            assertEquals(0, stats.retried());
            TestSupport.assertCountersAddUp(stats);
        }
    }

    /**
     * Real faults from the real file system, no injection: a regular file where a directory should be, a directory
     * where a file should be, a missing parent when parents are not created. The engine goes on.
     */
    @Test
    void shouldReportRealFileSystemFaultsClearlyAndKeepWorking() throws Exception
    {
        final Path plain = Files.writeString(dir.resolve("plain.txt"), "a regular file");
        final Path underFile = plain.resolve("child.log");
        final Path aDirectory = Files.createDirectories(dir.resolve("a-directory"));
        final Path noParent = dir.resolve("missing/child.log");
        final Path good = dir.resolve("good.log");
        try (WriteEngine engine = WriteEngine.builder()
            .ringSize(64).slotSize(32).workers(2).createParents(false).failureHandler(failures)
            .retryPolicy(RetryPolicy.exponential(3, Duration.ofMillis(1), Duration.ofMillis(1)))
            .build())
        {
            engine.write(underFile, TestSupport.ascii("under a file"));
            engine.write(aDirectory, TestSupport.ascii("onto a directory"));
            engine.write(noParent, TestSupport.ascii("no parent"));
            TestSupport.flush(engine);
            engine.write(good, TestSupport.ascii("still working"));
            TestSupport.flush(engine);

            assertEquals("still working", TestSupport.readString(good));
            assertEquals("a regular file", TestSupport.readString(plain));

            final TestSupport.Failure notDir = single(underFile);
            assertEquals("under a file", notDir.text());
            assertEquals(1, notDir.attempts(), "not a directory is permanent: " + notDir.cause());
            assertTrue(String.valueOf(notDir.cause().getMessage()).contains("Not a directory"),
                "clear cause: " + notDir.cause());
            assertTrue(String.valueOf(notDir.cause().getMessage()).contains(underFile.toString()),
                "names the path: " + notDir.cause());

            final TestSupport.Failure isDir = single(aDirectory);
            assertEquals(1, isDir.attempts(), "is a directory is permanent: " + isDir.cause());
            assertTrue(String.valueOf(isDir.cause().getMessage()).contains("Is a directory"),
                "clear cause: " + isDir.cause());

            final TestSupport.Failure missing = single(noParent);
            assertInstanceOf(NoSuchFileException.class, missing.cause());
            assertEquals(3, missing.attempts(), "a missing parent may appear: retried to the last attempt");
            assertFalse(Files.exists(dir.resolve("missing")), "parents not created");

            final EngineStats stats = engine.stats();
            assertEquals(1, stats.written());
            assertEquals(3, stats.failed());
            TestSupport.assertCountersAddUp(stats);
        }
    }

    @Test
    void shouldLandWritesToAPathThatFailsForATimeWindow() throws Exception
    {
        final Path flaky = dir.resolve("flaky.log");
        final FaultyFileIo io = new FaultyFileIo();
        io.failPathFor(FaultyFileIo.Op.WRITE, flaky, Duration.ofMillis(100), FaultyFileIo.NO_SPACE);
        final StringBuilder expected = new StringBuilder();
        try (WriteEngine engine = WriteEngine.builder()
            .ringSize(64).slotSize(32).workers(1).fileIo(io).failureHandler(failures)
            .retryPolicy(RetryPolicy.exponential(10_000, Duration.ofMillis(1), Duration.ofMillis(5)))
            .build())
        {
            for (int i = 0; i < 500; i++)
            {
                final String text = "n" + i + "|";
                engine.write(flaky, TestSupport.ascii(text));
                expected.append(text);
            }
            TestSupport.flush(engine);
            assertEquals(expected.toString(), TestSupport.readString(flaky));
            final EngineStats stats = engine.stats();
            assertEquals(List.of(), failures.failures);
            assertTrue(stats.retried() > 0, "retried while the window lasted: " + stats);
            assertEquals(500, stats.written());
            TestSupport.assertCountersAddUp(stats);
        }
    }

    @Test
    void shouldLandHeldWritesInOrderOnceAFailingPathIsReleased() throws Exception
    {
        final Path held = dir.resolve("held.log");
        final Path other = dir.resolve("other.log");
        final FaultyFileIo io = new FaultyFileIo();
        final FaultyFileIo.Switch fault = io.failPath(FaultyFileIo.Op.OPEN, held, FaultyFileIo.IO_ERROR);
        final StringBuilder expected = new StringBuilder();
        try (WriteEngine engine = WriteEngine.builder()
            .ringSize(64).slotSize(32).workers(1).fileIo(io).failureHandler(failures)
            .retryPolicy(RetryPolicy.exponential(100_000, Duration.ofMillis(1), Duration.ofMillis(2)))
            .build())
        {
            for (int i = 0; i < 200; i++)
            {
                final String text = "h" + i + "|";
                engine.write(held, TestSupport.ascii(text));
                expected.append(text);
            }
            TestSupport.awaitUntil(() -> engine.stats().retried() >= 5, () -> "retries: " + engine.stats());
            // Writes to another file of the same worker go on while the held file waits.
            engine.write(other, TestSupport.ascii("other"));
            TestSupport.awaitUntil(() -> engine.stats().written() == 1, () -> "other written: " + engine.stats());
            assertFalse(Files.exists(held));
            fault.release();
            TestSupport.flush(engine);
            assertEquals(expected.toString(), TestSupport.readString(held));
            assertEquals("other", TestSupport.readString(other));
            assertEquals(List.of(), failures.failures);
            TestSupport.assertCountersAddUp(engine.stats());
        }
    }

    /**
     * A retried write that fails for good at its last attempt, with newer writes to the same file behind it in the
     * same batch: the newer writes must land in their order.
     * <p>
     * Steps (one worker): m1 fails and waits 300 ms for its retry; the worker is held at a gate on another file;
     * the retry agent republishes m1 into the ring; m2 and m3 are published behind it; the gate opens. The worker's
     * next batch is [m1 (last attempt), m2, m3] and its one write fails: m1 fails for good, m2 and m3 are retried.
     */
    @Test
    void shouldKeepFileOrderWhenARetriedWriteFailsForGoodAheadOfNewerWrites() throws Exception
    {
        final Path file = dir.resolve("ordered.log");
        final Path gateFile = dir.resolve("gate.log");
        final FaultyFileIo io = new FaultyFileIo();
        io.script(FaultyFileIo.Op.WRITE, file, FaultyFileIo.IO_ERROR, FaultyFileIo.IO_ERROR);
        final FaultyFileIo.Gate gate = io.block(FaultyFileIo.Op.WRITE, gateFile);
        try (WriteEngine engine = WriteEngine.builder()
            .ringSize(64).slotSize(32).workers(1).fileIo(io).failureHandler(failures)
            .retryPolicy(RetryPolicy.exponential(2, Duration.ofMillis(300), Duration.ofMillis(300)))
            .build())
        {
            try
            {
                engine.write(file, TestSupport.ascii("m1|"));
                TestSupport.awaitUntil(() -> engine.stats().retryPending() == 1, () -> "m1 set aside");
                engine.write(gateFile, TestSupport.ascii("gate|"));
                gate.awaitEntered();
                TestSupport.awaitUntil(() -> engine.stats().retried() == 1, () -> "m1 republished");
                engine.write(file, TestSupport.ascii("m2|"));
                engine.write(file, TestSupport.ascii("m3|"));
            }
            finally
            {
                gate.release();
            }
            TestSupport.flush(engine);

            assertEquals(1, failures.count(), "m1 fails for good: " + failures.failures);
            assertEquals("m1|", failures.failures.get(0).text());
            assertEquals(2, failures.failures.get(0).attempts());
            assertEquals("m2|m3|", TestSupport.readString(file), "newer writes land in their order");
            final EngineStats stats = engine.stats();
            assertEquals(3, stats.written());
            assertEquals(1, stats.failed());
            TestSupport.assertCountersAddUp(stats);
        }
    }

    /**
     * A write call that writes part of a chain and then fails: the part is cut back before the retry, so that
     * every message is in the file exactly once.
     */
    @Test
    void shouldCutBackAPartialWriteBeforeTheRetry() throws Exception
    {
        final Path file = dir.resolve("partial.log");
        final Path gateFile = dir.resolve("gate.log");
        final FaultyFileIo io = new FaultyFileIo();
        io.script(FaultyFileIo.Op.WRITE, file, FaultyFileIo.Effect.SHORT_WRITE, FaultyFileIo.NO_SPACE,
            FaultyFileIo.Effect.SHORT_WRITE, FaultyFileIo.Effect.SHORT_WRITE, FaultyFileIo.IO_ERROR);
        final FaultyFileIo.Gate gate = io.block(FaultyFileIo.Op.WRITE, gateFile);
        final StringBuilder expected = new StringBuilder();
        try (WriteEngine engine = WriteEngine.builder()
            .ringSize(64).slotSize(32).workers(1).fileIo(io).failureHandler(failures)
            .retryPolicy(RetryPolicy.exponential(10, Duration.ofMillis(1), Duration.ofMillis(1)))
            .build())
        {
            try
            {
                engine.write(gateFile, TestSupport.ascii("gate|"));
                gate.awaitEntered();
                for (int i = 0; i < 20; i++)
                {
                    final String text = "message number " + i + "|";
                    engine.write(file, TestSupport.ascii(text));
                    expected.append(text);
                }
            }
            finally
            {
                gate.release();
            }
            TestSupport.flush(engine);
            assertEquals(expected.toString(), TestSupport.readString(file));
            assertEquals(List.of(), failures.failures);
            final EngineStats stats = engine.stats();
            assertEquals(21, stats.written());
            assertEquals(expected.length() + 5, stats.bytesWritten());
            assertTrue(stats.retried() >= 2, "retried: " + stats);
            TestSupport.assertCountersAddUp(stats);
        }
    }

    /**
     * The same for a retry that the agent hands to the worker's lane because the ring is full: a short write and
     * then a failure must not leave the first part of the message in the file.
     * <p>
     * Steps (one worker, ring of 8): m1 fails and waits 300 ms for its retry; the worker is held at a gate and the
     * ring is filled; the agent finds the ring full and hands m1 to the lane; the gate opens; the worker writes m1
     * from the lane: half of it, then a failure; the next retry writes m1 whole.
     */
    @Test
    void shouldNotLeaveAPartialWriteBehindWhenALaneRetryFails() throws Exception
    {
        final Path file = dir.resolve("lane.log");
        final Path gateFile = dir.resolve("gate.log");
        final Path filler = dir.resolve("filler.log");
        final FaultyFileIo io = new FaultyFileIo();
        io.script(FaultyFileIo.Op.WRITE, file, FaultyFileIo.IO_ERROR, FaultyFileIo.Effect.SHORT_WRITE,
            FaultyFileIo.IO_ERROR);
        final FaultyFileIo.Gate gate = io.block(FaultyFileIo.Op.WRITE, gateFile);
        final String m1 = "the first and only message to this file|";
        int fillers = 0;
        try (WriteEngine engine = WriteEngine.builder()
            .ringSize(8).slotSize(64).workers(1).fileIo(io).failureHandler(failures)
            .retryPolicy(RetryPolicy.exponential(5, Duration.ofMillis(300), Duration.ofMillis(300)))
            .build())
        {
            try
            {
                engine.write(file, TestSupport.ascii(m1));
                TestSupport.awaitUntil(() -> engine.stats().retryPending() == 1, () -> "m1 set aside");
                engine.write(gateFile, TestSupport.ascii("gate|"));
                gate.awaitEntered();
                while (engine.tryWrite(filler, TestSupport.ascii("f|")))
                {
                    fillers++;
                }
                TestSupport.awaitUntil(() -> engine.stats().retried() == 1, () -> "m1 handed to the lane");
            }
            finally
            {
                gate.release();
            }
            TestSupport.flush(engine);
            assertEquals(7, fillers, "the ring of 8 was full");
            assertEquals(m1, TestSupport.readString(file), "m1 exactly once, no partial copy before it");
            assertEquals(List.of(), failures.failures);
            final EngineStats stats = engine.stats();
            assertEquals(2 + fillers, stats.written());
            TestSupport.assertCountersAddUp(stats);
        }
    }

    /**
     * More writes wait behind a failing file than there are retry slots: the worker must wait for a slot without
     * stopping the retries that free them.
     * <p>
     * Steps (one worker, 4 retry slots): 20 writes to one file reach the worker in one batch; the one write call
     * fails once; the first message waits for its retry and the rest must be set aside behind it, 4 slots for 19.
     */
    @Test
    void shouldNotDeadlockWhenMoreWritesWaitBehindARetryThanThereAreRetrySlots() throws Exception
    {
        final Path file = dir.resolve("crowded.log");
        final Path gateFile = dir.resolve("gate.log");
        final FaultyFileIo io = new FaultyFileIo();
        io.script(FaultyFileIo.Op.WRITE, file, FaultyFileIo.IO_ERROR);
        final FaultyFileIo.Gate gate = io.block(FaultyFileIo.Op.WRITE, gateFile);
        final StringBuilder expected = new StringBuilder();
        try (WriteEngine engine = WriteEngine.builder()
            .ringSize(64).slotSize(32).workers(1).retrySlots(4).fileIo(io).failureHandler(failures)
            .closeTimeout(CLOSE_TIMEOUT)
            .retryPolicy(RetryPolicy.exponential(3, Duration.ofMillis(1), Duration.ofMillis(1)))
            .build())
        {
            try
            {
                engine.write(gateFile, TestSupport.ascii("gate|"));
                gate.awaitEntered();
                for (int i = 0; i < 20; i++)
                {
                    final String text = "c" + i + "|";
                    engine.write(file, TestSupport.ascii(text));
                    expected.append(text);
                }
            }
            finally
            {
                gate.release();
            }
            TestSupport.flush(engine);
            assertEquals(expected.toString(), TestSupport.readString(file));
            assertEquals(List.of(), failures.failures);
            final EngineStats stats = engine.stats();
            assertEquals(21, stats.written());
            assertEquals(1, stats.retried());
            TestSupport.assertCountersAddUp(stats);
        }
    }

    private TestSupport.Failure single(final Path path)
    {
        final List<TestSupport.Failure> list = failures.forPath(path);
        assertEquals(1, list.size(), "one failure for " + path + ": " + failures.failures);
        return list.get(0);
    }
}
