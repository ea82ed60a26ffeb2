package io.ringwriter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every retry slot taken while a worker commits a batch that holds both failures (each needs a slot to be set
 * aside) and retried writes that succeeded (each gives its slot back when it ends): the worker must end the
 * successes before it waits for a slot, or it waits for slots only it can free. Run with very few slots, a full
 * ring and many faults, so the worker meets that state again and again; every write lands, in order, once.
 */
@ExtendWith(TestSupport.NoLeakedThreads.class)
class RetrySlotsExhaustedTest
{
    private static final long SEED = Long.getLong("ringwriter.test.seed", 20261127L);
    private static final int SLOT = 64;

    @TempDir
    Path dir;

    private final TestSupport.RecordingFailureHandler failures = new TestSupport.RecordingFailureHandler();

    /**
     * The exact state: one retry slot, held by file b's retried write, which succeeds in the same commit in which
     * file a's write fails ahead of it and needs a slot to be set aside. Ending a's failure first waited for ever
     * (the worker was the only one that could free the slot); b's success must end first.
     */
    @Test
    void shouldEndAWrittenRetryBeforeAFailureInTheSameCommitWaitsForItsSlot() throws Exception
    {
        oneSlotCommitOfAFailureAndBsRetry(1);
    }

    /**
     * The same state when the retried write fails again: file a's write fails ahead of b's retry in one commit,
     * and b's retry still holds the one slot. a's failure needs a slot to be set aside; b's needs none (it keeps
     * its own), but until b's is handed back its slot is held by the commit. Ending a's failure first waited for
     * ever (found by the stress test below, about once in 40 runs); b's must be handed back first.
     */
    @Test
    void shouldHandBackAFailedRetryBeforeAFailureInTheSameCommitWaitsForItsSlot() throws Exception
    {
        final EngineStats stats = oneSlotCommitOfAFailureAndBsRetry(2);
        assertEquals(3, stats.retried(), "b twice, a once: " + stats);
    }

    /**
     * One retry slot, one worker. b's first write fails and is set aside; the worker is held at a gate while a's
     * write is published and b's retry is republished behind it; released, the worker commits a's write (its first,
     * failing) and b's retry in one batch. Every write must land once.
     *
     * @param bWriteFailures b's writes that fail: 1 (its retry succeeds in that commit) or 2 (it fails again).
     * @return the engine's stats after the flush.
     */
    private EngineStats oneSlotCommitOfAFailureAndBsRetry(final int bWriteFailures) throws Exception
    {
        final FaultyFileIo io = new FaultyFileIo();
        final Path a = dir.resolve("a");
        final Path b = dir.resolve("b");
        final Path gate = dir.resolve("gate");
        for (int i = 0; i < bWriteFailures; i++)
        {
            // Rules count only the calls that reach them: each fails the first b write that gets past the others.
            io.failCall(FaultyFileIo.Op.WRITE, b, 1, FaultyFileIo.IO_ERROR);
        }
        io.failCall(FaultyFileIo.Op.WRITE, a, 1, FaultyFileIo.IO_ERROR);
        final FaultyFileIo.Gate opening = io.block(FaultyFileIo.Op.OPEN, gate);
        final EngineStats stats;
        try (WriteEngine engine = WriteEngine.builder()
            .workers(1).retrySlots(1).fileIo(io).failureHandler(failures)
            .closeTimeout(Duration.ofSeconds(5))
            .retryPolicy(RetryPolicy.exponential(10, Duration.ofSeconds(1), Duration.ofSeconds(2)))
            .build())
        {
            engine.write(b, bytes("b1\n"));
            TestSupport.awaitUntil(() -> engine.stats().retryPending() == 1, () -> "b set aside: " + engine.stats());
            // Hold the worker inside a batch of its own, publish a's write, and let b's retry come after it: the
            // worker's next batch is a (fails) then b's retry, in one commit.
            engine.write(gate, bytes("g"));
            opening.awaitEntered();
            engine.write(a, bytes("a1\n"));
            assertEquals(0, engine.stats().retried(), "a published before b's retry (1 s backoff)");
            TestSupport.awaitUntil(() -> engine.stats().retried() == 1, () -> "b's retry published");
            opening.release();

            TestSupport.flush(engine);
            stats = engine.stats();
            assertEquals(3, stats.written(), stats::toString);
            assertEquals(0, stats.failed(), stats::toString);
            assertEquals(0, stats.retryPending(), stats::toString);
        }
        assertEquals(List.of(), failures.failures);
        assertEquals("a1\n", Files.readString(a, StandardCharsets.US_ASCII));
        assertEquals("b1\n", Files.readString(b, StandardCharsets.US_ASCII));
        assertEquals("g", Files.readString(gate, StandardCharsets.US_ASCII));
        return stats;
    }

    private static byte[] bytes(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 8})
    void shouldLandEveryWriteWhenTheRetrySlotsRunOut(final int retrySlots) throws Exception
    {
        final int producers = 3;
        final int fileCount = 7;
        final int messagesPerProducer = 6000;
        final FaultyFileIo io = new FaultyFileIo();
        io.shortWritesWithProbability(0.3, SEED + retrySlots);
        io.failWithProbability(FaultyFileIo.Op.WRITE, 0.2, SEED + retrySlots + 1, FaultyFileIo.IO_ERROR,
            FaultyFileIo.NO_SPACE);
        final Path[] files = new Path[fileCount];
        for (int f = 0; f < fileCount; f++)
        {
            files[f] = dir.resolve("slots-" + f + ".log");
        }
        final int[][] written = new int[fileCount][producers];
        try (WriteEngine engine = WriteEngine.builder()
            .ringSize(256).slotSize(SLOT).workers(2).fileIo(io).failureHandler(failures)
            .retrySlots(retrySlots)
            .closeTimeout(Duration.ofSeconds(5))
            .retryPolicy(RetryPolicy.exponential(1000, Duration.ofMillis(1), Duration.ofMillis(2)))
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
                    for (int i = 0; i < messagesPerProducer; i++)
                    {
                        final int f = (i * 3 + producer) % fileCount;
                        final int seq = counts[f][producer]++;
                        final int length = TestMessages.encode(
                            scratch, producer, f, seq, Math.min(TestMessages.mixedSize(producer, f, seq), SLOT * 3));
                        engine.write(files[f], scratch, 0, length);
                    }
                    return counts;
                }));
            }
            TestSupport.addProducerCounts(engine, running, written);
            TestSupport.flush(engine);
            final EngineStats stats = engine.stats();
            assertEquals(List.of(), failures.failures, "no write fails for good");
            assertEquals((long)producers * messagesPerProducer, stats.written(), "written: " + stats);
            assertTrue(stats.retried() > 0, "retries made: " + stats);
            assertEquals(0, stats.retryPending(), "nothing left set aside: " + stats);
            TestSupport.assertCountersAddUp(stats);
        }
        long messages = 0;
        for (int f = 0; f < fileCount; f++)
        {
            messages += TestMessages.verifyFile(files[f], Files.readAllBytes(files[f]), f, producers, written[f]);
        }
        assertEquals((long)producers * messagesPerProducer, messages);
    }
}
