package io.ringwriter;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Sixteen producer threads on a machine with two cores against a 64-slot ring, mixing write, tryWrite, submit (some
 * with deadlines of a few microseconds, some cancelled at once) for a bounded time. Then every file is read back:
 * each accepted write is there exactly once, whole, in its producer's order for that file; each write that ended
 * timed out, cancelled or refused by tryWrite is absent; the counters agree with both.
 */
class SustainedLoadTest
{
    private static final int PRODUCERS = 16;
    private static final int FILES = 24;
    private static final long RUN_MS = Long.getLong("ringwriter.load.millis", 2_500);
    private static final byte MAGIC = 0x5A;

    @TempDir
    Path dir;

    private enum Outcome
    {
        PRESENT, ABSENT
    }

    /**
     * What a producer did with each of its sequence numbers.
     */
    private static final class Log
    {
        final Map<Integer, Outcome> outcomes = new HashMap<>();
        final Map<Integer, CompletableFuture<WriteResult>> futures = new HashMap<>();
        final Map<Integer, Integer> fileOf = new HashMap<>();
        long accepted;
        long refused;
        long submitted;
        long cancelRequests;
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = WaitStrategyType.class, names = {"BLOCKING", "SLEEPING", "YIELDING"})
    @Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void shouldLoseAndDuplicateNothingUnderSixteenProducers(final WaitStrategyType waitStrategy) throws Exception
    {
        final long seed = Long.getLong("ringwriter.seed", System.nanoTime());
        final String context = "seed=" + seed + " wait=" + waitStrategy;
        final ReliabilitySupport.RecordingFailureHandler handler = new ReliabilitySupport.RecordingFailureHandler();
        final Log[] logs = new Log[PRODUCERS];
        final EngineStats stats;
        try (WriteEngine engine = WriteEngine.builder().root(dir).ringSize(64).slotSize(32).workers(2)
            .waitStrategy(waitStrategy).failureHandler(handler).build())
        {
            final CountDownLatch start = new CountDownLatch(1);
            final List<Thread> producers = new ArrayList<>();
            final List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
            final AtomicLong deadline = new AtomicLong();
            for (int p = 0; p < PRODUCERS; p++)
            {
                final int producer = p;
                logs[p] = new Log();
                final Thread thread = new Thread(() ->
                {
                    try
                    {
                        start.await();
                        produce(engine, producer, new Random(seed + producer), logs[producer], deadline.get());
                    }
                    catch (final Throwable ex)
                    {
                        errors.add(ex);
                    }
                }, "load-producer-" + p);
                producers.add(thread);
                thread.start();
            }
            deadline.set(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RUN_MS));
            start.countDown();
            for (final Thread thread : producers)
            {
                thread.join(RUN_MS + 60_000);
                if (thread.isAlive())
                {
                    fail(context + ": producer stuck (deadlock?): " + thread.getName() + " " +
                        java.util.Arrays.toString(thread.getStackTrace()));
                }
            }
            assertEquals(List.of(), errors, context);
            engine.flush();

            for (final Log log : logs)
            {
                for (final Map.Entry<Integer, CompletableFuture<WriteResult>> entry : log.futures.entrySet())
                {
                    log.outcomes.put(entry.getKey(), outcomeOf(entry.getValue(), context));
                }
            }
            // flush() covers every write; futures complete on the agent just after: wait for all before the counters.
            engine.flush();
            stats = engine.stats();
        }
        assertEquals(List.of(), handler.failures, context + ": writes failed");

