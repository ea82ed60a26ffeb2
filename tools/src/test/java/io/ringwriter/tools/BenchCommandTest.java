package io.ringwriter.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchCommandTest
{
    private static final byte[] PNG_MAGIC = {(byte)0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    @TempDir
    Path dir;

    @Test
    void shouldRunTheChosenCasesAndWriteTableJsonCsvAndChart() throws IOException
    {
        final CommandRunner.Result result = CommandRunner.run(
            "bench", "--case", "writer-2", "--case", "many-files-40", "--case", "no-retries-40", "--case", "batch-60",
            "--case", "stream", "--stream-messages", "5000", "--reps", "3", "--warmup", "1", "--workers", "2",
            "--dir", dir.toString());

        assertEquals(0, result.exitCode(), result::toString);
        final String out = result.out();
        assertTrue(out.contains("## BenchmarkWriter-2"), out);
        assertTrue(out.contains("## BenchmarkManyFiles"), out);
        assertTrue(out.contains("## TestNoRetriesManyFilesBenchmark"), out);
        assertTrue(out.contains("## TestBatching"), out);
        assertTrue(out.contains("## Streaming"), out);
        assertTrue(out.contains("| Files | Time per op | us per file | B per file | Baseline us per file |"), out);
        for (final String row : new String[]{"| 2 | ", "| 40 | ", "| 60 | ", "| 4 | 5,000 | "})
        {
            assertTrue(out.contains(row), () -> row + " in\n" + out);
        }
        assertTrue(result.err().contains("bench: "), "progress on stderr: " + result.err());

        final Path results = resultsDir(out);
        final Map<String, Object> json = JsonParser.object(Files.readString(results.resolve("bench.json")));
        final List<?> cases = (List<?>)json.get("cases");
        assertEquals(5, cases.size());
        for (final Object o : cases)
        {
            final Map<?, ?> c = (Map<?, ?>)o;
            for (final String impl : new String[]{"ringwriter", "baseline"})
            {
                final Map<?, ?> series = (Map<?, ?>)c.get(impl);
                final List<?> samples = (List<?>)series.get("samplesNs");
                assertEquals(3, samples.size(), c.get("name") + " " + impl);
                for (final Object ns : samples)
                {
                    assertTrue((Double)ns > 0, c.get("name") + " " + impl + " " + samples);
                }
                assertTrue((Double)series.get("medianNs") >= (Double)series.get("minNs"));
                assertTrue((Double)series.get("medianNs") <= (Double)series.get("maxNs"));
            }
            assertTrue((Double)c.get("ratio") > 0, c::toString);
        }
        final Map<?, ?> stream = (Map<?, ?>)cases.get(4);
        assertEquals("stream", stream.get("name"));
        assertEquals(5000.0, stream.get("messages"));
        final Map<?, ?> streamStats = (Map<?, ?>)stream.get("engineStats");
        assertEquals((1 + 3) * 5000.0, streamStats.get("written"), "warm-up + reps, every message written");
        assertEquals((1 + 3) * 5000.0 * 64, streamStats.get("bytesWritten"));
        final Map<?, ?> batch = (Map<?, ?>)cases.get(3);
        assertEquals((1 + 3) * 60.0, ((Map<?, ?>)batch.get("engineStats")).get("written"));

        final List<String> csv = Files.readAllLines(results.resolve("bench.csv"));
        assertEquals(6, csv.size(), csv::toString);
        assertTrue(csv.get(1).startsWith("writer-2,writer,2,"), csv::toString);
        assertEquals(Files.readString(results.resolve("bench.md")), out.substring(0, out.indexOf("\n\nresults: ") + 1));

        final byte[] png = Files.readAllBytes(results.resolve("bench.png"));
        assertTrue(png.length > 1000, "png of " + png.length + " bytes");
        assertArrayEquals(PNG_MAGIC, java.util.Arrays.copyOf(png, 8));
        final String svg = Files.readString(results.resolve("bench.svg"));
        assertTrue(svg.contains("<svg"), "svg");
        assertTrue(out.contains("chart: " + results.resolve("bench.png")), out);

        final Path data = results.getParent().resolve("data");
        assertFalse(Files.exists(data), "the written files are deleted at the end");
    }

    @Test
    void shouldPrintJsonOnStdoutAndThePathsOnStderr() throws IOException
    {
        final CommandRunner.Result result = CommandRunner.run(
            "bench", "--json", "--case", "no-retries-10", "--reps", "1", "--warmup", "0", "--no-progress",
            "--dir", dir.toString());

        assertEquals(0, result.exitCode(), result::toString);
        final Map<String, Object> json = JsonParser.object(result.out());
        final Map<?, ?> meta = (Map<?, ?>)json.get("meta");
        assertTrue(meta.get("allocation").toString().contains("getThreadAllocatedBytes"), meta::toString);
        assertTrue(meta.get("baseline").toString().contains("Files.write"), meta::toString);
        assertEquals(1, ((List<?>)json.get("cases")).size());
        assertTrue(result.err().contains("chart: "), result::toString);
        assertFalse(result.err().contains("bench: "), "no progress: " + result.err());
    }

    @Test
    void shouldPrintCsvOnStdout()
    {
        final CommandRunner.Result result = CommandRunner.run(
            "bench", "--csv", "--files", "5,7", "--stream-messages", "100", "--reps", "1", "--warmup", "0",
            "--no-progress", "--dir", dir.toString());

        assertEquals(0, result.exitCode(), result::toString);
        final List<String> lines = result.out().lines().toList();
        assertEquals(List.of("many-files-5", "many-files-7", "no-retries-5", "no-retries-7", "stream"),
            lines.subList(1, lines.size()).stream().map((l) -> l.substring(0, l.indexOf(','))).toList());
    }

    @Test
    void shouldKeepTheWrittenFilesWhenAsked() throws IOException
    {
        final CommandRunner.Result result = CommandRunner.run(
            "bench", "--case", "many-files-25", "--reps", "2", "--warmup", "0", "--keep-files", "--message-size", "100",
            "--dir", dir.toString());

        assertEquals(0, result.exitCode(), result::toString);
        final Path data = resultsDir(result.out()).getParent().resolve("data").resolve("many-files-25");
        final List<Path> opDirs = new ArrayList<>();
        try (Stream<Path> list = Files.list(data))
        {
            list.forEach(opDirs::add);
        }
        assertEquals(4, opDirs.size(), "a fresh directory per operation: " + opDirs);
        for (final Path opDir : opDirs)
        {
            for (int i = 0; i < 25; i++)
            {
                assertEquals(100, Files.size(opDir.resolve("f" + i)), opDir + "/f" + i);
            }
        }
    }

    @Test
    void shouldListTheSuites()
    {
        final CommandRunner.Result full = CommandRunner.run("bench", "--list");
        final CommandRunner.Result quick = CommandRunner.run("bench", "--list", "--quick");

        assertEquals(0, full.exitCode(), full::toString);
        final List<String> names = full.out().lines().map((l) -> l.split(" ")[0]).toList();
        assertEquals(25, names.size(), full::toString);
        assertEquals("writer-2", names.get(0));
        assertEquals("many-files-100", names.get(1));
        assertEquals("many-files-1000", names.get(10));
        assertEquals("no-retries-100", names.get(11));
        assertEquals("no-retries-1000", names.get(20));
        assertEquals(List.of("batch-1500", "batch-3000", "batch-5000", "stream"), names.subList(21, 25));
        assertEquals(7, quick.out().lines().count(), quick::toString);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--reps 0                  |--reps",
        "--reps many               |--reps",
        "--warmup -1               |--warmup",
        "--case nothing-1          |--case",
        "--files 0                 |--files",
        "--files 1..x              |--files",
        "--json --csv              |--json",
        "--message-size 0          |--message-size",
        "--durability forever      |--durability",
        "--workers 0               |workers",
        "--files 10 --case stream  |--files",
    })
    void shouldExitTwoWithOneLineNamingTheBadArgument(final String args, final String named)
    {
        final List<String> argv = new ArrayList<>(List.of("bench", "--dir", dir.toString()));
        argv.addAll(List.of(args.trim().split("\\s+")));

        final CommandRunner.Result result = CommandRunner.run(argv.toArray(new String[0]));

        assertEquals(2, result.exitCode(), result::toString);
        assertEquals(1, result.err().lines().count(), result::toString);
        assertTrue(result.err().contains(named), result::toString);
    }

    @Test
    void shouldExitOneWhenTheRunCannotBeMade() throws IOException
    {
        final Path file = dir.resolve("a-file");
        Files.writeString(file, "not a directory");

        final CommandRunner.Result result = CommandRunner.run(
            "bench", "--case", "writer-2", "--reps", "1", "--dir", file.toString());

        assertEquals(1, result.exitCode(), result::toString);
        assertTrue(result.err().startsWith("ringwriter bench: error: "), result::toString);
    }

    private static Path resultsDir(final String out)
    {
        final String line = out.lines().filter((l) -> l.startsWith("results: ")).findFirst()
            .orElseThrow(() -> new AssertionError("no results line in\n" + out));
        return Path.of(line.substring("results: ".length(), line.indexOf(','))).getParent();
    }
}
