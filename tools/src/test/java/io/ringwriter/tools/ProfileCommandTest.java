package io.ringwriter.tools;

import one.profiler.AsyncProfilerLoader;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProfileCommandTest
{
    @TempDir
    Path dir;

    /**
     * A profiler that refuses perf events as async-profiler does where perf_event_open is denied, and writes a file
     * on stop.
     */
    private static final class RefusingProfiler implements ProfileCommand.Profiler
    {
        final List<String> commands = new ArrayList<>();

        @Override
        public String execute(final String command) throws IOException
        {
            commands.add(command);
            if (command.startsWith("start,event=cpu") || command.startsWith("start,event=cycles"))
            {
                throw new IllegalStateException("Perf events unavailable");
            }
            if (command.startsWith("stop,file="))
            {
                Files.writeString(Path.of(command.substring("stop,file=".length()).split(",")[0]), "<html/>");
            }
            return "OK";
        }
    }

    @Test
    void shouldFallBackToItimerWhenPerfEventsAreRefused() throws IOException
    {
        final RefusingProfiler profiler = new RefusingProfiler();
        final Path html = dir.resolve("flame.html");

        final CommandRunner.Result result = CommandRunner.run(new byte[0], (cmd) -> inject(cmd, profiler),
            "profile", "--case", "writer-2", "--duration", "20ms", "--dir", dir.toString(), "--out", html.toString());

        assertEquals(0, result.exitCode(), result::toString);
        assertEquals(List.of("start,event=cpu", "start,event=itimer", "stop,file=" + html), profiler.commands);
        assertTrue(result.err().contains("perf events refused"), result::toString);
        assertTrue(result.err().contains("falling back to itimer"), result::toString);
        assertTrue(result.out().contains("event itimer (fallback from cpu"), result::toString);
        assertTrue(result.out().contains("flame graph: " + html), result::toString);
        assertEquals("<html/>", Files.readString(html));
    }

    @Test
    void shouldNotFallBackWhenAnEventThatNeedsNoPerfIsRefused()
    {
        final ProfileCommand.Profiler refusing = (command) ->
        {
            throw new IllegalStateException("refused");
        };
        final StringWriter err = new StringWriter();

        final ToolException ex = assertThrows(ToolException.class,
            () -> ProfileCommand.start(refusing, "alloc", null, new PrintWriter(err)));

        assertTrue(ex.getMessage().contains("refused event alloc"), ex.getMessage());
        assertEquals("", err.toString());
    }

    @Test
    void shouldKnowWhichEventsNeedPerf()
    {
        assertTrue(ProfileCommand.isPerfEvent("cpu"));
        assertTrue(ProfileCommand.isPerfEvent("cycles"));
        assertTrue(ProfileCommand.isPerfEvent("sched:sched_switch"));
        assertFalse(ProfileCommand.isPerfEvent("itimer"));
        assertFalse(ProfileCommand.isPerfEvent("wall"));
        assertFalse(ProfileCommand.isPerfEvent("alloc"));
        assertFalse(ProfileCommand.isPerfEvent("java.io.FileOutputStream.write"));
    }

    @Test
    void shouldPassTheIntervalToTheProfiler() throws IOException
    {
        final List<String> commands = new ArrayList<>();
        final StringWriter err = new StringWriter();

        final String used = ProfileCommand.start((c) ->
        {
            commands.add(c);
            return "OK";
        }, "alloc", 4096L, new PrintWriter(err));

        assertEquals("alloc", used);
        assertEquals(List.of("start,event=alloc,interval=4096"), commands);
    }

    @Test
    void shouldWriteAFlameGraphWithAsyncProfiler() throws IOException
    {
        Assumptions.assumeTrue(AsyncProfilerLoader.isSupported(), "async-profiler has a library for this platform");
        final Path html = dir.resolve("real.html");

        final CommandRunner.Result result = CommandRunner.run(
            "profile", "--case", "many-files-50", "--mode", "cpu", "--duration", "500ms", "--dir", dir.toString(),
            "--out", html.toString());

        assertEquals(0, result.exitCode(), result::toString);
        final String text = Files.readString(html);
        assertTrue(text.startsWith("<!DOCTYPE html>"), () -> text.substring(0, Math.min(200, text.length())));
        assertTrue(result.out().contains("flame graph: " + html), result::toString);
        try (var list = Files.list(dir))
        {
            final Path run = list.filter((p) -> p.getFileName().toString().startsWith("ringwriter-profile-"))
                .findFirst().orElseThrow();
            assertFalse(Files.exists(run.resolve("data")), "the written files are deleted at the end");
        }
    }

    @Test
    void shouldExitTwoNamingABadMode()
    {
        final CommandRunner.Result result = CommandRunner.run("profile", "--mode", "gpu", "--dir", dir.toString());

        assertEquals(2, result.exitCode(), result::toString);
        assertEquals(1, result.err().lines().count(), result::toString);
        assertTrue(result.err().contains("--mode"), result::toString);
    }

    @Test
    void shouldExitTwoNamingAnUnknownCase()
    {
        final CommandRunner.Result result = CommandRunner.run("profile", "--case", "many", "--dir", dir.toString());

        assertEquals(2, result.exitCode(), result::toString);
        assertTrue(result.err().contains("--case"), result::toString);
    }

    private static void inject(final CommandLine cmd, final ProfileCommand.Profiler profiler)
    {
        final ProfileCommand profile = cmd.getSubcommands().get("profile").getCommand();
        profile.profiler = profiler;
    }
}
