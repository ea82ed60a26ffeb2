package io.ringwriter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Workers that own none of the files being written back off (they park between looks at the ring), yet the ring
 * must keep wrapping, flush must return and close must drain: one file streamed through four workers and a ring of
 * 64 slots, so three workers pass over every event and each gates the producers.
 */
@ExtendWith(TestSupport.NoLeakedThreads.class)
class IdleWorkerTest
{
    @TempDir
    Path dir;

    @Test
    void shouldStreamOneFileThroughManyIdleWorkersWithEveryWaitStrategy() throws Exception
    {
        for (final WaitStrategyType type : WaitStrategyType.values())
        {
            final Path file = dir.resolve("one-" + type + ".log");
            // BUSY_SPIN: four spinning workers and a producer on what may be two CPUs crawl; fewer messages.
            final int count = type == WaitStrategyType.BUSY_SPIN ? 5_000 : 50_000;
            final WriteEngine engine = WriteEngine.builder()
                .workers(4).ringSize(64).slotSize(64).waitStrategy(type).build();
            final byte[] scratch = new byte[1200];
            for (int seq = 0; seq < count; seq++)
            {
                final int length = TestMessages.encode(scratch, 0, 0, seq, TestMessages.mixedSize(0, 0, seq));
                engine.write(file, scratch, 0, length);
                if (seq == count / 2)
                {
                    TestSupport.flush(engine);
                    assertTrue(Files.size(file) > 0, type + ": half the stream is in the file after flush");
                }
            }
            TestSupport.flush(engine);
            final EngineStats stats = engine.stats();
            assertEquals(count, stats.written(), type + ": " + stats);
            engine.close();
            assertEquals(count, TestMessages.verifyFile(file, Files.readAllBytes(file), 0, 1, new int[]{count}),
                type.toString());
        }
    }

    /**
     * Two files owned by different workers, written alternately in long runs: each worker goes through long stretches
     * of batches without its own messages, then must pick its file up again, in order.
     */
    @Test
    void shouldPickUpItsOwnFileAgainAfterLongRunsOfOthers() throws Exception
    {
        final Path[] files = new Path[2];
        try (WriteEngine engine = WriteEngine.builder().workers(2).ringSize(128).slotSize(64).build())
        {
            // Two names that hash to different workers.
            files[0] = dir.resolve("a-0.log");
            int i = 1;
            Path other = dir.resolve("a-" + i + ".log");
            while (shardOf(other, 2) == shardOf(files[0], 2))
            {
                other = dir.resolve("a-" + ++i + ".log");
            }
            files[1] = other;

            final int[] written = new int[2];
            final byte[] scratch = new byte[1200];
            for (int run = 0; run < 40; run++)
            {
                final int f = run & 1;
                for (int k = 0; k < 2_000; k++)
                {
                    final int seq = written[f]++;
                    final int length = TestMessages.encode(scratch, 0, f, seq, TestMessages.mixedSize(0, f, seq));
                    engine.write(files[f], scratch, 0, length);
                }
            }
            TestSupport.flush(engine);
            for (int f = 0; f < 2; f++)
            {
                assertEquals(written[f], TestMessages.verifyFile(
                    files[f], Files.readAllBytes(files[f]), f, 1, new int[]{written[f]}), files[f].toString());
            }
        }
    }

    private static int shardOf(final Path path, final int workers)
    {
        final int h = path.hashCode() * 0x9E3779B9;
        return (int)(((h & 0xFFFFFFFFL) * workers) >>> 32);
    }
}
