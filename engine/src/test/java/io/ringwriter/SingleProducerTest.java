package io.ringwriter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code singleProducer(true)} (the Disruptor's single-producer sequencer, retries handed to the workers beside the
 * ring) and {@code linger}: the same guarantees as the default multi-producer ring.
 */
@ExtendWith(TestSupport.NoLeakedThreads.class)
class SingleProducerTest
{
    private static final long SEED = Long.getLong("ringwriter.test.seed", 20261127L);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private final TestSupport.RecordingFailureHandler failures = new TestSupport.RecordingFailureHandler();

    /**
     * One thread, 8 files x 20,000 messages of 12 to 1200 bytes (1 to 19 slots of 64 bytes) through a ring of 256
     * slots, so it wraps hundreds of times: every file read back, in order, nothing lost or doubled.
     */
    @Test
    void shouldLandEveryMessageInOrderFromOneProducerThread() throws Exception
    {
        final int fileCount = 8;
        final int perFile = 20_000;
        final Path[] files = new Path[fileCount];
        for (int f = 0; f < fileCount; f++)
        {
            files[f] = dir.resolve("single-" + f + ".log");
        }

        try (WriteEngine engine = WriteEngine.builder()
            .singleProducer(true).ringSize(256).slotSize(64).workers(2).failureHandler(failures).build())
        {
            final byte[] scratch = new byte[1200];
            for (int seq = 0; seq < perFile; seq++)
            {
                for (int f = 0; f < fileCount; f++)
                {
                    final int length = TestMessages.encode(
                        scratch, 0, f, seq, TestMessages.mixedSize(0, f, seq));
                    engine.write(files[f], scratch, 0, length);
                }
            }
            TestSupport.flush(engine);

            final EngineStats stats = engine.stats();
            assertEquals((long)fileCount * perFile, stats.published(), stats::toString);
            assertEquals((long)fileCount * perFile, stats.written(), stats::toString);
            assertEquals(0, stats.failed(), stats::toString);
            TestSupport.assertCountersAddUp(stats);
        }

        for (int f = 0; f < fileCount; f++)
        {
            final int count = TestMessages.verifyFile(
                files[f], Files.readAllBytes(files[f]), f, 1, new int[]{perFile});
            assertEquals(perFile, count, files[f].toString());
        }
        assertTrue(failures.failures.isEmpty(), failures.failures::toString);
    }

    /**
     * 30% of writes fail with a transient error: with one producer the retry agent may not publish into the ring,
     * so every retry goes to its worker beside it. All 10,000 land once, in per-file order, and each retry is
     * counted. (Were the agent to claim slots beside the producer, the two would be handed the same slot and one
     * message would overwrite another: this test then fails within a few runs.)
     */
    @Test
    void shouldRetryBesideTheRingWithoutPublishingIntoIt() throws Exception
    {
        final FaultyFileIo io = new FaultyFileIo();
        io.failWithProbability(FaultyFileIo.Op.WRITE, 0.3, SEED + 11, FaultyFileIo.IO_ERROR, FaultyFileIo.NO_SPACE);
        io.shortWritesWithProbability(0.2, SEED + 12);
        final Path[] files = {dir.resolve("a.log"), dir.resolve("b.log"), dir.resolve("c.log")};
        final StringBuilder[] expected = {new StringBuilder(), new StringBuilder(), new StringBuilder()};
        final List<CompletableFuture<WriteResult>> futures = new ArrayList<>();

        try (WriteEngine engine = WriteEngine.builder()
            .singleProducer(true).ringSize(128).slotSize(32).workers(2).fileIo(io).failureHandler(failures)
            .closeTimeout(CLOSE_TIMEOUT)
            .retryPolicy(RetryPolicy.exponential(60, Duration.ofMillis(1), Duration.ofMillis(2)))
            .build())
        {
            for (int i = 0; i < 10_000; i++)
            {
                final String text = "w" + i + "|";
                expected[i % 3].append(text);
                if ((i & 1) == 0)
                {
                    futures.add(engine.submit(files[i % 3], TestSupport.ascii(text)));
                }
                else
                {
                    engine.write(files[i % 3], TestSupport.ascii(text));
                }
            }

            long retries = 0;
            for (final CompletableFuture<WriteResult> future : futures)
            {
                retries += TestSupport.get(engine, future, "submitted write").attempts() - 1;
            }
            TestSupport.flush(engine);
            final EngineStats stats = engine.stats();
            assertEquals(10_000, stats.written(), stats::toString);
            assertEquals(0, stats.failed(), stats::toString);
            assertTrue(stats.retried() >= retries && stats.retried() > 0, stats::toString);
            TestSupport.assertCountersAddUp(stats);
        }

        for (int f = 0; f < 3; f++)
        {
            assertSameText(expected[f].toString(), TestSupport.readString(files[f]), files[f]);
        }
        assertTrue(failures.failures.isEmpty(), failures.failures::toString);
    }