        final long[] found = readBack(logs, context);
        long present = 0;
        long published = 0;
        long timedOutOrCancelled = 0;
        long refused = 0;
        long cancelRequests = 0;
        for (final Log log : logs)
        {
            for (final Outcome outcome : log.outcomes.values())
            {
                present += outcome == Outcome.PRESENT ? 1 : 0;
            }
            published += log.accepted + log.submitted;
            refused += log.refused;
            cancelRequests += log.cancelRequests;
        }
        timedOutOrCancelled = published - present;
        assertEquals(present, found[0], context + ": records found");
        assertEquals(published, stats.published(), context + " " + stats);
        assertEquals(present, stats.written(), context + " " + stats);
        assertEquals(timedOutOrCancelled, stats.timedOut() + stats.cancelled(), context + " " + stats);
        assertEquals(0, stats.failed(), context + " " + stats);
        assertEquals(stats.published(), stats.completed(), context + " " + stats);
        assertEquals(found[1], stats.bytesWritten(), context + ": bytes in files vs counted " + stats);
        System.out.println("SustainedLoadTest " + waitStrategy + ": seed=" + seed + " " + PRODUCERS + " producers, " +
            RUN_MS + " ms: published=" + published + " written=" + stats.written() + " timedOut=" +
            stats.timedOut() + " cancelled=" + stats.cancelled() + " (of " + cancelRequests + " cancel calls)" +
            " tryWrite refused=" + refused + " records read back=" + found[0] + " lost=0 duplicated=0");
    }

    private static void produce(
        final WriteEngine engine, final int producer, final Random random, final Log log, final long deadlineNs)
    {
        int seq = 0;
        while (System.nanoTime() - deadlineNs < 0)
        {
            final int file = random.nextInt(FILES);
            final byte[] record = record(producer, seq, random);
            final Path path = Path.of("load-" + file + ".bin");
            log.fileOf.put(seq, file);
            final int op = random.nextInt(10);
            if (op < 3)
            {
                engine.write(path, record);
                log.outcomes.put(seq, Outcome.PRESENT);
                log.accepted++;
            }
            else if (op == 3)
            {
                engine.write(path, new UnsafeBuffer(record), 0, record.length);
                log.outcomes.put(seq, Outcome.PRESENT);
                log.accepted++;
            }
            else if (op < 6)
            {
                if (engine.tryWrite(path, record))
                {
                    log.outcomes.put(seq, Outcome.PRESENT);
                    log.accepted++;
                }
                else
                {
                    log.outcomes.put(seq, Outcome.ABSENT);
                    log.refused++;
                }
            }
            else
            {
                WriteRequest request = WriteRequest.of(path, record);
                if (op == 8)
                {
                    // A deadline so short that some writes pass it while waiting for room in the full ring.
                    request = request.withDeadline(Duration.ofNanos(random.nextInt(200_000)));
                }
                final CompletableFuture<WriteResult> future = engine.submit(request);
                if (op == 9 && random.nextBoolean())
                {
                    future.cancel(false);
                    log.cancelRequests++;
                }
                log.futures.put(seq, future);
                log.submitted++;
            }
            seq++;
        }
    }

    private static Outcome outcomeOf(final CompletableFuture<WriteResult> future, final String context)
        throws InterruptedException, java.util.concurrent.TimeoutException
    {
        try
        {
            future.get(30, TimeUnit.SECONDS);
            return Outcome.PRESENT;
        }
        catch (final CancellationException ex)
        {
            return Outcome.ABSENT;
        }
        catch (final ExecutionException ex)
        {
            if (ex.getCause() instanceof TimeoutException)
            {
                return Outcome.ABSENT;
            }
            throw new AssertionError(context + ": submit failed", ex);
        }
    }

    /**
     * Record: magic, producer, seq, payload length, payload, CRC32.
     */
    private static byte[] record(final int producer, final int seq, final Random random)
    {
        final int length = random.nextInt(8) == 0 ? random.nextInt(141) : random.nextInt(20);
        final ByteBuffer buffer = ByteBuffer.allocate(12 + length);
        buffer.put(MAGIC).put((byte)producer).putInt(seq).putShort((short)length);
        for (int i = 0; i < length; i++)
        {
            buffer.put((byte)(seq * 31 + producer + i));
        }
        buffer.putInt(CrashRecords.crc(buffer.array(), 0, 8 + length));
        return buffer.array();
    }

    /**
     * @return {records found, bytes in all files}; fails on any torn, foreign, duplicated, reordered or absent-yet-
     * present record.
     */
    private long[] readBack(final Log[] logs, final String context) throws Exception
    {
        final Map<Long, Integer> seen = new HashMap<>();
        long bytes = 0;
        for (int file = 0; file < FILES; file++)
        {
            final Path path = dir.resolve("load-" + file + ".bin");
            if (!Files.exists(path))
            {
                continue;
            }
            final byte[] content = Files.readAllBytes(path);
            bytes += content.length;
            final int[] lastSeq = new int[PRODUCERS];
            java.util.Arrays.fill(lastSeq, -1);
            final ByteBuffer view = ByteBuffer.wrap(content);
            while (view.hasRemaining())
            {
                final int at = view.position();
                assertTrue(view.remaining() >= 12, context + ": torn record at " + at + " in " + path);
                final byte magic = view.get();
                final int producer = view.get();
                final int seq = view.getInt();
                final int length = view.getShort();
                assertTrue(magic == MAGIC && producer >= 0 && producer < PRODUCERS && length >= 0 &&
                    view.remaining() >= length + 4, context + ": corrupt record at " + at + " in " + path);
                view.position(view.position() + length);
                final int crc = view.getInt();
                assertEquals(CrashRecords.crc(content, at, 8 + length), crc, context + ": checksum at " + at);
                final String where = context + " producer=" + producer + " seq=" + seq + " file=" + file;
                assertEquals(Integer.valueOf(file), logs[producer].fileOf.get(seq), where + ": in the wrong file");
                assertEquals(Outcome.PRESENT, logs[producer].outcomes.get(seq), where + ": present but should not be");
                assertTrue(seq > lastSeq[producer], where + ": out of order after " + lastSeq[producer]);
                lastSeq[producer] = seq;
                final Integer before = seen.put(((long)producer << 32) | seq, file);
                assertEquals(null, before, where + ": duplicated");
            }
        }
        for (int producer = 0; producer < PRODUCERS; producer++)
        {
            for (final Map.Entry<Integer, Outcome> entry : logs[producer].outcomes.entrySet())
            {
                if (entry.getValue() == Outcome.PRESENT)
                {
                    assertTrue(seen.containsKey(((long)producer << 32) | entry.getKey()), context + " producer=" +
                        producer + " seq=" + entry.getKey() + ": accepted but lost");
                }
            }
        }
        return new long[] {seen.size(), bytes};
    }

    /**
     * A producer writing messages as large as the whole ring among fifteen producers that keep it busy with small
     * ones: it needs the ring empty at once, and must still get through.
     */
    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void shouldNotStarveWholeRingMessagesAmongSmallOnes() throws Exception
    {
        final int ringSize = 64;
        final int slotSize = 32;
        final AtomicBoolean stop = new AtomicBoolean();
        final CountDownLatch bigDone = new CountDownLatch(1);
        final CountDownLatch flooding = new CountDownLatch(1);
        final AtomicLong small = new AtomicLong();
        final int bigWrites = 20;
        try (WriteEngine engine = WriteEngine.builder().root(dir).ringSize(ringSize).slotSize(slotSize).workers(2)
            .build())
        {
            final List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < PRODUCERS - 1; p++)
            {
                final Path path = Path.of("small-" + p + ".bin");
                final Thread thread = new Thread(() ->
                {
                    final byte[] message = new byte[16];
                    while (!stop.get())
                    {
                        engine.write(path, message);
                        if (small.incrementAndGet() == 10_000)
                        {
                            flooding.countDown();
                        }
                    }
                }, "small-producer-" + p);
                threads.add(thread);
                thread.start();
            }
            final Thread big = new Thread(() ->
            {
                try
                {
                    flooding.await();
                }
                catch (final InterruptedException ex)
                {
                    return;
                }
                for (int i = 0; i < bigWrites; i++)
                {
                    engine.write(Path.of("big.bin"), new byte[ringSize * slotSize]);
                }
                bigDone.countDown();
            }, "big-producer");
            big.start();
            final long startNs = System.nanoTime();
            final boolean done = flooding.await(30, TimeUnit.SECONDS) && bigDone.await(30, TimeUnit.SECONDS);
            final long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
            final long smallDuring = small.get();
            final String stack = java.util.Arrays.toString(big.getStackTrace());
            stop.set(true);
            for (final Thread thread : threads)
            {
                thread.join();
            }
            // With the small producers gone the ring drains; the big one finishes either way.
            big.join();
            engine.flush();
            assertTrue(done, bigWrites + " whole-ring writes not done in 30 s while " + (PRODUCERS - 1) +
                " producers wrote " + small.get() + " small messages: starved in " + stack);
            assertEquals((long)bigWrites * ringSize * slotSize, Files.size(dir.resolve("big.bin")));
            System.out.println("SustainedLoadTest starvation: " + bigWrites + " whole-ring writes among " +
                (PRODUCERS - 1) + " flooding producers took " + tookMs + " ms (" + smallDuring +
                " small writes by then)");
        }
    }
}
