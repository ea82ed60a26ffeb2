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

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Workers idle for a few milliseconds fall into a deep sleep (a long park, registered so that a publisher wakes
 * them): an idle engine then costs next to no CPU. Every way a write reaches the ring must wake them: write, submit,
 * writeAll from several threads at once, and a retry the agent republishes. Nothing is lost, every byte is checked.
 */
@ExtendWith(TestSupport.NoLeakedThreads.class)
class DeepSleepTest
{
    @TempDir
    Path dir;

    private final TestSupport.RecordingFailureHandler failures = new TestSupport.RecordingFailureHandler();

    /**
     * Ten rounds: wait until both workers sleep deeply, then four threads write to eight files at once, each
     * through another call (write, submit, writeAll); every file read back in per-producer order.
     */
    @Test
    void shouldWakeDeeplySleepingWorkersForEveryKindOfWrite() throws Exception
    {
        final int producers = 4;
        final int fileCount = 8;
        final int rounds = 10;
        final int perRound = 50;
        final Path[] files = new Path[fileCount];
        for (int f = 0; f < fileCount; f++)
        {
            files[f] = dir.resolve("sleep-" + f + ".log");
        }
        final int[][] written = new int[fileCount][producers];
        try (WriteEngine engine = WriteEngine.builder().workers(2).failureHandler(failures).build())
        {
            for (int round = 0; round < rounds; round++)
            {
                TestSupport.awaitUntil(() -> engine.sleepingWorkers() == 2,
                    () -> "both workers asleep, sleeping=" + engine.sleepingWorkers());
                final List<CompletableFuture<int[]>> running = new ArrayList<>();
                for (int p = 0; p < producers; p++)
                {
                    final int producer = p;
                    final int[] base = new int[fileCount];
                    for (int f = 0; f < fileCount; f++)
                    {
                        base[f] = written[f][producer];
                    }
                    running.add(TestSupport.async("producer-" + p, () -> writeRound(engine, files, producer, base,
                        perRound)));
                }
                for (int p = 0; p < producers; p++)
                {
                    final int[] counts = TestSupport.get(engine, running.get(p), "producer " + p);
                    for (int f = 0; f < fileCount; f++)
                    {
                        written[f][p] += counts[f];
                    }
                }
                TestSupport.flush(engine);
            }
            final EngineStats stats = engine.stats();
            assertEquals(stats.published(), stats.written(), stats.toString());
            assertEquals(0, stats.failed());
            TestSupport.assertCountersAddUp(stats);
        }
        assertEquals(List.of(), failures.failures);
        long total = 0;
        for (int f = 0; f < fileCount; f++)
        {
            total += TestMessages.verifyFile(files[f], Files.readAllBytes(files[f]), f, producers, written[f]);
        }
        assertEquals((long)rounds * producers * perRound, total);
    }

    private static int[] writeRound(
        final WriteEngine engine, final Path[] files, final int producer, final int[] base, final int perRound)
    {
        final int[] counts = new int[files.length];
        final List<CompletableFuture<WriteResult>> futures = new ArrayList<>();
        int i = 0;
        while (i < perRound)
        {
            final int f = (producer * 3 + i) % files.length;
            final int seq = base[f] + counts[f];
            final byte[] message = TestMessages.message(producer, f, seq, TestMessages.mixedSize(producer, f, seq));
            switch (producer % 3)
            {
                case 0:
                    engine.write(files[f], message);
                    break;
                case 1:
                    futures.add(engine.submit(files[f], message));
                    break;
                default:
                    engine.writeAll(List.of(files[f]), message).join();
                    break;
            }
            counts[f]++;
            i++;
        }
        for (final CompletableFuture<WriteResult> future : futures)
        {
            future.join();
        }
        return counts;
    }

    /**
     * A write fails once; its retry is due 50 ms later, when both workers have fallen asleep: the agent's republish
     * wakes them and the future completes with two attempts.
     */
    @Test
    void shouldWakeSleepingWorkersForARetry() throws Exception
    {
        final Path file = dir.resolve("retry.log");
        final FaultyFileIo io = new FaultyFileIo();
        io.failCall(FaultyFileIo.Op.WRITE, file, 1, FaultyFileIo.IO_ERROR);
        try (WriteEngine engine = WriteEngine.builder().workers(2).fileIo(io).failureHandler(failures)
            .retryPolicy(RetryPolicy.exponential(3, Duration.ofMillis(50), Duration.ofMillis(50))).build())
        {
            final byte[] message = TestMessages.message(0, 0, 0, 100);
            final WriteResult result = TestSupport.get(engine, engine.submit(file, message), "retried write");
            assertEquals(2, result.attempts());
            TestSupport.flush(engine);
            assertEquals(1, engine.stats().retried());
        }
        assertEquals(List.of(), failures.failures);
        assertEquals(1, TestMessages.verifyFile(file, Files.readAllBytes(file), 0, 1, new int[]{1}));
    }
}
