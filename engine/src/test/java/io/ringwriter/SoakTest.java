package io.ringwriter;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Streams at full rate (four producers: write, tryWrite, submit, submit with a deadline) for
 * {@code -Dringwriter.soak.seconds} (default 120) into files that rotate to a new directory every second, the old
 * ones deleted, so the disk holds a few seconds of data. Every {@code seconds / 12}: a full GC, then the heap in use,
 * the live threads and the open descriptors. The heap after GC stays flat (the last third of the samples no higher
 * than the first third by more than {@value #HEAP_SLACK_MB} MB), threads and descriptors do not grow, and after
 * close everything is back to the start.
 * <p>
 * Slow: run with {@code mvn -Pslow}; a short form for CI: {@code -Pslow -Dringwriter.soak.seconds=15}.
 */
@Tag("slow")
class SoakTest
{
    private static final long SECONDS = Long.getLong("ringwriter.soak.seconds", 120);
    private static final int HEAP_SLACK_MB = 16;
    private static final int PRODUCERS = 4;
    private static final int MAX_OPEN_FILES = 64;

    @TempDir
    Path dir;

    private record Sample(long atMs, long heapUsed, int threads, int fds)
    {
    }

    @Test
    @Timeout(value = 3600, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void shouldKeepHeapThreadsAndDescriptorsFlatAtFullRate() throws Exception
    {
        final long seed = Long.getLong("ringwriter.seed", System.nanoTime());
        final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        // One short engine first: the JVM keeps open the library jars it loads classes from, once, on first use.
        try (WriteEngine warmUp = WriteEngine.builder().root(dir).workers(2).build())
        {
            warmUp.write(Path.of("warm-up.log"), new byte[]{1});
            warmUp.flush();
        }
        final int baselineFds = ReliabilitySupport.openFds();
        final Set<Thread> baselineThreads = ReliabilitySupport.liveThreads();
        final List<Sample> samples = new ArrayList<>();
        final AtomicInteger generation = new AtomicInteger();
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong futureFailures = new AtomicLong();
        final ReliabilitySupport.RecordingFailureHandler handler = new ReliabilitySupport.RecordingFailureHandler();
        final long startNs = System.nanoTime();
        final EngineStats stats;

        try (WriteEngine engine = WriteEngine.builder().root(dir).ringSize(4096).slotSize(128).workers(2)
            .maxOpenFiles(MAX_OPEN_FILES).failureHandler(handler).countersFile(dir.resolve("counters.dat")).build())
        {
            final CountDownLatch started = new CountDownLatch(PRODUCERS);
            final List<Thread> producers = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++)
            {
                final int producer = p;
                final Thread thread = new Thread(() ->
                {
                    started.countDown();
                    stream(engine, producer, new Random(seed + producer), generation, stop, futureFailures);
                }, "soak-producer-" + p);
                producers.add(thread);
                thread.start();
            }
            started.await();

            final long intervalMs = Math.max(1000, SECONDS * 1000 / 12);
            final long endNs = startNs + TimeUnit.SECONDS.toNanos(SECONDS);
            long nextSampleNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(intervalMs);
            while (System.nanoTime() - endNs < 0)
            {
                // A new directory every second; everything two generations old is deleted (the engine may still
                // hold a handle on a few of those files: the space goes when the handle is evicted).
                LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
                final int current = generation.incrementAndGet();
                deleteGenerationsBefore(current - 1);
                if (System.nanoTime() - nextSampleNs >= 0)
                {
                    nextSampleNs += TimeUnit.MILLISECONDS.toNanos(intervalMs);
                    samples.add(sample(memory, startNs));
                }
            }
            stop.set(true);
            for (final Thread thread : producers)
            {
                thread.join();
            }
            engine.flush();
            stats = engine.stats();
        }
        deleteGenerationsBefore(Integer.MAX_VALUE);

        final StringBuilder table = new StringBuilder();
        for (final Sample s : samples)
        {
            table.append(String.format("%n  t=%6d ms heap=%6.1f MB threads=%d fds=%d", s.atMs(), s.heapUsed() / 1e6,
                s.threads(), s.fds()));
        }
        System.out.println("SoakTest: seed=" + seed + " " + SECONDS + " s, " + stats.published() + " writes (" +
            stats.bytesWritten() / 1_000_000 + " MB) at " + stats.published() / Math.max(1, SECONDS) + "/s, failed=" +
            stats.failed() + " timedOut=" + stats.timedOut() + table);

        assertTrue(samples.size() >= 6, "too few samples: " + samples.size());
        assertEquals(List.of(), handler.failures, "seed=" + seed);
        assertEquals(0, futureFailures.get(), "seed=" + seed);
        assertEquals(stats.published(), stats.completed(), stats.toString());

        final int third = samples.size() / 3;
        final long firstThird = samples.subList(1, third + 1).stream().mapToLong(Sample::heapUsed).max().orElse(0);
        final long lastThird = samples.subList(samples.size() - third, samples.size()).stream()
            .mapToLong(Sample::heapUsed).min().orElse(0);
        assertTrue(lastThird <= firstThird + HEAP_SLACK_MB * 1_000_000L, "heap after GC grew from " + firstThird +
            " (max of the first third) to " + lastThird + " (min of the last third):" + table);
        final int minThreads = samples.stream().mapToInt(Sample::threads).min().orElse(0);
        final int maxThreads = samples.stream().mapToInt(Sample::threads).max().orElse(0);
        assertTrue(maxThreads - minThreads <= 1, "thread count moved while streaming:" + table);
        final int maxFds = samples.stream().max(Comparator.comparingInt(Sample::fds)).map(Sample::fds).orElse(0);
        assertTrue(maxFds <= baselineFds + MAX_OPEN_FILES + 8, "descriptors " + maxFds + ", baseline " + baselineFds +
            table);
        assertTrue(ReliabilitySupport.awaitCondition(() -> ReliabilitySupport.openFds() <= baselineFds + 1, 5_000),
            "descriptors after close: " + ReliabilitySupport.openFds() + ", baseline " + baselineFds);
        assertEquals(List.of(), ReliabilitySupport.newThreadNames(baselineThreads), "threads left after close");
    }

    private static void stream(
        final WriteEngine engine,
        final int producer,
        final Random random,
        final AtomicInteger generation,
        final AtomicBoolean stop,
        final AtomicLong futureFailures)
    {
        final byte[][] messages = new byte[8][];
        for (int i = 0; i < messages.length; i++)
        {
            messages[i] = new byte[16 + random.nextInt(200)];
            random.nextBytes(messages[i]);
        }
        final Path[] paths = new Path[12];
        int pathGeneration = -1;
        long n = 0;
        while (!stop.get())
        {
            final int g = generation.get();
            if (g != pathGeneration)
            {
                pathGeneration = g;
                for (int f = 0; f < paths.length; f++)
                {
                    paths[f] = Path.of("gen-" + g, "p" + producer + "-" + f + ".log");
                }
            }
            final Path path = paths[random.nextInt(paths.length)];
            final byte[] message = messages[(int)(n++ & 7)];
            final int op = random.nextInt(20);
            if (op < 14)
            {
                engine.write(path, message);
            }
            else if (op < 16)
            {
                engine.tryWrite(path, message);
            }
            else if (op < 19)
            {
                engine.submit(path, message).whenComplete((r, ex) -> countFailure(ex, futureFailures));
            }
            else
            {
                // Deadlines far beyond the write's latency, as a caller would set them.
                engine.submit(WriteRequest.of(path, message).withDeadline(Duration.ofMinutes(5)))
                    .whenComplete((r, ex) -> countFailure(ex, futureFailures));
            }
        }
    }

    private static void countFailure(final Throwable ex, final AtomicLong failures)
    {
        if (ex != null)
        {
            failures.incrementAndGet();
        }
    }

    private static Sample sample(final MemoryMXBean memory, final long startNs)
    {
        System.gc();
        System.gc();
        return new Sample(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs),
            memory.getHeapMemoryUsage().getUsed(), ReliabilitySupport.liveThreads().size(),
            ReliabilitySupport.openFds());
    }

    private void deleteGenerationsBefore(final int generation) throws IOException
    {
        try (Stream<Path> list = Files.list(dir))
        {
            for (final Path genDir : (Iterable<Path>)list::iterator)
            {
                final String name = genDir.getFileName().toString();
                if (name.startsWith("gen-") && Integer.parseInt(name.substring(4)) < generation)
                {
                    deleteTree(genDir);
                }
            }
        }
    }

    private static void deleteTree(final Path genDir)
    {
        try (Stream<Path> walk = Files.walk(genDir))
        {
            for (final Path path : (Iterable<Path>)walk.sorted(Comparator.reverseOrder())::iterator)
            {
                Files.deleteIfExists(path);
            }
        }
        catch (final IOException ex)
        {
            // A late write recreated a file while deleting: the next sweep takes it.
        }
    }
}
