package io.ringwriter;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Descriptors, threads and buffers the engine takes must come back: bounded by maxOpenFiles while it runs, back to
 * where they were after close; and completed writes must not stay reachable from the engine.
 * <p>
 * Descriptors are counted in /proc/self/fd by a sampling thread while the writes run (the sampler's own listing
 * holds one descriptor; the baseline is taken the same way).
 */
class LeakTest
{
    private static final int MAX_OPEN_FILES = 64;
    /**
     * Descriptors the engine may hold beyond its file handles for a moment (a directory forced, a temporary file),
     * plus noise from the JVM and the sampler.
     */
    private static final int SLACK_FDS = 8;

    @TempDir
    Path dir;

    @BeforeEach
    void needsProcFs()
    {
        Assumptions.assumeTrue(ReliabilitySupport.canCountFds(), "no /proc/self/fd to count descriptors");
    }

    @Test
    @Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void shouldBoundDescriptorsWhileWritingToManyFiles() throws Exception
    {
        writeManyFilesWithinDescriptorBudget(200_000, 20_000);
    }

    @Test
    @Tag("slow")
    @Timeout(value = 1800, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void shouldBoundDescriptorsOverAMillionWritesToHundredThousandFiles() throws Exception
    {
        writeManyFilesWithinDescriptorBudget(1_000_000, 100_000);
    }

    private void writeManyFilesWithinDescriptorBudget(final int writes, final int files) throws Exception
    {
        // One short engine first: the JVM keeps open the library jars it loads classes from, once, on first use.
        try (WriteEngine warmUp = WriteEngine.builder().root(dir).maxOpenFiles(MAX_OPEN_FILES).workers(2).build())
        {
            warmUp.write(Path.of("warm-up.log"), line(0));
            warmUp.flush();
        }
        final int baselineFds = ReliabilitySupport.openFds();
        final Set<Thread> baselineThreads = ReliabilitySupport.liveThreads();
        final AtomicInteger maxFds = new AtomicInteger(baselineFds);
        final AtomicInteger samples = new AtomicInteger();
        final AtomicBoolean stop = new AtomicBoolean();
        final Thread sampler = new Thread(() ->
        {
            while (!stop.get())
            {
                maxFds.accumulateAndGet(ReliabilitySupport.openFds(), Math::max);
                samples.incrementAndGet();
                // Sampling period, not a synchronisation.
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(500));
            }
        }, "fd-sampler");

        final int rounds = writes / files;
        // A stride coprime with the file count visits every file once per round in a scattered order: almost every
        // write misses the 64-handle cache, opens a file and evicts another.
        final int stride = coprimeStride(files);
        final long start = System.nanoTime();
        EngineStats stats;
        sampler.start();
        try (WriteEngine engine = WriteEngine.builder().root(dir).maxOpenFiles(MAX_OPEN_FILES).workers(2)
            .ringSize(4096).slotSize(32).build())
        {
            for (int i = 0; i < writes; i++)
            {
                final int file = (int)((long)i * stride % files);
                final int round = i / files;
                engine.write(pathOf(file), line(round));
            }
            engine.flush();
            stats = engine.stats();
            assertTrue(stats.openFiles() <= MAX_OPEN_FILES, stats.toString());
        }
        finally
        {
            stop.set(true);
            sampler.join();
        }
        final long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertEquals(writes, stats.written(), stats.toString());
        assertTrue(maxFds.get() <= baselineFds + MAX_OPEN_FILES + SLACK_FDS, "descriptors peaked at " + maxFds.get() +
            " with baseline " + baselineFds + " and maxOpenFiles " + MAX_OPEN_FILES + " (" + samples.get() +
            " samples)");
        assertTrue(ReliabilitySupport.awaitCondition(() -> ReliabilitySupport.openFds() <= baselineFds, 5_000),
            "descriptors after close: " + ReliabilitySupport.openFds() + ", baseline " + baselineFds);
        assertEquals(List.of(), ReliabilitySupport.newThreadNames(baselineThreads), "threads left after close");

        for (int file = 0; file < files; file++)
        {
            final StringBuilder expected = new StringBuilder();
            for (int round = 0; round < rounds; round++)
            {
                expected.append(round).append('\n');
            }
            assertEquals(expected.toString(), Files.readString(dir.resolve(pathOf(file))), "file " + file);
        }
        System.out.println("LeakTest: " + writes + " writes over " + files + " files, maxOpenFiles=" +
            MAX_OPEN_FILES + ": fds baseline=" + baselineFds + " peak=" + maxFds.get() + " (+" +
            (maxFds.get() - baselineFds) + ", " + samples.get() + " samples), after close=" +
            ReliabilitySupport.openFds() + ", " + elapsedMs + " ms");
    }

