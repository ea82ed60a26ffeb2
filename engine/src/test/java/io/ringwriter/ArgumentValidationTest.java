package io.ringwriter;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input is refused on the caller's thread with an exception that names what is wrong, and nothing is published.
 */
@ExtendWith(TestSupport.NoLeakedThreads.class)
class ArgumentValidationTest
{
    @TempDir
    Path dir;

    private static void assertNpe(final String argument, final Executable call)
    {
        final NullPointerException ex = assertThrows(NullPointerException.class, call);
        assertEquals(argument, ex.getMessage(), "the exception names the argument");
    }

    @Test
    void shouldNameTheNullArgument() throws Exception
    {
        final Path file = dir.resolve("a.log");
        final byte[] data = TestSupport.ascii("x");
        try (WriteEngine engine = WriteEngine.builder().ringSize(64).workers(1).build())
        {
            assertNpe("file", () -> engine.write(null, data));
            assertNpe("data", () -> engine.write(file, (byte[])null));
            assertNpe("file", () -> engine.write(null, data, 0, 1));
            assertNpe("data", () -> engine.write(file, (byte[])null, 0, 1));
            assertNpe("file", () -> engine.write(null, new UnsafeBuffer(data), 0, 1));
            assertNpe("buffer", () -> engine.write(file, (DirectBuffer)null, 0, 1));
            assertNpe("file", () -> engine.tryWrite(null, data));
            assertNpe("data", () -> engine.tryWrite(file, null));
            assertNpe("request", () -> engine.submit(null));
            final NullPointerException submitNpe = assertThrows(NullPointerException.class,
                () -> engine.submit(null, data));
            assertTrue(List.of("file", "path").contains(submitNpe.getMessage()), submitNpe.getMessage());
            assertNpe("data", () -> engine.submit(file, null));
            assertNpe("requests", () -> engine.submitBatch(null));
            assertNpe("files", () -> engine.writeAll(null, data));
            assertNpe("message", () -> engine.writeAll(List.of(file), null));
            assertNpe("timeout", () -> engine.close(null));
            final Collection<Path> withNull = java.util.Arrays.asList(file, null);
            assertThrows(NullPointerException.class, () -> engine.writeAll(withNull, data));
            final Collection<WriteRequest> requestsWithNull =
                java.util.Arrays.asList(WriteRequest.of(file, data), null);
            assertThrows(NullPointerException.class, () -> engine.submitBatch(requestsWithNull));

            assertEquals(0, engine.stats().published());
            engine.flush();
            assertFalse(Files.exists(file), "nothing written");
        }
        assertNpe("path", () -> WriteRequest.of(null, new byte[1]));
        assertNpe("data", () -> WriteRequest.of(Path.of("x"), null));
        assertNpe("mode", () -> WriteRequest.of(Path.of("x"), new byte[1]).withMode(null));
        assertNpe("timeout", () -> WriteRequest.of(Path.of("x"), new byte[1]).withDeadline(null));
        assertNpe("retryPolicy", () -> WriteEngine.builder().retryPolicy(null));
        assertNpe("failureHandler", () -> WriteEngine.builder().failureHandler(null));
        assertNpe("threadFactory", () -> WriteEngine.builder().threadFactory(null));
        assertNpe("fileIo", () -> WriteEngine.builder().fileIo(null));
        assertNpe("waitStrategy", () -> WriteEngine.builder().waitStrategy(null));
        assertNpe("durability", () -> WriteEngine.builder().durability(null));
        assertNpe("writeMode", () -> WriteEngine.builder().writeMode(null));
    }

