package io.ringwriter;

import com.sun.jna.LastErrorException;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Files opened through the C library (NativeIo: plain file descriptors, no FileChannel) behave exactly as files
 * opened through FileChannels: the same bytes in every write mode and durability, the same exceptions for the same
 * errors, and no garbage per file opened.
 */
@ExtendWith(TestSupport.NoLeakedThreads.class)
class NativeIoTest
{
    @TempDir
    Path dir;

    private final TestSupport.RecordingFailureHandler failures = new TestSupport.RecordingFailureHandler();

    /**
     * 2000 new files through workers that keep 2 handles each (every file opened, written, closed): natively the
     * engine's threads allocate almost nothing per file; through FileChannels (the control, proving the meter sees the
     * garbage) each file costs the JDK's channel, descriptor and cleaner.
     */
    @Test
    void shouldOpenWriteAndCloseNewFilesWithoutGarbage() throws Exception
    {
        assumeTrue(NativeIo.AVAILABLE, "native I/O unavailable here: " + NativeIo.UNAVAILABLE_REASON);
        final long nativeBytes = workerBytesPerNewFile(true);
        final long channelBytes = workerBytesPerNewFile(false);
        System.out.println("NativeIoTest: worker bytes allocated per new file: native=" + nativeBytes +
            " FileChannel=" + channelBytes + " (path bytes without a String: " + PathBytes.AVAILABLE + ")");
        assertTrue(nativeBytes <= 16, "native: " + nativeBytes + " B per file");
        assertTrue(channelBytes >= 100, "the control allocates per file: " + channelBytes + " B");
    }

    private long workerBytesPerNewFile(final boolean nativeIo) throws Exception
    {
        final com.sun.management.ThreadMXBean mx =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        assumeTrue(mx.isThreadAllocatedMemorySupported(), "per-thread allocation counting unsupported");
        mx.setThreadAllocatedMemoryEnabled(true);
        final TestSupport.RecordingThreadFactory threads = new TestSupport.RecordingThreadFactory();
        final Path base = Files.createDirectories(dir.resolve("garbage-" + nativeIo));
        final int count = 2000;
        final Path[] warm = paths(base.resolve("warm"), count);
        final Path[] measured = paths(base.resolve("measured"), count);
        Files.createDirectories(base.resolve("warm"));
        Files.createDirectories(base.resolve("measured"));
        final byte[] message = TestMessages.message(0, 0, 0, 64);
        try (WriteEngine engine = WriteEngine.builder().workers(2).maxOpenFiles(4).nativeIo(nativeIo)
            .threadFactory(threads).build())
        {
            for (final Path path : warm)
            {
                engine.write(path, message);
            }
            engine.flush();
            // The two workers and the retry agent.
            final List<Thread> workers = new ArrayList<>(threads.threads);
            long before = 0;
            for (final Thread worker : workers)
            {
                before += mx.getThreadAllocatedBytes(worker.getId());
            }
            for (final Path path : measured)
            {
                engine.write(path, message);
            }
            engine.flush();
            long after = 0;
            for (final Thread worker : workers)
            {
                after += mx.getThreadAllocatedBytes(worker.getId());
            }
            assertEquals(2L * count, engine.stats().written());
            for (final Path path : measured)
            {
                assertEquals(64, Files.size(path), path.toString());
            }
            return (after - before) / count;
        }
    }

    private static Path[] paths(final Path dir, final int count)
    {
        final Path[] paths = new Path[count];
        for (int i = 0; i < count; i++)
        {
            if (PathBytes.AVAILABLE)
            {
                // The JDK's bytes are read without a String, so non-ASCII names open natively too.
                paths[i] = dir.resolve("f\u00e9" + i);
            }
            else
            {
                paths[i] = dir.resolve("f" + i);
                // UnixPath caches its string: the engine reads it to open natively, the test pays for it here.
                assertTrue(paths[i].toString().endsWith("f" + i));
            }
        }
        return paths;
    }

