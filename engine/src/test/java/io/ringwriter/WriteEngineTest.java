package io.ringwriter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class WriteEngineTest
{
    @TempDir
    Path dir;

    @Test
    void shouldWriteAndFlushSmallMessages() throws Exception
    {
        final Path file = dir.resolve("a.log");
        final ByteArrayOutputStream expected = new ByteArrayOutputStream();
        try (WriteEngine engine = WriteEngine.builder().ringSize(1024).slotSize(64).workers(2).build())
        {
            for (int i = 0; i < 10_000; i++)
            {
                final byte[] msg = ("message " + i + "\n").getBytes(StandardCharsets.US_ASCII);
                engine.write(file, msg);
                expected.write(msg);
            }
            engine.flush();
            assertArrayEquals(expected.toByteArray(), Files.readAllBytes(file));
            final EngineStats stats = engine.stats();
            assertEquals(10_000, stats.published());
            assertEquals(10_000, stats.written());
        }
    }
}
