package io.ringwriter;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sizes and ranges at every edge: messages of 0, 1, slotSize, slotSize + 1, ring capacity and ring capacity + 1
 * bytes, each starting at every slot of the ring (so that the largest wrap around its end), with coalescing buffers
 * smaller and larger than the message; offsets and lengths at and past the ends of arrays and buffers.
 */
class BoundaryTest
{
    private static final int RING = 16;

    @TempDir
    Path dir;

    /**
     * @param slotSize bytes per slot: 64 keeps the ring (1 KiB) under the 4 KiB coalescing buffer, 512 makes it 8 KiB,
     *                 over the buffer, so the largest messages go straight from the ring.
     */
    @ParameterizedTest(name = "slotSize={0}")
    @CsvSource({"64", "512"})
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void shouldWriteEverySizeUpToRingCapacityFromEverySlot(final int slotSize) throws Exception
    {
        final Random random = new Random(slotSize);
        final int capacity = RING * slotSize;
        final int[] sizes = {0, 1, slotSize - 1, slotSize, slotSize + 1, capacity - 1, capacity};
        try (WriteEngine engine = WriteEngine.builder().root(dir).ringSize(RING).slotSize(slotSize).workers(2)
            .stageBufferSize(4096).build())
        {
            assertEquals(capacity, engine.maxMessageLength());
            final ByteArrayOutputStream expected = new ByteArrayOutputStream();
            final Path file = Path.of("sizes-" + slotSize + ".bin");
            int writes = 0;
            for (int shift = 0; shift < RING; shift++)
            {
                for (final int size : sizes)
                {
                    // 'shift' one-slot messages first, so each size also starts at slot 'shift' of the ring.
                    for (int k = 0; k < shift; k++)
                    {
                        engine.write(Path.of("pad.bin"), new byte[] {(byte)k});
                    }
                    final byte[] message = new byte[size];
                    random.nextBytes(message);
                    switch (writes++ % 4)
                    {
                        case 0:
                            engine.write(file, message);
                            break;
                        case 1:
                            engine.write(file, new UnsafeBuffer(message), 0, size);
                            break;
                        case 2:
                            assertEquals(size, engine.submit(file, message).get(30, TimeUnit.SECONDS).bytesWritten());
                            break;
                        default:
                            // tryWrite of a whole-ring message succeeds only with an empty ring.
                            engine.flush();
                            assertTrue(engine.tryWrite(file, message), "tryWrite into an empty ring, size " + size);
                            break;
                    }
                    expected.write(message);
                }
            }
            engine.flush();
            assertArrayEquals(expected.toByteArray(), Files.readAllBytes(dir.resolve(file)));
            final EngineStats stats = engine.stats();
            assertEquals(stats.published(), stats.written(), stats.toString());
            assertEquals(0, stats.failed());
        }
    }

    @Test
    void shouldCreateFileForZeroLengthWrite() throws Exception
    {
        try (WriteEngine engine = WriteEngine.builder().root(dir).ringSize(RING).slotSize(64).workers(1).build())
        {
            final WriteResult result = engine.submit(Path.of("empty.log"), new byte[0]).get(30, TimeUnit.SECONDS);
            assertEquals(0, result.bytesWritten());
            assertTrue(Files.exists(dir.resolve("empty.log")));
            assertEquals(0, Files.size(dir.resolve("empty.log")));
            assertEquals(1, engine.stats().written());
        }
    }

    @Test
    void shouldRefuseOneByteOverRingCapacityNamingTheLimit()
    {
        try (WriteEngine engine = WriteEngine.builder().root(dir).ringSize(RING).slotSize(64).workers(1).build())
        {
            final int capacity = RING * 64;
            final byte[] tooBig = new byte[capacity + 1];
            final Path file = Path.of("never.log");
            final List<IllegalArgumentException> refusals = new ArrayList<>();
            refusals.add(assertThrows(IllegalArgumentException.class, () -> engine.write(file, tooBig)));
            refusals.add(assertThrows(IllegalArgumentException.class,
                () -> engine.write(file, tooBig, 0, tooBig.length)));
            refusals.add(assertThrows(IllegalArgumentException.class,
                () -> engine.write(file, new UnsafeBuffer(tooBig), 0, tooBig.length)));
            refusals.add(assertThrows(IllegalArgumentException.class, () -> engine.tryWrite(file, tooBig)));
            refusals.add(assertThrows(IllegalArgumentException.class, () -> engine.submit(file, tooBig)));
            refusals.add(assertThrows(IllegalArgumentException.class,
                () -> engine.submitBatch(List.of(WriteRequest.of(file, new byte[1]), WriteRequest.of(file, tooBig)))));
            for (final IllegalArgumentException refusal : refusals)
            {
                assertEquals("message larger than the ring: length=" + (capacity + 1) + ", limit=" + capacity +
                    " (ringSize=" + RING + " x slotSize=64)", refusal.getMessage());
            }
            engine.flush();
            assertFalse(Files.exists(dir.resolve(file)), "a refused message (or its batch) was written");
            assertEquals(0, engine.stats().published());
        }
    }

