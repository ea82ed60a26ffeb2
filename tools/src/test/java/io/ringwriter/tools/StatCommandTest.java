package io.ringwriter.tools;

import io.ringwriter.WriteEngine;
import io.ringwriter.status.EngineCounter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatCommandTest
{
    private static final byte[] MESSAGE = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    @Test
    void shouldPrintEveryCounterOfARunningEngine() throws IOException
    {
        final Path counters = dir.resolve("engine.counters");
        try (WriteEngine engine = WriteEngine.builder().workers(2).countersFile(counters).build())
        {
            for (int i = 0; i < 1000; i++)
            {
                engine.write(dir.resolve("f" + (i % 10)), MESSAGE);
            }
            engine.flush();
            CountersFiles.awaitAtLeast(counters, EngineCounter.WRITTEN, 1000, 30, TimeUnit.SECONDS);

            final CommandRunner.Result result = CommandRunner.run(
                "stat", "--once", "--interval", "20ms", counters.toString());

            assertEquals(0, result.exitCode(), result::toString);
            for (final EngineCounter counter : EngineCounter.values())
            {
                assertTrue(result.out().contains(" " + counter.label() + " "), () -> counter + " in\n" + result);
            }
            assertEquals(1000L, value(result.out(), "written"), result::toString);
            assertEquals(1000L, value(result.out(), "published"), result::toString);
            assertEquals(16000L, value(result.out(), "bytes written"), result::toString);
            assertEquals(0L, value(result.out(), "failed"), result::toString);
            assertTrue(result.out().contains("pid " + ProcessHandle.current().pid() + " (running)"), result::toString);
            final String gaugeLine = line(result.out(), "open files");
            assertTrue(gaugeLine.trim().endsWith("-"), "a gauge has no rate: " + gaugeLine);
        }
    }

    @Test
    void shouldShowRatesOfAnEngineThatIsWriting() throws Exception
    {
        final Path counters = dir.resolve("busy.counters");
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong writes = new AtomicLong();
        try (WriteEngine engine = WriteEngine.builder().workers(2).countersFile(counters).build())
        {
            final Thread writer = new Thread(() ->
            {
                while (!stop.get())
                {
                    engine.write(dir.resolve("busy" + (writes.get() % 4)), MESSAGE);
                    writes.incrementAndGet();
                }
            });
            writer.start();
            try
            {
                CountersFiles.awaitAtLeast(counters, EngineCounter.WRITTEN, 1, 30, TimeUnit.SECONDS);

                final CommandRunner.Result result = CommandRunner.run(
                    "stat", "--once", "--json", "--interval", "200ms", counters.toString());

                assertEquals(0, result.exitCode(), result::toString);
                assertEquals(1, result.out().lines().count(), "one JSON object on one line");
                final Map<String, Object> json = JsonParser.object(result.out());
                assertEquals((double)ProcessHandle.current().pid(), json.get("pid"));
                assertEquals("running", json.get("process"));
                final List<?> list = (List<?>)json.get("counters");
                assertEquals(EngineCounter.values().length, list.size());
                final Map<?, ?> written = (Map<?, ?>)list.get(EngineCounter.WRITTEN.id());
                assertEquals("written", written.get("label"));
                assertTrue((Double)written.get("value") > 0, written::toString);
                assertTrue((Double)written.get("ratePerSecond") > 0, "writes went on during the interval: " + written);
                final Map<?, ?> openFiles = (Map<?, ?>)list.get(EngineCounter.OPEN_FILES.id());
                assertEquals(Boolean.TRUE, openFiles.get("gauge"));
                assertNull(openFiles.get("ratePerSecond"));
            }
            finally
            {
                stop.set(true);
                writer.join();
            }
        }
    }

    @Test
    void shouldPrintAsManyTimesAsCounted() throws IOException
    {
        final Path counters = dir.resolve("count.counters");
        try (WriteEngine engine = WriteEngine.builder().workers(1).countersFile(counters).build())
        {
            engine.write(dir.resolve("one"), MESSAGE);
            engine.flush();

            final CommandRunner.Result result = CommandRunner.run(
                "stat", "--count", "3", "--interval", "10ms", counters.toString());

            assertEquals(0, result.exitCode(), result::toString);
            assertEquals(3, result.out().lines().filter((l) -> l.contains("  counter ")).count(), result::toString);
        }
    }

    @Test
    void shouldReadTheLastValuesOfAClosedEngine() throws IOException
    {
        final Path counters = dir.resolve("closed.counters");
        try (WriteEngine engine = WriteEngine.builder().workers(1).countersFile(counters).build())
        {
            for (int i = 0; i < 7; i++)
            {
                engine.write(dir.resolve("c"), MESSAGE);
            }
        }

        final CommandRunner.Result result = CommandRunner.run("stat", "--once", "--interval", "1ms",
            counters.toString());

        assertEquals(0, result.exitCode(), result::toString);
        assertEquals(7L, value(result.out(), "written"), result::toString);
    }

    @Test
    void shouldExitOneForAFileThatIsNoCountersFile() throws IOException
    {
        final Path other = dir.resolve("other");
        Files.write(other, new byte[64 * 1024]);

        final CommandRunner.Result result = CommandRunner.run("stat", "--once", other.toString());

        assertEquals(1, result.exitCode(), result::toString);
        assertTrue(result.err().contains("not a ringwriter counters file"), result::toString);
        assertEquals(1, result.err().lines().count(), result::toString);
    }

    @Test
    void shouldExitTwoNamingAMissingFile()
    {
        final CommandRunner.Result result = CommandRunner.run("stat", "--once", dir.resolve("absent").toString());

        assertEquals(2, result.exitCode(), result::toString);
        assertTrue(result.err().contains("FILE: no such file"), result::toString);
    }

    @Test
    void shouldExitTwoNamingABadInterval()
    {
        final CommandRunner.Result result = CommandRunner.run("stat", "--interval", "0", "x");

        assertEquals(2, result.exitCode(), result::toString);
        assertTrue(result.err().contains("--interval"), result::toString);
    }

    private static String line(final String out, final String label)
    {
        return out.lines().filter((l) -> l.matches("\\s*\\d+\\s+" + label + "\\s+.*")).findFirst()
            .orElseThrow(() -> new AssertionError("no line for " + label + " in\n" + out));
    }

    private static long value(final String out, final String label)
    {
        final String rest = line(out, label).replaceFirst("\\s*\\d+\\s+" + label + "\\s+", "");
        return Long.parseLong(rest.split("\\s+")[0].replace(",", "").toLowerCase(Locale.ROOT));
    }
}