    @Test
    @Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void shouldLeakNothingOverTwoHundredEngineLifecycles() throws Exception
    {
        final Path counters = dir.resolve("counters");
        // One engine first: classes loaded, JIT and pools warmed, so the baseline holds only what stays.
        oneLifecycle(counters, -1);
        System.gc();
        final int baselineFds = ReliabilitySupport.openFds();
        final Set<Thread> baselineThreads = ReliabilitySupport.liveThreads();
        final long baselineMapped = ReliabilitySupport.bufferCount("mapped");
        final long baselineDirect = ReliabilitySupport.bufferCount("direct");
        long maxMapped = baselineMapped;

        for (int i = 0; i < 200; i++)
        {
            oneLifecycle(counters, i);
            // Unmapped in close(), not by the GC: exact after every close.
            assertEquals(baselineMapped, ReliabilitySupport.bufferCount("mapped"), "mapped buffers after engine " + i);
            maxMapped = Math.max(maxMapped, ReliabilitySupport.bufferCount("mapped"));
        }

        assertTrue(ReliabilitySupport.awaitCondition(() -> ReliabilitySupport.openFds() <= baselineFds, 5_000),
            "descriptors after 200 engines: " + ReliabilitySupport.openFds() + ", baseline " + baselineFds);
        assertEquals(List.of(), ReliabilitySupport.newThreadNames(baselineThreads), "threads left after 200 engines");
        // Direct buffers the engine does not free itself go with the engine object: after a GC, their cleaners.
        assertTrue(ReliabilitySupport.awaitCondition(() ->
        {
            System.gc();
            return ReliabilitySupport.bufferCount("direct") <= baselineDirect;
        }, 10_000), "direct buffers after 200 engines and GC: " + ReliabilitySupport.bufferCount("direct") +
            ", baseline " + baselineDirect);
        System.out.println("LeakTest lifecycles: 200 engines with a counters file: fds " + baselineFds + " -> " +
            ReliabilitySupport.openFds() + ", mapped buffers " + baselineMapped + " -> " +
            ReliabilitySupport.bufferCount("mapped") + " (max " + maxMapped + "), direct buffers " + baselineDirect +
            " -> " + ReliabilitySupport.bufferCount("direct") + ", new threads " +
            ReliabilitySupport.newThreadNames(baselineThreads).size());
    }

    private void oneLifecycle(final Path counters, final int i) throws IOException
    {
        final Path countersFile = counters.resolve("engine-" + (i & 7) + ".dat");
        final Path file = Path.of("life", "f-" + (i & 15) + ".log");
        final byte[] message = ("engine " + i + "\n").getBytes(StandardCharsets.US_ASCII);
        final long before = Files.exists(dir.resolve(file)) ? Files.size(dir.resolve(file)) : 0;
        try (WriteEngine engine = WriteEngine.builder().root(dir).ringSize(64).slotSize(64).workers(2)
            .durability(i % 2 == 0 ? Durability.FSYNC : Durability.NONE).countersFile(countersFile).build())
        {
            engine.write(file, message);
            engine.write(Path.of("life", "other.log"), message);
            engine.submit(WriteRequest.of(Path.of("life", "state-" + (i & 3)), message)
                .withMode(WriteMode.ATOMIC_REPLACE));
            engine.flush();
        }
        assertEquals(before + message.length, Files.size(dir.resolve(file)), "engine " + i);
    }