    /**
     * Short messages are copied into the ring eight bytes at a time, the last long overlapping the one before it:
     * every length on both sides of that path's bounds, from several offsets into an array and into off-heap memory
     * in turn, starting at every fifth slot (so some end exactly at the ring's end and others wrap around it, which
     * takes the general copy).
     */
    @Test
    void shouldCopyEveryShortLengthFromEveryOffsetIntoEverySlot() throws Exception
    {
        final int ring = 32;
        final int slotSize = 16;
        final byte[] source = new byte[WriteEngine.SMALL_COPY_MAX + 32];
        new Random(7).nextBytes(source);
        final ByteBuffer direct = ByteBuffer.allocateDirect(source.length + 3);
        direct.position(3);
        direct.put(source);
        final DirectBuffer offHeap = new UnsafeBuffer(direct, 3, source.length);
        try (WriteEngine engine = WriteEngine.builder().root(dir).ringSize(ring).slotSize(slotSize).workers(2).build())
        {
            final ByteArrayOutputStream expected = new ByteArrayOutputStream();
            final Path file = Path.of("short.bin");
            long next = 0;
            for (int length = 0; length <= WriteEngine.SMALL_COPY_MAX + 9; length++)
            {
                for (int start = 0; start < ring; start += 5)
                {
                    // One-slot messages to another file until the next message starts at slot 'start'.
                    while (next % ring != start)
                    {
                        next = engine.write(Path.of("pad.bin"), source, 0, 1) + 1;
                    }
                    final int offset = (length + start) % 8;
                    if ((length + start) % 2 == 0)
                    {
                        next = engine.write(file, source, offset, length) + 1;
                    }
                    else
                    {
                        next = engine.write(file, offHeap, offset, length) + 1;
                    }
                    expected.write(source, offset, length);
                }
            }
            engine.flush();
            assertArrayEquals(expected.toByteArray(), Files.readAllBytes(dir.resolve(file)));
            final EngineStats stats = engine.stats();
            assertEquals(stats.published(), stats.written(), stats.toString());
            assertEquals(0, stats.failed());
        }
    }

    @Test
    void shouldWriteExactlyTheSliceAtEveryValidOffsetAndLength() throws Exception
    {
        final byte[] data = new byte[40];
        for (int i = 0; i < data.length; i++)
        {
            data[i] = (byte)(i + 1);
        }
        final ByteBuffer direct = ByteBuffer.allocateDirect(data.length + 8);
        direct.position(8);
        direct.put(data);
        // Over a direct buffer with an offset of its own, so that buffer offsets and ByteBuffer offsets differ.
        final DirectBuffer buffer = new UnsafeBuffer(direct, 8, data.length);
        try (WriteEngine engine = WriteEngine.builder().root(dir).ringSize(64).slotSize(16).workers(2).build())
        {
            final ByteArrayOutputStream expectedArray = new ByteArrayOutputStream();
            final ByteArrayOutputStream expectedBuffer = new ByteArrayOutputStream();
            for (final int offset : new int[] {0, 1, 15, 16, 17, 39, 40})
            {
                for (final int length : new int[] {0, 1, 15, 16, 17, 40 - offset})
                {
                    if (offset + length > data.length)
                    {
                        continue;
                    }
                    engine.write(Path.of("array.bin"), data, offset, length);
                    engine.write(Path.of("buffer.bin"), buffer, offset, length);
                    expectedArray.write(data, offset, length);
                    expectedBuffer.write(data, offset, length);
                }
            }
            engine.flush();
            assertArrayEquals(expectedArray.toByteArray(), Files.readAllBytes(dir.resolve("array.bin")));
            assertArrayEquals(expectedBuffer.toByteArray(), Files.readAllBytes(dir.resolve("buffer.bin")));
        }
    }

