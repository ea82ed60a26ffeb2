package io.ringwriter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Messages that fill their slots exactly lie end to end in the ring, and a worker writes a long run of them straight
 * from the ring instead of copying it (WriteWorker.writeChain). These tests make such runs on purpose, across ring
 * wraps, mixed with messages that break them, from several producers and under injected faults, and read every file
 * back byte for byte.
 */
@ExtendWith(TestSupport.NoLeakedThreads.class)
class ContiguousRunTest
{
    private static final long SEED = Long.getLong("ringwriter.test.seed", 20261127L);
    private static final int SLOT = 64;
    private static final int RING = 1024;
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private final TestSupport.RecordingFailureHandler failures = new TestSupport.RecordingFailureHandler();

    /**
     * One slot, two or three slots exactly, and now and then a length that leaves a gap and ends a run.
     */
    private static int runSize(final int producer, final int file, final int seq)
    {
        final long h = TestMessages.mix(producer * 1_000_003L ^ file * 7_919L ^ seq * 0x9E3779B97F4A7C15L);
        final int bucket = (int)((h >>> 40) % 100);
        if (bucket < 60)
        {
            return SLOT;
        }
        if (bucket < 95)
        {
            return SLOT * (2 + (int)((h >>> 8) & 1));
        }
        return TestMessages.HEADER + (int)((h >>> 16) % 100);
    }

    /**
     * One producer writes bursts of 300 messages to one file at a time, so the ring holds runs of many KiB: the
     * runs are written from the ring (the file I/O sees writes from a buffer of the ring's size) and every file
     * reads back in order.
     */
    @Test
    void shouldWriteLongRunsStraightFromTheRingInOrder() throws Exception
    {
        final int fileCount = 4;
        final int bursts = 200;
        final int burst = 300;
        // The stage buffer must not have the ring's capacity, or counting writes by capacity would mean nothing.
        assertTrue(Configuration.STAGE_BUFFER_SIZE_DEFAULT != RING * SLOT);
        final CountingFileIo io = new CountingFileIo(RING * SLOT);
        final Path[] files = files(fileCount);
        final int[] written = new int[fileCount];
        try (WriteEngine engine = WriteEngine.builder()
            .ringSize(RING).slotSize(SLOT).workers(2).fileIo(io).failureHandler(failures).build())
        {
            final byte[] scratch = new byte[SLOT * 3];
            for (int b = 0; b < bursts; b++)
            {
                final int f = b % fileCount;
                for (int i = 0; i < burst; i++)
                {
                    final int seq = written[f]++;
                    final int length = TestMessages.encode(scratch, 0, f, seq, runSize(0, f, seq));
                    engine.write(files[f], scratch, 0, length);
                }
            }
            TestSupport.flush(engine);
            final EngineStats stats = engine.stats();
            assertEquals((long)bursts * burst, stats.written(), "written: " + stats);
            assertEquals(0, stats.failed());
            TestSupport.assertCountersAddUp(stats);
        }
        assertEquals(List.of(), failures.failures);
        assertTrue(io.fromRing.get() > 0, "runs written straight from the ring: " + io.fromRing.get() +
            " of " + io.writes.get() + " writes");
        for (int f = 0; f < fileCount; f++)
        {
            TestMessages.verifyFile(files[f], Files.readAllBytes(files[f]), f, 1, new int[]{written[f]});
        }
    }

    /**
     * Three producers, each writing bursts to its own pair of files and some single messages to a shared file, so
     * runs form, break and interleave; short writes and failed writes (retried) land in the middle of runs. Every
     * file reads back whole, in per-producer order, with nothing doubled by a retried run.
     */
    @Test
    void shouldKeepRunsWholeUnderShortWritesAndRetriedFaults() throws Exception
    {
        final int producers = 3;
        final int fileCount = producers * 2 + 1;
        final int shared = fileCount - 1;
        final int rounds = 40;
        final int burst = 150;
        final FaultyFileIo io = new FaultyFileIo();
        io.shortWritesWithProbability(0.3, SEED);
        io.failWithProbability(FaultyFileIo.Op.WRITE, 0.05, SEED + 1, FaultyFileIo.IO_ERROR, FaultyFileIo.NO_SPACE);
        final Path[] files = files(fileCount);
        final int[][] written = new int[fileCount][producers];
        try (WriteEngine engine = WriteEngine.builder()
            .ringSize(RING).slotSize(SLOT).workers(2).fileIo(io).failureHandler(failures)
            .closeTimeout(CLOSE_TIMEOUT)
            .retryPolicy(RetryPolicy.exponential(60, Duration.ofMillis(1), Duration.ofMillis(5)))
            .build())
        {
            final CyclicBarrier start = new CyclicBarrier(producers);
            final List<CompletableFuture<int[][]>> running = new ArrayList<>();
            for (int p = 0; p < producers; p++)
            {
                final int producer = p;
                running.add(TestSupport.async("producer-" + p, () ->
                {
                    final int[][] counts = new int[fileCount][producers];
                    final byte[] scratch = new byte[SLOT * 3];
                    TestSupport.await(start);
                    for (int r = 0; r < rounds; r++)
                    {
                        final int f = producer * 2 + (r & 1);
                        for (int i = 0; i < burst; i++)
                        {
                            final int seq = counts[f][producer]++;
                            final int length =
                                TestMessages.encode(scratch, producer, f, seq, runSize(producer, f, seq));
                            engine.write(files[f], scratch, 0, length);
                        }
                        final int seq = counts[shared][producer]++;
                        final int length =
                            TestMessages.encode(scratch, producer, shared, seq, runSize(producer, shared, seq));
                        engine.write(files[shared], scratch, 0, length);
                    }
                    return counts;
                }));
            }
            TestSupport.addProducerCounts(engine, running, written);
            TestSupport.flush(engine);
            final EngineStats stats = engine.stats();
            final long total = (long)producers * rounds * (burst + 1);
            assertEquals(List.of(), failures.failures, "no write fails for good");
            assertEquals(total, stats.written(), "written: " + stats);
            assertEquals(0, stats.failed());
            assertTrue(stats.retried() > 0, "retries made: " + stats);
            assertEquals(0, stats.retryPending(), "nothing left set aside: " + stats);
            TestSupport.assertCountersAddUp(stats);
        }
        long messages = 0;
        for (int f = 0; f < fileCount; f++)
        {
            messages += TestMessages.verifyFile(files[f], Files.readAllBytes(files[f]), f, producers, written[f]);
        }
        assertEquals((long)producers * rounds * (burst + 1), messages);
        assertTrue(io.injected() > 0, "faults injected");
    }

    private Path[] files(final int count)
    {
        final Path[] files = new Path[count];
        for (int f = 0; f < count; f++)
        {
            files[f] = dir.resolve("run-" + f + ".log");
        }
        return files;
    }

    /**
     * The real file system, counting the writes whose source is a buffer of the ring's size (the ring's own view;
     * the stage buffer has another capacity).
     */
    private static final class CountingFileIo implements FileIo
    {
        final AtomicLong writes = new AtomicLong();
        final AtomicLong fromRing = new AtomicLong();
        private final int ringBytes;

        CountingFileIo(final int ringBytes)
        {
            this.ringBytes = ringBytes;
        }

        public int write(final FileChannel channel, final ByteBuffer src) throws IOException
        {
            writes.incrementAndGet();
            if (src.capacity() == ringBytes)
            {
                fromRing.incrementAndGet();
            }
            return channel.write(src);
        }
    }
}
