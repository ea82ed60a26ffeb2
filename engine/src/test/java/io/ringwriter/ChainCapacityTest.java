package io.ringwriter;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A worker's per-message bookkeeping is bounded by {@link WriteWorker#MAX_CHAINED_MESSAGES}, not by the ring: a batch
 * with more messages of one worker is committed in parts, in order, with nothing lost or doubled.
 */
class ChainCapacityTest
{
    private static final int MESSAGES = 60_000;
    private static final int SIZE = 64;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Durability.class)
    void shouldCommitABatchLargerThanTheChainCapacityInPartsInOrder(final Durability durability) throws Exception
    {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final FileIo gated = new ReliabilitySupport.HookedFileIo((path) ->
        {
            if (path.getFileName().toString().equals("gate"))
            {
                entered.countDown();
                try
                {
                    release.await();
                }
                catch (final InterruptedException ex)
                {
                    throw new InterruptedIOException("gate");
                }
            }
        });
        final Path target = dir.resolve("big");
        final byte[] expected = new byte[MESSAGES * SIZE];

        try (WriteEngine engine = WriteEngine.builder()
            .workers(1)
            .ringSize(65536)
            .slotSize(SIZE)
            .durability(durability)
            .fileIo(gated)
            .build())
        {
            // The worker blocks opening the gate's file inside a batch of one; everything published meanwhile is
            // its next batch: 60,000 messages of one file, more than one commit may chain.
            engine.write(dir.resolve("gate"), new byte[]{'g'});
            entered.await();
            for (int i = 0; i < MESSAGES; i++)
            {
                final byte[] message = message(i);
                System.arraycopy(message, 0, expected, i * SIZE, SIZE);
                engine.write(target, message);
            }
            release.countDown();
            engine.flush();

            final EngineStats stats = engine.stats();
            assertEquals(MESSAGES + 1, stats.written());
            assertEquals(0, stats.failed());
            assertEquals(WriteWorker.MAX_CHAINED_MESSAGES, stats.maxBatchSize(), "the most messages one commit took");
        }
        assertArrayEquals(expected, Files.readAllBytes(target));
        assertEquals("g", Files.readString(dir.resolve("gate"), StandardCharsets.US_ASCII));
    }

    private static byte[] message(final int i)
    {
        final String text = String.format("message %09d of the big batch", i);
        final byte[] message = new byte[SIZE];
        Arrays.fill(message, (byte)'.');
        final byte[] head = text.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(head, 0, message, 0, head.length);
        message[SIZE - 1] = '\n';
        return message;
    }
}