    /**
     * close() called by the producer thread right after 50,000 writes into a ring of 256 slots writes them all; a
     * later write says the engine is closed.
     */
    @Test
    void shouldDrainEverythingWhenTheProducerCloses() throws Exception
    {
        final Path file = dir.resolve("close.log");
        final WriteEngine engine = WriteEngine.builder()
            .singleProducer(true).ringSize(256).slotSize(64).workers(2).failureHandler(failures).build();
        final byte[] scratch = new byte[1200];
        final int count = 50_000;
        for (int seq = 0; seq < count; seq++)
        {
            final int length = TestMessages.encode(scratch, 0, 0, seq, TestMessages.mixedSize(0, 0, seq));
            engine.write(file, scratch, 0, length);
        }
        engine.close();

        final IllegalStateException ex =
            assertThrows(IllegalStateException.class, () -> engine.write(file, scratch, 0, 16));
        assertTrue(ex.getMessage().contains("closed"), ex.getMessage());
        assertEquals(count, TestMessages.verifyFile(file, Files.readAllBytes(file), 0, 1, new int[]{count}));
        assertEquals(count, engine.stats().written());
    }

    /**
     * A linger far longer than the test's patience for one event would be bounded by its own deadline; each
     * setting (none, 200 ms) writes every message, and flush returns once they are in the file.
     */
    @Test
    void shouldWriteEverythingWithAndWithoutLinger() throws Exception
    {
        for (final Duration linger : new Duration[]{Duration.ZERO, Duration.ofMillis(200)})
        {
            final Path file = dir.resolve("linger-" + linger.toMillis() + ".log");
            final StringBuilder expected = new StringBuilder();
            try (WriteEngine engine = WriteEngine.builder().linger(linger).workers(2).build())
            {
                for (int i = 0; i < 1_000; i++)
                {
                    final String text = "m" + i + "\n";
                    expected.append(text);
                    engine.write(file, TestSupport.ascii(text));
                    if (i % 250 == 0)
                    {
                        TestSupport.flush(engine);
                        assertEquals(expected.toString(), TestSupport.readString(file), "after flush, " + linger);
                    }
                }
                TestSupport.flush(engine);
                assertEquals(expected.toString(), TestSupport.readString(file), "linger " + linger);
            }
        }
    }

    @Test
    void shouldReadBothSettingsFromProperties() throws Exception
    {
        final Properties properties = new Properties();
        properties.setProperty(Configuration.SINGLE_PRODUCER_PROP_NAME, "true");
        properties.setProperty(Configuration.LINGER_PROP_NAME, "0");
        final Path file = dir.resolve("props.log");
        try (WriteEngine engine = WriteEngine.builder().properties(properties).build())
        {
            engine.write(file, TestSupport.ascii("x"));
            TestSupport.flush(engine);
        }
        assertEquals("x", TestSupport.readString(file));
    }

    @Test
    void shouldNameABadLinger()
    {
        final IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
            () -> WriteEngine.builder().linger(Duration.ofNanos(-1)).build());
        assertEquals("invalid WriteEngine settings: linger must be between 0 and 1 s: lingerNs=-1",
            negative.getMessage());

        final IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
            () -> WriteEngine.builder().linger(Duration.ofSeconds(2)).build());
        assertTrue(tooLong.getMessage().contains("lingerNs=2000000000"), tooLong.getMessage());

        final Properties properties = new Properties();
        properties.setProperty(Configuration.SINGLE_PRODUCER_PROP_NAME, "maybe");
        final IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
            () -> WriteEngine.builder().properties(properties));
        assertTrue(bad.getMessage().contains(Configuration.SINGLE_PRODUCER_PROP_NAME), bad.getMessage());
    }

    private static void assertSameText(final String expected, final String actual, final Path file)
    {
        if (!expected.equals(actual))
        {
            int at = 0;
            while (at < Math.min(expected.length(), actual.length()) && expected.charAt(at) == actual.charAt(at))
            {
                at++;
            }
            final int from = Math.max(0, at - 20);
            throw new AssertionError(file + " differs at char " + at + ": expected ..." +
                expected.substring(from, Math.min(expected.length(), at + 20)) + "... but was ..." +
                actual.substring(from, Math.min(actual.length(), at + 20)) + "... (lengths " + expected.length() +
                " and " + actual.length() + ")");
        }
    }
}
