package io.ringwriter.tools;

import io.ringwriter.Configuration;
import io.ringwriter.Durability;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;
import java.util.concurrent.TimeUnit;

/**
 * {@code ringwriter bench}: the suite the Go package published (2 files; 100 to 1000 files with retries on and off;
 * batches of 1500, 3000 and 5000; a streaming run), measured as the Go package measured it (create the files, write
 * the message to each, close), beside a plain-Java baseline in the same run, on a fresh directory.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Run the Go package's benchmark suite against ringwriter and, in the same run, a plain-Java baseline " +
            "(a fixed pool of threads calling Files.write per file), then print a table (stdout), write JSON, CSV " +
            "and a chart (PNG and SVG) of us per file against files, and print their paths.",
        "",
        "Each operation creates its files in a fresh directory (nothing is deleted while measuring: on ext4 a " +
            "create-then-delete loop slows creates 40-fold); the data is deleted at the end unless --keep-files. " +
            "Each case runs warm-up operations, then --reps operations of each implementation interleaved; the " +
            "table quotes medians. Ratio = baseline time / ringwriter time, median of the interleaved pairs: " +
            "above 1 means ringwriter was faster.",
        ""
    },
    footerHeading = "%nExamples:%n",
    footer = {
        "  ringwriter bench                the full suite (a minute or two)",
        "  ringwriter bench --quick        one point per group, under 30 s",
        "  ringwriter bench --files 100,1000,10000 --reps 7",
        "  ringwriter bench --case batch-5000 --durability fsync --workers 4",
        "  ringwriter bench --quick --json > bench.json",
        "  ringwriter bench --counters-file /tmp/rw.counters",
        "  ringwriter stat /tmp/rw.counters       (in another shell, meanwhile)",
        "",
        "Exit codes: 0 done, 1 a write failed or did not verify, 2 bad arguments."
    })
public final class BenchCommand implements Callable<Integer>
{
    private static final double SLOW_CREATE_US = 150.0;
    private static final int DELETE_THREADS = 8;

    @Spec
    CommandSpec spec;

    @Option(names = "--quick", description = "One point per group, fewer reps and messages: under 30 s.")
    boolean quick;

    @Option(names = "--files", paramLabel = "LIST", converter = Converters.CountListConverter.class,
        description = "File counts to run instead of the suite's (100,500 or 100..1000:100), each with retries " +
            "on and off, plus the streaming run.")
    List<Integer> files;

    @Option(names = "--case", paramLabel = "NAME",
        description = "Run only these cases: writer-2, many-files-N, no-retries-N, batch-N, stream (see --list).")
    List<String> cases;

    @Option(names = "--list", description = "Print the cases that would run, and exit.")
    boolean list;

    @Option(names = "--reps", paramLabel = "N",
        description = "Measured operations per implementation and case (default 5, --quick 3).")
    Integer reps;

    @Option(names = "--warmup", paramLabel = "N",
        description = "Unmeasured operations per implementation before each case, and of 1000 files (--quick " +
            "500) before the first (default 2, --quick 1).")
    Integer warmup;

    @Option(names = "--dir", paramLabel = "DIR",
        description = "Where the run's directory is made (default: the temporary directory). Its data/ is " +
            "deleted at the end; results/ is kept.")
    Path dir;

    @Option(names = "--keep-files", description = "Keep the written files (data/) after the run.")
    boolean keepFiles;

    @Option(names = "--message-size", paramLabel = "BYTES", converter = Converters.SizeConverter.class,
        defaultValue = "64", description = "Bytes per message (default ${DEFAULT-VALUE}).")
    int messageSize;

    @Option(names = "--stream-files", paramLabel = "N", defaultValue = "4",
        description = "Open files of the streaming run (default ${DEFAULT-VALUE}).")
    int streamFiles;

    @Option(names = "--stream-messages", paramLabel = "N",
        description = "Messages per streaming operation (default 1,000,000; --quick 200,000).")
    Long streamMessages;

    @Option(names = "--json", description = "Print JSON on stdout instead of the table.")
    boolean json;

    @Option(names = "--csv", description = "Print CSV on stdout instead of the table.")
    boolean csv;

    @Option(names = "--no-progress", description = "No progress bar on stderr.")
    boolean noProgress;

    @Mixin
    EngineOptions engineOptions;

    private long measuredNs;
    private long deletedNs;

    /**
     * Run the suite, print and write the results.
     *
     * @return 0 when every case ran and verified.
     * @throws IOException when the results cannot be written.
     */
    @Override
    public Integer call() throws IOException
    {
        final CommandLine cmd = spec.commandLine();
        final int repCount = reps != null ? reps : quick ? 3 : 5;
        final int warmupCount = warmup != null ? warmup : quick ? 1 : 2;
        final long messages = streamMessages != null ? streamMessages : quick ? 200_000 : 1_000_000;
        checkArguments(repCount, warmupCount, messages);
        final List<BenchCase> suite = suite(messages);
        final PrintWriter out = cmd.getOut();
        if (list)
        {
            for (final BenchCase c : suite)
            {
                out.println(c.name() + "  " + c.group().title() + (c.isStream() ? "" : ", " + c.files() + " files"));
            }
            out.flush();
            return 0;
        }

        final Properties props = engineOptions.properties(spec);
        // Refuse bad engine settings now, as an argument error, not halfway through the run.
        EngineOptions.build(spec, EngineOptions.builder(spec, props)).close();
        final Durability durability = Converters.enumValue(
            props.getProperty(Configuration.DURABILITY_PROP_NAME, Configuration.DURABILITY_DEFAULT.name()),
            Durability.class);
        final int threads = EngineOptions.effectiveWorkers(props);

        final Path base = dir != null ? dir : Path.of(System.getProperty("java.io.tmpdir"));
        Files.createDirectories(base);
        final Path run = Files.createTempDirectory(base.toAbsolutePath(), "ringwriter-bench-");
        final Path data = Files.createDirectories(run.resolve("data"));
        final Path results = Files.createDirectories(run.resolve("results"));
        final boolean spread = chattrSpread(data);
        final String fileSystem = fileStore(data) + (spread ? ", chattr +T on the data directory" : "");

        final int warmFiles = quick ? 500 : 1000;
        // Before the first case: compiles the hot paths and touches memory (0 with --warmup 0).
        final int warmOps = warmupCount;
        long operations = 2L * warmOps;
        for (final BenchCase ignored : suite)
        {
            operations += 2L * (warmupCount + repCount);
        }
        final Progress progress = new Progress(
            cmd.getErr(), System.console() != null, !noProgress, operations);
        final String load = loadAverage();
        final int cpus = Runtime.getRuntime().availableProcessors();
        if (load != null && Double.parseDouble(load.split(" ")[0]) > 0.5 * cpus)
        {
            progress.note("bench: the machine is busy (load average " + load + " on " + cpus + " CPUs): " +
                "figures will be noisy; the ratios, measured side by side, hold up better");
        }

        final BenchRunner runner = new BenchRunner(
            new BenchRunner.Settings(data, repCount, warmupCount, threads, durability, messageSize, props), progress);
        final List<BenchRunner.CaseResult> caseResults = runSuite(runner, suite, warmFiles, warmOps, progress, data);

        final Map<String, Object> meta = meta(
            repCount, warmupCount, threads, durability, data, results, fileSystem, load, props, runner);
        publish(new BenchReport(meta, caseResults), results, String.format(Locale.ROOT,
            "ringwriter vs Files.write pool: us per file (median of %d, %d CPUs, durability %s)", repCount, cpus,
            Converters.typed(durability)));
        return 0;
    }

    private List<BenchRunner.CaseResult> runSuite(
        final BenchRunner runner,
        final List<BenchCase> suite,
        final int warmFiles,
        final int warmOps,
        final Progress progress,
        final Path data) throws IOException
    {
        final List<BenchRunner.CaseResult> caseResults = new ArrayList<>();
        final long startNs = System.nanoTime();
        try
        {
            if (warmOps > 0)
            {
                final double usPerFile = runner.warmUp(warmFiles, warmOps);
                if (usPerFile > SLOW_CREATE_US)
                {
                    progress.note(String.format(Locale.ROOT, "bench: creating a file takes %.0f us here now " +
                        "(about 20 to 40 us on an idle ext4 disk): a busy disk, or files deleted in the last minutes " +
                        "(ext4 skips recently freed inodes); the ratios still compare like with like", usPerFile));
                }
            }
            for (final BenchCase c : suite)
            {
                caseResults.add(runner.run(c));
            }
        }
        finally
        {
            measuredNs = System.nanoTime() - startNs;
            progress.finish();
            if (!keepFiles)
            {
                progress.note("bench: deleting the written files in " + data + " (creates on this file system may " +
                    "be slow for a few minutes after: ext4 skips recently freed inodes)");
                final long deleteStartNs = System.nanoTime();
                deleteTree(data);
                deletedNs = System.nanoTime() - deleteStartNs;
            }
        }
        return caseResults;
    }

    /**
     * Write the results beside each other (table, JSON, CSV, chart) and print the chosen form and the paths.
     */
    private void publish(final BenchReport report, final Path results, final String chartTitle) throws IOException
    {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final Path md = results.resolve("bench.md");
        final Path jsonFile = results.resolve("bench.json");
        final Path csvFile = results.resolve("bench.csv");
        final Path png = results.resolve("bench.png");
        final Path svg = results.resolve("bench.svg");
        Files.writeString(md, report.text(), StandardCharsets.UTF_8);
        Files.writeString(jsonFile, report.json(), StandardCharsets.UTF_8);
        Files.writeString(csvFile, report.csv(), StandardCharsets.UTF_8);
        final boolean charted = BenchChart.write(report, chartTitle, png, svg);

        final StringBuilder paths = new StringBuilder();
        paths.append("results: ").append(md).append(", ").append(jsonFile).append(", ").append(csvFile).append('\n');
        paths.append(charted ? "chart: " + png + " (svg: " + svg + ")" : "chart: none (no create-and-write case ran)")
            .append('\n');
        if (json || csv)
        {
            out.print(json ? report.json() : report.csv());
            err.print(paths);
        }
        else
        {
            out.print(report.text());
            out.println();
            out.print(paths);
        }
        out.flush();
        err.flush();
    }

    private void checkArguments(final int repCount, final int warmupCount, final long messages)
    {
        final CommandLine cmd = spec.commandLine();
        if (repCount < 1)
        {
            throw new CommandLine.ParameterException(cmd, "--reps must be at least 1: --reps=" + repCount);
        }
        if (warmupCount < 0)
        {
            throw new CommandLine.ParameterException(cmd, "--warmup must not be negative: --warmup=" + warmupCount);
        }
        if (messageSize < 1)
        {
            throw new CommandLine.ParameterException(cmd, "--message-size must be at least 1: --message-size=" +
                messageSize);
        }
        if (streamFiles < 1)
        {
            throw new CommandLine.ParameterException(cmd, "--stream-files must be at least 1: --stream-files=" +
                streamFiles);
        }
        if (messages < 1)
        {
            throw new CommandLine.ParameterException(cmd, "--stream-messages must be at least 1: " +
                "--stream-messages=" + messages);
        }
        if (json && csv)
        {
            throw new CommandLine.ParameterException(cmd, "--json and --csv: choose one");
        }
        if (files != null && cases != null)
        {
            throw new CommandLine.ParameterException(cmd, "--files and --case: choose one");
        }
    }

    private List<BenchCase> suite(final long messages)
    {
        if (cases != null)
        {
            final List<BenchCase> chosen = new ArrayList<>();
            for (final String name : cases)
            {
                final BenchCase c = BenchCase.named(name, streamFiles, messages);
                if (c == null)
                {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--case: no case named '" + name +
                        "' (writer-2, many-files-N, no-retries-N, batch-N, stream)");
                }
                if (chosen.stream().anyMatch((b) -> b.name().equals(c.name())))
                {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--case: '" + name + "' twice");
                }
                chosen.add(c);
            }
            return chosen;
        }
        if (files != null)
        {
            return BenchCase.filesSuite(files, streamFiles, messages);
        }
        return quick ? BenchCase.quickSuite(streamFiles, messages) : BenchCase.fullSuite(streamFiles, messages);
    }

    private Map<String, Object> meta(
        final int repCount,
        final int warmupCount,
        final int threads,
        final Durability durability,
        final Path data,
        final Path results,
        final String fileSystem,
        final String load,
        final Properties props,
        final BenchRunner runner)
    {
        final Map<String, Object> meta = Json.object();
        meta.put("date", Instant.now().toString());
        meta.put("machine", Runtime.getRuntime().availableProcessors() + " CPUs, " + System.getProperty("os.name") +
            " " + System.getProperty("os.arch") + ", load average at start " + (load == null ? "unknown" : load));
        meta.put("java", System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")");
        meta.put("file system", fileSystem);
        meta.put("engine", "workers " + threads + ", durability " + Converters.typed(durability) +
            (props.isEmpty() ? "" : ", settings " + new java.util.TreeMap<>(props)));
        meta.put("baseline", "fixed pool of " + threads + " threads, one Files.write per file" +
            (durability == Durability.FSYNC ? " then force(true), directory forced at the end" : "") +
            "; streaming: the calling thread, one 64 KiB buffer per file");
        meta.put("measure", "per case " + warmupCount + " warm-up + " + repCount + " measured operations per " +
            "implementation, interleaved, each into a fresh directory; medians quoted; an operation is create the " +
            "files + write the message to each + wait for the batch's result (ringwriter writeAll/submitBatch); " +
            "ringwriter keeps up to max.open.files handles open and closes the oldest as new ones open");
        meta.put("message", messageSize + " bytes");
        meta.put("ratio", "baseline time / ringwriter time, median of the interleaved pairs (above 1: ringwriter " +
            "faster)");
        meta.put("allocation", runner.allocationSupported() ? BenchRunner.allocationMethod() : "not measured");
        meta.put("data", data + (keepFiles ? " (kept)" : " (deleted after the run)"));
        meta.put("results", results.toString());
        meta.put("elapsed", String.format(Locale.ROOT, "%.1f s measuring", measuredNs / 1e9) +
            (keepFiles ? "" : String.format(Locale.ROOT, ", %.1f s deleting the files", deletedNs / 1e9)));
        return meta;
    }

    private static String fileStore(final Path dir)
    {
        try
        {
            return Files.getFileStore(dir).type();
        }
        catch (final IOException ex)
        {
            return "unknown";
        }
    }

    private static String loadAverage()
    {
        try
        {
            final String text = Files.readString(Path.of("/proc/loadavg"), StandardCharsets.US_ASCII).trim();
            final String[] parts = text.split("\\s+");
            return parts.length >= 3 ? parts[0] + " " + parts[1] + " " + parts[2] : null;
        }
        catch (final IOException | RuntimeException ex)
        {
            return null;
        }
    }

    /**
     * {@code chattr +T}: ext4 then spreads the directory's subdirectories over unused block groups. Best effort.
     */
    private static boolean chattrSpread(final Path dir)
    {
        try
        {
            final Process process = new ProcessBuilder("chattr", "+T", dir.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return process.waitFor(5, TimeUnit.SECONDS) && process.exitValue() == 0;
        }
        catch (final IOException ex)
        {
            return false;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Delete a directory tree, directories in parallel: on a busy disk one thread deleting a run's files (about
     * 30,000 for --quick, 290,000 for the full suite) took longer than the run itself.
     *
     * @param root the tree; nothing happens when it does not exist.
     * @throws IOException when something cannot be deleted.
     */
    static void deleteTree(final Path root) throws IOException
    {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS))
        {
            return;
        }
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS))
        {
            Files.delete(root);
            return;
        }
        final ForkJoinPool pool = new ForkJoinPool(DELETE_THREADS);
        try
        {
            pool.invoke(new DeleteAction(root));
        }
        catch (final UncheckedIOException ex)
        {
            throw ex.getCause();
        }
        finally
        {
            pool.shutdown();
        }
    }

    /**
     * Deletes the files of one directory, forks one action per subdirectory, then deletes the directory.
     */
    private static final class DeleteAction extends RecursiveAction
    {
        private static final long serialVersionUID = 1L;

        private final transient Path dir;

        DeleteAction(final Path dir)
        {
            this.dir = dir;
        }

        @Override
        protected void compute()
        {
            final List<DeleteAction> subdirs = new ArrayList<>();
            try
            {
                try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir))
                {
                    for (final Path entry : entries)
                    {
                        if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS))
                        {
                            final DeleteAction action = new DeleteAction(entry);
                            action.fork();
                            subdirs.add(action);
                        }
                        else
                        {
                            Files.delete(entry);
                        }
                    }
                }
                for (final DeleteAction action : subdirs)
                {
                    action.join();
                }
                Files.delete(dir);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }
    }
}
