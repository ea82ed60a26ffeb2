package io.ringwriter.tools;

import io.ringwriter.WriteMode;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConvertersTest
{
    private final Converters.DurationConverter durations = new Converters.DurationConverter();

    @Test
    void shouldParseDurationsWithUnits()
    {
        assertEquals(Duration.ofMillis(250), durations.convert("250ms"));
        assertEquals(Duration.ofSeconds(2), durations.convert("2s"));
        assertEquals(Duration.ofNanos(500_000), durations.convert("500us"));
        assertEquals(Duration.ofNanos(7), durations.convert("7ns"));
        assertEquals(Duration.ZERO, durations.convert("0"));
        assertEquals(Duration.ofMinutes(1), durations.convert("PT1M"));
    }

    @Test
    void shouldRefuseADurationWithoutAUnit()
    {
        final TypeConversionException ex = assertThrows(TypeConversionException.class, () -> durations.convert("5"));

        assertTrue(ex.getMessage().contains("needs a unit"), ex.getMessage());
    }

    @Test
    void shouldParseSizes()
    {
        final Converters.SizeConverter sizes = new Converters.SizeConverter();

        assertEquals(4096, sizes.convert("4096"));
        assertEquals(64 * 1024, sizes.convert("64k"));
        assertEquals(16 * 1024 * 1024, sizes.convert("16m"));
        assertThrows(TypeConversionException.class, () -> sizes.convert("lots"));
    }

    @Test
    void shouldParseCountListsAndRanges()
    {
        final Converters.CountListConverter counts = new Converters.CountListConverter();

        assertEquals(List.of(100, 500), counts.convert("100,500"));
        assertEquals(List.of(100, 200, 300), counts.convert("100..300:100"));
        assertEquals(List.of(1, 2, 3, 7), counts.convert("1..3,7"));
        assertThrows(TypeConversionException.class, () -> counts.convert("0"));
        assertThrows(TypeConversionException.class, () -> counts.convert("5..1"));
    }

    @Test
    void shouldReadEnumerationsAsTyped()
    {
        assertEquals(WriteMode.ATOMIC_REPLACE, new Converters.WriteModeConverter().convert("atomic-replace"));
        assertEquals(WriteMode.CREATE_NEW, new Converters.WriteModeConverter().convert("CREATE_NEW"));
        final TypeConversionException ex = assertThrows(TypeConversionException.class,
            () -> new Converters.WriteModeConverter().convert("overwrite"));
        assertEquals("expected one of append, truncate, create-new, atomic-replace but was 'overwrite'",
            ex.getMessage());
    }
}
