package io.ringwriter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A full ring: {@code tryWrite} refuses, {@code write} waits, {@code close()} drains it all. The ring is filled by
 * holding its only worker at a gate in the file system layer, so "full" is exact, not a matter of timing.
 */
@ExtendWith(TestSupport.NoLeakedThreads.class)
class BackpressureTest
{
    private static final int RING = 64;

    @TempDir
    Path dir;

    @Test
    void shouldRefuseTryWriteWhileTheRingIsFullAndAcceptAgainAfter() throws Exception
    {
        final Path blocked = dir.resolve("blocked.log");
        final Path other = dir.resolve("other.log");
        final FaultyFileIo io = new FaultyFileIo();
        final FaultyFileIo.Gate gate = io.block(FaultyFileIo.Op.WRITE, blocked);
        try (WriteEngine engine = WriteEngine.builder().ringSize(RING).slotSize(16).workers(1).fileIo(io).build())
        {
            final StringBuilder expected = new StringBuilder("first|");
            try
            {
                engine.write(blocked, TestSupport.ascii("first|"));
                gate.awaitEntered();
                // The worker holds sequence 0 in its batch: exactly RING - 1 more slots are free.
                for (int i = 0; i < RING - 1; i++)
                {
                    final String text = "m" + i + "|";
                    assertTrue(engine.tryWrite(i % 2 == 0 ? blocked : other, TestSupport.ascii(text)),
                        "slot " + i + " of " + (RING - 1) + " must be accepted");
                    if (i % 2 == 0)
                    {
                        expected.append(text);
                    }
                }
                assertFalse(engine.tryWrite(other, TestSupport.ascii("refused|")), "the ring is full");
                assertFalse(engine.tryWrite(blocked, TestSupport.ascii("refused|")), "still full");
                assertEquals(0, engine.stats().ringFreeSlots(), "no free slot: " + engine.stats());
                assertEquals(RING, engine.stats().published(), "refused writes are not published");
            }
            finally
            {
                gate.release();
            }
            TestSupport.flush(engine);
            assertTrue(engine.tryWrite(other, TestSupport.ascii("after|")), "room again after the release");
            TestSupport.flush(engine);

            assertEquals(expected.toString(), TestSupport.readString(blocked));
            final StringBuilder expectedOther = new StringBuilder();
            for (int i = 1; i < RING - 1; i += 2)
            {
                expectedOther.append('m').append(i).append('|');
            }
            expectedOther.append("after|");
            assertEquals(expectedOther.toString(), TestSupport.readString(other));
            final EngineStats stats = engine.stats();
            assertEquals(RING + 1, stats.published());
            assertEquals(RING + 1, stats.written());
            assertEquals(RING, stats.ringFreeSlots());
            TestSupport.assertCountersAddUp(stats);
        }
    }

    @Test
    void shouldBlockWriteWhileTheRingIsFullAndGoOnWhenRoomComes() throws Exception
    {
        final Path blocked = dir.resolve("blocked.log");
        final FaultyFileIo io = new FaultyFileIo();
        final FaultyFileIo.Gate gate = io.block(FaultyFileIo.Op.WRITE, blocked);
        try (WriteEngine engine = WriteEngine.builder().ringSize(RING).slotSize(16).workers(1).fileIo(io).build())
        {
            final CompletableFuture<Long> producer;
            try
            {
                fillWhileHeld(engine, gate, blocked, RING);
                producer = TestSupport.async("producer", () ->
                {
                    for (int i = RING; i < 3 * RING; i++)
                    {
                        engine.write(blocked, TestSupport.ascii(i + "|"));
                    }
                    return engine.stats().published();
                });
                // The producer cannot get a slot while the worker is held: the ring stays full.
                assertEquals(0, engine.stats().ringFreeSlots());
                assertFalse(producer.isDone(), "write must wait for room");
            }
            finally
            {
                gate.release();
            }
            assertEquals(3 * RING, (long)TestSupport.get(producer, "producer"));
            TestSupport.flush(engine);
            assertEquals(numbered(3 * RING), TestSupport.readString(blocked));
            assertEquals(3 * RING, engine.stats().written());
        }
    }

