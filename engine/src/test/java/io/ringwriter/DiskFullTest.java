package io.ringwriter;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fills a real 1 MiB tmpfs through the engine. Needs root (mount); skipped with the reason otherwise.
 * <p>
 * Every message starts with a unique id so that a failure reported with the message's bytes names which write it
 * was, and each file's content can be checked against the writes that succeeded, in order.
 */
class DiskFullTest
{
    private static final int FILES = 6;

    @TempDir
    Path dir;

    private Path mount;
    private boolean mounted;

    @BeforeEach
    void mountSmallTmpfs() throws IOException
    {
        mount = Files.createDirectories(dir.resolve("full"));
        final String problem = ReliabilitySupport.mountTmpfs(mount, "1m");
        Assumptions.assumeTrue(problem == null, "cannot run the disk-full test: " + problem);
        mounted = true;
    }

    @AfterEach
    void unmount()
    {
        if (mounted)
        {
            mounted = false;
            final ReliabilitySupport.Command umount = ReliabilitySupport.unmount(mount);
            // The engine is closed by now: a busy mount means it left a descriptor open on it.
            assertTrue(umount.ok(), "umount failed after the engine closed (descriptor leak?): " + umount.output());
        }
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void shouldFailWithStorageSpaceCountOnlyWhatIsOnDiskAndKeepRunning() throws Exception
    {
        final long seed = Long.getLong("ringwriter.seed", System.nanoTime());
        final Random random = new Random(seed);
        final String context = "seed=" + seed;
        final ReliabilitySupport.RecordingFailureHandler handler = new ReliabilitySupport.RecordingFailureHandler();
        final ReliabilitySupport.KeepingThreadFactory threads = new ReliabilitySupport.KeepingThreadFactory("full");

        final Map<Integer, Message> messages = new HashMap<>();
        final Map<Integer, CompletableFuture<WriteResult>> futures = new HashMap<>();
        try (WriteEngine engine = WriteEngine.builder().root(dir).ringSize(64).slotSize(256).workers(2)
            .durability(Durability.FSYNC).threadFactory(threads).failureHandler(handler)
            .retryPolicy(RetryPolicy.exponential(3, Duration.ofMillis(1), Duration.ofMillis(4))).build())
        {
            // About 1.6 MiB into 1 MiB, in messages of every size up to 6000 bytes: short writes, then ENOSPC.
            long offered = 0;
            int id = 0;
            while (offered < 1_600_000)
            {
                final Message message = Message.random(id, random.nextInt(FILES), random);
                messages.put(id, message);
                if (random.nextBoolean())
                {
                    futures.put(id, engine.submit(message.path, message.bytes));
                }
                else
                {
                    engine.write(message.path, message.bytes);
                }
                offered += message.bytes.length;
                id++;
                if (id % 50 == 0)
                {
                    final long written = engine.stats().bytesWritten();
                    // Sizes only grow except where the engine cuts back bytes it never counted: never below.
                    assertTrue(sizeOfFiles(mount) >= written, context + ": counted bytes not on disk");
                }
            }
            engine.flush();

            final Set<Integer> failedIds = new HashSet<>();
            for (final ReliabilitySupport.Failure failure : handler.failures)
            {
                final int failedId = Message.idOf(failure.data());
                assertTrue(failedIds.add(failedId), context + ": failure reported twice for id " + failedId);
                assertEquals(messages.get(failedId).path, failure.path(), context);
                final EngineException cause = assertInstanceOf(EngineException.class, failure.cause(), context +
                    ": " + failure.messages());
                assertEquals(EngineException.STORAGE_SPACE, cause.code(), context + ": " + failure.messages());
                assertTrue(cause.getMessage().contains(failure.path().toString()), context + ": " + cause);
            }
            for (final Map.Entry<Integer, CompletableFuture<WriteResult>> entry : futures.entrySet())
            {
                final CompletableFuture<WriteResult> future = entry.getValue();
                assertTrue(future.isDone(), context + ": future not done after flush, id " + entry.getKey());
                if (failedIds.contains(entry.getKey()))
                {
                    final ExecutionException ex = org.junit.jupiter.api.Assertions.assertThrows(
                        ExecutionException.class, future::get, context);
                    final WriteFailedException failed = assertInstanceOf(WriteFailedException.class, ex.getCause());
                    assertEquals(EngineException.STORAGE_SPACE, ((EngineException)failed.getCause()).code());
                }
                else
                {
                    assertEquals(messages.get(entry.getKey()).bytes.length, future.get().bytesWritten(), context);
                }
            }
            assertFalse(failedIds.isEmpty(), context + ": 1.6 MB went into a 1 MB tmpfs without a failure");

            // Each file holds exactly its successful messages, in the order they were written.
            long expectedBytes = 0;
            int succeeded = 0;
            final ByteArrayOutputStream[] expected = new ByteArrayOutputStream[FILES];
            for (int f = 0; f < FILES; f++)
            {
                expected[f] = new ByteArrayOutputStream();
            }
            for (int i = 0; i < id; i++)
            {
                if (!failedIds.contains(i))
                {
                    final Message message = messages.get(i);
                    expected[message.file].write(message.bytes);
                    expectedBytes += message.bytes.length;
                    succeeded++;
                }
            }
            for (int f = 0; f < FILES; f++)
            {
                final Path file = mount.resolve("f-" + f + ".log");
                final byte[] actual = Files.exists(file) ? Files.readAllBytes(file) : new byte[0];
                assertArrayEquals(expected[f].toByteArray(), actual, context + ": content of " + file + ": " +
                    explain(actual, messages, failedIds, f));
            }

            final EngineStats stats = engine.stats();
            assertEquals(id, stats.published(), context);
            assertEquals(succeeded, stats.written(), context);
            assertEquals(failedIds.size(), stats.failed(), context);
            assertEquals(stats.published(), stats.completed(), context);
            assertEquals(expectedBytes, stats.bytesWritten(), context);
            assertEquals(sizeOfFiles(mount), stats.bytesWritten(), context + ": counted bytes != bytes on disk");
            assertEquals(List.of(), threads.deadThreads(), context + ": an engine thread died");
            System.out.println("DiskFullTest fill: seed=" + seed + " offered=" + id + " writes/" + offered +
                " bytes, written=" + stats.written() + " (" + stats.bytesWritten() + " bytes on disk), failed=" +
                stats.failed() + " all STORAGE_SPACE, retried=" + stats.retried());

            // The engine keeps running: a write outside the full file system lands.
            final byte[] after = "after the disk filled\n".getBytes(StandardCharsets.US_ASCII);
            assertEquals(after.length, engine.submit(Path.of("ok", "after.log"), after).get(30, TimeUnit.SECONDS)
                .bytesWritten());
            assertArrayEquals(after, Files.readAllBytes(dir.resolve("ok/after.log")));
        }
        assertEquals(List.of(), threads.aliveThreads(), "engine threads alive after close");
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void shouldLandRetriedWritesOnceSpaceIsFreed() throws Exception
    {
        final long seed = Long.getLong("ringwriter.seed", System.nanoTime());
        final Random random = new Random(seed);
        final String context = "seed=" + seed;
        final Path filler = mount.resolve("filler.bin");
        fill(filler);

        final ReliabilitySupport.RecordingFailureHandler handler = new ReliabilitySupport.RecordingFailureHandler();
        final List<Message> messages = new ArrayList<>();
        final List<CompletableFuture<WriteResult>> futures = new ArrayList<>();
        try (WriteEngine engine = WriteEngine.builder().root(dir).ringSize(64).slotSize(256).workers(2)
            .durability(Durability.FSYNC).failureHandler(handler)
            .retryPolicy(RetryPolicy.exponential(10_000, Duration.ofMillis(1), Duration.ofMillis(20))).build())
        {
            for (int id = 0; id < 40; id++)
            {
                final Message message = Message.random(id, random.nextInt(FILES), random);
                messages.add(message);
                if (id % 3 == 0)
                {
                    engine.write(message.path, message.bytes);
                    futures.add(null);
                }
                else
                {
                    futures.add(engine.submit(message.path, message.bytes));
                }
            }
            // No event says "the engine has retried": poll the counter, bounded.
            assertTrue(ReliabilitySupport.awaitCondition(() -> engine.stats().retried() >= 10, 30_000),
                context + ": no retries while the disk is full: " + engine.stats());
            for (final CompletableFuture<WriteResult> future : futures)
            {
                assertTrue(future == null || !future.isDone(), context + ": a write ended while the disk was full");
            }
            assertEquals(0, engine.stats().written(), context);

            Files.delete(filler);
            engine.flush();

            int retriedWrites = 0;
            for (int i = 0; i < messages.size(); i++)
            {
                if (futures.get(i) != null)
                {
                    final WriteResult result = futures.get(i).get();
                    assertEquals(messages.get(i).bytes.length, result.bytesWritten(), context);
                    retriedWrites += result.attempts() > 1 ? 1 : 0;
                }
            }
            assertTrue(retriedWrites > 0, context + ": no submitted write needed a retry");
            assertEquals(List.of(), handler.failures, context);

            final ByteArrayOutputStream[] expected = new ByteArrayOutputStream[FILES];
            for (int f = 0; f < FILES; f++)
            {
                expected[f] = new ByteArrayOutputStream();
            }
            long expectedBytes = 0;
            for (final Message message : messages)
            {
                expected[message.file].write(message.bytes);
                expectedBytes += message.bytes.length;
            }
            for (int f = 0; f < FILES; f++)
            {
                final Path file = mount.resolve("f-" + f + ".log");
                final byte[] actual = Files.exists(file) ? Files.readAllBytes(file) : new byte[0];
                assertArrayEquals(expected[f].toByteArray(), actual, context + ": content of " + file);
            }
            final EngineStats stats = engine.stats();
            assertEquals(messages.size(), stats.written(), context);
            assertEquals(0, stats.failed(), context);
            assertEquals(expectedBytes, stats.bytesWritten(), context);
            assertEquals(sizeOfFiles(mount), stats.bytesWritten(), context);
            System.out.println("DiskFullTest free: seed=" + seed + " writes=" + messages.size() + " retries=" +
                stats.retried() + " submitted writes that needed a retry=" + retriedWrites + " failed=0");
        }
    }

    /**
     * Walk the file message by message and say where it first departs from the successful writes.
     */
    private static String explain(
        final byte[] actual, final Map<Integer, Message> messages, final Set<Integer> failedIds, final int file)
    {
        int pos = 0;
        for (int i = 0; i < messages.size(); i++)
        {
            final Message message = messages.get(i);
            if (message.file != file || failedIds.contains(i))
            {
                continue;
            }
            final int end = pos + message.bytes.length;
            if (end > actual.length ||
                !java.util.Arrays.equals(actual, pos, end, message.bytes, 0, message.bytes.length))
            {
                final String found = actual.length - pos >= 4 ?
                    "id " + ByteBuffer.wrap(actual, pos, 4).getInt() : (actual.length - pos) + " bytes";
                final int foundId = actual.length - pos >= 4 ? ByteBuffer.wrap(actual, pos, 4).getInt() : -1;
                final Message other = messages.get(foundId);
                String extra = "";
                if (other != null)
                {
                    int same = 0;
                    while (same < other.bytes.length && pos + same < actual.length &&
                        actual[pos + same] == other.bytes[same])
                    {
                        same++;
                    }
                    extra = " (" + same + " of its " + other.bytes.length + " bytes, failed=" +
                        failedIds.contains(foundId) + ", file=" + other.file + ")";
                }
                return "at offset " + pos + " expected id " + i + " (" + message.bytes.length + " bytes), found " +
                    found + extra + "; file size " + actual.length;
            }
            pos = end;
        }
        return pos == actual.length ? "same" : (actual.length - pos) + " extra bytes at offset " + pos +
            (actual.length - pos >= 4 ? " starting with id " + ByteBuffer.wrap(actual, pos, 4).getInt() : "");
    }

    private static void fill(final Path filler) throws IOException
    {
        final byte[] chunk = new byte[4096];
        try (OutputStream out = Files.newOutputStream(filler))
        {
            while (true)
            {
                out.write(chunk);
                out.flush();
            }
        }
        catch (final IOException ex)
        {
            if (!String.valueOf(ex.getMessage()).contains("No space left on device"))
            {
                throw ex;
            }
        }
    }

    private static long sizeOfFiles(final Path root) throws IOException
    {
        try (Stream<Path> files = Files.walk(root))
        {
            long total = 0;
            for (final Path file : (Iterable<Path>)files::iterator)
            {
                if (Files.isRegularFile(file) && !file.getFileName().toString().equals("filler.bin"))
                {
                    total += Files.size(file);
                }
            }
            return total;
        }
    }

    /**
     * A message: 4-byte id, then filler bytes; written to full/f-N.log.
     */
    private static final class Message
    {
        final int file;
        final Path path;
        final byte[] bytes;

        private Message(final int file, final byte[] bytes)
        {
            this.file = file;
            this.path = Path.of("full", "f-" + file + ".log");
            this.bytes = bytes;
        }

        static Message random(final int id, final int file, final Random random)
        {
            final byte[] bytes = new byte[4 + random.nextInt(6000)];
            random.nextBytes(bytes);
            ByteBuffer.wrap(bytes).putInt(id);
            return new Message(file, bytes);
        }

        static int idOf(final byte[] bytes)
        {
            return ByteBuffer.wrap(bytes).getInt();
        }
    }
}
