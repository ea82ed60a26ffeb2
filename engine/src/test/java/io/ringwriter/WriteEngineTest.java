package io.ringwriter;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The write path end to end: many producers, many files, messages of mixed sizes spanning slots and the ring's end,
 * every file read back byte for byte, and the counters exact.
 */
@ExtendWith(TestSupport.NoLeakedThreads.class)
class WriteEngineTest
{
    private static final int PRODUCERS = 4;
    private static final int FILES = 8;

    @TempDir
    Path dir;

    @Test
    void shouldWriteAndFlushSmallMessages() throws Exception
    {
        final Path file = dir.resolve("a.log");
        final ByteArrayOutputStream expected = new ByteArrayOutputStream();
        try (WriteEngine engine = WriteEngine.builder().ringSize(1024).slotSize(64).workers(2).build())
        {
            for (int i = 0; i < 10_000; i++)
            {
                final byte[] msg = ("message " + i + "\n").getBytes(StandardCharsets.US_ASCII);
                engine.write(file, msg);
                expected.write(msg);
            }
            engine.flush();
            assertArrayEquals(expected.toByteArray(), Files.readAllBytes(file));
            final EngineStats stats = engine.stats();
            assertEquals(10_000, stats.published());
            assertEquals(10_000, stats.written());
            assertEquals(expected.size(), stats.bytesWritten());
        }
    }

    /**
     * Issue 2's main test: 4 producers x 8 files x 100,000 messages per producer and file (3.2 million messages of
     * 12 to 1200 bytes, 1 to 19 slots of 64 bytes), each producer through a different producer call.
     */
    @Test
    void shouldKeepPerFileOrderAndEveryByteWithFourProducersAndEightFiles() throws Exception
    {
        runOrderAndIntegrity(WaitStrategyType.SLEEPING, 2, 4096, 100_000);
    }

    /**
     * The same with each wait strategy, smaller.
     */
    @ParameterizedTest
    @EnumSource(WaitStrategyType.class)
    void shouldKeepPerFileOrderWithEveryWaitStrategy(final WaitStrategyType waitStrategy) throws Exception
    {
        // Busy-spin workers take a core each: one worker on this 2-core machine.
        final int workers = waitStrategy == WaitStrategyType.BUSY_SPIN ? 1 : 2;
        runOrderAndIntegrity(waitStrategy, workers, 256, 3_000);
    }

