package io.ringwriter;

import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * After warm-up, 100,000 {@code write(Path, byte[])} calls to open files allocate (almost) nothing on the producer
 * thread and on the engine's threads, measured with {@link com.sun.management.ThreadMXBean#getThreadAllocatedBytes}.
 */
@ExtendWith(TestSupport.NoLeakedThreads.class)
class ZeroGarbageTest
{
    /**
     * The whole allowance for all measured threads together: a few stray objects (a lazily made JDK object, a
     * thread's first park), never a per-write allocation (100,000 writes x even 16 bytes would be 1.6 MB).
     */
    private static final long ALLOWED_BYTES = 4096;
    private static final int WRITES = 100_000;
    private static final int FILES = 4;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "root={0}")
    @ValueSource(booleans = {false, true})
    void shouldNotAllocateOnTheWritePathOnceFilesAreOpen(final boolean withRoot) throws Exception
    {
        final com.sun.management.ThreadMXBean mx =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        assumeTrue(mx.isThreadAllocatedMemorySupported(), "per-thread allocation counting unsupported");
        mx.setThreadAllocatedMemoryEnabled(true);

        final TestSupport.RecordingThreadFactory threads = new TestSupport.RecordingThreadFactory();
        final Path root = Files.createDirectories(dir.resolve("root"));
        final Path[] files = new Path[FILES];
        final byte[][] messages = new byte[FILES][];
        for (int f = 0; f < FILES; f++)
        {
            files[f] = withRoot ? Path.of("f" + f + ".log") : root.resolve("f" + f + ".log");
            // 1 to 3 slots of 64 bytes.
            messages[f] = TestMessages.message(0, f, f, 40 + 60 * f % 190);
        }
        final WriteEngine.Builder builder = WriteEngine.builder().ringSize(4096).slotSize(64).workers(2)
            .threadFactory(threads);
        if (withRoot)
        {
            builder.root(root);
        }
        try (WriteEngine engine = builder.build())
        {
            for (int round = 0; round < 5; round++)
            {
                writeAll(engine, files, messages);
                engine.flush();
            }

            final Thread producer = Thread.currentThread();
            final List<Thread> engineThreads = new ArrayList<>(threads.threads);
            assertEquals(3, engineThreads.size(), "two workers and the retry agent: " + engineThreads);
            final long[] before = new long[engineThreads.size() + 1];
            for (int i = 0; i < engineThreads.size(); i++)
            {
                before[i] = mx.getThreadAllocatedBytes(engineThreads.get(i).getId());
            }
            // The producer's own figure last before and first after, so the measuring itself is not counted.
            before[engineThreads.size()] = mx.getThreadAllocatedBytes(producer.getId());

            writeAll(engine, files, messages);
            engine.flush();

            final long producerAfter = mx.getThreadAllocatedBytes(producer.getId());
            final long[] after = new long[engineThreads.size() + 1];
            for (int i = 0; i < engineThreads.size(); i++)
            {
                after[i] = mx.getThreadAllocatedBytes(engineThreads.get(i).getId());
            }
            after[engineThreads.size()] = producerAfter;

            long total = 0;
            final StringBuilder report = new StringBuilder("allocated during " + WRITES + " writes (root=" +
                withRoot + "):");
            for (int i = 0; i <= engineThreads.size(); i++)
            {
                final String name = i < engineThreads.size() ? engineThreads.get(i).getName() : "producer";
                final long bytes = after[i] - before[i];
                total += bytes;
                report.append(' ').append(name).append('=').append(bytes).append(" B;");
            }
            report.append(" total=").append(total).append(" B");
            System.out.println(report);

            final EngineStats stats = engine.stats();
            assertEquals(6L * WRITES, stats.written(), "every write done: " + stats);
            assertTrue(total <= ALLOWED_BYTES, report.toString());
        }
        for (int f = 0; f < FILES; f++)
        {
            final Path file = withRoot ? root.resolve(files[f]) : files[f];
            final int count = WRITES * 6 / FILES;
            assertEquals((long)count * messages[f].length, Files.size(file), "size of " + file);
        }
    }

    /**
     * The bound for a created file is 128 bytes, and a batch of two files is where a batch's own objects
     * weigh most: the future, the result, the tracker and one small object per file, with nothing made to wait
     * (a thread waiting in join() parks on the batch, no signaller object). Files stay open here, so what is counted
     * is exactly that fixed cost, on the caller and the engine's threads together.
     */
    @org.junit.jupiter.api.Test
    void shouldAllocateAtMost128BytesPerFileForABatchOfTwo() throws Exception
    {
        final com.sun.management.ThreadMXBean mx =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        assumeTrue(mx.isThreadAllocatedMemorySupported(), "per-thread allocation counting unsupported");
        mx.setThreadAllocatedMemoryEnabled(true);

        final TestSupport.RecordingThreadFactory threads = new TestSupport.RecordingThreadFactory();
        final List<Path> files = List.of(dir.resolve("a.log"), dir.resolve("b.log"));
        final byte[] message = TestMessages.message(0, 0, 0, 64);
        final int calls = 5_000;
        try (WriteEngine engine = WriteEngine.builder().workers(2).threadFactory(threads).build())
        {
            for (int i = 0; i < calls; i++)
            {
                assertEquals(2, engine.writeAll(files, message).join().succeeded());
            }
            final List<Thread> measured = new ArrayList<>(threads.threads);
            measured.add(Thread.currentThread());
            final long[] before = new long[measured.size()];
            for (int i = 0; i < measured.size(); i++)
            {
                before[i] = mx.getThreadAllocatedBytes(measured.get(i).getId());
            }
            int succeeded = 0;
            for (int i = 0; i < calls; i++)
            {
                succeeded += engine.writeAll(files, message).join().succeeded();
            }
            long total = 0;
            for (int i = measured.size() - 1; i >= 0; i--)
            {
                total += mx.getThreadAllocatedBytes(measured.get(i).getId()) - before[i];
            }
            System.out.println("writeAll of 2 files: " + (double)total / calls + " B per call");
            assertEquals(2 * calls, succeeded);
            assertTrue(total <= 2L * 128 * calls, "allocated " + total + " B in " + calls + " calls of 2 files: " +
                (double)total / calls / 2 + " B per file");
        }
        for (final Path file : files)
        {
            assertEquals(2L * calls * message.length, Files.size(file), "size of " + file);
        }
    }

    private static void writeAll(final WriteEngine engine, final Path[] files, final byte[][] messages)
    {
        for (int i = 0; i < WRITES; i++)
        {
            final int f = i & (FILES - 1);
            engine.write(files[f], messages[f]);
        }
    }
}
