package io.ringwriter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's "Use it" example, call for call (a temporary root instead of {@code /var/log/orders}): if a name or a
 * type in the README stops being true, this stops compiling or fails.
 */
class ReadmeExampleTest
{
    @TempDir
    Path root;

    @Test
    void shouldRunTheReadmeExampleAndLeaveEveryByteInItsFile() throws Exception
    {
        final byte[] bytes = "order 1\n".getBytes(StandardCharsets.US_ASCII);
        final byte[] message = "halt\n".getBytes(StandardCharsets.US_ASCII);
        final List<Path> paths = List.of(Path.of("venue-c.log"), Path.of("venue-d.log"), Path.of("venue-e.log"));
        final WriteResult submitted;
        final BatchResult all;

        try (WriteEngine engine = WriteEngine.builder()
            .root(root)
            .durability(Durability.NONE)
            .retryPolicy(RetryPolicy.exponential(3, Duration.ofMillis(100), Duration.ofSeconds(1)))
            .build())
        {
            engine.write(Path.of("venue-a.log"), bytes);
            final CompletableFuture<WriteResult> one = engine.submit(Path.of("venue-b.log"), bytes);
            all = engine.writeAll(paths, message).get();
            engine.flush();

            assertTrue(one.isDone(), "flush() returns after every earlier write is done");
            submitted = one.join();
            final EngineStats stats = engine.stats();
            assertEquals(5, stats.published());
            assertEquals(5, stats.written());
            assertEquals(0, stats.failed());
        }

        assertEquals(Path.of("venue-b.log"), submitted.path());
        assertEquals(bytes.length, submitted.bytesWritten());
        assertEquals(3, all.total());
        assertEquals(3, all.succeeded());
        assertTrue(all.failures().isEmpty(), all.failures().toString());
        assertArrayEquals(bytes, Files.readAllBytes(root.resolve("venue-a.log")));
        assertArrayEquals(bytes, Files.readAllBytes(root.resolve("venue-b.log")));
        for (final Path path : paths)
        {
            assertArrayEquals(message, Files.readAllBytes(root.resolve(path)));
        }
    }
}
