package io.ringwriter;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With a root, nothing is written outside it: {@code ..}, absolute paths elsewhere and symbolic links leading out.
 */
@ExtendWith(TestSupport.NoLeakedThreads.class)
class RootConfinementTest
{
    @TempDir
    Path dir;

    private Path root;
    private Path outside;
    private final TestSupport.RecordingFailureHandler failures = new TestSupport.RecordingFailureHandler();

    @BeforeEach
    void setUp() throws Exception
    {
        root = Files.createDirectories(dir.resolve("root"));
        outside = Files.createDirectories(dir.resolve("outside"));
    }

    private WriteEngine engine()
    {
        return WriteEngine.builder().ringSize(64).slotSize(32).workers(2).root(root).failureHandler(failures)
            .retryPolicy(RetryPolicy.exponential(3, Duration.ofMillis(1), Duration.ofMillis(2))).build();
    }

    @Test
    void shouldWriteRelativeAndAbsolutePathsInsideTheRoot() throws Exception
    {
        try (WriteEngine engine = engine())
        {
            engine.write(Path.of("a.log"), TestSupport.ascii("relative|"));
            engine.write(Path.of("sub/../sub/b.log"), TestSupport.ascii("normalized|"));
            engine.write(root.resolve("c.log"), TestSupport.ascii("absolute inside|"));
            engine.flush();
            assertEquals("relative|", TestSupport.readString(root.resolve("a.log")));
            assertEquals("normalized|", TestSupport.readString(root.resolve("sub/b.log")));
            assertEquals("absolute inside|", TestSupport.readString(root.resolve("c.log")));
            assertEquals(0, failures.count(), "failures: " + failures.failures);
        }
    }

    @Test
    void shouldRefuseDotDotAndAbsolutePathsElsewhereNamingThePath() throws Exception
    {
        try (WriteEngine engine = engine())
        {
            final Path[] bad = {
                Path.of("../outside/escape.log"),
                Path.of("sub/../../outside/escape.log"),
                outside.resolve("escape.log"),
                Path.of("/etc/ringwriter-escape.log"),
                Path.of(""),
            };
            for (final Path path : bad)
            {
                final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                    () -> engine.write(path, TestSupport.ascii("escape")), "write " + path);
                assertTrue(ex.getMessage().contains("path outside root: path=" + path), ex.getMessage());
                assertTrue(ex.getMessage().contains("root="), ex.getMessage());
                assertThrows(IllegalArgumentException.class, () -> engine.tryWrite(path, TestSupport.ascii("e")));
                assertThrows(IllegalArgumentException.class, () -> engine.submit(path, TestSupport.ascii("e")));
                assertThrows(IllegalArgumentException.class,
                    () -> engine.writeAll(List.of(root.resolve("ok.log"), path), TestSupport.ascii("e")));
            }
            engine.flush();
            assertEquals(0, engine.stats().published(), "nothing accepted, not even the good path of the batch");
            assertFalse(Files.exists(root.resolve("ok.log")), "a refused batch writes nothing");
            assertFalse(Files.exists(outside.resolve("escape.log")));
            assertFalse(Files.exists(Path.of("/etc/ringwriter-escape.log")));
        }
    }

    @Test
    void shouldRefuseADirectoryLinkLeadingOutAndWriteNothingOutside() throws Exception
    {
        Files.createSymbolicLink(root.resolve("link"), outside);
        try (WriteEngine engine = engine())
        {
            engine.write(Path.of("link/x.log"), TestSupport.ascii("through a link"));
            engine.write(Path.of("link/new/deeper/y.log"), TestSupport.ascii("through a link, new dirs"));
            engine.write(Path.of("fine.log"), TestSupport.ascii("fine"));
            TestSupport.flush(engine);

            assertEquals("fine", TestSupport.readString(root.resolve("fine.log")), "the engine keeps working");
            assertOutsideUntouched();
            assertRefused(Path.of("link/x.log"), "through a link");
            assertRefused(Path.of("link/new/deeper/y.log"), "through a link, new dirs");
            final EngineStats stats = engine.stats();
            assertEquals(1, stats.written());
            assertEquals(2, stats.failed());
            TestSupport.assertCountersAddUp(stats);
        }
    }

    @Test
    void shouldRefuseAFileLinkLeadingOutAndLeaveItsTargetUntouched() throws Exception
    {
        final Path target = Files.writeString(outside.resolve("target.log"), "original");
        Files.createSymbolicLink(root.resolve("file-link.log"), target);
        Files.createSymbolicLink(root.resolve("dangling.log"), outside.resolve("created-through-link.log"));
        try (WriteEngine engine = engine())
        {
            engine.write(Path.of("file-link.log"), TestSupport.ascii("through a file link"));
            engine.write(Path.of("dangling.log"), TestSupport.ascii("through a dangling link"));
            TestSupport.flush(engine);

            assertEquals("original", TestSupport.readString(target));
            assertFalse(Files.exists(outside.resolve("created-through-link.log")));
            assertRefused(Path.of("file-link.log"), "through a file link");
            assertRefused(Path.of("dangling.log"), "through a dangling link");
            TestSupport.assertCountersAddUp(engine.stats());
        }
    }

    @Test
    void shouldReplaceTheLinkItselfUnderAtomicReplace() throws Exception
    {
        final Path target = Files.writeString(outside.resolve("target.log"), "original");
        final Path link = Files.createSymbolicLink(root.resolve("replaced.log"), target);
        try (WriteEngine engine = engine())
        {
            TestSupport.get(engine.submit(WriteRequest.of(Path.of("replaced.log"), TestSupport.ascii("new"))
                .withMode(WriteMode.ATOMIC_REPLACE)), "atomic replace");
        }
        assertEquals("original", TestSupport.readString(target), "the file outside is untouched");
        assertFalse(Files.isSymbolicLink(link));
        assertEquals("new", TestSupport.readString(link));
    }

    private void assertOutsideUntouched() throws Exception
    {
        try (Stream<Path> list = Files.list(outside))
        {
            assertEquals(List.of(), list.toList(), "nothing written or created outside the root");
        }
    }

    private void assertRefused(final Path path, final String text)
    {
        final List<TestSupport.Failure> refused = failures.forPath(path);
        assertEquals(1, refused.size(), "one failure for " + path + ": " + failures.failures);
        final TestSupport.Failure failure = refused.get(0);
        assertEquals(text, failure.text());
        final EngineException ex = assertInstanceOf(EngineException.class, failure.cause(),
            "cause for " + path + ": " + failure.cause());
        assertEquals(EngineException.PATH_OUTSIDE_ROOT, ex.code(), ex.getMessage());
        assertTrue(ex.getMessage().contains(path.getFileName().toString()), ex.getMessage());
        assertEquals(1, failure.attempts(), "a refusal is not retried");
    }
}
