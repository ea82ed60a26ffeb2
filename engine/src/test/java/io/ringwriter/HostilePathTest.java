package io.ringwriter;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded random hostile paths against an engine with a root: '..' escapes, absolute paths, symbolic links leading in
 * and out of the root (to directories, to files, dangling, as last and as middle component), names over 255 bytes,
 * paths over 4096 bytes, control characters, Unicode, NUL and lone surrogates. With a root the engine follows no
 * symbolic link (it walks directories with O_NOFOLLOW), so a link is refused even when it points inside.
 * <p>
 * Promises checked: nothing outside the root is created or changed (the parent directory is walked before and
 * after, sizes and contents compared); every bad path gets an error that names it (an exception from the call, or a
 * failure-handler call whose cause names it); every good path lands where it should; after each case the engine
 * still writes. Replay a run with {@code -Dringwriter.seed=N} (the seed is in every failure message).
 */
class HostilePathTest
{
    private static final int CASES = Integer.getInteger("ringwriter.hostile.cases", 400);

    @TempDir
    Path base;

    private Path root;
    private Path outside;
    private final ReliabilitySupport.RecordingFailureHandler handler = new ReliabilitySupport.RecordingFailureHandler();

    @BeforeEach
    void layout() throws IOException
    {
        base = base.toRealPath();
        root = Files.createDirectories(base.resolve("root"));
        outside = Files.createDirectories(base.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), "do not touch\n");
        Files.createDirectories(outside.resolve("dir"));
        Files.createDirectories(root.resolve("real/deep"));
        Files.createDirectories(root.resolve("existing-dir"));
        Files.createSymbolicLink(root.resolve("ln-out-dir"), outside.resolve("dir"));
        Files.createSymbolicLink(root.resolve("ln-out-file"), outside.resolve("secret.txt"));
        Files.createSymbolicLink(root.resolve("ln-out-dangling"), outside.resolve("not-there"));
        Files.createSymbolicLink(root.resolve("ln-out-dangling-dir"), outside.resolve("no-dir"));
        Files.createSymbolicLink(root.resolve("ln-up"), Path.of(".."));
        Files.createSymbolicLink(root.resolve("ln-in-dir"), root.resolve("real/deep"));
        Files.createSymbolicLink(root.resolve("real/ln-relative-in"), Path.of("deep"));
    }

    @AfterEach
    void removeTreesDeeperThanPathMax()
    {
        // Paths over PATH_MAX defeat Files.walk (and @TempDir's cleanup); rm -rf removes them relative (unlinkat).
        try (Stream<Path> list = Files.list(root))
        {
            list.filter((p) -> p.getFileName().toString().startsWith("deep-"))
                .forEach((p) -> ReliabilitySupport.run("rm", "-rf", p.toString()));
        }
        catch (final IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
    }

    /**
     * What a case must end with.
     */
    private enum Expect
    {
        /** Written, readable at the resolved place inside the root. */
        LANDS,
        /** Refused by the call: IllegalArgumentException naming the path. */
        REFUSED,
        /** Accepted, then failed on the worker: one failure-handler call naming the path. */
        FAILS,
        /**
         * Either FAILS, or written inside the root (read back through a relative walk): a path longer than PATH_MAX
         * cannot be opened whole, but the engine may open it one directory at a time.
         */
        FAILS_OR_LANDS
    }

    private record Case(String kind, Path path, Path landsAt, Expect expect)
    {
    }

    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void shouldContainEveryHostilePathInsideTheRoot() throws Exception
    {
        final long seed = Long.getLong("ringwriter.seed", System.nanoTime());
        final Random random = new Random(seed);
        final Map<Path, String> outsideBefore = snapshotOutsideRoot();
        final Map<String, int[]> figures = new TreeMap<>();

        try (WriteEngine engine = WriteEngine.builder().root(root).ringSize(256).slotSize(64).workers(2)
            .retryPolicy(RetryPolicy.exponential(2, Duration.ofMillis(1), Duration.ofMillis(1)))
            .failureHandler(handler).build())
        {
            for (int i = 0; i < CASES; i++)
            {
                final Case c = randomCase(random, i);
                final String context = "seed=" + seed + " case=" + i + " kind=" + c.kind() + " path=" +
                    printable(c.path().toString());
                final byte[] message = ("case " + i + "\n").getBytes(StandardCharsets.US_ASCII);
                final int[] counts = figures.computeIfAbsent(c.kind(), (k) -> new int[2]);
                counts[0]++;
                counts[1] += runCase(engine, c, message, random, context) ? 1 : 0;

                // The engine keeps working after every case.
                final Path canary = Path.of("canary", "after-" + i + ".log");
                engine.write(canary, message);
                engine.flush();
                assertArrayEquals(message, Files.readAllBytes(root.resolve(canary)), context + ": canary lost");
                assertEquals(List.of(), handler.drain(), context + ": unexpected failure");
            }
            final EngineStats stats = engine.stats();
            assertEquals(stats.published(), stats.completed(), "seed=" + seed + " " + stats);
        }
        assertEquals(outsideBefore, snapshotOutsideRoot(), "seed=" + seed + ": something outside the root changed");
        final StringBuilder sb = new StringBuilder("HostilePathTest: seed=" + seed + " cases=" + CASES + " (kind " +
            "cases/errors reported):");
        figures.forEach((kind, counts) -> sb.append(' ').append(kind).append('=').append(counts[0]).append('/')
            .append(counts[1]));
        System.out.println(sb);
    }

    /**
     * NUL and lone surrogates cannot even become a {@link Path}: the caller gets InvalidPathException naming them.
     */
    @Test
    void shouldRejectNulAndUnencodableNamesBeforeTheEngine()
    {
        for (final String bad : List.of("a\u0000b.log", "\u0000", "dir/\u0000/x", "lone-\ud800-surrogate",
            "\udfff"))
        {
            final InvalidPathException ex = assertThrows(InvalidPathException.class, () -> Path.of(bad),
                printable(bad));
            assertEquals(bad, ex.getInput(), "the exception names the input");
        }
    }

    /**
     * An attacker with write access to the root swaps a checked directory for a link to the outside between the
     * engine's check and its open (the seam only picks the moment; the swap is a real rename). The write must not
     * land outside.
     */
    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void shouldNotCreateOutsideRootWhenDirectoryIsSwappedForLinkAfterCheck() throws Exception
    {
        final Path victim = Files.createDirectories(root.resolve("victim"));
        final AtomicBoolean swapped = new AtomicBoolean();
        // Swapped at the engine's first open on the way to the file (the directory walk, or the open by path).
        final FileIo racing = new ReliabilitySupport.HookedFileIo((path) ->
        {
            if (path.startsWith(victim) && swapped.compareAndSet(false, true))
            {
                Files.move(victim, root.resolve("victim-moved"));
                Files.createSymbolicLink(victim, outside.resolve("dir"));
            }
        });
        final Map<Path, String> outsideBefore = snapshotOutsideRoot();
        try (WriteEngine engine = WriteEngine.builder().root(root).workers(1).ringSize(64).slotSize(64)
            .retryPolicy(RetryPolicy.none()).failureHandler(handler).fileIo(racing).build())
        {
            final CompletableFuture<WriteResult> future =
                engine.submit(Path.of("victim", "planted.txt"), "planted\n".getBytes(StandardCharsets.US_ASCII));
            try
            {
                future.get(30, TimeUnit.SECONDS);
            }
            catch (final ExecutionException expected)
            {
                // Refusing the write is a correct outcome; landing outside is not.
            }
        }
        assertTrue(swapped.get(), "the race was not staged");
        assertEquals(outsideBefore, snapshotOutsideRoot(), "a swapped directory led the write outside the root");
    }

    // ---------------------------------------------------------------------------------------------------------------

    /**
     * @return true when the case was a bad path and an error was reported for it.
     */
    private boolean runCase(
        final WriteEngine engine, final Case c, final byte[] message, final Random random, final String context)
        throws Exception
    {
        final int api = random.nextInt(4);
        switch (c.expect())
        {
            case REFUSED:
            {
                final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                    () -> call(engine, api, c.path(), message), context);
                assertTrue(ex.getMessage().contains(c.path().toString()), context + ": " + ex.getMessage());
                return true;
            }
            case FAILS:
            case FAILS_OR_LANDS:
            {
                final CompletableFuture<WriteResult> future = call(engine, api, c.path(), message);
                engine.flush();
                final List<ReliabilitySupport.Failure> failures = handler.drain();
                if (c.expect() == Expect.FAILS_OR_LANDS && failures.isEmpty())
                {
                    assertArrayEquals(message, readRelative(c.path()), context + ": accepted but not found");
                    return false;
                }
                assertEquals(1, failures.size(), context + ": failure-handler calls " + failures);
                final ReliabilitySupport.Failure failure = failures.get(0);
                assertEquals(c.path(), failure.path(), context);
                assertArrayEquals(message, failure.data(), context);
                final String messages = failure.messages();
                assertTrue(messages.contains(c.path().toString()) ||
                    messages.contains(root.resolve(c.path()).toString()),
                    context + ": the failure does not name the path: " + printable(messages));
                if (future != null)
                {
                    final ExecutionException ex = assertThrows(ExecutionException.class, future::get, context);
                    assertInstanceOf(WriteFailedException.class, ex.getCause(), context);
                }
                return true;
            }
            default:
            {
                final CompletableFuture<WriteResult> future = call(engine, api, c.path(), message);
                engine.flush();
                assertEquals(List.of(), handler.drain(), context + ": a good path failed");
                if (future != null)
                {
                    assertEquals(message.length, future.get().bytesWritten(), context);
                }
                final Path landed = c.landsAt();
                assertTrue(landed.startsWith(root), context);
                final byte[] content = Files.readAllBytes(landed);
                assertArrayEquals(message, Arrays.copyOfRange(content, content.length - message.length,
                    content.length), context + ": not found at " + landed);
                return false;
            }
        }
    }

    /**
     * @return the future of a submit, or null for the untracked calls.
     */
    private static CompletableFuture<WriteResult> call(
        final WriteEngine engine, final int api, final Path path, final byte[] message)
    {
        switch (api)
        {
            case 0:
                engine.write(path, message);
                return null;
            case 1:
                engine.write(path, new UnsafeBuffer(message), 0, message.length);
                return null;
            case 2:
                assertTrue(engine.tryWrite(path, message) || retryTryWrite(engine, path, message));
                return null;
            default:
                return engine.submit(path, message);
        }
    }

    private static boolean retryTryWrite(final WriteEngine engine, final Path path, final byte[] message)
    {
        engine.flush();
        return engine.tryWrite(path, message);
    }

    private Case randomCase(final Random random, final int i)
    {
        final String name = "n" + i;
        switch (random.nextInt(16))
        {
            case 0:
            {
                // More '..' than components before them: escapes lexically.
                final int depth = random.nextInt(3);
                final StringBuilder sb = new StringBuilder();
                for (int d = 0; d < depth; d++)
                {
                    sb.append("d").append(d).append('/');
                }
                sb.append("../".repeat(depth + 1 + random.nextInt(3))).append(random.nextBoolean() ? name : "outside/" +
                    name);
                return new Case("dotdot-escape", Path.of(sb.toString()), null, Expect.REFUSED);
            }
            case 1:
            {
                // '..' that stays inside.
                final Path path = Path.of("a" + i, "b", "..", "c", ".", name);
                return new Case("dotdot-inside", path, root.resolve("a" + i + "/c/" + name), Expect.LANDS);
            }
            case 2:
            {
                final Path path = random.nextBoolean() ? outside.resolve(name) : Path.of("/", "tmp", "ringwriter-" +
                    name);
                return new Case("absolute-outside", path, null, Expect.REFUSED);
            }
            case 3:
            {
                final Path path = root.resolve("abs/" + name);
                return new Case("absolute-inside", path, path, Expect.LANDS);
            }
            case 4:
            {
                final String[] via = {"ln-out-dir/" + name, "ln-out-dir/new/sub/" + name, "ln-up/" + name,
                    "ln-up/outside/" + name};
                return new Case("link-out-middle", Path.of(via[random.nextInt(via.length)]), null, Expect.FAILS);
            }
            case 5:
            {
                final String[] links = {"ln-out-file", "ln-out-dangling"};
                return new Case("link-out-last", Path.of(links[random.nextInt(links.length)]), null, Expect.FAILS);
            }
            case 6:
                return new Case("link-dangling-middle", Path.of("ln-out-dangling-dir", name), null, Expect.FAILS);
            case 7:
            {
                // With a root the engine follows no link at all, even one that stays inside: refused, not followed.
                final boolean relative = random.nextBoolean();
                final Path path = Path.of(relative ? "real/ln-relative-in" : "ln-in-dir", name);
                return new Case("link-in", path, null, Expect.FAILS);
            }
            case 8:
            {
                // One component over 255 bytes; in UTF-8 two-byte characters too.
                final String big = random.nextBoolean() ? "x".repeat(256 + random.nextInt(200)) :
                    "\u00e9".repeat(128 + random.nextInt(100));
                return new Case("name-over-255-bytes", Path.of("long", big), null, Expect.FAILS);
            }
            case 9:
            {
                // Exactly 255 bytes of UTF-8: the limit itself is allowed.
                final String prefix = i + "-";
                final int left = 255 - prefix.length();
                final String exact = random.nextBoolean() ? "y".repeat(left) :
                    "\u00e9".repeat(left / 2) + (left % 2 == 1 ? "z" : "");
                final Path path = Path.of("long-ok", prefix + exact);
                return new Case("name-255-bytes", path, root.resolve(path), Expect.LANDS);
            }
            case 10:
            {
                // More than PATH_MAX (4096) bytes in total, every component legal.
                final StringBuilder sb = new StringBuilder("deep-" + i);
                while (sb.length() < 4200)
                {
                    sb.append('/').append("c".repeat(200));
                }
                final Path path = Path.of(sb.toString());
                return new Case("path-over-4096-bytes", path, root.resolve(path), Expect.FAILS_OR_LANDS);
            }
            case 11:
            {
                final StringBuilder sb = new StringBuilder("ctl-" + i + "-");
                for (int k = 0; k < 4; k++)
                {
                    final int c = random.nextInt(33);
                    sb.append(c == 0 ? '\u007f' : (char)c);
                }
                final Path path = Path.of("ctl", sb.toString());
                return new Case("control-chars", path, root.resolve(path), Expect.LANDS);
            }
            case 12:
            {
                final Path path = Path.of("uni", i + "-" + randomUnicode(random));
                return new Case("unicode", path, root.resolve(path), Expect.LANDS);
            }
            case 13:
            {
                final String[] atRoot = {"", ".", "a/..", "./."};
                return new Case("the-root-itself", Path.of(atRoot[random.nextInt(atRoot.length)]), null,
                    Expect.REFUSED);
            }
            case 14:
                return new Case("a-directory", Path.of("existing-dir"), null, Expect.FAILS);
            default:
            {
                final Path path = Path.of("plain", "p-" + i + ".log");
                return new Case("plain", path, root.resolve(path), Expect.LANDS);
            }
        }
    }

    /**
     * Read a file under the root one directory at a time (openat), for paths longer than PATH_MAX.
     */
    private byte[] readRelative(final Path relative) throws IOException
    {
        java.nio.file.SecureDirectoryStream<Path> dir =
            (java.nio.file.SecureDirectoryStream<Path>)Files.newDirectoryStream(root);
        try
        {
            for (int i = 0; i < relative.getNameCount() - 1; i++)
            {
                final java.nio.file.SecureDirectoryStream<Path> parent = dir;
                dir = parent.newDirectoryStream(relative.getName(i), LinkOption.NOFOLLOW_LINKS);
                parent.close();
            }
            try (java.nio.channels.SeekableByteChannel channel = dir.newByteChannel(relative.getFileName(),
                Set.of(java.nio.file.StandardOpenOption.READ)))
            {
                final java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate((int)channel.size());
                while (buffer.hasRemaining())
                {
                    if (channel.read(buffer) < 0)
                    {
                        break;
                    }
                }
                return buffer.array();
            }
        }
        finally
        {
            dir.close();
        }
    }

    private static String randomUnicode(final Random random)
    {
        final int[][] ranges = {
            {0x00C0, 0x017F}, {0x0391, 0x03C9}, {0x0410, 0x044F}, {0x05D0, 0x05EA}, {0x0627, 0x064A},
            {0x4E00, 0x4FFF}, {0x3041, 0x3096}, {0x1F600, 0x1F64F}, {0x0300, 0x036F}, {0x202A, 0x202E},
            {0xFEFF, 0xFEFF}, {0x200B, 0x200D}};
        final StringBuilder sb = new StringBuilder();
        final int length = 1 + random.nextInt(12);
        for (int k = 0; k < length; k++)
        {
            final int[] range = ranges[random.nextInt(ranges.length)];
            sb.appendCodePoint(range[0] + random.nextInt(range[1] - range[0] + 1));
        }
        return sb.toString();
    }

    /**
     * @return every path under the test's base directory except the root's subtree, with its size and content
     * digest (links as their target), so both creations and changes outside the root show.
     */
    private Map<Path, String> snapshotOutsideRoot() throws IOException
    {
        final Map<Path, String> snapshot = new TreeMap<>();
        Files.walkFileTree(base, new java.nio.file.SimpleFileVisitor<>()
        {
            public java.nio.file.FileVisitResult preVisitDirectory(
                final Path path, final BasicFileAttributes attributes)
            {
                if (path.equals(root))
                {
                    return java.nio.file.FileVisitResult.SKIP_SUBTREE;
                }
                snapshot.put(path, "dir");
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            public java.nio.file.FileVisitResult visitFile(final Path path, final BasicFileAttributes attributes)
                throws IOException
            {
                if (attributes.isSymbolicLink())
                {
                    snapshot.put(path, "link->" + Files.readSymbolicLink(path));
                }
                else
                {
                    snapshot.put(path, "file " + attributes.size() + " " + Arrays.hashCode(Files.readAllBytes(path)));
                }
                return java.nio.file.FileVisitResult.CONTINUE;
            }
        });
        // /tmp/ringwriter-* would be created by an absolute path escaping to /tmp.
        try (Stream<Path> tmp = Files.list(Path.of("/tmp")))
        {
            tmp.filter((p) -> p.getFileName().toString().startsWith("ringwriter-n"))
                .forEach((p) -> snapshot.put(p, "escaped to /tmp"));
        }
        return snapshot;
    }

    private static String printable(final String s)
    {
        final StringBuilder sb = new StringBuilder();
        for (int k = 0; k < s.length() && sb.length() < 300; k++)
        {
            final char c = s.charAt(k);
            if (c < 0x20 || c == 0x7f)
            {
                sb.append(String.format("\\u%04x", (int)c));
            }
            else
            {
                sb.append(c);
            }
        }
        return s.length() > 300 ? sb + "...(" + s.length() + " chars)" : sb.toString();
    }
}