    private void runOrderAndIntegrity(
        final WaitStrategyType waitStrategy, final int workers, final int ringSize, final int perProducerPerFile)
        throws Exception
    {
        final Path[] files = new Path[FILES];
        for (int f = 0; f < FILES; f++)
        {
            files[f] = dir.resolve("file-" + f + ".log");
        }
        final FaultyFileIo io = new FaultyFileIo();
        final TestSupport.RecordingFailureHandler failures = new TestSupport.RecordingFailureHandler();
        try (WriteEngine engine = WriteEngine.builder()
            .ringSize(ringSize)
            .slotSize(64)
            .workers(workers)
            .waitStrategy(waitStrategy)
            .fileIo(io)
            .failureHandler(failures)
            .build())
        {
            final CyclicBarrier start = new CyclicBarrier(PRODUCERS);
            final List<CompletableFuture<Long>> producers = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++)
            {
                final int producer = p;
                producers.add(TestSupport.async("producer-" + p, () -> produce(
                    engine, files, producer, perProducerPerFile, start)));
            }
            long bytes = 0;
            for (final CompletableFuture<Long> producer : producers)
            {
                bytes += TestSupport.get(producer, "producer");
            }
            TestSupport.flush(engine);

            final EngineStats stats = engine.stats();
            final long messages = (long)PRODUCERS * FILES * perProducerPerFile;
            assertEquals(messages, stats.published(), "published: " + stats);
            assertEquals(messages, stats.written(), "written: " + stats);
            assertEquals(0, stats.failed(), "failed: " + failures.failures);
            assertEquals(bytes, stats.bytesWritten(), "bytesWritten: " + stats);
            TestSupport.assertCountersAddUp(stats);

            long onDisk = 0;
            final int[] expected = new int[PRODUCERS];
            java.util.Arrays.fill(expected, perProducerPerFile);
            for (int f = 0; f < FILES; f++)
            {
                final byte[] content = Files.readAllBytes(files[f]);
                onDisk += content.length;
                assertEquals(PRODUCERS * perProducerPerFile,
                    TestMessages.verifyFile(files[f], content, f, PRODUCERS, expected));
            }
            assertEquals(bytes, onDisk, "bytes on disk");
            for (final Map.Entry<Path, Set<String>> entry : io.writerThreads().entrySet())
            {
                assertEquals(1, entry.getValue().size(), "threads that wrote " + entry.getKey() + ": " +
                    entry.getValue());
            }
        }
    }

    /**
     * Producer p writes messages 0..n-1 to each file, interleaving the files; each producer uses another call:
     * write(Path, byte[]), write(Path, byte[], off, len), write(Path, DirectBuffer, off, len), tryWrite.
     *
     * @return the bytes written.
     */
    private static long produce(
        final WriteEngine engine, final Path[] files, final int producer, final int n, final CyclicBarrier start)
    {
        final byte[] scratch = new byte[2048];
        final byte[] shifted = new byte[2048 + 7];
        final UnsafeBuffer direct = new UnsafeBuffer(ByteBuffer.allocateDirect(2048 + 3));
        long bytes = 0;
        try
        {
            start.await();
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException(ex);
        }
        for (int seq = 0; seq < n; seq++)
        {
            for (int f = 0; f < files.length; f++)
            {
                final int length = TestMessages.mixedSize(producer, f, seq);
                TestMessages.encode(scratch, producer, f, seq, length);
                bytes += length;
                switch (producer % 4)
                {
                    case 0:
                        engine.write(files[f], java.util.Arrays.copyOf(scratch, length));
                        break;
                    case 1:
                        System.arraycopy(scratch, 0, shifted, 7, length);
                        engine.write(files[f], shifted, 7, length);
                        break;
                    case 2:
                        direct.putBytes(3, scratch, 0, length);
                        engine.write(files[f], direct, 3, length);
                        break;
                    default:
                        final byte[] copy = java.util.Arrays.copyOf(scratch, length);
                        while (!engine.tryWrite(files[f], copy))
                        {
                            Thread.yield();
                        }
                        break;
                }
            }
        }
        return bytes;
    }

    /**
     * A ring of 8 slots of 8 bytes; messages of 20 bytes take 3 slots, so every few messages one starts near the
     * ring's end and continues at its start.
     */
    @Test
    void shouldWriteMessagesThatWrapAroundTheRingEnd() throws Exception
    {
        final Path file = dir.resolve("wrap.log");
        final ByteArrayOutputStream expected = new ByteArrayOutputStream();
        try (WriteEngine engine = WriteEngine.builder().ringSize(8).slotSize(8).workers(1).build())
        {
            for (int i = 0; i < 500; i++)
            {
                // 1 to 8 slots: every start position and every span, the whole ring included.
                final int length = 1 + (i * 13) % 64;
                final byte[] msg = new byte[length];
                for (int b = 0; b < length; b++)
                {
                    msg[b] = (byte)(i + b * 3);
                }
                engine.write(file, msg);
                expected.write(msg);
            }
            engine.flush();
            assertArrayEquals(expected.toByteArray(), Files.readAllBytes(file));
            assertEquals(500, engine.stats().written());
            assertEquals(expected.size(), engine.stats().bytesWritten());
        }
    }

    /**
     * Messages larger than the worker's coalescing buffer go from the ring to the file directly; they also wrap.
     */
    @Test
    void shouldWriteMessagesLargerThanTheStageBufferAcrossTheRingEnd() throws Exception
    {
        final Path file = dir.resolve("large.log");
        final ByteArrayOutputStream expected = new ByteArrayOutputStream();
        try (WriteEngine engine = WriteEngine.builder()
            .ringSize(16).slotSize(1024).stageBufferSize(4096).workers(1).build())
        {
            for (int i = 0; i < 200; i++)
            {
                final int length = 1000 + (i * 977) % 12_000;
                final byte[] msg = new byte[length];
                for (int b = 0; b < length; b++)
                {
                    msg[b] = (byte)(i * 7 + b);
                }
                engine.write(file, msg);
                expected.write(msg);
            }
            engine.flush();
            assertArrayEquals(expected.toByteArray(), Files.readAllBytes(file));
            assertEquals(expected.size(), engine.stats().bytesWritten());
        }
    }

    @Test
    void shouldWriteAMessageAsLargeAsTheRingAndAnEmptyOne() throws Exception
    {
        final Path file = dir.resolve("full.log");
        final Path empty = dir.resolve("empty.log");
        try (WriteEngine engine = WriteEngine.builder().ringSize(16).slotSize(16).workers(1).build())
        {
            assertEquals(256, engine.maxMessageLength());
            final byte[] small = TestSupport.ascii("abc");
            final byte[] whole = new byte[256];
            for (int b = 0; b < whole.length; b++)
            {
                whole[b] = (byte)b;
            }
            engine.write(file, small);
            engine.write(file, whole);
            engine.write(file, small);
            engine.write(empty, new byte[0]);
            engine.flush();

            final ByteArrayOutputStream expected = new ByteArrayOutputStream();
            expected.write(small);
            expected.write(whole);
            expected.write(small);
            assertArrayEquals(expected.toByteArray(), Files.readAllBytes(file));
            assertTrue(Files.exists(empty), "a zero-length write creates the file");
            assertEquals(0, Files.size(empty));
            assertEquals(4, engine.stats().written());
            assertEquals(262, engine.stats().bytesWritten());
        }
    }

    @Test
    void shouldCreateParentDirectories() throws Exception
    {
        final Path file = dir.resolve("a/b/c/deep.log");
        try (WriteEngine engine = WriteEngine.builder().ringSize(64).workers(1).build())
        {
            engine.write(file, TestSupport.ascii("deep"));
            engine.flush();
            assertEquals("deep", TestSupport.readString(file));
        }
    }
}
