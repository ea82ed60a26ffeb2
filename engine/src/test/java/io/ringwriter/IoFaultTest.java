package io.ringwriter;

import io.ringwriter.status.EngineCounter;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real file-system faults under a running engine: a directory made immutable, a file system remounted read only, a
 * directory removed while writes to it wait in the ring, a path whose parent is a regular file. Each time: a clear
 * failure that names the path, once per write; no engine thread lost; the engine goes on writing elsewhere; every
 * published write ends ({@code completed == published}).
 */
class IoFaultTest
{
    private static final byte[] LINE = "line\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    private final ReliabilitySupport.RecordingFailureHandler handler = new ReliabilitySupport.RecordingFailureHandler();
    private final ReliabilitySupport.KeepingThreadFactory threads = new ReliabilitySupport.KeepingThreadFactory("io");

    private WriteEngine.Builder engine()
    {
        return WriteEngine.builder().root(dir).ringSize(64).slotSize(128).workers(2)
            .retryPolicy(RetryPolicy.exponential(3, Duration.ofMillis(1), Duration.ofMillis(2)))
            .failureHandler(handler).threadFactory(threads).countersFile(dir.resolve("counters.dat"));
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void shouldReportWritesIntoImmutableDirectoryAndKeepWriting() throws Exception
    {
        final Path locked = Files.createDirectories(dir.resolve("locked"));
        try (WriteEngine engine = engine().build())
        {
            engine.submit(Path.of("locked", "existing.log"), LINE).get(30, TimeUnit.SECONDS);

            // Root ignores permission bits: an immutable directory is the read-only directory root cannot bypass.
            final ReliabilitySupport.Command chattr = ReliabilitySupport.run("chattr", "+i", locked.toString());
            Assumptions.assumeTrue(chattr.ok(), "chattr +i not available here: " + chattr.output());
            try
            {
                Assumptions.assumeTrue(cannotCreate(locked.resolve("probe")), "chattr +i did not stop file creation");
                final List<Path> bad = new ArrayList<>();
                final List<CompletableFuture<WriteResult>> futures = new ArrayList<>();
                for (int i = 0; i < 8; i++)
                {
                    final Path path = Path.of("locked", "new-" + i + ".log");
                    bad.add(path);
                    if (i % 2 == 0)
                    {
                        futures.add(engine.submit(path, LINE));
                    }
                    else
                    {
                        engine.write(path, LINE);
                    }
                }
                // The directory's entries are frozen, not the file already in it.
                engine.write(Path.of("locked", "existing.log"), LINE);
                engine.flush();

                for (final CompletableFuture<WriteResult> future : futures)
                {
                    assertWriteFailed(future);
                }
                assertFailuresNamePaths(bad);
                assertArrayEquals(twice(LINE), Files.readAllBytes(locked.resolve("existing.log")));
                assertStillWorking(engine, 8);
            }
            finally
            {
                ReliabilitySupport.run("chattr", "-i", locked.toString());
            }

            // Nothing of the fault sticks: the same path works once the directory is writable again.
            engine.submit(Path.of("locked", "new-0.log"), LINE).get(30, TimeUnit.SECONDS);
            assertArrayEquals(LINE, Files.readAllBytes(locked.resolve("new-0.log")));
        }
        assertClosedCleanly();
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void shouldReportWritesToReadOnlyFileSystemAndKeepWriting() throws Exception
    {
        final Path mount = Files.createDirectories(dir.resolve("ro"));
        final String problem = ReliabilitySupport.mountTmpfs(mount, "4m");
        Assumptions.assumeTrue(problem == null, problem);
        try
        {
            final byte[] oldState = "old state, whole\n".getBytes(StandardCharsets.US_ASCII);
            try (WriteEngine engine = engine().durability(Durability.FSYNC).build())
            {
                for (int i = 0; i < 4; i++)
                {
                    engine.submit(WriteRequest.of(Path.of("ro", "state-" + i), oldState)
                        .withMode(WriteMode.ATOMIC_REPLACE)).get(30, TimeUnit.SECONDS);
                }
                // A busy mount here would mean the engine kept a descriptor open for writing after a replace.
                final ReliabilitySupport.Command remount =
                    ReliabilitySupport.run("mount", "-o", "remount,ro", mount.toString());
                assertTrue(remount.ok(), "remount read-only failed: " + remount.output());

                final List<Path> bad = new ArrayList<>();
                final List<CompletableFuture<WriteResult>> futures = new ArrayList<>();
                for (int i = 0; i < 4; i++)
                {
                    final Path append = Path.of("ro", "new-" + i + ".log");
                    final Path replace = Path.of("ro", "state-" + i);
                    bad.add(append);
                    bad.add(replace);
                    futures.add(engine.submit(append, LINE));
                    futures.add(engine.submit(WriteRequest.of(replace, LINE).withMode(WriteMode.ATOMIC_REPLACE)));
                }
                engine.flush();
                for (final CompletableFuture<WriteResult> future : futures)
                {
                    final WriteFailedException failed = assertWriteFailed(future);
                    // A read-only file system does not heal by itself: failed at once, not retried.
                    assertEquals(1, failed.attempts(), String.valueOf(failed.getCause()));
                }
                assertFailuresNamePaths(bad);
                for (int i = 0; i < 4; i++)
                {
                    assertArrayEquals(oldState, Files.readAllBytes(mount.resolve("state-" + i)));
                }
                assertStillWorking(engine, bad.size());
            }
            assertClosedCleanly();
        }
        finally
        {
            final ReliabilitySupport.Command umount = ReliabilitySupport.unmount(mount);
            assertTrue(umount.ok(), "umount after close failed (descriptor leak?): " + umount.output());
        }
    }

    @ParameterizedTest(name = "createParents={0}")
    @ValueSource(booleans = {false, true})
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void shouldHandleDirectoryRemovedWhileWritesArePending(final boolean createParents) throws Exception
    {
        final Path doomed = Files.createDirectories(dir.resolve("doomed"));
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicBoolean armed = new AtomicBoolean(true);
        // The seam only holds the worker at its first open in the doomed directory; the fault itself is real.
        final FileIo gate = new ReliabilitySupport.HookedFileIo((path) ->
        {
            if (path.startsWith(doomed) && armed.compareAndSet(true, false))
            {
                entered.countDown();
                awaitUninterruptibly(release);
            }
        });

        final List<Path> pending = new ArrayList<>();
        final List<CompletableFuture<WriteResult>> futures = new ArrayList<>();
        try (WriteEngine engine = engine().workers(1).createParents(createParents).fileIo(gate).build())
        {
            for (int i = 0; i < 10; i++)
            {
                final Path path = Path.of("doomed", "f-" + i + ".log");
                pending.add(path);
                futures.add(engine.submit(path, LINE));
            }
            assertTrue(entered.await(30, TimeUnit.SECONDS), "the worker never reached the doomed directory");
            Files.delete(doomed);
            release.countDown();
            engine.flush();

            if (createParents)
            {
                for (final CompletableFuture<WriteResult> future : futures)
                {
                    assertEquals(LINE.length, future.get().bytesWritten());
                }
                for (int i = 0; i < 10; i++)
                {
                    assertArrayEquals(LINE, Files.readAllBytes(doomed.resolve("f-" + i + ".log")));
                }
                assertStillWorking(engine, 0);
            }
            else
            {
                for (final CompletableFuture<WriteResult> future : futures)
                {
                    final WriteFailedException failed = assertWriteFailed(future);
                    assertInstanceOf(java.nio.file.NoSuchFileException.class, failed.getCause());
                }
                assertFailuresNamePaths(pending);
                assertStillWorking(engine, 10);
                Files.createDirectories(doomed);
                engine.submit(pending.get(0), LINE).get(30, TimeUnit.SECONDS);
                assertArrayEquals(LINE, Files.readAllBytes(doomed.resolve("f-0.log")));
            }
        }
        assertClosedCleanly();
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void shouldFailWritesThroughAFileUsedAsDirectory() throws Exception
    {
        final Path plain = dir.resolve("plain.txt");
        Files.writeString(plain, "plain\n");
        try (WriteEngine engine = engine().createParents(true).build())
        {
            final List<Path> bad = List.of(
                Path.of("plain.txt", "child.log"),
                Path.of("plain.txt", "a", "b", "child.log"),
                Path.of("plain.txt", "state"));
            final List<CompletableFuture<WriteResult>> futures = new ArrayList<>();
            futures.add(engine.submit(bad.get(0), LINE));
            engine.write(bad.get(1), LINE);
            futures.add(engine.submit(WriteRequest.of(bad.get(2), LINE).withMode(WriteMode.ATOMIC_REPLACE)));
            engine.flush();

            for (final CompletableFuture<WriteResult> future : futures)
            {
                final WriteFailedException failed = assertWriteFailed(future);
                assertEquals(1, failed.attempts(), "a file is no directory on a second try: " + failed.getCause());
            }
            assertFailuresNamePaths(bad);
            assertEquals("plain\n", Files.readString(plain));
            assertStillWorking(engine, bad.size());
        }
        assertClosedCleanly();
    }

    /**
     * One file fails once while a burst of writes to it is already in the ring: the writes behind the failed one
     * are set aside until the few retry slots are all taken and the worker waits for one (backpressure). The failed
     * write's retry must still reach the worker, and every write land once, in order.
     */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void shouldDrainWritesParkedBehindAFailureWhenRetrySlotsRunOut() throws Exception
    {
        final CountDownLatch published = new CountDownLatch(1);
        final AtomicBoolean failNext = new AtomicBoolean(true);
        final Path busy = dir.resolve("busy");
        final FileIo failOnce = new ReliabilitySupport.HookedFileIo((path) ->
        {
            if (path.startsWith(busy) && failNext.compareAndSet(true, false))
            {
                // The burst is in the ring before the failure: the retry comes back behind all of it.
                awaitUninterruptibly(published);
                throw new IOException("injected transient failure: " + path);
            }
        });
        final int writes = 100;
        final StringBuilder expected = new StringBuilder();
        try (WriteEngine engine = engine().workers(1).ringSize(1024).retrySlots(4).fileIo(failOnce).build())
        {
            for (int i = 0; i < writes; i++)
            {
                final String line = "write " + i + "\n";
                engine.write(Path.of("busy", "busy.log"), line.getBytes(StandardCharsets.US_ASCII));
                expected.append(line);
            }
            published.countDown();
            engine.flush();
            assertEquals(writes, engine.stats().written(), engine.stats().toString());
            assertEquals(1, engine.stats().retried(), engine.stats().toString());
        }
        assertEquals(expected.toString(), Files.readString(busy.resolve("busy.log")));
        assertEquals(List.of(), handler.failures);
    }

    /**
     * A retried write and a newer write to the same file land in one worker batch while every retry slot is taken:
     * the newer one must wait (set aside) for a slot that only the retried one frees once written. The seam fails the
     * file's first open and holds the worker on another file while the agent republishes, so both fall into one
     * batch; the faults and the files are real.
     */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void shouldNotDeadlockWhenARetriedWriteAndANewerOneShareABatch() throws Exception
    {
        final Path p = dir.resolve("p");
        final Path q = dir.resolve("q");
        final AtomicBoolean failP = new AtomicBoolean(true);
        final AtomicBoolean holdQ = new AtomicBoolean(true);
        final CountDownLatch atQ = new CountDownLatch(1);
        final CountDownLatch releaseQ = new CountDownLatch(1);
        final FileIo io = new ReliabilitySupport.HookedFileIo((path) ->
        {
            if (path.startsWith(p) && failP.get())
            {
                throw new IOException("injected transient failure: " + path);
            }
            if (path.startsWith(q) && holdQ.compareAndSet(true, false))
            {
                atQ.countDown();
                awaitUninterruptibly(releaseQ);
            }
        });
        final StringBuilder expected = new StringBuilder();
        try (WriteEngine engine = engine().workers(1).ringSize(64).retrySlots(4).fileIo(io)
            .retryPolicy(RetryPolicy.exponential(100_000, Duration.ofMillis(1), Duration.ofMillis(1))).build())
        {
            // 1: the first write keeps failing and comes back every millisecond; three more wait behind it: all
            // four retry slots are taken.
            for (int i = 0; i < 4; i++)
            {
                expected.append("p").append(i).append('\n');
                engine.write(Path.of("p", "p.log"), ("p" + i + "\n").getBytes(StandardCharsets.US_ASCII));
            }
            assertTrue(ReliabilitySupport.awaitCondition(() -> engine.stats().retryPending() == 4, 10_000),
                engine.stats().toString());
            // 2: the worker stops on another file; the agent then puts the failing write back into the ring once
            // more, behind the held message (one retry of a file is out at a time). The count is read before q is
            // written: read after the hold, it could already include the one republish that now waits behind q, and
            // no other would ever come.
            final long retriedBeforeQ = engine.stats().retried();
            engine.write(Path.of("q", "q.log"), LINE);
            assertTrue(atQ.await(10, TimeUnit.SECONDS));
            assertTrue(ReliabilitySupport.awaitCondition(() -> engine.stats().retried() > retriedBeforeQ, 10_000),
                engine.stats().toString());
            // 3: from now on the file opens; a newer write to it goes in behind the republished one; let go.
            failP.set(false);
            expected.append("p4\n");
            engine.write(Path.of("p", "p.log"), "p4\n".getBytes(StandardCharsets.US_ASCII));
            releaseQ.countDown();
            engine.flush();
            assertEquals(6, engine.stats().written(), engine.stats().toString());
        }
        assertEquals(expected.toString(), Files.readString(p.resolve("p.log")));
        assertEquals(List.of(), handler.failures);
    }

    /**
     * Two workers open their first files in a directory that does not exist yet: one creates it, the other's open
     * failed a moment before. The loser must open again, not fail (no retries allowed here, so a failure is final).
     */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void shouldOpenInADirectoryAnotherWorkerCreatedAMomentAgo() throws Exception
    {
        final Path fresh = dir.resolve("fresh");
        final CountDownLatch created = new CountDownLatch(1);
        final AtomicBoolean first = new AtomicBoolean(true);
        final FileIo io = new ReliabilitySupport.HookedFileIo((path) -> { })
        {
            public java.nio.file.SecureDirectoryStream<Path> openDirectory(final Path root, final Path relativeDir)
                throws IOException
            {
                try
                {
                    return super.openDirectory(root, relativeDir);
                }
                catch (final java.nio.file.NoSuchFileException ex)
                {
                    // The first loser waits (bounded) until the other worker has created the directory.
                    if (first.compareAndSet(true, false))
                    {
                        try
                        {
                            created.await(5, TimeUnit.SECONDS);
                        }
                        catch (final InterruptedException ie)
                        {
                            Thread.currentThread().interrupt();
                        }
                    }
                    throw ex;
                }
            }

            public FileChannel open(final Path path, final Set<? extends java.nio.file.OpenOption> options)
                throws IOException
            {
                try
                {
                    return super.open(path, options);
                }
                catch (final java.nio.file.NoSuchFileException ex)
                {
                    if (first.compareAndSet(true, false))
                    {
                        try
                        {
                            created.await(5, TimeUnit.SECONDS);
                        }
                        catch (final InterruptedException ie)
                        {
                            Thread.currentThread().interrupt();
                        }
                    }
                    throw ex;
                }
            }

            public void createDirectories(final Path d) throws IOException
            {
                super.createDirectories(d);
                created.countDown();
            }
        };
        try (WriteEngine engine = engine().workers(2).retryPolicy(RetryPolicy.none()).fileIo(io).build())
        {
            // Sixteen files: both workers get some (all in one shard has odds of 1 in 2^15).
            for (int i = 0; i < 16; i++)
            {
                engine.write(Path.of("fresh", "f-" + i + ".log"), LINE);
            }
            engine.flush();
            assertEquals(List.of(), handler.drain(), "a write failed because another worker created the directory");
            assertEquals(16, engine.stats().written());
        }
        for (int i = 0; i < 16; i++)
        {
            assertArrayEquals(LINE, Files.readAllBytes(fresh.resolve("f-" + i + ".log")));
        }
    }

    private static boolean cannotCreate(final Path probe)
    {
        try
        {
            Files.createFile(probe);
            Files.delete(probe);
            return false;
        }
        catch (final IOException ex)
        {
            return true;
        }
    }

    private static WriteFailedException assertWriteFailed(final CompletableFuture<WriteResult> future)
    {
        final ExecutionException ex = assertThrows(ExecutionException.class, () -> future.get(30, TimeUnit.SECONDS));
        return assertInstanceOf(WriteFailedException.class, ex.getCause());
    }

    /**
     * Exactly one failure per bad path, each naming it: its message, or a cause's, holds the path as written or as
     * resolved against the root.
     */
    private void assertFailuresNamePaths(final List<Path> bad)
    {
        final List<ReliabilitySupport.Failure> failures = handler.drain();
        final Set<Path> reported = new HashSet<>();
        for (final ReliabilitySupport.Failure failure : failures)
        {
            assertTrue(reported.add(failure.path()), "failure reported twice for " + failure.path());
            final String messages = failure.messages();
            assertTrue(messages.contains(failure.path().toString()) ||
                messages.contains(dir.resolve(failure.path()).toString()),
                "failure does not name the path " + failure.path() + ": " + messages);
        }
        assertEquals(new HashSet<>(bad), reported, "failures reported");
    }

    private void assertStillWorking(final WriteEngine engine, final long failed) throws Exception
    {
        assertEquals(List.of(), threads.deadThreads(), "an engine thread died");
        // Into an existing directory, so that it also works without createParents.
        Files.createDirectories(dir.resolve("elsewhere"));
        final Path elsewhere = Path.of("elsewhere", "after-" + System.nanoTime() + ".log");
        assertEquals(LINE.length, engine.submit(elsewhere, LINE).get(30, TimeUnit.SECONDS).bytesWritten());
        assertArrayEquals(LINE, Files.readAllBytes(dir.resolve(elsewhere)));
        engine.flush();
        final EngineStats stats = engine.stats();
        assertEquals(stats.published(), stats.completed(), stats.toString());
        assertEquals(failed, stats.failed(), stats.toString());
    }

    private void assertClosedCleanly() throws IOException
    {
        assertEquals(List.of(), threads.aliveThreads(), "engine threads alive after close");
        assertEquals(0, ReliabilitySupport.counterValue(dir.resolve("counters.dat"), EngineCounter.ERRORS),
            "errors outside any write (a worker or the agent threw)");
    }

    private static byte[] twice(final byte[] bytes)
    {
        final byte[] result = new byte[bytes.length * 2];
        System.arraycopy(bytes, 0, result, 0, bytes.length);
        System.arraycopy(bytes, 0, result, bytes.length, bytes.length);
        return result;
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
}