    @Test
    void shouldRefuseEveryRangeOutsideTheSourceWithoutWritingAnything() throws Exception
    {
        final byte[] data = new byte[40];
        final DirectBuffer buffer = new UnsafeBuffer(new byte[40]);
        final int[][] bad = {
            {-1, 0}, {0, -1}, {-1, 1}, {41, 0}, {40, 1}, {0, 41}, {1, 40}, {39, 2},
            {Integer.MAX_VALUE, 1}, {1, Integer.MAX_VALUE}, {Integer.MAX_VALUE, Integer.MAX_VALUE},
            {Integer.MIN_VALUE, 0}, {0, Integer.MIN_VALUE}};
        try (WriteEngine engine = WriteEngine.builder().root(dir).ringSize(64).slotSize(16).workers(1).build())
        {
            for (final int[] range : bad)
            {
                final String what = "offset=" + range[0] + " length=" + range[1];
                assertThrows(IndexOutOfBoundsException.class,
                    () -> engine.write(Path.of("never.bin"), data, range[0], range[1]), what);
                assertThrows(IndexOutOfBoundsException.class,
                    () -> engine.write(Path.of("never.bin"), buffer, range[0], range[1]), what);
            }
            // The ring holds nothing from the refused calls: a good write right after lands alone.
            engine.write(Path.of("after.bin"), data, 0, 3);
            engine.flush();
            assertFalse(Files.exists(dir.resolve("never.bin")));
            assertArrayEquals(Arrays.copyOf(data, 3), Files.readAllBytes(dir.resolve("after.bin")));
            assertEquals(1, engine.stats().published());
        }
    }

    @Test
    void shouldNameTheNullArgument()
    {
        try (WriteEngine engine = WriteEngine.builder().root(dir).ringSize(64).slotSize(16).workers(1).build())
        {
            final Path file = Path.of("x");
            assertEquals("file", assertThrows(NullPointerException.class,
                () -> engine.write(null, new byte[1])).getMessage());
            assertEquals("data", assertThrows(NullPointerException.class,
                () -> engine.write(file, (byte[])null)).getMessage());
            assertEquals("data", assertThrows(NullPointerException.class,
                () -> engine.write(file, (byte[])null, 0, 0)).getMessage());
            assertEquals("buffer", assertThrows(NullPointerException.class,
                () -> engine.write(file, (DirectBuffer)null, 0, 0)).getMessage());
            assertEquals("file", assertThrows(NullPointerException.class,
                () -> engine.tryWrite(null, new byte[1])).getMessage());
        }
    }

    /**
     * Ring-capacity messages interleaved with small ones from several threads: each needs the whole ring, so each
     * waits for every earlier write; none may be torn or reordered within its producer's file.
     */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void shouldInterleaveWholeRingMessagesWithSmallOnesFromManyThreads() throws Exception
    {
        final int slotSize = 32;
        final int capacity = RING * slotSize;
        try (WriteEngine engine = WriteEngine.builder().root(dir).ringSize(RING).slotSize(slotSize).workers(2)
            .build())
        {
            final List<CompletableFuture<byte[]>> producers = new ArrayList<>();
            for (int t = 0; t < 4; t++)
            {
                final int producer = t;
                producers.add(CompletableFuture.supplyAsync(() ->
                {
                    final ByteArrayOutputStream expected = new ByteArrayOutputStream();
                    final Random random = new Random(producer);
                    for (int i = 0; i < 60; i++)
                    {
                        final byte[] message = new byte[i % 3 == 0 ? capacity : 1 + random.nextInt(2 * slotSize)];
                        Arrays.fill(message, (byte)(producer * 64 + i % 64));
                        engine.write(Path.of("p" + producer + ".bin"), message);
                        expected.write(message, 0, message.length);
                    }
                    return expected.toByteArray();
                }, runnable -> new Thread(runnable, "boundary-producer-" + producer).start()));
            }
            for (int t = 0; t < producers.size(); t++)
            {
                final byte[] expected = producers.get(t).get(50, TimeUnit.SECONDS);
                engine.flush();
                assertArrayEquals(expected, Files.readAllBytes(dir.resolve("p" + t + ".bin")), "producer " + t);
            }
        }
    }
}
