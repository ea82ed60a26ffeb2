package io.ringwriter;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real full disk: a 1 MiB tmpfs, filled. Needs root (mount); skipped with the reason where it cannot mount.
 */
@ExtendWith(TestSupport.NoLeakedThreads.class)
class FullDiskTest
{
    private static final int MESSAGE = 1000;

    @TempDir
    Path dir;

    private Path mount;
    private boolean mounted;
    private Path filler;

    @BeforeEach
    void mountTmpfs() throws Exception
    {
        mount = Files.createDirectories(dir.resolve("tmpfs"));
        final String[] command = {"mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount.toString()};
        final String output;
        final int exit;
        try
        {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            exit = process.waitFor();
        }
        catch (final IOException ex)
        {
            assumeTrue(false, "cannot run mount to make a full tmpfs: " + ex);
            return;
        }
        assumeTrue(exit == 0, "cannot mount a 1 MiB tmpfs (needs root): exit " + exit + ": " + output);
        mounted = true;
        filler = mount.resolve("filler.bin");
    }

    @AfterEach
    void unmount() throws Exception
    {
        if (mounted)
        {
            final Process process = new ProcessBuilder("umount", mount.toString()).redirectErrorStream(true).start();
            final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, process.waitFor(), "umount " + mount + ": " + output);
        }
    }

    /**
     * Fill the tmpfs to the last byte with a file the test owns.
     */
    private void fill() throws IOException
    {
        try (FileChannel channel = FileChannel.open(filler, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))
        {
            final ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
            while (true)
            {
                chunk.clear();
                try
                {
                    while (chunk.hasRemaining())
                    {
                        channel.write(chunk);
                    }
                }
                catch (final IOException ex)
                {
                    assertTrue(String.valueOf(ex.getMessage()).contains("No space left on device"), ex.toString());
                    return;
                }
            }
        }
    }

    private static byte[] message(final int i)
    {
        final byte[] bytes = new byte[MESSAGE];
        java.util.Arrays.fill(bytes, (byte)('a' + i % 26));
        final byte[] head = ("message " + i + ":").getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(head, 0, bytes, 0, head.length);
        bytes[MESSAGE - 1] = '\n';
        return bytes;
    }

    @Test
    void shouldReportStorageSpaceCountOnlyWhatIsOnDiskAndKeepRunning() throws Exception
    {
        fill();
        final Path full = mount.resolve("full.log");
        final Path elsewhere = dir.resolve("elsewhere.log");
        final TestSupport.RecordingFailureHandler failures = new TestSupport.RecordingFailureHandler();
        try (WriteEngine engine = WriteEngine.builder().ringSize(256).slotSize(256).workers(2)
            .retryPolicy(RetryPolicy.none()).failureHandler(failures).build())
        {
            for (int i = 0; i < 20; i++)
            {
                engine.write(full, message(i));
            }
            engine.write(elsewhere, message(100));
            TestSupport.flush(engine);

            assertTrue(failures.count() > 0, "writes to the full tmpfs fail");
            final Set<String> failed = new HashSet<>();
            for (final TestSupport.Failure failure : failures.failures)
            {
                assertEquals(full, failure.path());
                assertEquals(1, failure.attempts());
                final EngineException cause = assertInstanceOf(EngineException.class, failure.cause());
                assertEquals(EngineException.STORAGE_SPACE, cause.code(), cause.getMessage());
                assertInstanceOf(IOException.class, cause.getCause());
                assertTrue(cause.getMessage().contains(full.toString()), cause.getMessage());
                failed.add(failure.text());
            }
            // What the engine counts as written is exactly what is in the file: whole messages, in order.
            final java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
            int writtenToFull = 0;
            for (int i = 0; i < 20; i++)
            {
                if (!failed.contains(new String(message(i), StandardCharsets.US_ASCII)))
                {
                    expected.write(message(i));
                    writtenToFull++;
                }
            }
            assertEquals(20, writtenToFull + failures.count());
            final byte[] onDisk = Files.exists(full) ? Files.readAllBytes(full) : new byte[0];
            assertEquals(new String(expected.toByteArray(), StandardCharsets.US_ASCII),
                new String(onDisk, StandardCharsets.US_ASCII));
            assertEquals(new String(message(100), StandardCharsets.US_ASCII), TestSupport.readString(elsewhere));
            EngineStats stats = engine.stats();
            assertEquals(writtenToFull + 1, stats.written());
            assertEquals((long)(writtenToFull + 1) * MESSAGE, stats.bytesWritten(), "bytes counted: " + stats);
            TestSupport.assertCountersAddUp(stats);

            // Space again: the same engine goes on writing to the same file.
            Files.delete(filler);
            engine.write(full, message(200));
            TestSupport.flush(engine);
            expected.write(message(200));
            assertEquals(new String(expected.toByteArray(), StandardCharsets.US_ASCII), TestSupport.readString(full));
            stats = engine.stats();
            assertEquals(writtenToFull + 2, stats.written());
            TestSupport.assertCountersAddUp(stats);
        }
    }

    @Test
    void shouldRetryWhileTheDiskIsFullAndLandEverythingOnceSpaceIsFreed() throws Exception
    {
        fill();
        final Path full = mount.resolve("retried.log");
        final TestSupport.RecordingFailureHandler failures = new TestSupport.RecordingFailureHandler();
        final List<Throwable> classified = new CopyOnWriteArrayList<>();
        final RetryPolicy policy = RetryPolicy.exponential(100_000, Duration.ofMillis(1), Duration.ofMillis(10))
            .withClassifier((cause) ->
            {
                classified.add(cause);
                return FailureClassifier.DEFAULT.isTransient(cause);
            });
        try (WriteEngine engine = WriteEngine.builder().ringSize(256).slotSize(256).workers(2)
            .retryPolicy(policy).failureHandler(failures).build())
        {
            final List<byte[]> messages = new ArrayList<>();
            for (int i = 0; i < 30; i++)
            {
                messages.add(message(i));
                engine.write(full, message(i));
            }
            TestSupport.awaitUntil(() -> engine.stats().retried() >= 3, () -> "retries while full: " + engine.stats());
            assertFalse(classified.isEmpty());
            for (final Throwable cause : classified)
            {
                final EngineException ex = assertInstanceOf(EngineException.class, cause);
                assertEquals(EngineException.STORAGE_SPACE, ex.code());
            }
            final EngineStats whileFull = engine.stats();
            final long size = Files.exists(full) ? Files.size(full) : 0;
            assertEquals(whileFull.bytesWritten(), size, "nothing counted written that is not on disk: " + whileFull);
            assertEquals(0, size % MESSAGE, "only whole messages on disk");

            Files.delete(filler);
            TestSupport.flush(engine);

            final java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
            for (final byte[] message : messages)
            {
                expected.write(message);
            }
            assertEquals(new String(expected.toByteArray(), StandardCharsets.US_ASCII), TestSupport.readString(full));
            assertEquals(List.of(), failures.failures);
            final EngineStats stats = engine.stats();
            assertEquals(30, stats.written());
            assertEquals(30L * MESSAGE, stats.bytesWritten());
            TestSupport.assertCountersAddUp(stats);
        }
    }
}
