package io.ringwriter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every {@link WriteMode}, and {@link Durability#FSYNC}.
 */
@ExtendWith(TestSupport.NoLeakedThreads.class)
class WriteModeTest
{
    @TempDir
    Path dir;

    private WriteEngine.Builder builder(final WriteMode mode)
    {
        return WriteEngine.builder().ringSize(64).slotSize(16).workers(2).writeMode(mode)
            .retryPolicy(RetryPolicy.exponential(3, java.time.Duration.ofMillis(1), java.time.Duration.ofMillis(1)));
    }

    @Test
    void shouldAppendToExistingContent() throws Exception
    {
        final Path file = dir.resolve("append.log");
        Files.writeString(file, "old|");
        try (WriteEngine engine = builder(WriteMode.APPEND).build())
        {
            engine.write(file, TestSupport.ascii("one|"));
            engine.write(file, TestSupport.ascii("two spanning several slots|"));
            engine.flush();
        }
        assertEquals("old|one|two spanning several slots|", TestSupport.readString(file));
        try (WriteEngine engine = builder(WriteMode.APPEND).build())
        {
            engine.write(file, TestSupport.ascii("three|"));
            engine.flush();
        }
        assertEquals("old|one|two spanning several slots|three|", TestSupport.readString(file));
    }

    @Test
    void shouldTruncateOnFirstWriteThenAppend() throws Exception
    {
        final Path file = dir.resolve("truncate.log");
        Files.writeString(file, "old content that must go away");
        try (WriteEngine engine = builder(WriteMode.TRUNCATE).build())
        {
            engine.write(file, TestSupport.ascii("a|"));
            engine.flush();
            engine.write(file, TestSupport.ascii("b|"));
            engine.write(file, TestSupport.ascii("c|"));
            engine.flush();
            assertEquals("a|b|c|", TestSupport.readString(file));
        }
        // A new engine truncates again on its first write.
        try (WriteEngine engine = builder(WriteMode.TRUNCATE).build())
        {
            engine.write(file, TestSupport.ascii("new|"));
            engine.flush();
            assertEquals("new|", TestSupport.readString(file));
        }
    }

    /**
     * A file closed by the handle pool and opened again is not truncated a second time.
     */
    @Test
    void shouldNotTruncateAgainWhenTheHandleIsReopened() throws Exception
    {
        final Path a = dir.resolve("a.log");
        final Path b = dir.resolve("b.log");
        Files.writeString(a, "old a");
        Files.writeString(b, "old b");
        try (WriteEngine engine = builder(WriteMode.TRUNCATE).workers(1).maxOpenFiles(1).build())
        {
            for (int i = 0; i < 20; i++)
            {
                engine.write(a, TestSupport.ascii("a" + i + "|"));
                engine.flush();
                engine.write(b, TestSupport.ascii("b" + i + "|"));
                engine.flush();
            }
            assertTrue(engine.stats().openFiles() <= 1);
        }
        final StringBuilder expectedA = new StringBuilder();
        final StringBuilder expectedB = new StringBuilder();
        for (int i = 0; i < 20; i++)
        {
            expectedA.append('a').append(i).append('|');
            expectedB.append('b').append(i).append('|');
        }
        assertEquals(expectedA.toString(), TestSupport.readString(a));
        assertEquals(expectedB.toString(), TestSupport.readString(b));
    }

    @Test
    void shouldFailCreateNewOnAnExistingFileAndAppendToTheFileItCreated() throws Exception
    {
        final Path existing = dir.resolve("existing.log");
        final Path created = dir.resolve("created.log");
        Files.writeString(existing, "keep me");
        final TestSupport.RecordingFailureHandler failures = new TestSupport.RecordingFailureHandler();
        try (WriteEngine engine = builder(WriteMode.CREATE_NEW).failureHandler(failures).build())
        {
            engine.write(existing, TestSupport.ascii("must not land"));
            engine.write(created, TestSupport.ascii("first|"));
            engine.flush();
            engine.write(created, TestSupport.ascii("second spanning slots|"));
            engine.write(created, TestSupport.ascii("third|"));
            engine.flush();

            assertEquals("keep me", TestSupport.readString(existing));
            assertEquals("first|second spanning slots|third|", TestSupport.readString(created));
            assertEquals(1, failures.count(), "failures: " + failures.failures);
            final TestSupport.Failure failure = failures.failures.get(0);
            assertEquals(existing, failure.path());
            assertEquals("must not land", failure.text());
            assertEquals(1, failure.attempts(), "an existing file is a permanent failure");
            assertInstanceOf(FileAlreadyExistsException.class, failure.cause());

            final EngineStats stats = engine.stats();
            assertEquals(4, stats.published());
            assertEquals(3, stats.written());
            assertEquals(1, stats.failed());
            assertEquals(0, stats.retried());
            TestSupport.assertCountersAddUp(stats);
        }
    }

    @Test
    void shouldLeaveExactlyTheLastMessageUnderAtomicReplaceAndNoTemporaryFile() throws Exception
    {
        final Path sub = Files.createDirectories(dir.resolve("sub"));
        final Path file = sub.resolve("state.json");
        Files.writeString(file, "old state");
        final List<byte[]> messages = new ArrayList<>();
        try (WriteEngine engine = builder(WriteMode.ATOMIC_REPLACE).build())
        {
            for (int i = 0; i < 300; i++)
            {
                // 1 to 5 slots of 16 bytes in a 64-slot ring: some start near the ring's end and wrap.
                final byte[] message = TestMessages.message(0, 0, i, TestMessages.HEADER + (i * 17) % 69);
                messages.add(message);
                engine.write(file, message);
            }
            engine.flush();
            assertEquals(300, engine.stats().written());
            assertEquals(0, engine.stats().failed());
        }
        assertTrue(java.util.Arrays.equals(messages.get(299), Files.readAllBytes(file)), "the last message, whole");
        try (Stream<Path> list = Files.list(sub))
        {
            assertEquals(List.of(file), list.toList(), "no temporary file is left behind");
        }
    }

    /**
     * A reader never sees a part of a message: each read is some whole message (the old file or a whole new one).
     */
    @Test
    void shouldNeverShowAReaderAPartOfAnAtomicReplace() throws Exception
    {
        final Path file = dir.resolve("snapshot.bin");
        final byte[] initial = TestMessages.message(1, 0, 0, 4000);
        Files.write(file, initial);
        final AtomicBoolean writing = new AtomicBoolean(true);
        try (WriteEngine engine = builder(WriteMode.ATOMIC_REPLACE).ringSize(1024).slotSize(64).build())
        {
            final CompletableFuture<Integer> reader = TestSupport.async("reader", () ->
            {
                int reads = 0;
                while (writing.get())
                {
                    final byte[] content;
                    try
                    {
                        content = Files.readAllBytes(file);
                    }
                    catch (final java.io.IOException ex)
                    {
                        throw new IllegalStateException("the file must always exist", ex);
                    }
                    // Exactly one whole message: of producer 1 (the initial file) or producer 0 (the engine).
                    final boolean whole = content.length >= TestMessages.HEADER &&
                        (content[1] == 0 || content[1] == 1) &&
                        java.util.Arrays.equals(content, TestMessages.message(
                            content[1], 0, TestMessages.getInt(content, 8), content.length));
                    if (!whole)
                    {
                        throw new IllegalStateException("a reader saw a partial or mixed file of " +
                            content.length + " bytes: " + TestMessages.hexAround(content, 0));
                    }
                    reads++;
                }
                return reads;
            });
            for (int i = 0; i < 1000; i++)
            {
                engine.write(file, TestMessages.message(0, 0, i, 2000 + (i * 37) % 6000));
            }
            engine.flush();
            writing.set(false);
            assertTrue(TestSupport.get(reader, "reader") > 0);
        }
        assertTrue(java.util.Arrays.equals(TestMessages.message(0, 0, 999, 2000 + 999 * 37 % 6000),
            Files.readAllBytes(file)));
    }

    @Test
    void shouldForceUnderFsyncBeforeWritesCountAsDone() throws Exception
    {
        final FaultyFileIo io = new FaultyFileIo();
        final Path sub = dir.resolve("fsync");
        try (WriteEngine engine = builder(WriteMode.APPEND).durability(Durability.FSYNC).fileIo(io).build())
        {
            final StringBuilder[] expected = new StringBuilder[10];
            for (int f = 0; f < 10; f++)
            {
                expected[f] = new StringBuilder();
            }
            for (int i = 0; i < 200; i++)
            {
                final String text = "m" + i + "|";
                engine.write(sub.resolve("f" + (i % 10) + ".log"), TestSupport.ascii(text));
                expected[i % 10].append(text);
            }
            engine.flush();
            for (int f = 0; f < 10; f++)
            {
                assertEquals(expected[f].toString(), TestSupport.readString(sub.resolve("f" + f + ".log")));
            }

            final EngineStats stats = engine.stats();
            assertEquals(200, stats.written());
            assertTrue(stats.forces() > 0, "forces counted: " + stats);
            assertTrue(io.calls(FaultyFileIo.Op.FORCE) > 0, "force called on the files");
            assertTrue(io.calls(FaultyFileIo.Op.FORCE_DIRECTORY, sub) > 0, "the new files' directory forced");
            assertTrue(stats.forces() <= stats.writeCalls() + io.calls(FaultyFileIo.Op.FORCE_DIRECTORY),
                "at most one force per write call plus directories: " + stats);

            // A future completes only once its file was forced.
            final Path one = dir.resolve("one.log");
            final WriteResult result = TestSupport.get(engine.submit(one, TestSupport.ascii("x")), "submit");
            assertEquals(new WriteResult(one, 1, 1), result);
            assertTrue(io.calls(FaultyFileIo.Op.FORCE, one) >= 1, "forced before the future completed");
            assertTrue(io.calls(FaultyFileIo.Op.FORCE_DIRECTORY, dir) >= 1, "its directory forced too");
        }
    }

    /**
     * Under FSYNC a write that creates its file counts as done only once the directory entry is forced too, in every
     * mode that can create a file.
     */
    @ParameterizedTest
    @EnumSource(WriteMode.class)
    void shouldForceTheDirectoryOfAFileCreatedUnderFsync(final WriteMode mode) throws Exception
    {
        final FaultyFileIo io = new FaultyFileIo();
        final Path sub = Files.createDirectories(dir.resolve("mode-" + mode));
        final Path file = sub.resolve("new.log");
        try (WriteEngine engine = builder(mode).durability(Durability.FSYNC).fileIo(io).build())
        {
            final WriteResult result = TestSupport.get(engine.submit(file, TestSupport.ascii("created")), "submit");
            assertEquals(7, result.bytesWritten());
            assertEquals("created", TestSupport.readString(file));
            assertTrue(io.calls(FaultyFileIo.Op.FORCE_DIRECTORY, sub) >= 1,
                mode + ": the directory of the created file must be forced before the write is done; " +
                "forceDirectory calls for it: " + io.calls(FaultyFileIo.Op.FORCE_DIRECTORY, sub));
        }
    }
}
