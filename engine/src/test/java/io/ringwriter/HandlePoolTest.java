package io.ringwriter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-worker least-recently-used pool of open files: {@code maxOpenFiles} 4 over 100 files.
 */
@ExtendWith(TestSupport.NoLeakedThreads.class)
class HandlePoolTest
{
    private static final int FILES = 100;
    private static final int PRODUCERS = 2;

    @TempDir
    Path dir;

    @Test
    void shouldKeepContentExactWhileEvictingWithMaxOpenFilesFourOverAHundredFiles() throws Exception
    {
        final Path[] files = paths();
        final int rounds = 100;
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicLong maxOpen = new AtomicLong();
        try (WriteEngine engine = WriteEngine.builder().ringSize(512).slotSize(64).workers(2).maxOpenFiles(4).build())
        {
            final CompletableFuture<Long> sampler = TestSupport.async("sampler", () ->
            {
                long samples = 0;
                while (running.get())
                {
                    final long open = engine.stats().openFiles();
                    maxOpen.accumulateAndGet(open, Math::max);
                    samples++;
                    Thread.yield();
                }
                return samples;
            });
            final List<CompletableFuture<Long>> producers = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++)
            {
                final int producer = p;
                producers.add(TestSupport.async("producer-" + p, () ->
                {
                    final byte[] scratch = new byte[2048];
                    for (int seq = 0; seq < rounds; seq++)
                    {
                        for (int f = 0; f < FILES; f++)
                        {
                            final int length = TestMessages.mixedSize(producer, f, seq);
                            TestMessages.encode(scratch, producer, f, seq, length);
                            engine.write(files[f], scratch, 0, length);
                        }
                    }
                    return 0L;
                }));
            }
            for (final CompletableFuture<Long> producer : producers)
            {
                TestSupport.get(producer, "producer");
            }
            TestSupport.flush(engine);
            running.set(false);
            TestSupport.get(sampler, "sampler");

            final EngineStats stats = engine.stats();
            assertTrue(stats.openFiles() <= 4, "open files after flush: " + stats);
            assertTrue(maxOpen.get() <= 4, "most open files seen while writing: " + maxOpen.get());
            assertEquals((long)PRODUCERS * FILES * rounds, stats.written(), "written: " + stats);
            assertEquals(stats.published(), stats.written());
            verifyAll(files, rounds, stats);
        }
    }

    /**
     * Deterministic form of the above: one worker held at a gate while 100 files' messages pile up, so that its next
     * Disruptor batch holds messages for all of them and evicts handles that have messages waiting in the batch.
     */
    @Test
    void shouldKeepContentExactWhenEvictingWithinOneBatch() throws Exception
    {
        final Path[] files = paths();
        final Path gateFile = dir.resolve("gate.log");
        final FaultyFileIo io = new FaultyFileIo();
        final FaultyFileIo.Gate gate = io.block(FaultyFileIo.Op.WRITE, gateFile);
        try (WriteEngine engine = WriteEngine.builder()
            .ringSize(1024).slotSize(64).workers(1).maxOpenFiles(4).fileIo(io).build())
        {
            try
            {
                engine.write(gateFile, TestSupport.ascii("gate|"));
                gate.awaitEntered();
                final byte[] scratch = new byte[2048];
                for (int seq = 0; seq < 3; seq++)
                {
                    for (int f = 0; f < FILES; f++)
                    {
                        final int length = TestMessages.mixedSize(0, f, seq) % 60 + TestMessages.HEADER;
                        TestMessages.encode(scratch, 0, f, seq, length);
                        engine.write(files[f], scratch, 0, length);
                    }
                }
            }
            finally
            {
                gate.release();
            }
            TestSupport.flush(engine);
            final EngineStats stats = engine.stats();
            assertEquals(1 + 3 * FILES, stats.written(), "written: " + stats);
            assertTrue(stats.openFiles() <= 4, "open files: " + stats);

            long onDisk = 0;
            for (int f = 0; f < FILES; f++)
            {
                final byte[] content = Files.readAllBytes(files[f]);
                onDisk += content.length;
                TestMessages.verifyFile(files[f], content, f, 1, new int[] {3});
            }
            assertEquals(stats.bytesWritten() - 5, onDisk, "bytes on disk equal bytes counted: " + stats);
        }
    }

    private Path[] paths()
    {
        final Path[] files = new Path[FILES];
        for (int f = 0; f < FILES; f++)
        {
            files[f] = dir.resolve("d" + (f % 10)).resolve("file-" + f + ".log");
        }
        return files;
    }

    private static void verifyAll(final Path[] files, final int rounds, final EngineStats stats) throws Exception
    {
        long onDisk = 0;
        final int[] expected = new int[PRODUCERS];
        java.util.Arrays.fill(expected, rounds);
        for (int f = 0; f < FILES; f++)
        {
            final byte[] content = Files.readAllBytes(files[f]);
            onDisk += content.length;
            TestMessages.verifyFile(files[f], content, f, PRODUCERS, expected);
        }
        assertEquals(stats.bytesWritten(), onDisk, "bytes on disk equal bytes counted: " + stats);
    }

    /**
     * One batch of a thousand new files through two workers that may keep one handle each: every handle is evicted
     * within the batch and reused; each file must still hold the message exactly once.
     */
    @Test
    void shouldWriteEachFileOnceWhenEveryHandleIsEvictedWithinOneWriteAll() throws Exception
    {
        final byte[] message = "one message, once\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        final List<Path> files = new ArrayList<>();
        for (int i = 0; i < 1000; i++)
        {
            files.add(dir.resolve("evict-" + i + ".log"));
        }
        try (WriteEngine engine = WriteEngine.builder().workers(2).maxOpenFiles(2).build())
        {
            final BatchResult result = engine.writeAll(files, message).get();
            assertEquals(1000, result.succeeded());
            assertEquals(1000, engine.stats().writeCalls());
        }
        for (final Path file : files)
        {
            assertEquals(java.util.Arrays.toString(message), java.util.Arrays.toString(Files.readAllBytes(file)),
                file.toString());
        }
    }
}
