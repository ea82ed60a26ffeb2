package io.ringwriter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigurationTest
{
    @TempDir
    Path dir;

    @Test
    void shouldBuildAnEngineFromProperties() throws Exception
    {
        final Properties properties = new Properties();
        properties.setProperty("ringwriter.ring.size", "1k");
        properties.setProperty("ringwriter.slot.size", "128");
        properties.setProperty("ringwriter.workers", "3");
        properties.setProperty("ringwriter.write.mode", "truncate");
        properties.setProperty("ringwriter.durability", "fsync");
        properties.setProperty("ringwriter.wait.strategy", "busy-spin");
        properties.setProperty("ringwriter.max.open.files", "6");
        properties.setProperty("ringwriter.root", dir.toString());
        properties.setProperty("ringwriter.retry.max.attempts", "5");
        properties.setProperty("ringwriter.retry.base", "1ms");
        properties.setProperty("ringwriter.retry.cap", "4ms");
        properties.setProperty("other.key", "ignored");

        final Path file = dir.resolve("t.log");
        Files.write(file, "old content".getBytes(StandardCharsets.US_ASCII));
        try (WriteEngine engine = WriteEngine.builder().properties(properties).build())
        {
            assertEquals(1024, engine.ringSize());
            assertEquals(128, engine.slotSize());
            engine.write(Path.of("t.log"), "new".getBytes(StandardCharsets.US_ASCII));
            engine.flush();
            assertArrayEquals("new".getBytes(StandardCharsets.US_ASCII), Files.readAllBytes(file));
            assertTrue(engine.stats().forces() > 0);
        }
    }

    @Test
    void shouldNameAnUnparseableProperty()
    {
        final Properties properties = new Properties();
        properties.setProperty("ringwriter.durability", "sometimes");
        final IllegalArgumentException ex = assertThrows(
            IllegalArgumentException.class, () -> WriteEngine.builder().properties(properties));
        assertEquals(
            "ringwriter.durability must be one of [NONE, FSYNC]: ringwriter.durability=sometimes", ex.getMessage());
    }

    @Test
    void shouldRejectAnUnknownRingwriterKey()
    {
        final Properties properties = new Properties();
        properties.setProperty("ringwriter.ring.sise", "1024");
        final IllegalArgumentException ex = assertThrows(
            IllegalArgumentException.class, () -> WriteEngine.builder().properties(properties));
        assertEquals("unknown property: ringwriter.ring.sise=1024", ex.getMessage());
    }

    @Test
    void shouldValidateEverySettingAtOnce()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> WriteEngine.builder()
            .ringSize(1000)
            .slotSize(0)
            .workers(0)
            .retrySlots(0)
            .root(dir.resolve("missing"))
            .build());
        assertEquals("invalid WriteEngine settings: ringSize must be a power of 2: ringSize=1000; " +
            "slotSize must be at least 1: slotSize=0; workers must be in [1, 1024]: workers=0; " +
            "retrySlots must be at least 1: retrySlots=0; root must be an existing directory: root=" +
            dir.resolve("missing"), ex.getMessage());
    }
}
