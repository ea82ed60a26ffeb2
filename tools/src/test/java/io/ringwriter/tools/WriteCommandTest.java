package io.ringwriter.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WriteCommandTest
{
    @TempDir
    Path dir;

    @Test
    void shouldWriteOneMessageToEveryFile() throws IOException
    {
        final List<String> args = new ArrayList<>(List.of("write", "--message", "hello, files", "--to"));
        for (int i = 0; i < 50; i++)
        {
            args.add(dir.resolve("d" + (i % 5)).resolve("f" + i + ".txt").toString());
        }

        final CommandRunner.Result result = CommandRunner.run(args.toArray(new String[0]));

        assertEquals(0, result.exitCode(), result::toString);
        for (int i = 0; i < 50; i++)
        {
            assertEquals("hello, files", Files.readString(dir.resolve("d" + (i % 5)).resolve("f" + i + ".txt")));
        }
        assertTrue(result.out().contains("total         50"), result::toString);
        assertTrue(result.out().contains("succeeded     50"), result::toString);
        assertTrue(result.out().contains("failed        0 "), result::toString);
        assertTrue(result.out().contains("success rate  100.00%"), result::toString);
        assertFalse(result.out().contains("failed paths"), result::toString);
    }

    @Test
    void shouldWriteEveryFileExactlyOnceWhenOneBatchOutgrowsTheHandlePool() throws IOException
    {
        // One worker with 8 handles: a batch of 200 new files evicts handles it has touched in the same batch.
        final List<String> args = new ArrayList<>(List.of(
            "write", "--workers", "1", "--max-open-files", "8", "--message", "0123456789", "--to"));
        for (int i = 0; i < 200; i++)
        {
            args.add(dir.resolve("f" + i).toString());
        }

        final CommandRunner.Result result = CommandRunner.run(args.toArray(new String[0]));

        assertEquals(0, result.exitCode(), result::toString);
        final List<String> wrong = new ArrayList<>();
        for (int i = 0; i < 200; i++)
        {
            final String content = Files.readString(dir.resolve("f" + i));
            if (!"0123456789".equals(content))
            {
                wrong.add("f" + i + " has " + content.length() + " bytes");
            }
        }
        assertEquals(List.of(), wrong, "files whose content is not the 10-byte message once (" + wrong.size() +
            " of 200)");
    }

    @Test
    void shouldWriteTextRecordsFromStdinInOrder() throws IOException
    {
        final Path a = dir.resolve("a.log");
        final Path b = dir.resolve("sub/b.log");
        final String stdin = a + "\tfirst\n" + b + "\tone\ttwo\n\n" + a + "\tsecond\n" + b + "\tno newline at end";

        final CommandRunner.Result result = CommandRunner.runWithStdin(CommandRunner.utf8(stdin), "write");

        assertEquals(0, result.exitCode(), result::toString);
        assertEquals("first\nsecond\n", Files.readString(a));
        assertEquals("one\ttwo\nno newline at end", Files.readString(b));
        assertTrue(result.out().contains("total         4"), result::toString);
    }

    @Test
    void shouldWriteBinaryRecordsWithAnyBytes() throws IOException
    {
        final Random random = new Random(42);
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final DataOutputStream out = new DataOutputStream(bytes);
        final byte[][] expected = new byte[8][];
        for (int i = 0; i < 8; i++)
        {
            final byte[] data = new byte[1 + random.nextInt(5000)];
            random.nextBytes(data);
            expected[i] = data;
            record(out, dir.resolve("bin-" + i).toString(), data);
        }

        final CommandRunner.Result result = CommandRunner.runWithStdin(bytes.toByteArray(), "write", "--binary");

        assertEquals(0, result.exitCode(), result::toString);
        for (int i = 0; i < 8; i++)
        {
            assertArrayEquals(expected[i], Files.readAllBytes(dir.resolve("bin-" + i)), "file " + i);
        }
    }

    @Test
    void shouldReportEveryFailedPathWithItsCauseAndExitOne() throws IOException
    {
        final Path notADirectory = dir.resolve("plain-file");
        Files.writeString(notADirectory, "x");
        final Path bad = notADirectory.resolve("child.txt");
        final Path good1 = dir.resolve("good1.txt");
        final Path good2 = dir.resolve("good2.txt");

        final CommandRunner.Result result = CommandRunner.run(
            "write", "--retries", "0", "--message", "m", "--to", good1.toString(), bad.toString(), good2.toString());

        assertEquals(1, result.exitCode(), result::toString);
        assertEquals("m", Files.readString(good1));
        assertEquals("m", Files.readString(good2));
        assertTrue(result.out().contains("total         3"), result::toString);
        assertTrue(result.out().contains("succeeded     2"), result::toString);
        assertTrue(result.out().contains("failed        1 "), result::toString);
        assertTrue(result.out().contains("success rate  66.67%"), result::toString);
        assertTrue(result.out().contains("failure rate  33.33%"), result::toString);
        final String failureLine = result.out().lines().filter((l) -> l.startsWith("  " + bad)).findFirst()
            .orElseThrow(() -> new AssertionError("no line for " + bad + " in\n" + result));
        assertTrue(failureLine.contains("Not a directory"), failureLine);
        assertTrue(failureLine.contains("(attempts 1)"), failureLine);
    }

    @Test
    void shouldPrintTheOutcomeAsJson() throws IOException
    {
        final Path notADirectory = dir.resolve("plain-file");
        Files.writeString(notADirectory, "x");
        final Path bad = notADirectory.resolve("child.txt");

        final CommandRunner.Result result = CommandRunner.run(
            "write", "--json", "--message", "m", "--to", dir.resolve("ok").toString(), bad.toString());

        assertEquals(1, result.exitCode(), result::toString);
        final Map<String, Object> json = JsonParser.object(result.out());
        assertEquals(2.0, json.get("total"));
        assertEquals(1.0, json.get("succeeded"));
        assertEquals(1.0, json.get("failed"));
        assertEquals(0.5, json.get("successRate"));
        assertEquals(0.5, json.get("failureRate"));
        final List<?> failures = (List<?>)json.get("failures");
        assertEquals(1, failures.size());
        final Map<?, ?> failure = (Map<?, ?>)failures.get(0);
        assertEquals(bad.toString(), failure.get("path"));
        assertTrue(failure.get("cause").toString().contains("Not a directory"), failure.toString());
    }

    @Test
    void shouldTruncateWithModeTruncate() throws IOException
    {
        final Path file = dir.resolve("t.txt");
        Files.writeString(file, "old content that is longer");

        final CommandRunner.Result result = CommandRunner.run(
            "write", "--mode", "truncate", "--to", file.toString(), "--message", "new");

        assertEquals(0, result.exitCode(), result::toString);
        assertEquals("new", Files.readString(file));
    }

    @Test
    void shouldAppendByDefault() throws IOException
    {
        final Path file = dir.resolve("a.txt");
        Files.writeString(file, "old;");

        final CommandRunner.Result result = CommandRunner.run("write", "--to", file.toString(), "--message", "new");

        assertEquals(0, result.exitCode(), result::toString);
        assertEquals("old;new", Files.readString(file));
    }

    @Test
    void shouldReplaceWholeFileWithModeAtomicReplace() throws IOException
    {
        final Path file = dir.resolve("r.txt");
        Files.writeString(file, "version 1, long");

        final CommandRunner.Result result = CommandRunner.run(
            "write", "--mode", "atomic-replace", "--to", file.toString(), "--message", "v2");

        assertEquals(0, result.exitCode(), result::toString);
        assertEquals("v2", Files.readString(file));
    }

    @Test
    void shouldFailCreateNewOnAnExistingFile() throws IOException
    {
        final Path existing = dir.resolve("exists.txt");
        Files.writeString(existing, "keep me");
        final Path fresh = dir.resolve("fresh.txt");

        final CommandRunner.Result result = CommandRunner.run(
            "write", "--mode", "create-new", "--to", existing.toString(), fresh.toString(), "--message", "new");

        assertEquals(1, result.exitCode(), result::toString);
        assertEquals("keep me", Files.readString(existing));
        assertEquals("new", Files.readString(fresh));
        assertTrue(result.out().contains("FileAlreadyExists"), result::toString);
    }

    @Test
    void shouldTakeSettingsFromTheConfigFile() throws IOException
    {
        final Path config = dir.resolve("engine.properties");
        Files.writeString(config, "ringwriter.write.mode=truncate\nringwriter.workers=1\n");
        final Path file = dir.resolve("c.txt");
        Files.writeString(file, "old");

        final CommandRunner.Result result = CommandRunner.run(
            "write", "--config", config.toString(), "--to", file.toString(), "--message", "from config");

        assertEquals(0, result.exitCode(), result::toString);
        assertEquals("from config", Files.readString(file));
    }

    @Test
    void shouldLetOptionsWinOverTheConfigFile() throws IOException
    {
        final Path config = dir.resolve("engine.properties");
        Files.writeString(config, "ringwriter.write.mode=truncate\n");
        final Path file = dir.resolve("c.txt");
        Files.writeString(file, "old;");

        final CommandRunner.Result result = CommandRunner.run(
            "write", "--config", config.toString(), "--mode", "append", "--to", file.toString(), "--message", "new");

        assertEquals(0, result.exitCode(), result::toString);
        assertEquals("old;new", Files.readString(file));
    }

    @Test
    void shouldWriteThroughTheSingleProducerRingWithoutLinger() throws IOException
    {
        final List<String> args = new ArrayList<>(List.of(
            "write", "--single-producer", "--linger", "0", "--workers", "2", "--message", "one thread", "--to"));
        for (int i = 0; i < 100; i++)
        {
            args.add(dir.resolve("s" + i).toString());
        }

        final CommandRunner.Result result = CommandRunner.run(args.toArray(new String[0]));

        assertEquals(0, result.exitCode(), result::toString);
        for (int i = 0; i < 100; i++)
        {
            assertEquals("one thread", Files.readString(dir.resolve("s" + i)));
        }
        assertTrue(result.out().contains("succeeded     100"), result::toString);
    }

    @ParameterizedTest
    @ValueSource(strings = {"native-io", "huge-pages"})
    void shouldWriteTheSameFilesWithTheSwitchOnAndOff(final String option) throws IOException
    {
        for (final String on : List.of("true", "false"))
        {
            final Path files = dir.resolve(option + "-" + on);
            final List<String> args = new ArrayList<>(List.of(
                "write", "--" + option + "=" + on, "--message", option + " " + on, "--to"));
            for (int i = 0; i < 50; i++)
            {
                args.add(files.resolve("n" + i).toString());
            }

            final CommandRunner.Result result = CommandRunner.run(args.toArray(new String[0]));

            assertEquals(0, result.exitCode(), result::toString);
            for (int i = 0; i < 50; i++)
            {
                assertEquals(option + " " + on, Files.readString(files.resolve("n" + i)));
            }
        }
        final CommandRunner.Result bad = CommandRunner.run(
            "write", "--" + option + "=maybe", "--message", "x", "--to", dir.resolve("bad").toString());
        assertEquals(2, bad.exitCode(), bad::toString);
        assertTrue(bad.err().contains(option), bad::toString);
    }

    @Test
    void shouldResolvePathsAgainstTheRoot() throws IOException
    {
        final CommandRunner.Result result = CommandRunner.run(
            "write", "--root", dir.toString(), "--to", "x/1.txt", "x/2.txt", "--message", "rooted");

        assertEquals(0, result.exitCode(), result::toString);
        assertEquals("rooted", Files.readString(dir.resolve("x/1.txt")));
        assertEquals("rooted", Files.readString(dir.resolve("x/2.txt")));
    }

    @Test
    void shouldRefuseAToPathOutsideTheRootAsAnArgumentError() throws IOException
    {
        final Path root = Files.createDirectories(dir.resolve("root"));

        final CommandRunner.Result result = CommandRunner.run(
            "write", "--root", root.toString(), "--to", "inside.txt", "../escape.txt", "--message", "m");

        assertEquals(2, result.exitCode(), result::toString);
        assertEquals(1, result.err().lines().count(), result::toString);
        assertTrue(result.err().contains("--to"), result::toString);
        assertTrue(result.err().contains("outside root"), result::toString);
        assertFalse(Files.exists(root.resolve("inside.txt")), "nothing of the batch is written");
        assertFalse(Files.exists(dir.resolve("escape.txt")));
    }

    @Test
    void shouldFailOnlyTheStdinRecordsOutsideTheRoot() throws IOException
    {
        final Path root = Files.createDirectories(dir.resolve("root"));
        final String stdin = "a.txt\tA\n../escape.txt\tE\nb.txt\tB\n";

        final CommandRunner.Result result = CommandRunner.runWithStdin(
            CommandRunner.utf8(stdin), "write", "--root", root.toString());

        assertEquals(1, result.exitCode(), result::toString);
        assertEquals("A\n", Files.readString(root.resolve("a.txt")));
        assertEquals("B\n", Files.readString(root.resolve("b.txt")));
        assertFalse(Files.exists(dir.resolve("escape.txt")));
        assertTrue(result.out().contains("succeeded     2"), result::toString);
        assertTrue(result.out().contains("../escape.txt"), result::toString);
        assertTrue(result.out().contains("outside root"), result::toString);
    }

    @Test
    void shouldWriteTheRecordsBeforeAMalformedOneAndExitOne() throws IOException
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final DataOutputStream out = new DataOutputStream(bytes);
        record(out, dir.resolve("whole").toString(), "complete".getBytes(StandardCharsets.UTF_8));
        final byte[] path = dir.resolve("cut").toString().getBytes(StandardCharsets.UTF_8);
        out.writeInt(path.length);
        out.write(path);
        out.writeInt(100);
        out.write(new byte[10]);

        final CommandRunner.Result result = CommandRunner.runWithStdin(bytes.toByteArray(), "write", "--binary");

        assertEquals(1, result.exitCode(), result::toString);
        assertEquals("complete", Files.readString(dir.resolve("whole")));
        assertFalse(Files.exists(dir.resolve("cut")));
        assertTrue(result.err().contains("stdin record 2: input ends inside the record"), result::toString);
    }

    @Test
    void shouldTimeOutEveryWriteWithAZeroTimeoutOrWriteIt() throws IOException
    {
        final List<String> args = new ArrayList<>(List.of("write", "--json", "--timeout", "0", "--message", "t",
            "--to"));
        for (int i = 0; i < 200; i++)
        {
            args.add(dir.resolve("t" + i).toString());
        }

        final CommandRunner.Result result = CommandRunner.run(args.toArray(new String[0]));

        final Map<String, Object> json = JsonParser.object(result.out());
        final double succeeded = (Double)json.get("succeeded");
        final double timedOut = (Double)json.get("timedOut");
        assertEquals(200.0, succeeded + timedOut, result::toString);
        assertEquals(timedOut > 0 ? 1 : 0, result.exitCode(), result::toString);
        long written = 0;
        for (int i = 0; i < 200; i++)
        {
            written += Files.exists(dir.resolve("t" + i)) ? 1 : 0;
        }
        assertEquals((long)succeeded, written, "exactly the writes reported done are in the files");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--mode bogus --to x --message m                |--mode",
        "--durability maybe --to x --message m          |--durability",
        "--retries -1 --to x --message m                |--retries",
        "--timeout 5 --to x --message m                 |--timeout",
        "--backoff soon --to x --message m              |--backoff",
        "--to x                                         |--message",
        "--message m                                    |--to",
        "--binary --to x --message m                    |--binary",
        "--workers many --to x --message m              |--workers",
        "--ring-size 1000 --to x --message m            |ringSize",
        "--linger 2s --to x --message m                 |linger",
        "--linger soon --to x --message m               |--linger",
        "--config /nonexistent/engine.properties --to x --message m|--config",
        "--root /nonexistent/root --to x --message m    |root",
        "--ring-size 4 --slot-size 1 --to x --message 12345|--message",
    })
    void shouldExitTwoWithOneLineNamingTheBadArgument(final String args, final String named)
    {
        final List<String> argv = new ArrayList<>(List.of("write"));
        argv.addAll(List.of(args.trim().split("\\s+")));

        final CommandRunner.Result result = CommandRunner.run(argv.toArray(new String[0]));

        assertEquals(2, result.exitCode(), result::toString);
        assertEquals(1, result.err().lines().count(), result::toString);
        assertTrue(result.err().startsWith("ringwriter write: "), result::toString);
        assertTrue(result.err().contains(named), result::toString);
        assertEquals("", result.out(), result::toString);
    }

    @Test
    void shouldRefuseAConfigFileWithAKeyThatIsNoEngineSetting() throws IOException
    {
        final Path config = dir.resolve("bad.properties");
        Files.writeString(config, "ringwriter.ring.size=1024\nworkers=2\n");

        final CommandRunner.Result result = CommandRunner.run(
            "write", "--config", config.toString(), "--to", dir.resolve("x").toString(), "--message", "m");

        assertEquals(2, result.exitCode(), result::toString);
        assertTrue(result.err().contains("--config"), result::toString);
        assertTrue(result.err().contains("workers"), result::toString);
    }

    private static void record(final DataOutputStream out, final String path, final byte[] data) throws IOException
    {
        final byte[] p = path.getBytes(StandardCharsets.UTF_8);
        out.writeInt(p.length);
        out.write(p);
        out.writeInt(data.length);
        out.write(data);
    }
}