    /**
     * Four producers, eight files (two per mode: APPEND onto old content, TRUNCATE over old content, CREATE_NEW,
     * ATOMIC_REPLACE), maxOpenFiles 4 so handles are evicted and reopened, under NONE and FSYNC; natively and through
     * FileChannels the files read back identically, in per-producer order.
     */
    @ParameterizedTest(name = "native={0}")
    @ValueSource(booleans = {true, false})
    void shouldWriteTheSameBytesInEveryMode(final boolean nativeIo) throws Exception
    {
        for (final Durability durability : Durability.values())
        {
            final Path base = Files.createDirectories(dir.resolve(nativeIo + "-" + durability));
            final WriteMode[] modes = {WriteMode.APPEND, WriteMode.APPEND, WriteMode.TRUNCATE, WriteMode.TRUNCATE,
                WriteMode.CREATE_NEW, WriteMode.CREATE_NEW};
            final int producers = 4;
            final int perProducer = 300;
            final Path[] files = new Path[modes.length];
            final byte[] old = "old content that APPEND keeps and TRUNCATE removes\n".getBytes();
            for (int f = 0; f < files.length; f++)
            {
                files[f] = base.resolve("sub").resolve("m" + f + ".log");
            }
            Files.createDirectories(base.resolve("sub"));
            for (int f = 0; f < 4; f++)
            {
                Files.write(files[f], old);
            }
            try (WriteEngine engine = WriteEngine.builder().workers(2).maxOpenFiles(4).nativeIo(nativeIo)
                .durability(durability).failureHandler(failures).build())
            {
                final CyclicBarrier start = new CyclicBarrier(producers);
                final List<CompletableFuture<Void>> running = new ArrayList<>();
                for (int p = 0; p < producers; p++)
                {
                    final int producer = p;
                    running.add(TestSupport.async("producer-" + p, () ->
                    {
                        TestSupport.await(start);
                        for (int seq = 0; seq < perProducer; seq++)
                        {
                            for (int f = 0; f < files.length; f++)
                            {
                                final byte[] message = TestMessages.message(
                                    producer, f, seq, TestMessages.mixedSize(producer, f, seq));
                                engine.submit(WriteRequest.of(files[f], message).withMode(modes[f]));
                            }
                        }
                        return null;
                    }));
                }
                for (final CompletableFuture<Void> producer : running)
                {
                    TestSupport.get(engine, producer, "producer");
                }
                TestSupport.flush(engine);
                final EngineStats stats = engine.stats();
                assertEquals((long)producers * perProducer * files.length, stats.written(), stats.toString());
                assertEquals(0, stats.failed(), failures.failures.toString());
            }
            final int[] expected = new int[producers];
            Arrays.fill(expected, perProducer);
            for (int f = 0; f < files.length; f++)
            {
                byte[] content = Files.readAllBytes(files[f]);
                if (f < 2)
                {
                    assertEquals(new String(old), new String(content, 0, old.length), "APPEND kept the old content");
                    content = Arrays.copyOfRange(content, old.length, content.length);
                }
                TestMessages.verifyFile(files[f], content, f, producers, expected);
            }
        }
    }

    /**
     * The errors of an open, natively and through FileChannels: the same exception types and reasons, so the
     * classifier treats them alike (a directory where the file should be and an existing file under CREATE_NEW are
     * permanent; a missing parent without createParents is reported, not retried forever).
     */
    @ParameterizedTest(name = "native={0}")
    @ValueSource(booleans = {true, false})
    void shouldReportOpenErrorsAsTheJdkDoes(final boolean nativeIo) throws Exception
    {
        final Path base = Files.createDirectories(dir.resolve("errors-" + nativeIo));
        final Path directory = Files.createDirectories(base.resolve("a-directory"));
        final Path existing = Files.write(base.resolve("existing"), new byte[]{1});
        final Path orphan = base.resolve("missing").resolve("orphan");
        try (WriteEngine engine = WriteEngine.builder().workers(2).nativeIo(nativeIo).createParents(false)
            .failureHandler(failures).retryPolicy(RetryPolicy.none()).build())
        {
            final Throwable isDirectory = TestSupport.failureOf(engine.submit(directory, new byte[8]), "directory");
            final Throwable exists = TestSupport.failureOf(
                engine.submit(WriteRequest.of(existing, new byte[8]).withMode(WriteMode.CREATE_NEW)), "existing");
            final Throwable missing = TestSupport.failureOf(engine.submit(orphan, new byte[8]), "orphan");

            final FileSystemException dirCause = assertInstanceOf(FileSystemException.class, isDirectory.getCause());
            assertEquals(directory.toString(), dirCause.getFile());
            assertTrue(String.valueOf(dirCause.getReason()).contains("Is a directory"), dirCause.toString());
            final FileAlreadyExistsException existsCause =
                assertInstanceOf(FileAlreadyExistsException.class, exists.getCause());
            assertEquals(existing.toString(), existsCause.getFile());
            final NoSuchFileException missingCause = assertInstanceOf(NoSuchFileException.class, missing.getCause());
            assertEquals(orphan.toString(), missingCause.getFile());
            assertTrue(!FailureClassifier.DEFAULT.isTransient(dirCause), "a directory is permanent");
            assertTrue(!FailureClassifier.DEFAULT.isTransient(existsCause), "an existing file is permanent");

            // The engine goes on: a good write after the bad ones lands.
            final Path good = base.resolve("good");
            TestSupport.get(engine, engine.submit(good, new byte[]{7}), "good write");
            assertEquals(1, Files.size(good));
            TestSupport.flush(engine);
            assertEquals(3, engine.stats().failed());
        }
        assertEquals(1, Files.size(existing), "CREATE_NEW left the existing file alone");
        assertEquals(3, failures.count());
    }

