package io.ringwriter.bench.report;

import io.ringwriter.bench.Streams;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Writes {@code bench/RESULTS.md} and the us-per-file chart from one run's directory, as {@code bench/run.sh}
 * leaves it: JMH result files ({@code jmh-*.json}; several rounds of the same benchmark are pooled, and every figure
 * is the median over all their iterations), the C limit's output ({@code fsbench.txt}), the latency percentiles
 * ({@code latency-*.txt}), the JMH logs ({@code *.log}, for loss lines) and {@code machine.txt}.
 * <p>
 * Usage: {@code java -cp benchmarks.jar io.ringwriter.bench.report.ResultsReport RUN_DIR RESULTS.md CHART.png}
 */
public final class ResultsReport
{
    private static final int[] MANY = {100, 200, 300, 400, 500, 600, 700, 800, 900, 1000};
    private static final int[] BATCHES = {1500, 3000, 5000};

    /** The Go package's published BenchmarkManyFiles, ns per op (retries on, 64-core EPYC). */
    private static final Map<Integer, Double> GO_MANY_NS = mapOf(
        100, 1_200_235, 200, 2_112_088, 300, 3_325_674, 400, 5_329_995, 500, 4_968_137,
        600, 7_827_777, 700, 7_628_838, 800, 9_030_962, 900, 11_757_483, 1000, 12_461_167);
    /** Its published B/op for the same. */
    private static final Map<Integer, Double> GO_MANY_BYTES = mapOf(
        100, 459_443, 200, 916_682, 300, 1_374_534, 400, 1_834_025, 500, 2_293_018,
        600, 2_753_999, 700, 3_214_415, 800, 3_676_236, 900, 4_139_196, 1000, 4_595_667);
    /** Its published TestNoRetriesManyFilesBenchmark, us per file. */
    private static final Map<Integer, Double> GO_NORETRY_US = mapOf(
        100, 10, 200, 10, 300, 10, 400, 10, 500, 10, 600, 12, 700, 11, 800, 12.5, 900, 12, 1000, 14);
    /** Its published TestBatching, us per file. */
    private static final Map<Integer, Double> GO_BATCH_US = mapOf(1500, 17, 3000, 37, 5000, 67);
    /** The Go package run on these machines (shared/BENCHMARKING.md), us per file. */
    private static final Map<Integer, Double> GO_HERE_US = mapOf(
        2, 41.8, 100, 20, 1000, 31, 1500, 31, 3000, 137, 5000, 193);

    private final Path runDir;
    private final Map<String, Result> results = new TreeMap<>();
    private final Map<String, List<Double>> cLimit = new TreeMap<>();
    private final List<String> losses = new ArrayList<>();
    private final List<String[]> latency = new ArrayList<>();
    private final StringBuilder md = new StringBuilder();
    private final List<String[]> targets = new ArrayList<>();

    /**
     * One benchmark and parameter set, pooled over rounds.
     */
    static final class Result
    {
        final String benchmark;
        final Map<String, String> params;
        final int threads;
        String unit;
        final List<Double> raw = new ArrayList<>();
        final Map<String, List<Double>> secondary = new LinkedHashMap<>();

        Result(final String benchmark, final Map<String, String> params, final int threads)
        {
            this.benchmark = benchmark;
            this.params = params;
            this.threads = threads;
        }

        double median()
        {
            return ResultsReport.median(raw);
        }

        double secondaryMedian(final String name)
        {
            final List<Double> values = secondary.get(name);
            return values == null ? Double.NaN : ResultsReport.median(values);
        }

        double secondarySum(final String name)
        {
            final List<Double> values = secondary.get(name);
            return values == null ? Double.NaN : values.stream().mapToDouble(Double::doubleValue).sum();
        }
    }

    private ResultsReport(final Path runDir)
    {
        this.runDir = runDir;
    }

