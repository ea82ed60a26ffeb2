package io.ringwriter.tools;

import io.ringwriter.Configuration;
import io.ringwriter.Durability;
import one.profiler.AsyncProfiler;
import one.profiler.AsyncProfilerLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Callable;

/**
 * {@code ringwriter profile}: runs one bench case over and over under async-profiler (loaded in this JVM from the
 * ap-loader jar, nothing to install) in cpu or alloc mode and writes a flame graph (HTML). When the kernel refuses
 * perf events, cpu mode falls back to the itimer engine and says so.
 */
@Command(
    name = "profile",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Run a bench case repeatedly under async-profiler (in this JVM, through the ap-loader jar) and write a " +
            "flame graph (HTML); print its path. cpu mode uses perf events and falls back to itimer where the " +
            "kernel refuses them (perf_event_paranoid, containers); alloc mode samples allocations (bytes).",
        ""
    },
    footerHeading = "%nExamples:%n",
    footer = {
        "  ringwriter profile                  many-files-1000, cpu, 10 s",
        "  ringwriter profile --case stream --mode alloc --duration 5s",
        "  ringwriter profile --case batch-5000 --baseline --out /tmp/baseline.html",
        "  ringwriter profile --case many-files-1000 --event wall",
        "",
        "Exit codes: 0 done, 1 the profiler or the case failed, 2 bad arguments."
    })
public final class ProfileCommand implements Callable<Integer>
{
    /**
     * What to sample.
     */
    enum Mode
    {
        /**
         * CPU time: perf events, else itimer.
         */
        CPU,
        /**
         * Allocations, in bytes.
         */
        ALLOC
    }