    /**
     * In the JVM that opens sun.nio.fs (the surefire execution native-path-bytes), open, write and close go through
     * the JDK's own bindings; their errors carry the same number and text as JNA's, so the mapping to the JDK's
     * exceptions is the same. Elsewhere the bindings are unavailable and JNA's are used.
     */
    @Test
    void shouldCallTheJdkBindingsWhereSunNioFsIsOpen() throws Exception
    {
        assertEquals(PathBytes.AVAILABLE, JdkSyscalls.AVAILABLE, "both need sun.nio.fs opened to ringwriter");
        assumeTrue(JdkSyscalls.AVAILABLE, "the JVM does not open sun.nio.fs: JNA's bindings are used");
        final Path base = Files.createDirectories(dir.resolve("jdk-bindings"));
        final Path file = base.resolve("made");
        final UnsafeBuffer path = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
        final UnsafeBuffer bytes = new UnsafeBuffer(ByteBuffer.allocateDirect(16));
        bytes.putStringWithoutLengthAscii(0, "hello");
        final int create = NativeIo.O_WRONLY | NativeIo.O_CREAT | NativeIo.O_EXCL | NativeIo.O_CLOEXEC;

        putPath(path, file);
        final int fd = JdkSyscalls.open(path.addressOffset(), create, 0600);
        assertEquals(5, JdkSyscalls.write(fd, bytes.addressOffset(), 5));
        JdkSyscalls.close(fd);
        assertEquals("hello", Files.readString(file));

        final LastErrorException exists =
            assertThrows(LastErrorException.class, () -> JdkSyscalls.open(path.addressOffset(), create, 0600));
        assertEquals(17, exists.getErrorCode(), exists.toString());
        assertInstanceOf(FileAlreadyExistsException.class, NativeIo.openFailure(exists, file.toString()));

        final Path orphan = base.resolve("missing").resolve("orphan");
        putPath(path, orphan);
        final LastErrorException missing =
            assertThrows(LastErrorException.class, () -> JdkSyscalls.open(path.addressOffset(), create, 0600));
        assertEquals(2, missing.getErrorCode(), missing.toString());
        final NoSuchFileException noSuchFile =
            assertInstanceOf(NoSuchFileException.class, NativeIo.openFailure(missing, orphan.toString()));
        assertEquals(orphan.toString(), noSuchFile.getFile());

        final LastErrorException closed =
            assertThrows(LastErrorException.class, () -> JdkSyscalls.write(fd, bytes.addressOffset(), 5));
        assertEquals(9, closed.getErrorCode(), closed.toString());
        assertEquals("Bad file descriptor", NativeIo.ioFailure(closed).getMessage());
    }

    private static void putPath(final UnsafeBuffer buffer, final Path path)
    {
        final byte[] text = path.toString().getBytes(StandardCharsets.UTF_8);
        buffer.putBytes(0, text);
        buffer.putByte(text.length, (byte)0);
    }

    /**
     * Names the native path takes (spaces, punctuation) and the ones it leaves to FileChannels (non-ASCII, longer
     * than PATH_MAX): all land or fail as they would without native I/O.
     */
    @Test
    void shouldHandleOddNamesNativelyOrThroughFileChannels() throws Exception
    {
        final Path base = Files.createDirectories(dir.resolve("odd names"));
        final Path spaced = base.resolve("a file, with spaces & %s #1.log");
        final Path unicode = base.resolve("r\u00e9sum\u00e9-\u65e5\u672c.log");
        final Path tooLong = base.resolve("x".repeat(200)).resolve("y".repeat(200));
        Path deep = base;
        while (deep.toString().length() < WriteWorker.PATH_BYTES + 10)
        {
            deep = deep.resolve("d".repeat(200));
        }
        final Path overPathMax = deep.resolve("f.log");
        try (WriteEngine engine = WriteEngine.builder().workers(2).failureHandler(failures)
            .retryPolicy(RetryPolicy.none()).build())
        {
            TestSupport.get(engine, engine.submit(spaced, new byte[]{'s'}), "spaced");
            TestSupport.get(engine, engine.submit(unicode, new byte[]{'u'}), "unicode");
            TestSupport.get(engine, engine.submit(tooLong, new byte[]{'t'}), "two long names");
            final Throwable failed =
                TestSupport.failureOf(engine.submit(overPathMax, new byte[]{'o'}), "over PATH_MAX");
            assertInstanceOf(WriteFailedException.class, failed);
            assertEquals(overPathMax, ((WriteFailedException)failed).path());
        }
        assertEquals("s", Files.readString(spaced));
        assertEquals("u", Files.readString(unicode));
        assertEquals("t", Files.readString(tooLong));
        assertEquals(1, failures.count());
    }
}