    /**
     * @param args run directory, RESULTS.md path, chart path.
     * @throws IOException when a file cannot be read or written.
     */
    public static void main(final String[] args) throws IOException
    {
        if (args.length < 2)
        {
            System.err.println("usage: ResultsReport RUN_DIR RESULTS.md [CHART.png]");
            System.exit(2);
        }
        System.setProperty("java.awt.headless", "true");
        final Path out = Path.of(args[1]);
        final Path chart = args.length > 2 ? Path.of(args[2]) : out.resolveSibling("results-us-per-file.png");
        final ResultsReport report = new ResultsReport(Path.of(args[0]));
        report.load();
        report.write(out, chart);
        System.out.println("wrote " + out + " and " + chart);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Loading
    // ---------------------------------------------------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    private void load() throws IOException
    {
        for (final Path file : list("jmh-", ".json"))
        {
            final String text = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (text.isEmpty())
            {
                continue;
            }
            for (final Object o : (List<Object>)Json.parse(text))
            {
                final Map<String, Object> r = (Map<String, Object>)o;
                final String benchmark = shortName((String)r.get("benchmark"));
                final Map<String, String> params = new TreeMap<>();
                final Object p = r.get("params");
                if (p != null)
                {
                    ((Map<String, Object>)p).forEach((k, v) -> params.put(k, String.valueOf(v)));
                }
                final int threads = (int)Json.number(r.get("threads"));
                final String key = key(benchmark, params);
                final Result result = results.computeIfAbsent(key, (k) -> new Result(benchmark, params, threads));
                final Map<String, Object> primary = (Map<String, Object>)r.get("primaryMetric");
                result.unit = (String)primary.get("scoreUnit");
                result.raw.addAll(flatten(primary.get("rawData")));
                final Map<String, Object> secondary = (Map<String, Object>)r.get("secondaryMetrics");
                if (secondary != null)
                {
                    for (final Map.Entry<String, Object> e : secondary.entrySet())
                    {
                        final Map<String, Object> metric = (Map<String, Object>)e.getValue();
                        result.secondary.computeIfAbsent(e.getKey(), (k) -> new ArrayList<>())
                            .addAll(flatten(metric.get("rawData")));
                    }
                }
            }
        }

        final Pattern summary = Pattern.compile(
            "SUMMARY (create|existing) N=(\\d+) T=(\\d+) msg=\\d+(\\S*) median=([0-9.]+)");
        final Pattern stream = Pattern.compile(
            "SUMMARY stream T=(\\d+) msgs=\\d+ mode=(\\w+) msgs/s median=([0-9.]+)");
        for (final Path file : list("fsbench", ".txt"))
        {
            for (final String line : Files.readAllLines(file, StandardCharsets.UTF_8))
            {
                final Matcher m = summary.matcher(line);
                if (m.find() && m.group(4).isEmpty())
                {
                    cLimit.computeIfAbsent(m.group(1) + "-" + m.group(2) + "-" + m.group(3), (k) -> new ArrayList<>())
                        .add(Double.parseDouble(m.group(5)) / 1000.0);
                }
                final Matcher s = stream.matcher(line);
                if (s.find())
                {
                    cLimit.computeIfAbsent("stream-" + s.group(1) + "-" + s.group(2), (k) -> new ArrayList<>())
                        .add(Double.parseDouble(s.group(3)));
                }
            }
        }

        for (final Path file : list("", ".log"))
        {
            for (final String line : Files.readAllLines(file, StandardCharsets.UTF_8))
            {
                final int at = line.indexOf("RINGWRITER-BENCH-LOSS");
                if (at >= 0)
                {
                    losses.add(line.substring(at + "RINGWRITER-BENCH-LOSS ".length())
                        .replace("io.ringwriter.bench.", ""));
                }
            }
        }

        for (final Path file : list("latency-", ".txt"))
        {
            for (final String line : Files.readAllLines(file, StandardCharsets.UTF_8))
            {
                if (line.startsWith("RINGWRITER-BENCH-LATENCY"))
                {
                    latency.add(line.substring("RINGWRITER-BENCH-LATENCY ".length()).split(" "));
                }
            }
        }
    }

    private List<Path> list(final String prefix, final String suffix) throws IOException
    {
        if (!Files.isDirectory(runDir))
        {
            return List.of();
        }
        try (Stream<Path> files = Files.list(runDir))
        {
            return files.filter((p) ->
            {
                final String name = p.getFileName().toString();
                return name.startsWith(prefix) && name.endsWith(suffix);
            }).sorted().collect(Collectors.toList());
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Double> flatten(final Object rawData)
    {
        final List<Double> values = new ArrayList<>();
        if (rawData instanceof List)
        {
            for (final Object fork : (List<Object>)rawData)
            {
                if (fork instanceof List)
                {
                    for (final Object v : (List<Object>)fork)
                    {
                        values.add(Json.number(v));
                    }
                }
            }
        }
        return values;
    }

    private static String shortName(final String benchmark)
    {
        final String[] parts = benchmark.split("\\.");
        return parts.length >= 2 ? parts[parts.length - 2] + "." + parts[parts.length - 1] : benchmark;
    }

    private static String key(final String benchmark, final Map<String, String> params)
    {
        return benchmark + params;
    }

    private Result find(final String benchmark, final String... params)
    {
        Result best = null;
        outer:
        for (final Result r : results.values())
        {
            if (!r.benchmark.equals(benchmark))
            {
                continue;
            }
            for (int i = 0; i < params.length; i += 2)
            {
                if (!params[i + 1].equals(r.params.get(params[i])))
                {
                    continue outer;
                }
            }
            best = r;
        }
        return best;
    }

    /** us per file of a many-files benchmark, or NaN. */
    private double usPerFile(final String benchmark, final int files, final String... extra)
    {
        final String[] params = new String[extra.length + 2];
        params[0] = "files";
        params[1] = Integer.toString(files);
        System.arraycopy(extra, 0, params, 2, extra.length);
        final Result r = find(benchmark, params);
        return r == null ? Double.NaN : r.median() / files;
    }

    private double bytesPerFile(final String benchmark, final int files, final String... extra)
    {
        final String[] params = new String[extra.length + 2];
        params[0] = "files";
        params[1] = Integer.toString(files);
        System.arraycopy(extra, 0, params, 2, extra.length);
        final Result r = find(benchmark, params);
        if (r == null)
        {
            return Double.NaN;
        }
        return r.secondarySum("allocBytes") / r.secondarySum("filesWritten");
    }

    private double gcBytesPerOp(final Result r)
    {
        return r == null ? Double.NaN : r.secondaryMedian("gc.alloc.rate.norm");
    }

    private double c(final int files, final int threads)
    {
        return cMedian("create-" + files + "-" + threads);
    }

    /**
     * @param files per operation.
     * @return us per file of the C limit's two threads on the Go package's workload (bench/limits/existing.c).
     */
    private double cExisting(final int files)
    {
        return cMedian("existing-" + files + "-2");
    }

    private double cMedian(final String key)
    {
        final List<Double> values = cLimit.get(key);
        return values == null ? Double.NaN : median(values);
    }

    /**
     * @param n files.
     * @return the Go package's us per file that the Go-workload target compares with: measured here, else published.
     */
    private static double goReference(final int n)
    {
        return GO_HERE_US.getOrDefault(n, n >= 100 && n <= 1000 ? GO_MANY_NS.get(n) / 1000.0 / n :
            GO_BATCH_US.getOrDefault(n, Double.NaN));
    }

    /**
     * @param n the worst file count of the Go-workload target.
     * @return what the C limit's two threads reach against Go at that count, or nothing when C did not run there.
     */
    private String cCeiling(final int n)
    {
        final double cTwo = cExisting(n);
        final double goHere = goReference(n);
        if (Double.isNaN(cTwo) || Double.isNaN(goHere))
        {
            return "";
        }
        return " (C with 2 threads there: " + f(cTwo) + " us/file, " + x(goHere / cTwo) + " Go)";
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Writing
    // ---------------------------------------------------------------------------------------------------------------

    private void write(final Path out, final Path chart) throws IOException
    {
        md.append("# ringwriter benchmark results\n\n");
        md.append("Written by `bench/run.sh` (`io.ringwriter.bench.report.ResultsReport`) from one run: every figure ")
            .append("below was measured in that run, side by side, unless it is marked as the Go package's ")
            .append("*published* figure (its README, a 64-core EPYC) or as measured *here* earlier ")
            .append("(shared/BENCHMARKING.md). Figures are medians over all measured iterations ")
            .append("(all rounds pooled). Ratios > 1 mean ringwriter is faster. Absolute figures on these shared ")
            .append("2-vCPU machines are context only: read the ratios.\n\n");
        machine();
        validity();
        targets();
        seedTables();
        chart(chart);
        md.append("![us per file against files](").append(chart.getFileName()).append(")\n\n");
        twoFiles();
        bigBatch();
        streaming();
        latencyTable();
        handoff();
        failures();
        analysis();
        notes();
        Files.writeString(out, md.toString(), StandardCharsets.UTF_8);
    }

    private void machine() throws IOException
    {
        md.append("## Machine and run\n\n```\n");
        final Path machine = runDir.resolve("machine.txt");
        if (Files.exists(machine))
        {
            md.append(Files.readString(machine, StandardCharsets.UTF_8).trim()).append('\n');
        }
        md.append("```\n\n");
    }

    /**
     * Compare the C limit of this run with its reference on these machines (shared/BENCHMARKING.md): when file
     * creation itself is much slower, the file system or the CPUs were disturbed and the many-files ratios say little.
     */
    private void validity()
    {
        final double[][] reference = {{100, 1, 20.2}, {100, 2, 12.2}, {1000, 1, 25.0}, {1000, 2, 19.1},
            {5000, 1, 23.7}, {5000, 2, 17.7}};
        final List<String> off = new ArrayList<>();
        for (final double[] ref : reference)
        {
            final double measured = c((int)ref[0], (int)ref[1]);
            if (!Double.isNaN(measured) && measured > 2 * ref[2])
            {
                off.add(String.format(Locale.ROOT, "N=%d T=%d: %.1f us/file (reference %.1f)", (int)ref[0],
                    (int)ref[1], measured, ref[2]));
            }
        }
        if (!off.isEmpty())
        {
            md.append("> **Caution: the C limit ran more than 2x slower than its reference on these machines** (")
                .append(String.join("; ", off)).append("). File creation itself was disturbed in this run (other ")
                .append("work on the machine; on ext4 without a journal, files deleted by others in the last minutes ")
                .append("make every create scan past them). The many-files figures below are not a measurement of ")
                .append("the writers: compare them only within one row, and repeat on a quiet machine.\n\n");
        }
    }

    private void seedTables()
    {
        md.append("## The seed's table, case for case (64-byte message per file)\n\n");
        md.append("### Go package's workload: files exist; open, write, close (retries on)\n\n");
        md.append("| files | Go published us/file | Go here us/file | C 2 threads us/file | ringwriter us/file | ")
            .append("vs Go published | vs Go here | ringwriter / C 2T | Files.write pool us/file | ")
            .append("FileChannel loop us/file | ringwriter B/file | Go published B/file |\n");
        md.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (final int n : concat(new int[]{2}, MANY, BATCHES))
        {
            final double goPub = n <= 1000 && n >= 100 ? GO_MANY_NS.get(n) / 1000.0 / n :
                GO_BATCH_US.getOrDefault(n, n == 2 ? 82.486 / 2 : Double.NaN);
            final double goHere = GO_HERE_US.getOrDefault(n, Double.NaN);
            final double rw = usPerFile("ManyFilesBenchmark.existing", n, "retries", "on");
            if (Double.isNaN(rw))
            {
                continue;
            }
            final double cTwo = cExisting(n);
            md.append(row(Integer.toString(n), f(goPub), f(goHere), f(cTwo), f(rw), x(goPub / rw), x(goHere / rw),
                r2(rw / cTwo), f(usPerFile("FilesWriteBaselineBenchmark.existing", n)),
                f(usPerFile("FileChannelLoopBenchmark.existing", n)),
                f0(bytesPerFile("ManyFilesBenchmark.existing", n, "retries", "on")),
                f0(n >= 100 && n <= 1000 ? GO_MANY_BYTES.get(n) / n : n == 2 ? 12192 / 2.0 : Double.NaN)));
        }
        md.append("\n(1500, 3000, 5000: the seed's TestBatching; 2: BenchmarkWriter, per file. C 2 threads: ")
            .append("`bench/limits/existing.c`, the same open, write, close on files made empty before the timed ")
            .append("part, by two threads that spin between operations; Go / C is the most any writer could gain ")
            .append("over Go here.)\n\n");

        md.append("### End to end: create, write, close into a fresh directory (retries on)\n\n");
        md.append("| files | C 1 thread us/file | C 2 threads us/file | ringwriter us/file | ringwriter / C 2T | ")
            .append("Files.write pool | createTempFile pool | FileChannel loop | vs Files.write | ")
            .append("vs createTempFile | vs FileChannel loop | ringwriter B/file |\n");
        md.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (final int n : concat(new int[]{2}, MANY, BATCHES))
        {
            final double rw = usPerFile("ManyFilesBenchmark.endToEnd", n, "retries", "on");
            final double fw = usPerFile("FilesWriteBaselineBenchmark.endToEnd", n);
            final double ct = usPerFile("CreateTempFileBaselineBenchmark.endToEnd", n);
            final double fc = usPerFile("FileChannelLoopBenchmark.endToEnd", n);
            if (Double.isNaN(rw))
            {
                continue;
            }
            md.append(row(Integer.toString(n), f(c(n, 1)), f(c(n, 2)), f(rw), r2(rw / c(n, 2)), f(fw), f(ct), f(fc),
                x(fw / rw), x(ct / rw), x(fc / rw),
                f0(bytesPerFile("ManyFilesBenchmark.endToEnd", n, "retries", "on"))));
        }
        md.append('\n');

        md.append("### Retries off (the seed's TestNoRetriesManyFilesBenchmark)\n\n");
        md.append("| files | Go published us/file | ringwriter existing, off | existing, on | on / off | ")
            .append("end to end, off | end to end, on | on / off |\n");
        md.append("|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (final int n : MANY)
        {
            final double eOff = usPerFile("ManyFilesBenchmark.existing", n, "retries", "off");
            final double eOn = usPerFile("ManyFilesBenchmark.existing", n, "retries", "on");
            final double tOff = usPerFile("ManyFilesBenchmark.endToEnd", n, "retries", "off");
            final double tOn = usPerFile("ManyFilesBenchmark.endToEnd", n, "retries", "on");
            if (Double.isNaN(eOff) && Double.isNaN(tOff))
            {
                continue;
            }
            md.append(row(Integer.toString(n), f(GO_NORETRY_US.get(n)),
                f(eOff), f(eOn), r2(eOn / eOff), f(tOff), f(tOn),
                r2(tOn / tOff)));
        }
        md.append('\n');
        md.append("The rows above run the two policies in separate trials, minutes apart; the file system drifts by ")
            .append("tens of percent in that time. `RetryOverheadBenchmark` runs an engine with retries and one ")
            .append("without in the same trial, each operation on both (fresh files each, the order alternating), ")
            .append("and reports the geometric mean of the per-pair ratios; the A/A control runs the same policy ")
            .append("in both engines, so its distance from 1.00 is what the pairing cannot resolve.\n\n");
        md.append("| files | variant | second engine | pairs | on / off (geometric mean of pairs) | ")
            .append("on / off (sums) | pairs with retries faster |\n|---:|---|---|---:|---:|---:|---:|\n");
        for (final Result r : results.values())
        {
            if (!r.benchmark.equals("RetryOverheadBenchmark.pair"))
            {
                continue;
            }
            final double pairs = r.secondarySum("pairs");
            md.append(row(r.params.get("files"), r.params.get("variant"),
                "default".equals(r.params.get("offPolicy")) ? "retries on (A/A control)" : "retries off",
                f0(pairs), r3(pairedRatio(r)), r3(r.secondarySum("onNanos") / r.secondarySum("offNanos")),
                f0(100 * r.secondarySum("onFaster") / pairs) + "%"));
        }
        md.append('\n');
    }

    /**
     * Geometric mean of the per-pair ratios of a paired benchmark (RetryOverheadBenchmark: on / off;
     * LargeBatchBenchmark: large / small), from its aux counters logRatioE6 and pairs.
     */
    private static double pairedRatio(final Result r)
    {
        return Math.exp(r.secondarySum("logRatioE6") / 1e6 / r.secondarySum("pairs"));
    }

    private void chart(final Path chart) throws IOException
    {
        final XYChart xy = new XYChartBuilder().width(1000).height(620)
            .title("One 64-byte message per file: us per file against files").xAxisTitle("files per operation")
            .yAxisTitle("us per file").build();
        xy.getStyler().setXAxisLogarithmic(true);
        xy.getStyler().setYAxisLogarithmic(true);
        xy.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        final int[] all = concat(new int[]{2}, MANY, BATCHES);
        int count = 0;
        count += series(xy, "ringwriter end to end", all,
            (n) -> usPerFile("ManyFilesBenchmark.endToEnd", n, "retries", "on"));
        count += series(xy, "ringwriter existing files", all,
            (n) -> usPerFile("ManyFilesBenchmark.existing", n, "retries", "on"));
        count += series(xy, "C limit, 2 threads", all, (n) -> c(n, 2));
        count += series(xy, "C limit, 1 thread", all, (n) -> c(n, 1));
        count += series(xy, "Files.write pool", all, (n) -> usPerFile("FilesWriteBaselineBenchmark.endToEnd", n));
        count += series(xy, "createTempFile pool", all,
            (n) -> usPerFile("CreateTempFileBaselineBenchmark.endToEnd", n));
        count += series(xy, "FileChannel loop", all, (n) -> usPerFile("FileChannelLoopBenchmark.endToEnd", n));
        count += series(xy, "Go published", all, (n) -> n >= 100 && n <= 1000 ? GO_MANY_NS.get(n) / 1000.0 / n :
            GO_BATCH_US.getOrDefault(n, n == 2 ? 82.486 / 2 : Double.NaN));
        count += series(xy, "Go measured here", all, (n) -> GO_HERE_US.getOrDefault(n, Double.NaN));
        if (count > 0)
        {
            javax.imageio.ImageIO.write(BitmapEncoder.getBufferedImage(xy), "png", chart.toFile());
        }
    }

    private static int series(final XYChart xy, final String name, final int[] xs, final Function<Integer, Double> f)
    {
        final List<Double> x = new ArrayList<>();
        final List<Double> y = new ArrayList<>();
        for (final int n : xs)
        {
            final double v = f.apply(n);
            if (!Double.isNaN(v) && v > 0)
            {
                x.add((double)n);
                y.add(v);
            }
        }
        if (x.isEmpty())
        {
            return 0;
        }
        xy.addSeries(name, x, y).setMarker(SeriesMarkers.CIRCLE);
        return 1;
    }

    private void twoFiles()
    {
        final Result r = find("ManyFilesBenchmark.existing", "files", "2", "retries", "on");
        md.append("## Two files (the seed's BenchmarkWriter)\n\n");
        md.append("| | us per op | B per op |\n|---|---:|---:|\n");
        md.append("| Go published | 82.5 | 12,192 |\n| Go measured here | 83.6 | 12,641 |\n");
        if (r != null)
        {
            md.append(row("ringwriter (existing files)", f(r.median()),
                f0(r.secondarySum("allocBytes") / r.secondarySum("filesWritten") * 2)));
        }
        md.append("\nringwriter's B per op is what the engine allocated (its threads plus the caller inside the call, ")
            .append("aux counters); JMH's gc.alloc.rate.norm for the same op, which also counts the benchmark's ")
            .append("untimed setup: ").append(f0(gcBytesPerOp(r))).append(" B.\n\n");
    }

    private void bigBatch()
    {
        final Result paired = find("LargeBatchBenchmark.pair", "files", "100000", "small", "1000");
        final Result big = find("ManyFilesBenchmark.endToEnd", "files", "100000");
        if (paired == null && big == null)
        {
            return;
        }
        md.append("## 100,000 files in one batch (end to end)\n\n");
        if (paired != null)
        {
            final double files = paired.secondarySum("filesEach");
            final double pairs = paired.secondarySum("pairs");
            md.append("`LargeBatchBenchmark`: each operation is a pair on one engine, one `writeAll` of 100,000 new ")
                .append("files into one fresh directory and the same 100,000 files as 100 `writeAll` calls of 1,000, ")
                .append("each into its own fresh directory (what the 1,000-file row times), the order alternating. ")
                .append("A 100,000-file batch takes seconds and the file system drifts by tens of percent within ")
                .append("minutes, so the two are compared within each pair; the target is judged by the geometric ")
                .append("mean of the per-pair ratios.\n\n");
            md.append("| | us per file |\n|---|---:|\n");
            md.append(row("100,000 files in one batch", f(paired.secondarySum("largeNanos") / 1000.0 / files)));
            md.append(row("100 batches of 1,000 (same pairs)", f(paired.secondarySum("smallNanos") / 1000.0 / files)));
            md.append(row("ratio, geometric mean of " + f0(pairs) + " pairs (target <= 1.15)",
                r2(pairedRatio(paired))));
            md.append(row("pairs in which the one batch was faster", f0(paired.secondarySum("largeFaster")) + " of " +
                f0(pairs)));
        }
        else
        {
            md.append("| | us per file |\n|---|---:|\n");
        }
        if (big != null)
        {
            final double perFile = big.median() / 100_000;
            final double at1000 = usPerFile("ManyFilesBenchmark.endToEnd", 1000, "retries", "on");
            md.append(row("ManyFilesBenchmark, 100,000 files (separate trial)", f(perFile)));
            md.append(row("ManyFilesBenchmark, 1,000 files (separate trial)", f(at1000)));
            md.append(row("ratio of the separate trials", r2(perFile / at1000)));
        }
        final double c100k = c(100_000, 2);
        final double c1000 = c(1000, 2);
        if (!Double.isNaN(c100k))
        {
            md.append(row("C 2 threads, 100,000 files in one directory", f(c100k)));
            md.append(row("C 2 threads, 1,000 files", f(c1000)));
            md.append(row("C ratio (the kernel's own cost of a large directory)", r2(c100k / c1000)));
        }
        md.append('\n');
    }

    private double streamRate(final Result r)
    {
        if (r == null)
        {
            return Double.NaN;
        }
        final int size = Integer.parseInt(r.params.get("size"));
        final int msgs = Streams.messagesPerOp(size, r.params.get("durability"));
        final List<Double> rates = new ArrayList<>();
        for (final double ms : r.raw)
        {
            rates.add(r.threads * (double)msgs / (ms / 1000.0));
        }
        return median(rates);
    }

    private void streaming()
    {
        md.append("## Streaming (time until the bytes are in the file)\n\n");
        md.append("Each producer writes ").append(Streams.BYTES_PER_OP >> 20).append(" MiB of messages per operation (")
            .append(Streams.BYTES_PER_OP_FSYNC >> 20).append(" MiB under FSYNC), then waits until they are in the ")
            .append("files (ringwriter: `flush()`; Log4j2: the file size; ")
            .append("Chronicle: the append into its mapped file). ")
            .append("Every iteration checks the exact byte count.\n\n");
        final String[] sizes = {"64", "256", "1024"};
        md.append("### Peers and floor, one file\n\n");
        md.append("| size | producers | FileChannel floor M msg/s | ")
            .append("ringwriter M msg/s (1 file, NONE) | ringwriter / floor | ")
            .append("ringwriter tuned M msg/s | tuned / floor | Log4j2 async M msg/s | ringwriter / Log4j2 | ")
            .append("tuned / Log4j2 | Chronicle Queue M msg/s | ringwriter / Chronicle |\n");
        md.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (final String size : sizes)
        {
            for (final String producers : new String[]{"oneProducer", "twoProducers"})
            {
                final double floor = streamRate(find("FileChannelFloorBenchmark.oneProducer", "size", size));
                final double rw = streamRate(find("StreamingBenchmark." + producers, "size", size, "files", "1",
                    "durability", "NONE", "workers", "0"));
                // Tuned: one worker, slots the size of a message, and one producer on the single-producer ring.
                final String tunedMethod = producers.startsWith("one") ? "singleProducer" : producers;
                final double tuned = streamRate(find("StreamingBenchmark." + tunedMethod, "size", size, "files", "1",
                    "durability", "NONE", "workers", "1", "slotSize", size));
                final double log4j = streamRate(find("Log4jAsyncBenchmark." + producers, "size", size));
                final double cq = streamRate(find("ChronicleQueueBenchmark." + producers, "size", size));
                if (Double.isNaN(floor) && Double.isNaN(rw))
                {
                    continue;
                }
                md.append(row(size, producers.startsWith("one") ? "1" : "2", m(floor), m(rw), r2(rw / floor),
                    m(tuned), r2(tuned / floor), m(log4j), x(rw / log4j), x(tuned / log4j), m(cq), x(rw / cq)));
            }
        }
        md.append('\n');
        md.append("ringwriter: the engine's defaults (workers = CPUs, 256-byte slots, multi-producer ring). ")
            .append("Tuned: `workers(1)`, `slotSize` = the message size, and for one producer `singleProducer(true)` ")
            .append("(the `StreamingBenchmark.singleProducer` benchmark).\n\n");
        disruptorAlone(sizes);
        final List<Double> cStream = cLimit.get("stream-1-batch");
        if (cStream != null)
        {
            md.append("C floor (fsbench stream, 1 thread, 64 KiB buffers, 64 B): ").append(m(median(cStream)))
                .append(" M msg/s in this run. ");
            final double floor64 = streamRate(find("FileChannelFloorBenchmark.oneProducer", "size", "64"));
            md.append("Page-cache mode of this run: ").append(floor64 > 25e6 ? "**fast** (new pages cheap)" :
                floor64 < 12e6 ? "**slow** (new pages expensive)" : "between the two modes").append(".\n\n");
        }

        md.append("### ringwriter, all cases\n\n");
        md.append("| size | files | producers | ring | durability | workers | slot | M msg/s | MB/s | ")
            .append("B/op (gc, per op) |\n");
        md.append("|---:|---:|---:|---|---|---:|---:|---:|---:|---:|\n");
        final List<Result> streams = results.values().stream()
            .filter((r) -> r.benchmark.startsWith("StreamingBenchmark."))
            .sorted(java.util.Comparator.<Result, String>comparing((r) -> r.params.get("durability")).reversed()
                .thenComparingInt((r) -> Integer.parseInt(r.params.get("size")))
                .thenComparingInt((r) -> Integer.parseInt(r.params.get("files")))
                .thenComparingInt((r) -> r.threads)
                .thenComparing((r) -> r.benchmark)
                .thenComparing((r) -> r.params.get("workers")))
            .collect(Collectors.toList());
        for (final Result r : streams)
        {
            final double rate = streamRate(r);
            final String slot = r.params.getOrDefault("slotSize", "0");
            md.append(row(r.params.get("size"), r.params.get("files"), Integer.toString(r.threads),
                r.benchmark.endsWith(".singleProducer") ? "single" : "multi", r.params.get("durability"),
                r.params.get("workers"), "0".equals(slot) ? "256" : slot, m(rate),
                f0(rate * Integer.parseInt(r.params.get("size")) / 1e6), f0(gcBytesPerOp(r))));
        }
        md.append('\n');
        if (!losses.isEmpty())
        {
            md.append("**Lost events** (the file stopped growing before it held every byte logged):\n\n");
            for (final String loss : losses)
            {
                md.append("- ").append(loss).append('\n');
            }
            md.append('\n');
        }
        else
        {
            md.append("No lost events in any streaming benchmark.\n\n");
        }
    }

    /**
     * The Disruptor with nothing else (DisruptorWriterBenchmark, DisruptorWriterTwoProducersBenchmark): producers
     * publishing each message, one consumer copying into a 64 KiB buffer and writing one file. What a per-message
     * hand-off through a Disruptor ring carries on this machine.
     */
    private void disruptorAlone(final String[] sizes)
    {
        final boolean any = results.values().stream().anyMatch((r) -> r.benchmark.startsWith("DisruptorWriter"));
        if (!any)
        {
            return;
        }
        md.append("### The Disruptor alone: a hand-rolled writer, one file\n\n");
        md.append("A producer claims a slot, copies the message into the slot's array and publishes; one consumer ")
            .append("copies into a 64 KiB buffer and writes it at the end of each batch (`DisruptorWriterBenchmark`, ")
            .append("`DisruptorWriterTwoProducersBenchmark`: no paths, owners, counters, failures or flush protocol). ")
            .append("It is what a ring hand-off per message carries here, so it bounds any Disruptor-based writer; ")
            .append("ringwriter / hand-rolled says what the engine's own work costs on top.\n\n");
        md.append("| size | producers | FileChannel floor M msg/s | hand-rolled multi-producer M msg/s | ")
            .append("hand-rolled / floor | ringwriter (defaults) / hand-rolled multi | ")
            .append("hand-rolled single-producer M msg/s | ringwriter tuned / hand-rolled single |\n");
        md.append("|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (final String size : sizes)
        {
            final double floor = streamRate(find("FileChannelFloorBenchmark.oneProducer", "size", size));
            final double multi = handRolled(size, "MULTI");
            final double single = handRolled(size, "SINGLE");
            if (!Double.isNaN(multi) || !Double.isNaN(single))
            {
                final double rw = streamRate(find("StreamingBenchmark.oneProducer", "size", size, "files", "1",
                    "durability", "NONE", "workers", "0"));
                final double tuned = streamRate(find("StreamingBenchmark.singleProducer", "size", size,
                    "files", "1", "durability", "NONE", "workers", "1", "slotSize", size));
                md.append(row(size, "1", m(floor), m(multi), r2(multi / floor), r2(rw / multi), m(single),
                    r2(tuned / single)));
            }
            final double multi2 = streamRate(find("DisruptorWriterTwoProducersBenchmark.twoProducers", "size", size));
            if (!Double.isNaN(multi2))
            {
                final double rw2 = streamRate(find("StreamingBenchmark.twoProducers", "size", size, "files", "1",
                    "durability", "NONE", "workers", "0"));
                md.append(row(size, "2", m(floor), m(multi2), r2(multi2 / floor), r2(rw2 / multi2), "-", "-"));
            }
        }
        md.append('\n');
    }

    /**
     * @return messages/s of the hand-rolled Disruptor writer with one producer, or NaN when it did not run.
     */
    private double handRolled(final String size, final String producerType)
    {
        return streamRate(find("DisruptorWriterBenchmark.oneProducer", "size", size, "producerType", producerType));
    }

    /**
     * @return the hand-rolled Disruptor writer's best 64 B rate beside the floor target, or nothing when not run.
     */
    private String handRolledNote()
    {
        final double multi = handRolled("64", "MULTI");
        final double single = handRolled("64", "SINGLE");
        if (Double.isNaN(multi) && Double.isNaN(single))
        {
            return "";
        }
        return "; the Disruptor alone (hand-rolled writer): multi-producer " + m(multi) + ", single-producer " +
            m(single) + " M msg/s";
    }

    private void latencyTable()
    {
        if (latency.isEmpty())
        {
            return;
        }
        md.append("## Latency at a fixed offered rate (coordinated omission corrected), microseconds\n\n");
        md.append("| rate msg/s | writer | durability | wait | workers | metric | count | p50 | p99 | p99.9 | ")
            .append("p99.99 | max | producer preempted |\n");
        md.append("|---:|---|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (final String[] tokens : latency)
        {
            final Map<String, String> kv = LatencyAtRate.fields(tokens);
            final boolean none = "none".equals(kv.get("writer"));
            md.append(row(kv.get("rate"), none ? "none (pacing loop alone)" : "ringwriter",
                none ? "-" : kv.get("durability"), none ? "-" : kv.get("waitStrategy"),
                none ? "-" : "0".equals(kv.get("workers")) ? "default" : kv.get("workers"),
                kv.get("metric"), kv.get("count"),
                us(kv.get("p50")), us(kv.get("p99")), us(kv.get("p99.9")), us(kv.get("p99.99")), us(kv.get("max")),
                kv.getOrDefault("producerPreemptions", "-")));
        }
        md.append("\n`call`: intended send time to the return of `write()`; `callService`: the call alone (not ")
            .append("corrected); `written`: intended time until `fstat` shows the bytes ")
            .append("(polled every 10 us: late by up to that much); ")
            .append("`durable`: a 1-in-100 sample sent with `submit()`, intended time until its future completes. ")
            .append("Producer preempted: how often the kernel took the producer thread's CPU during the measured ")
            .append("iterations; each costs up to a scheduler slice (milliseconds) of corrected latency. ")
            .append("Workers: default is one per CPU, so with one file a second worker only passes over the events ")
            .append("and the producer shares the CPUs with both; `1` is the engine tuned for one file. ")
            .append("Writer none: the same loop, schedule and `fstat` polling with no engine and no write, ")
            .append("so its `call` is what this machine and harness charge a message that costs nothing: no writer ")
            .append("can show a lower corrected figure here.\n\n");
    }

    private void handoff()
    {
        final List<Result> list = results.values().stream()
            .filter((r) -> r.benchmark.startsWith("RingHandoffBenchmark.")).collect(Collectors.toList());
        if (list.isEmpty())
        {
            return;
        }
        md.append("## Ring hand-off (write() to an open file, file layer swallowing the bytes)\n\n");
        md.append("| producers | wait strategy | workers | ns per write | M msg/s | B/op (gc) |\n");
        md.append("|---:|---|---:|---:|---:|---:|\n");
        for (final Result r : list)
        {
            final double ns = r.median();
            md.append(row(Integer.toString(r.threads), r.params.get("waitStrategy"), r.params.get("workers"), f(ns),
                f(r.threads * 1000.0 / ns), f(gcBytesPerOp(r))));
        }
        md.append('\n');
    }

    private void targets()
    {
        // Many files, end to end.
        double worstC = 0;
        int worstCn = 0;
        double worstBase = Double.MAX_VALUE;
        String worstBaseWhat = "";
        double worstTemp = Double.MAX_VALUE;
        int worstTempN = 0;
        double worstGoExisting = Double.MAX_VALUE;
        int worstGoExistingN = 0;
        for (final int n : concat(new int[]{2}, MANY, BATCHES))
        {
            final double existing = usPerFile("ManyFilesBenchmark.existing", n, "retries", "on");
            final double goHere = goReference(n);
            if (!Double.isNaN(goHere / existing) && goHere / existing < worstGoExisting)
            {
                worstGoExisting = goHere / existing;
                worstGoExistingN = n;
            }
            final double rw = usPerFile("ManyFilesBenchmark.endToEnd", n, "retries", "on");
            if (Double.isNaN(rw))
            {
                continue;
            }
            if (!Double.isNaN(c(n, 2)) && rw / c(n, 2) > worstC)
            {
                worstC = rw / c(n, 2);
                worstCn = n;
            }
            for (final String base : new String[]{"FilesWriteBaselineBenchmark", "CreateTempFileBaselineBenchmark"})
            {
                final double ratio = usPerFile(base + ".endToEnd", n) / rw;
                if (!Double.isNaN(ratio) && ratio < worstBase)
                {
                    worstBase = ratio;
                    worstBaseWhat = base.replace("BaselineBenchmark", "") + " at " + n;
                }
            }
            final double temp = usPerFile("CreateTempFileBaselineBenchmark.endToEnd", n) / rw;
            if (n >= 100 && !Double.isNaN(temp) && temp < worstTemp)
            {
                worstTemp = temp;
                worstTempN = n;
            }
        }
        final double at5000 = 193 / usPerFile("ManyFilesBenchmark.existing", 5000, "retries", "on");
        double worstBytes = 0;
        for (final int n : concat(MANY, BATCHES))
        {
            final double bytes = bytesPerFile("ManyFilesBenchmark.endToEnd", n, "retries", "on");
            if (!Double.isNaN(bytes))
            {
                worstBytes = Math.max(worstBytes, bytes);
            }
        }
        double worstRetry = 0;
        int worstRetryN = 0;
        for (final int n : MANY)
        {
            final double ratio = usPerFile("ManyFilesBenchmark.endToEnd", n, "retries", "on") /
                usPerFile("ManyFilesBenchmark.endToEnd", n, "retries", "off");
            if (!Double.isNaN(ratio) && ratio > worstRetry)
            {
                worstRetry = ratio;
                worstRetryN = n;
            }
        }
        final double floor = streamRate(find("FileChannelFloorBenchmark.oneProducer", "size", "64"));
        final double one = streamRate(find("StreamingBenchmark.oneProducer", "size", "64", "files", "1",
            "durability", "NONE", "workers", "0"));
        final double two = streamRate(find("StreamingBenchmark.twoProducers", "size", "64", "files", "1",
            "durability", "NONE", "workers", "0"));
        final double tuned = streamRate(find("StreamingBenchmark.singleProducer", "size", "64", "files", "1",
            "durability", "NONE", "workers", "1", "slotSize", "64"));
        final double best = Double.isNaN(tuned) ? one : Math.max(one, tuned);
        final double log4j = streamRate(find("Log4jAsyncBenchmark.oneProducer", "size", "64"));
        double fsync = Double.NaN;
        for (final Result r : results.values())
        {
            if (r.benchmark.startsWith("StreamingBenchmark.") && "64".equals(r.params.get("size")) &&
                "FSYNC".equals(r.params.get("durability")))
            {
                final double rate = streamRate(r);
                fsync = Double.isNaN(fsync) ? rate : Math.max(fsync, rate);
            }
        }
        double handoffBytes = 0;
        for (final Result r : results.values())
        {
            if (r.benchmark.startsWith("RingHandoffBenchmark."))
            {
                handoffBytes = Math.max(handoffBytes, gcBytesPerOp(r));
            }
        }
        final LatencyAtRate latencyAt1M = LatencyAtRate.of(latency, "1000000");
        final Result largeBatch = find("LargeBatchBenchmark.pair", "files", "100000", "small", "1000");
        final Result big = find("ManyFilesBenchmark.endToEnd", "files", "100000");
        final double bigRatio = largeBatch != null ? pairedRatio(largeBatch) : big == null ? Double.NaN :
            big.median() / 100_000 / usPerFile("ManyFilesBenchmark.endToEnd", 1000, "retries", "on");

        target("Many files end to end within 1.10x of C 2 threads", worstCn == 0 ?
            "no C limit beside an end-to-end figure in this run" : "worst " + r2(worstC) + "x at N=" + worstCn,
            worstCn != 0 && worstC <= 1.10);
        target("... faster than both plain-Java baselines at every N", "worst margin " + x(worstBase) + " (" +
            worstBaseWhat + ")", worstBase > 1);
        target("... at least 2x faster than createTempFile from 100 files", "worst " + x(worstTemp) + " at N=" +
            worstTempN, worstTemp >= 2);
        target("Go workload (existing) at least 3x faster than Go (here, else published) at every N",
            "worst " + x(worstGoExisting) + " at N=" + worstGoExistingN + cCeiling(worstGoExistingN),
            worstGoExisting >= 3);
        target("... at least 10x at 5000 files (Go: 193 us/file here)", x(at5000), at5000 >= 10);
        target("At most 128 B allocated per created file", f0(worstBytes) + " B (worst N, end to end)",
            worstBytes > 0 && worstBytes <= 128);
        target("0 B/op for writes to open files (ring hand-off, -prof gc)", f(handoffBytes) + " B/op (worst)",
            handoffBytes < 1);
        target("Streaming 64 B, 1 producer >= 0.8x FileChannel floor (judged on the better of default and tuned)",
            "default " + r2(one / floor) + "x (" + m(one) + " M msg/s), tuned " + r2(tuned / floor) + "x (" +
            m(tuned) + "), floor " + m(floor) + " M msg/s" + handRolledNote(), best / floor >= 0.8);
        target("... >= 25 M msg/s when the floor is fast", "default " + m(one) + ", tuned " + m(tuned) +
            " M msg/s (floor " + (floor > 25e6 ? "fast" : "slow") + ")", floor <= 25e6 || best >= 25e6);
        target("... >= 2x Log4j2 async", "default " + x(one / log4j) + ", tuned " + x(tuned / log4j),
            best / log4j >= 2);
        final double handRolledOne = handRolled("64", "MULTI");
        final double handRolledTwo = streamRate(find("DisruptorWriterTwoProducersBenchmark.twoProducers",
            "size", "64"));
        target("2 producers not slower than 1 (64 B, 1 file)", r2(two / one) + "x" +
            (Double.isNaN(handRolledTwo / handRolledOne) ? "" :
            "; the Disruptor alone (hand-rolled writer): " + r2(handRolledTwo / handRolledOne) + "x"),
            two >= one * 0.97);
        target("No event lost", losses.stream().anyMatch((l) -> l.startsWith("StreamingBenchmark")) ? "LOST" :
            "none lost by ringwriter" + (losses.isEmpty() ? "" : " (peers lost: see streaming)"),
            losses.stream().noneMatch((l) -> l.startsWith("StreamingBenchmark")));
        target("write() at 1 M msg/s: p99 <= 1 us (corrected; " + latencyAt1M.context("p99") + ")",
            latencyAt1M.measured("p99"), latencyAt1M.best("p99") <= 1_000);
        target("write() at 1 M msg/s: p99.99 <= 50 us (corrected; " + latencyAt1M.context("p99.99") + ")",
            latencyAt1M.measured("p99.99"), latencyAt1M.best("p99.99") <= 50_000);
        target("FSYNC 64 B >= 2 M msg/s durable", m(fsync) + " M msg/s (best of files x producers)", fsync >= 2e6);
        double pairedWorst = Double.NaN;
        double controlWorst = Double.NaN;
        for (final Result r : results.values())
        {
            if (r.benchmark.equals("RetryOverheadBenchmark.pair"))
            {
                final double ratio = pairedRatio(r);
                if ("default".equals(r.params.get("offPolicy")))
                {
                    controlWorst = Double.isNaN(controlWorst) ? ratio : Math.max(controlWorst, ratio);
                }
                else
                {
                    pairedWorst = Double.isNaN(pairedWorst) ? ratio : Math.max(pairedWorst, ratio);
                }
            }
        }
        target("Retries on within 3% of off (paired in one trial, geometric mean of pairs)",
            Double.isNaN(pairedWorst) ? "not run" : "worst " + r3(pairedWorst) + "x" +
            (Double.isNaN(controlWorst) ? "" : " (A/A control " + r3(controlWorst) + "x)") +
            (worstRetryN == 0 ? "" : "; separate trials: worst " + r2(worstRetry) + "x at N=" + worstRetryN),
            !Double.isNaN(pairedWorst) && pairedWorst <= 1.03);
        target("100,000 files: per file <= 1.15x that at 1000", Double.isNaN(bigRatio) ? "not run" :
            r2(bigRatio) + "x" + (largeBatch != null ? " (paired in one trial, geometric mean of pairs)" :
            " (separate trials)"), bigRatio <= 1.15);

        md.append("## Targets (issue 4)\n\n| target | this run | met |\n|---|---|---|\n");
        for (final String[] t : targets)
        {
            md.append(row(t));
        }
        md.append('\n');
    }

    private void target(final String what, final String measured, final boolean met)
    {
        targets.add(new String[]{what, measured, met ? "yes" : "**no**"});
    }

    private void failures() throws IOException
    {
        final Path failures = runDir.resolve("failures.txt");
        if (Files.exists(failures))
        {
            md.append("## Benchmarks that failed in this run\n\n```\n")
                .append(Files.readString(failures, StandardCharsets.UTF_8).trim()).append("\n```\n\n");
        }
    }

    /**
     * The run directory may hold {@code analysis.md}: what the profiles of this run showed, written by whoever ran
     * bench/profile.sh; it is included as it is.
     */
    private void analysis() throws IOException
    {
        final Path analysis = runDir.resolve("analysis.md");
        if (Files.exists(analysis))
        {
            md.append("## Where the time goes (async-profiler, bench/profile.sh)\n\n")
                .append(Files.readString(analysis, StandardCharsets.UTF_8).trim()).append("\n\n");
        }
    }

    private void notes()
    {
        md.append("## How these were measured\n\n");
        md.append("- Many files: one engine per trial (threads started once), `maxOpenFiles = workers`, so opening a ")
            .append("file closes the worker's previous one: every operation pays N opens, N writes and N closes in ")
            .append("steady state. Every operation writes into a fresh directory; nothing is deleted during the run. ")
            .append("Every file's size is checked after every operation (untimed).\n");
        md.append("- B/file is what the writer allocated (its own threads plus the caller inside the timed call, from ")
            .append("HotSpot's per-thread counters); JMH's gc.alloc.rate.norm also counts the benchmark's untimed ")
            .append("per-operation setup (paths, checks) and is in the JSON.\n");
        md.append("- The C limit is `shared/limits/fsbench.c create` (and `stream`), run by `bench/run.sh` beside the ")
            .append("JMH run.\n");
        md.append("- Raw data: `").append(runDir).append("` (JMH JSON, fsbench.txt, latency-*.txt, losses.log); ")
            .append("regenerate this file with `java -cp bench/target/benchmarks.jar ")
            .append("io.ringwriter.bench.report.ResultsReport ").append(runDir)
            .append(" bench/RESULTS.md bench/results-us-per-file.png`.\n");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Helpers
    // ---------------------------------------------------------------------------------------------------------------

    static double median(final List<Double> values)
    {
        final List<Double> sorted = values.stream().filter((v) -> !Double.isNaN(v)).sorted()
            .collect(Collectors.toList());
        if (sorted.isEmpty())
        {
            return Double.NaN;
        }
        final int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static int[] concat(final int[]... arrays)
    {
        return Arrays.stream(arrays).flatMapToInt(Arrays::stream).toArray();
    }

    private static Map<Integer, Double> mapOf(final Number... kv)
    {
        final Map<Integer, Double> map = new TreeMap<>();
        for (int i = 0; i < kv.length; i += 2)
        {
            map.put(kv[i].intValue(), kv[i + 1].doubleValue());
        }
        return Collections.unmodifiableMap(map);
    }

    private static String row(final String... cells)
    {
        return "| " + String.join(" | ", cells) + " |\n";
    }

    private static String f(final double v)
    {
        if (Double.isNaN(v) || Double.isInfinite(v))
        {
            return "-";
        }
        return String.format(Locale.ROOT, v >= 100 ? "%,.0f" : v >= 10 ? "%.1f" : "%.2f", v);
    }

    private static String f0(final double v)
    {
        return Double.isNaN(v) || Double.isInfinite(v) ? "-" : String.format(Locale.ROOT, "%,.0f", v);
    }

    private static String r3(final double v)
    {
        return Double.isNaN(v) ? "-" : String.format(java.util.Locale.ROOT, "%.3f", v);
    }

    private static String r2(final double v)
    {
        return Double.isNaN(v) || Double.isInfinite(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String x(final double v)
    {
        return Double.isNaN(v) || Double.isInfinite(v) ? "-" : String.format(Locale.ROOT, "%.2fx", v);
    }

    private static String m(final double v)
    {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v / 1e6);
    }

    private static String us(final String ns)
    {
        if (ns == null)
        {
            return "-";
        }
        final double v = Double.parseDouble(ns) / 1000.0;
        return String.format(Locale.ROOT, v >= 100 ? "%,.0f" : v >= 10 ? "%.1f" : "%.2f", v);
    }

    /**
     * The latency lines at one offered rate with {@code Durability.NONE}: ringwriter's corrected {@code call} rows
     * (each engine configuration run), the call alone, and the pacing loop alone.
     */
    static final class LatencyAtRate
    {
        private final List<Map<String, String>> calls = new ArrayList<>();
        private final List<Map<String, String>> services = new ArrayList<>();
        private Map<String, String> pacing;

        static LatencyAtRate of(final List<String[]> lines, final String rate)
        {
            final LatencyAtRate at = new LatencyAtRate();
            for (final String[] tokens : lines)
            {
                final Map<String, String> kv = fields(tokens);
                if (!rate.equals(kv.get("rate")) || !"NONE".equals(kv.get("durability")))
                {
                    continue;
                }
                if ("none".equals(kv.get("writer")))
                {
                    if ("call".equals(kv.get("metric")))
                    {
                        at.pacing = kv;
                    }
                }
                else if ("call".equals(kv.get("metric")))
                {
                    at.calls.add(kv);
                }
                else if ("callService".equals(kv.get("metric")))
                {
                    at.services.add(kv);
                }
            }
            return at;
        }

        /**
         * @param tokens of a {@code RINGWRITER-BENCH-LATENCY} line, {@code key=value} each.
         * @return the keys and values in line order.
         */
        static Map<String, String> fields(final String[] tokens)
        {
            final Map<String, String> kv = new LinkedHashMap<>();
            for (final String t : tokens)
            {
                final int eq = t.indexOf('=');
                if (eq > 0)
                {
                    kv.put(t.substring(0, eq), t.substring(eq + 1));
                }
            }
            return kv;
        }

        /**
         * @param percentile the line's key for it: {@code p99}, {@code p99.99}.
         * @return the engine configuration with the lowest corrected figure there, or null when none ran.
         */
        private Map<String, String> bestCall(final String percentile)
        {
            Map<String, String> best = null;
            for (final Map<String, String> kv : calls)
            {
                if (best == null || Double.parseDouble(kv.get(percentile)) < Double.parseDouble(best.get(percentile)))
                {
                    best = kv;
                }
            }
            return best;
        }

        /**
         * @return the lowest corrected figure at the percentile over the engine configurations run, ns; +inf if none.
         */
        double best(final String percentile)
        {
            final Map<String, String> best = bestCall(percentile);
            return best == null ? Double.POSITIVE_INFINITY : Double.parseDouble(best.get(percentile));
        }

        private static String workers(final Map<String, String> kv)
        {
            return "0".equals(kv.get("workers")) ? "default workers" : "workers=" + kv.get("workers");
        }

        String measured(final String percentile)
        {
            final Map<String, String> best = bestCall(percentile);
            if (best == null)
            {
                return "not run";
            }
            final StringBuilder text = new StringBuilder(us(best.get(percentile))).append(" us (")
                .append(workers(best));
            for (final Map<String, String> kv : calls)
            {
                if (kv != best)
                {
                    text.append("; ").append(workers(kv)).append(": ").append(us(kv.get(percentile)))
                        .append(" us");
                }
            }
            return text.append(')').toString();
        }

        String context(final String percentile)
        {
            // The call alone of the configuration whose corrected figure is quoted.
            final Map<String, String> best = bestCall(percentile);
            Map<String, String> service = null;
            for (final Map<String, String> kv : services)
            {
                if (best != null && Objects.equals(kv.get("workers"), best.get("workers")) &&
                    Objects.equals(kv.get("waitStrategy"), best.get("waitStrategy")))
                {
                    service = kv;
                }
            }
            final String alone = "the call alone: " + (service == null ? "not run" :
                us(service.get(percentile)) + " us");
            return pacing == null ? alone : alone + "; the pacing loop with no write: " +
                us(pacing.get(percentile)) + " us";
        }
    }
}