    @Test
    void shouldRefuseBadOffsetsAndLengths() throws Exception
    {
        final Path file = dir.resolve("a.log");
        final byte[] data = new byte[10];
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[10]);
        try (WriteEngine engine = WriteEngine.builder().ringSize(64).workers(1).build())
        {
            final int[][] bad = {{-1, 1}, {0, -1}, {0, 11}, {10, 1}, {5, 6}, {11, 0}, {Integer.MAX_VALUE, 2}};
            for (final int[] range : bad)
            {
                assertThrows(IndexOutOfBoundsException.class, () -> engine.write(file, data, range[0], range[1]),
                    "byte[] offset=" + range[0] + " length=" + range[1]);
                assertThrows(IndexOutOfBoundsException.class, () -> engine.write(file, buffer, range[0], range[1]),
                    "buffer offset=" + range[0] + " length=" + range[1]);
                assertThrows(IndexOutOfBoundsException.class, () -> WriteRequest.of(file, data, range[0], range[1]));
            }
            engine.write(file, data, 10, 0);
            engine.write(file, buffer, 0, 10);
            engine.flush();
            assertEquals(2, engine.stats().published());
            assertEquals(10, Files.size(file));
        }
    }

    @Test
    void shouldRefuseAMessageLargerThanTheRingNamingTheLimit() throws Exception
    {
        final Path file = dir.resolve("a.log");
        try (WriteEngine engine = WriteEngine.builder().ringSize(16).slotSize(32).workers(1).build())
        {
            final byte[] tooLarge = new byte[16 * 32 + 1];
            final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> engine.write(file, tooLarge));
            assertTrue(ex.getMessage().contains("512"), "names the limit: " + ex.getMessage());
            assertTrue(ex.getMessage().contains("513"), "names the length: " + ex.getMessage());
            assertThrows(IllegalArgumentException.class, () -> engine.tryWrite(file, tooLarge));
            assertThrows(IllegalArgumentException.class, () -> engine.write(file, tooLarge, 0, tooLarge.length));
            assertThrows(IllegalArgumentException.class,
                () -> engine.write(file, new UnsafeBuffer(tooLarge), 0, tooLarge.length));
            assertThrows(IllegalArgumentException.class, () -> engine.submit(file, tooLarge));
            assertThrows(IllegalArgumentException.class, () -> engine.writeAll(List.of(file), tooLarge));
            assertEquals(0, engine.stats().published());
            engine.write(file, tooLarge, 0, 512);
            engine.flush();
            assertEquals(512, Files.size(file));
        }
    }

    @Test
    void shouldNameEveryBadSettingAtOnce()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> WriteEngine.builder()
            .ringSize(1000)
            .slotSize(0)
            .workers(0)
            .maxOpenFiles(0)
            .retrySlots(0)
            .stageBufferSize(100)
            .closeTimeout(Duration.ofSeconds(-1))
            .root(dir.resolve("missing"))
            .build());
        final String message = ex.getMessage();
        assertTrue(message.startsWith("invalid WriteEngine settings: "), message);
        for (final String expected : new String[] {
            "ringSize=1000", "slotSize=0", "workers=0", "maxOpenFiles=0", "retrySlots=0", "stageBufferSize=100",
            "closeTimeout", "root=" + dir.resolve("missing")})
        {
            assertTrue(message.contains(expected), "names " + expected + ": " + message);
        }
        assertThrows(IllegalArgumentException.class, () -> WriteEngine.builder().ringSize(64).workers(4)
            .maxOpenFiles(3).build(), "fewer handles than workers");
        assertThrows(IllegalArgumentException.class, () -> RetryPolicy.exponential(0, Duration.ZERO, Duration.ZERO));
        assertThrows(IllegalArgumentException.class,
            () -> RetryPolicy.exponential(3, Duration.ofSeconds(2), Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class,
            () -> WriteRequest.of(Path.of("x"), new byte[1]).withDeadline(Duration.ofMillis(-1)));
    }

    @Test
    void shouldRefuseEveryWriteAfterCloseSayingItIsClosed() throws Exception
    {
        final Path file = dir.resolve("a.log");
        final byte[] data = TestSupport.ascii("x");
        final WriteEngine engine = WriteEngine.builder().ringSize(64).workers(1).build();
        engine.write(file, data);
        engine.close();
        assertTrue(engine.isClosed());
        final Executable[] calls = {
            () -> engine.write(file, data),
            () -> engine.write(file, data, 0, 1),
            () -> engine.write(file, new UnsafeBuffer(data), 0, 1),
            () -> engine.tryWrite(file, data),
            () -> engine.submit(file, data),
            () -> engine.submitBatch(List.of(WriteRequest.of(file, data))),
            () -> engine.writeAll(List.of(file), data),
        };
        for (final Executable call : calls)
        {
            final IllegalStateException ex = assertThrows(IllegalStateException.class, call);
            assertTrue(ex.getMessage().contains("closed"), ex.getMessage());
        }
        engine.flush();
        engine.close();
        assertEquals("x", TestSupport.readString(file));
        assertEquals(1, engine.stats().published());
        assertEquals(1, engine.stats().written());
    }

    @Test
    void shouldCompleteAnEmptyBatchAtOnce() throws Exception
    {
        try (WriteEngine engine = WriteEngine.builder().ringSize(64).workers(1).build())
        {
            final BatchResult result = TestSupport.get(engine.submitBatch(List.of()), "empty batch");
            assertEquals(0, result.total());
            assertEquals(1.0, result.successRate());
            assertEquals(0, engine.stats().published());
        }
    }
}