    /**
     * Many files in one worker batch with only a few handles: each new file evicts a handle that the batch has
     * already used. Every message must still be written once, to its own file. The seam holds the worker at its
     * first open until every message is in the ring, so they all fall into one batch.
     */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void shouldWriteEachMessageOnceWhenHandlesAreEvictedWithinABatch() throws Exception
    {
        final java.util.concurrent.CountDownLatch published = new java.util.concurrent.CountDownLatch(1);
        final AtomicBoolean first = new AtomicBoolean(true);
        final FileIo holdFirstOpen = new ReliabilitySupport.HookedFileIo((path) ->
        {
            if (first.compareAndSet(true, false))
            {
                try
                {
                    published.await();
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                }
            }
        });
        final int files = 40;
        try (WriteEngine engine = WriteEngine.builder().root(dir).maxOpenFiles(4).workers(1).ringSize(256)
            .slotSize(32).fileIo(holdFirstOpen).build())
        {
            for (int round = 0; round < 3; round++)
            {
                for (int file = 0; file < files; file++)
                {
                    engine.write(Path.of("evict", "f" + file + ".log"), line(round));
                }
            }
            published.countDown();
            engine.flush();
            assertEquals(3L * files, engine.stats().written());
        }
        for (int file = 0; file < files; file++)
        {
            assertEquals("0\n1\n2\n", Files.readString(dir.resolve("evict/f" + file + ".log")), "file " + file);
        }
    }

    /**
     * A future handed to the caller and completed must not stay reachable from the engine: with a deadline as with
     * none. (Weak references, cleared by a GC once nothing else holds the futures.)
     */
    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void shouldNotRetainCompletedWritesWithOrWithoutDeadlines() throws Exception
    {
        try (WriteEngine engine = WriteEngine.builder().root(dir).ringSize(1024).slotSize(64).workers(2).build())
        {
            final List<WeakReference<CompletableFuture<WriteResult>>> withDeadline = submitAndForget(engine,
                Duration.ofMinutes(10));
            final List<WeakReference<CompletableFuture<WriteResult>>> without = submitAndForget(engine, null);
            // Ring slots keep the last message's references until reused (bounded by the ring): reuse them all.
            for (int i = 0; i < 2 * engine.ringSize(); i++)
            {
                engine.write(Path.of("weak", "cycle.log"), "c\n".getBytes(StandardCharsets.US_ASCII));
            }
            engine.flush();
            assertTrue(ReliabilitySupport.awaitCondition(() ->
            {
                System.gc();
                return countLive(without) == 0;
            }, 10_000), countLive(without) + " of " + without.size() + " completed futures without deadline retained");
            assertTrue(ReliabilitySupport.awaitCondition(() ->
            {
                System.gc();
                return countLive(withDeadline) == 0;
            }, 10_000), countLive(withDeadline) + " of " + withDeadline.size() +
                " completed futures with a 10-minute deadline still reachable from the engine");
        }
    }

    private static List<WeakReference<CompletableFuture<WriteResult>>> submitAndForget(
        final WriteEngine engine, final Duration deadline) throws Exception
    {
        final List<WeakReference<CompletableFuture<WriteResult>>> refs = new ArrayList<>();
        final byte[] message = "x\n".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 10_000; i++)
        {
            final WriteRequest request = WriteRequest.of(Path.of("weak", "f-" + (i & 63) + ".log"), message);
            final CompletableFuture<WriteResult> future =
                engine.submit(deadline == null ? request : request.withDeadline(deadline));
            refs.add(new WeakReference<>(future));
            if (i % 1000 == 999)
            {
                engine.flush();
            }
        }
        engine.flush();
        for (final WeakReference<CompletableFuture<WriteResult>> ref : refs)
        {
            final CompletableFuture<WriteResult> future = ref.get();
            if (future != null)
            {
                assertEquals(message.length, future.get(30, TimeUnit.SECONDS).bytesWritten());
            }
        }
        return refs;
    }

    private static int countLive(final List<WeakReference<CompletableFuture<WriteResult>>> refs)
    {
        int live = 0;
        for (final WeakReference<CompletableFuture<WriteResult>> ref : refs)
        {
            live += ref.get() != null ? 1 : 0;
        }
        return live;
    }

    private static Path pathOf(final int file)
    {
        return Path.of("d" + (file % 100), "f" + file + ".log");
    }

    private static byte[] line(final int round)
    {
        return (round + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static int coprimeStride(final int n)
    {
        int stride = 7919;
        while (gcd(stride, n) != 1)
        {
            stride += 2;
        }
        return stride;
    }

    private static int gcd(final int a, final int b)
    {
        return b == 0 ? a : gcd(b, a % b);
    }
}