    /**
     * A producer that waits long for room (a batch waits for a quarter of the ring: seconds when every message
     * creates a file) parks for doubling times, not every few microseconds: on a small machine each wake-up takes a
     * CPU from a worker. The ring stays full for 400 ms here: the old fixed backoff (1 us, then 50 us parks) woke
     * the producer 2,754 times in that time on the development machine, doubling parks capped at 1 ms 342 to 357.
     */
    @Test
    void shouldWaitForRoomWithoutWakingEveryFewMicroseconds() throws Exception
    {
        final Path status = Path.of("/proc/thread-self/status");
        assumeTrue(Files.isReadable(status), "needs Linux's per-thread context switch counts");
        final int ring = 65536;
        final Path blocked = dir.resolve("blocked.log");
        final FaultyFileIo io = new FaultyFileIo();
        final FaultyFileIo.Gate gate = io.block(FaultyFileIo.Op.WRITE, blocked);
        try (WriteEngine engine = WriteEngine.builder().ringSize(ring).slotSize(16).workers(1).fileIo(io).build())
        {
            final CompletableFuture<long[]> producer;
            final long blockedForMs;
            try
            {
                fillWhileHeld(engine, gate, blocked, ring);
                producer = TestSupport.async("producer", () ->
                {
                    final long before = voluntarySwitches(status);
                    engine.write(blocked, TestSupport.ascii(ring + "|"));
                    return new long[]{voluntarySwitches(status) - before};
                });
                final long start = System.nanoTime();
                // Not synchronisation: how long the ring stays full, the stimulus whose wake-ups are counted.
                Thread.sleep(400);
                assertFalse(producer.isDone(), "write must wait for room");
                blockedForMs = (System.nanoTime() - start) / 1_000_000;
            }
            finally
            {
                gate.release();
            }
            final long wakeUps = TestSupport.get(producer, "producer")[0];
            assertTrue(wakeUps <= 200 + 3 * blockedForMs,
                "producer woken " + wakeUps + " times while the ring was full for " + blockedForMs + " ms");
            TestSupport.flush(engine);
            assertEquals(numbered(ring + 1), TestSupport.readString(blocked));
            assertEquals(ring + 1, engine.stats().written());
        }
    }

    /**
     * Messages 0 to {@code ring - 1} to {@code blocked}, the first held at the gate by the only worker: the ring is
     * full when this returns.
     */
    private static void fillWhileHeld(
        final WriteEngine engine, final FaultyFileIo.Gate gate, final Path blocked, final int ring)
        throws InterruptedException
    {
        engine.write(blocked, TestSupport.ascii("0|"));
        gate.awaitEntered();
        for (int i = 1; i < ring; i++)
        {
            engine.write(blocked, TestSupport.ascii(i + "|"));
        }
    }

    /**
     * @return "0|1|...|" for messages 0 to {@code count - 1}.
     */
    private static String numbered(final int count)
    {
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            text.append(i).append('|');
        }
        return text.toString();
    }

    private static long voluntarySwitches(final Path status)
    {
        try
        {
            for (final String line : Files.readAllLines(status))
            {
                if (line.startsWith("voluntary_ctxt_switches:"))
                {
                    return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                }
            }
        }
        catch (final java.io.IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
        throw new IllegalStateException("no voluntary_ctxt_switches in " + status);
    }

    @Test
    void shouldDrainAFullRingOnClose() throws Exception
    {
        final Path blocked = dir.resolve("blocked.log");
        final Path[] others = {dir.resolve("a.log"), dir.resolve("b/b.log"), dir.resolve("c.log")};
        final FaultyFileIo io = new FaultyFileIo();
        final FaultyFileIo.Gate gate = io.block(FaultyFileIo.Op.WRITE, blocked);
        final WriteEngine engine = WriteEngine.builder().ringSize(RING).slotSize(16).workers(1).fileIo(io).build();
        try
        {
            final StringBuilder expectedBlocked = new StringBuilder("first|");
            final StringBuilder[] expectedOthers = {new StringBuilder(), new StringBuilder(), new StringBuilder()};
            final CompletableFuture<Boolean> closer;
            try
            {
                engine.write(blocked, TestSupport.ascii("first|"));
                gate.awaitEntered();
                for (int i = 0; i < RING - 1; i++)
                {
                    final String text = "m" + i + "|";
                    if (i % 4 == 3)
                    {
                        engine.write(blocked, TestSupport.ascii(text));
                        expectedBlocked.append(text);
                    }
                    else
                    {
                        engine.write(others[i % 4], TestSupport.ascii(text));
                        expectedOthers[i % 4].append(text);
                    }
                }
                assertFalse(engine.tryWrite(blocked, TestSupport.ascii("refused|")), "the ring is full");

                closer = TestSupport.async("closer", () ->
                {
                    engine.close();
                    return true;
                });
                TestSupport.awaitUntil(engine::isClosed, () -> "close() has begun");
                final IllegalStateException ex = assertThrows(IllegalStateException.class,
                    () -> engine.write(blocked, TestSupport.ascii("late|")));
                assertTrue(ex.getMessage().contains("closed"), ex.getMessage());
                assertFalse(closer.isDone(), "close() waits for the ring to drain");
            }
            finally
            {
                gate.release();
            }
            assertTrue(TestSupport.get(closer, "close()"));

            assertEquals(expectedBlocked.toString(), TestSupport.readString(blocked));
            for (int i = 0; i < others.length; i++)
            {
                assertEquals(expectedOthers[i].toString(), TestSupport.readString(others[i]));
            }
            final EngineStats stats = engine.stats();
            assertEquals(RING, stats.published());
            assertEquals(RING, stats.written());
            assertEquals(0, stats.openFiles(), "close() closes every handle");
            TestSupport.assertCountersAddUp(stats);
            assertTrue(Files.exists(blocked));

            engine.close();
            engine.close();
            assertThrows(IllegalStateException.class, () -> engine.tryWrite(blocked, TestSupport.ascii("x")));
        }
        finally
        {
            gate.release();
            engine.close();
        }
    }
}