    /**
     * The profiler as this command drives it: one text command at a time (async-profiler's {@code execute}).
     */
    @FunctionalInterface
    interface Profiler
    {
        /**
         * @param command an async-profiler command, for example {@code start,event=cpu}.
         * @return its output.
         * @throws IOException           when output cannot be written.
         * @throws IllegalStateException when the profiler refuses, for example "Perf events unavailable".
         */
        String execute(String command) throws IOException;
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--case", paramLabel = "NAME", defaultValue = "many-files-1000",
        description = "The bench case (default ${DEFAULT-VALUE}); see 'ringwriter bench --list'.")
    String caseName;

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "cpu",
        description = "cpu or alloc (default ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--event", paramLabel = "EVENT",
        description = "An async-profiler event instead of the mode's (wall, itimer, cpu-clock, ...).")
    String event;

    @Option(names = "--duration", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
        defaultValue = "10s", description = "How long to run the case under the profiler (default ${DEFAULT-VALUE}; " +
        "at least one operation).")
    Duration duration;

    @Option(names = "--interval", paramLabel = "N",
        description = "Sampling interval passed to async-profiler: nanoseconds for cpu and itimer, bytes for alloc " +
            "(default: async-profiler's; a case that allocates little needs a small one to show in alloc mode).")
    Long interval;

    @Option(names = "--baseline", description = "Profile the plain-Java baseline instead of ringwriter.")
    boolean baseline;

    @Option(names = "--out", paramLabel = "FILE",
        description = "The flame graph (default: results/profile-CASE-MODE.html in the run's directory).")
    Path out;

    @Option(names = "--dir", paramLabel = "DIR",
        description = "Where the run's directory is made (default: the temporary directory).")
    Path dir;

    @Option(names = "--keep-files", description = "Keep the written files after the run.")
    boolean keepFiles;

    @Option(names = "--message-size", paramLabel = "BYTES", converter = Converters.SizeConverter.class,
        defaultValue = "64", description = "Bytes per message (default ${DEFAULT-VALUE}).")
    int messageSize;

    @Option(names = "--stream-files", paramLabel = "N", defaultValue = "4",
        description = "Open files of the streaming case (default ${DEFAULT-VALUE}).")
    int streamFiles;

    @Option(names = "--stream-messages", paramLabel = "N", defaultValue = "200000",
        description = "Messages per streaming operation (default ${DEFAULT-VALUE}).")
    long streamMessages;

    @Mixin
    EngineOptions engineOptions;

    /**
     * The profiler to drive; null loads async-profiler into this JVM (tests set a stand-in).
     */
    Profiler profiler;

    /**
     * Run the case under the profiler and write the flame graph.
     *
     * @return 0.
     * @throws IOException when the flame graph cannot be written.
     */
    @Override
    public Integer call() throws IOException
    {
        final CommandLine cmd = spec.commandLine();
        final Mode profileMode;
        try
        {
            profileMode = Converters.enumValue(mode, Mode.class);
        }
        catch (final CommandLine.TypeConversionException ex)
        {
            throw new CommandLine.ParameterException(cmd, "--mode: " + ex.getMessage());
        }
        if (interval != null && interval < 1)
        {
            throw new CommandLine.ParameterException(cmd, "--interval must be at least 1: --interval=" + interval);
        }
        if (messageSize < 1 || streamFiles < 1 || streamMessages < 1)
        {
            throw new CommandLine.ParameterException(cmd,
                "--message-size, --stream-files and --stream-messages must be at least 1");
        }
        final BenchCase benchCase = BenchCase.named(caseName, streamFiles, streamMessages);
        if (benchCase == null)
        {
            throw new CommandLine.ParameterException(cmd, "--case: no case named '" + caseName +
                "' (writer-2, many-files-N, no-retries-N, batch-N, stream)");
        }
        final Properties props = engineOptions.properties(spec);
        EngineOptions.build(spec, EngineOptions.builder(spec, props)).close();
        final Durability durability = Converters.enumValue(
            props.getProperty(Configuration.DURABILITY_PROP_NAME, Configuration.DURABILITY_DEFAULT.name()),
            Durability.class);

        final Path base = dir != null ? dir : Path.of(System.getProperty("java.io.tmpdir"));
        Files.createDirectories(base);
        final Path run = Files.createTempDirectory(base.toAbsolutePath(), "ringwriter-profile-");
        final Path data = Files.createDirectories(run.resolve("data"));
        final Path html = (out != null ? out : run.resolve("results").resolve(
            "profile-" + benchCase.name() + "-" + (event != null ? event : Converters.typed(profileMode)) +
                (baseline ? "-baseline" : "") + ".html")).toAbsolutePath();
        Files.createDirectories(html.getParent());

        final Profiler p = profiler != null ? profiler : load();
        final PrintWriter err = cmd.getErr();
        final BenchRunner runner = new BenchRunner(new BenchRunner.Settings(
            data, 1, 0, EngineOptions.effectiveWorkers(props), durability, messageSize, props),
            (c, phase) ->
            {
            });
        int operations = 0;
        final String used;
        final double seconds;
        try (BenchRunner.Workload workload = runner.open(benchCase))
        {
            // One operation before the profiler starts: class loading and the first compilations stay out.
            operate(runner, workload, benchCase, "warmup");
            final String requested = event != null ? event : profileMode == Mode.ALLOC ? "alloc" : "cpu";
            used = start(p, requested, interval, err);
            final long startNs = System.nanoTime();
            final long endNs = startNs + duration.toNanos();
            do
            {
                operate(runner, workload, benchCase, "op" + operations);
                operations++;
            }
            while (System.nanoTime() < endNs);
            seconds = (System.nanoTime() - startNs) / 1e9;
            p.execute("stop,file=" + html + (profileMode == Mode.ALLOC && event == null ? ",total" : ""));
        }
        finally
        {
            if (!keepFiles)
            {
                BenchCommand.deleteTree(data);
            }
        }
        final PrintWriter stdout = cmd.getOut();
        stdout.printf(Locale.ROOT, "profile: %d operations of %s (%s) in %.1f s, event %s%n", operations,
            benchCase.name(), baseline ? "baseline" : "ringwriter", seconds, used);
        stdout.println("flame graph: " + html);
        stdout.flush();
        return 0;
    }

    private void operate(
        final BenchRunner runner, final BenchRunner.Workload workload, final BenchCase benchCase, final String label)
    {
        if (baseline)
        {
            workload.baseline(runner.dir(benchCase, label + "-baseline"), false);
        }
        else
        {
            workload.ringwriter(runner.dir(benchCase, label + "-ringwriter"), false);
        }
    }

    /**
     * Start the profiler on an event; when the kernel refuses perf events, start it on itimer instead and say so.
     *
     * @param profiler to start.
     * @param event    requested.
     * @param interval sampling interval, or null for the profiler's default.
     * @param err      where the fallback is reported.
     * @return the event the profiler runs on.
     * @throws IOException when the profiler fails otherwise.
     */
    static String start(final Profiler profiler, final String event, final Long interval, final PrintWriter err)
        throws IOException
    {
        final String suffix = interval == null ? "" : ",interval=" + interval;
        try
        {
            profiler.execute("start,event=" + event + suffix);
            return event;
        }
        catch (final IllegalStateException ex)
        {
            if (!isPerfEvent(event))
            {
                throw new ToolException("async-profiler refused event " + event + ": " + ex.getMessage(), ex);
            }
            err.println("profile: perf events refused for '" + event + "' (" + ex.getMessage() +
                "); falling back to itimer");
            err.flush();
            profiler.execute("start,event=itimer" + suffix);
            return "itimer (fallback from " + event + ": perf events refused)";
        }
    }

    /**
     * @param event an async-profiler event.
     * @return true when it needs perf events, so itimer can stand in for it.
     */
    static boolean isPerfEvent(final String event)
    {
        switch (event)
        {
            case "itimer":
            case "ctimer":
            case "wall":
            case "alloc":
            case "lock":
            case "nativemem":
                return false;
            default:
                // Java method events (a.b.C.method) are instrumentation; everything else (cpu, cycles,
                // cpu-clock, tracepoints) goes through perf_event_open.
                return !event.contains(".");
        }
    }

    private static Profiler load()
    {
        if (!AsyncProfilerLoader.isSupported())
        {
            throw new ToolException("async-profiler has no library for this platform: " +
                System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        }
        final AsyncProfiler asyncProfiler;
        try
        {
            asyncProfiler = AsyncProfilerLoader.load();
        }
        catch (final IOException | RuntimeException | UnsatisfiedLinkError ex)
        {
            throw new ToolException("cannot load async-profiler: " + ex, ex);
        }
        return asyncProfiler::execute;
    }
}
