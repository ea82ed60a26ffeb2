package io.ringwriter.tools;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End to end: the shaded jar run as a separate process, as a user runs it ({@code java -jar ringwriter.jar}, with
 * the Add-Exports entry of its manifest standing in for the command line flag).
 */
class RingwriterJarIT
{
    private static final byte[] PNG_MAGIC = {(byte)0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    private static Path jar;

    @TempDir
    Path dir;

    record Run(int exitCode, String out, String err)
    {
        @Override
        public String toString()
        {
            return "exit " + exitCode + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    @BeforeAll
    static void findJar()
    {
        jar = Path.of(System.getProperty("ringwriter.jar", "target/ringwriter.jar"));
        assertTrue(Files.isRegularFile(jar), "the shaded jar is built before the end-to-end tests: " + jar);
    }

    @Test
    void shouldWriteFilesThatReadBack() throws Exception
    {
        final Path a = dir.resolve("a.txt");
        final Path b = dir.resolve("deep/er/b.txt");

        final Run run = ringwriter(new byte[0], "write", "--to", a.toString(), b.toString(), "--message", "hello e2e");

        assertEquals(0, run.exitCode(), run::toString);
        assertEquals("hello e2e", Files.readString(a));
        assertEquals("hello e2e", Files.readString(b));
        assertTrue(run.out().contains("succeeded     2"), run::toString);
    }

    @Test
    void shouldWriteRecordsFromStdinThatReadBack() throws Exception
    {
        final StringBuilder stdin = new StringBuilder();
        for (int i = 0; i < 300; i++)
        {
            stdin.append(dir.resolve("s" + (i % 7))).append('\t').append("record ").append(i).append('\n');
        }

        final Run run = ringwriter(stdin.toString().getBytes(StandardCharsets.UTF_8), "write", "--json");

        assertEquals(0, run.exitCode(), run::toString);
        assertEquals(300.0, JsonParser.object(run.out()).get("succeeded"));
        for (int f = 0; f < 7; f++)
        {
            final StringBuilder expected = new StringBuilder();
            for (int i = f; i < 300; i += 7)
            {
                expected.append("record ").append(i).append('\n');
            }
            assertEquals(expected.toString(), Files.readString(dir.resolve("s" + f)), "file s" + f);
        }
    }

    @Test
    void shouldExitOneAndNameTheFailedPath() throws Exception
    {
        final Path plain = dir.resolve("plain");
        Files.writeString(plain, "x");

        final Run run = ringwriter(new byte[0], "write", "--to", plain.resolve("under").toString(), "--message", "m");

        assertEquals(1, run.exitCode(), run::toString);
        assertTrue(run.out().contains(plain.resolve("under") + "  (attempts 1)"), run::toString);
    }

    @Test
    void shouldExitTwoWithOneLineNamingTheBadArgument() throws Exception
    {
        final Run mode = ringwriter(new byte[0], "write", "--mode", "sideways", "--to", "x", "--message", "m");
        final Run reps = ringwriter(new byte[0], "bench", "--reps", "lots");

        assertEquals(2, mode.exitCode(), mode::toString);
        assertEquals(1, mode.err().lines().count(), mode::toString);
        assertTrue(mode.err().contains("'--mode'"), mode::toString);
        assertEquals(2, reps.exitCode(), reps::toString);
        assertEquals(1, reps.err().lines().count(), reps::toString);
        assertTrue(reps.err().contains("'--reps'"), reps::toString);
    }

    @Test
    void shouldStatALiveEngineInAnotherJvm() throws Exception
    {
        final Path counters = dir.resolve("live.counters");
        final Path ready = dir.resolve("ready");
        final int messages = 5000;
        final Path testClasses = Path.of(System.getProperty("ringwriter.test.classes", "target/test-classes"));
        final Process engine = new ProcessBuilder(
            java(), "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "-cp", jar + java.io.File.pathSeparator + testClasses, LiveEngineMain.class.getName(),
            counters.toString(), ready.toString(), dir.toString(), Integer.toString(messages))
            .redirectOutput(dir.resolve("engine.out").toFile())
            .redirectError(dir.resolve("engine.err").toFile())
            .start();
        try
        {
            awaitFile(ready, engine, 60);

            final Run run = ringwriter(new byte[0], "stat", "--once", "--interval", "100ms", counters.toString());

            assertEquals(0, run.exitCode(), run::toString);
            assertTrue(run.out().contains("pid " + engine.pid() + " (running)"), run::toString);
            assertTrue(run.out().matches("(?s).*\\n\\s+1\\s+written\\s+5,000\\s.*"), run::toString);
            assertTrue(run.out().matches("(?s).*\\n\\s+0\\s+published\\s+5,000\\s.*"), run::toString);
            assertTrue(run.out().matches("(?s).*\\n\\s+6\\s+bytes written\\s+100,000\\s.*"), run::toString);
        }
        finally
        {
            engine.getOutputStream().close();
            if (!engine.waitFor(60, TimeUnit.SECONDS))
            {
                engine.destroyForcibly();
            }
        }
        assertEquals(0, engine.exitValue(), () -> read(dir.resolve("engine.err")));
    }

    @Test
    void shouldRunTheQuickBenchAndWriteTableJsonAndChart() throws Exception
    {
        final long startNs = System.nanoTime();
        final Run run = ringwriter(new byte[0], "bench", "--quick", "--dir", dir.toString());
        final double seconds = (System.nanoTime() - startNs) / 1e9;

        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(run.out().startsWith("# ringwriter bench"), run::toString);
        assertTrue(run.out().contains("| 1,000 | "), run::toString);
        assertTrue(run.out().contains("| 1,500 | "), run::toString);
        assertTrue(run.out().contains("## Streaming"), run::toString);
        final String resultsLine = run.out().lines().filter((l) -> l.startsWith("results: ")).findFirst()
            .orElseThrow(() -> new AssertionError(run));
        final Path results = Path.of(resultsLine.substring("results: ".length(), resultsLine.indexOf(',')))
            .getParent();
        final Map<String, Object> json = JsonParser.object(Files.readString(results.resolve("bench.json")));
        final List<?> cases = (List<?>)json.get("cases");
        assertEquals(List.of("writer-2", "many-files-100", "many-files-1000", "no-retries-100", "no-retries-1000",
            "batch-1500", "stream"), cases.stream().map((c) -> ((Map<?, ?>)c).get("name")).toList());
        final byte[] png = Files.readAllBytes(results.resolve("bench.png"));
        assertTrue(png.length > 1000, "png of " + png.length + " bytes");
        assertArrayEquals(PNG_MAGIC, Arrays.copyOf(png, 8));
        assertTrue(run.out().contains("chart: " + results.resolve("bench.png")), run::toString);
        // Not a timing assertion on the code under test: a report of what --quick promises, with room for a
        // loaded machine (the run itself says how long it took in its table).
        System.out.printf("bench --quick took %.1f s in a child JVM%n", seconds);
    }

    @Test
    void shouldWriteAFlameGraphFromTheJar() throws Exception
    {
        final Path html = dir.resolve("flame.html");

        final Run run = ringwriter(new byte[0], "profile", "--case", "writer-2", "--duration", "1s",
            "--dir", dir.toString(), "--out", html.toString());

        assertEquals(0, run.exitCode(), run::toString);
        assertTrue(Files.readString(html).startsWith("<!DOCTYPE html>"), run::toString);
        assertTrue(run.out().contains("flame graph: " + html), run::toString);
    }

    private Run ringwriter(final byte[] stdin, final String... args) throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>(List.of(java(), "-jar", jar.toString()));
        command.addAll(List.of(args));
        final Path out = Files.createTempFile(dir, "out", ".txt");
        final Path err = Files.createTempFile(dir, "err", ".txt");
        final Process process = new ProcessBuilder(command)
            .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try (OutputStream in = process.getOutputStream())
        {
            in.write(stdin);
        }
        if (!process.waitFor(120, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new AssertionError("ringwriter " + String.join(" ", args) + " did not end within 120 s");
        }
        return new Run(process.exitValue(), read(out), read(err));
    }

    private static void awaitFile(final Path file, final Process owner, final int seconds)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!Files.exists(file))
        {
            if (!owner.isAlive())
            {
                throw new AssertionError("the engine process ended (exit " + owner.exitValue() + ") before " + file);
            }
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError(file + " did not appear within " + seconds + " s");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    private static String java()
    {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String read(final Path file)
    {
        try
        {
            return Files.readString(file);
        }
        catch (final IOException ex)
        {
            return "(cannot read " + file + ": " + ex + ")";
        }
    }
}
