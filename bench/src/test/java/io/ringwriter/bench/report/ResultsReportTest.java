package io.ringwriter.bench.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResultsReportTest
{
    @TempDir
    Path dir;

    private static String result(final String benchmark, final String params, final int threads, final String unit,
        final String raw, final String secondary)
    {
        return "{\"benchmark\":\"io.ringwriter.bench." + benchmark + "\",\"mode\":\"avgt\",\"threads\":" + threads +
            ",\"params\":{" + params + "},\"primaryMetric\":{\"score\":1.0,\"scoreError\":\"NaN\",\"scoreUnit\":\"" +
            unit + "\",\"rawData\":[" + raw + "]},\"secondaryMetrics\":{" + secondary + "}}";
    }

    @Test
    void shouldPoolRoundsAndComputePerFileFiguresAndRatios() throws Exception
    {
        final String aux = "\"allocBytes\":{\"score\":1,\"scoreUnit\":\"#\",\"rawData\":[[4000.0,6000.0]]}," +
            "\"filesWritten\":{\"score\":1,\"scoreUnit\":\"#\",\"rawData\":[[100.0,100.0]]}";
        Files.writeString(dir.resolve("jmh-001-a.json"), "[" +
            result("ManyFilesBenchmark.endToEnd", "\"files\":\"100\",\"retries\":\"on\"", 1, "us/op",
                "[1000.0,3000.0]", aux) + "," +
            result("FilesWriteBaselineBenchmark.endToEnd", "\"files\":\"100\"", 1, "us/op", "[8000.0]", "") + "]",
            StandardCharsets.UTF_8);
        // A second round of the same case: pooled with the first, median of 1000, 3000, 2000 = 2000 us per op.
        Files.writeString(dir.resolve("jmh-002-b.json"), "[" +
            result("ManyFilesBenchmark.endToEnd", "\"files\":\"100\",\"retries\":\"on\"", 1, "us/op", "[2000.0]",
                aux) + "]", StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("fsbench.txt"),
            "SUMMARY create N=100 T=2 msg=64 median=16000.0 min=1.0 max=2.0 ns/file (reps=3)\n" +
            "SUMMARY create N=100 T=1 msg=64 median=25000.0 min=1.0 max=2.0 ns/file (reps=3)\n",
            StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("x.log"),
            "RINGWRITER-BENCH-LOSS io.ringwriter.bench.Log4jAsyncBenchmark.twoProducers size=64 missingBytes=640\n",
            StandardCharsets.UTF_8);

        final Path out = dir.resolve("RESULTS.md");
        ResultsReport.main(new String[]{dir.toString(), out.toString(), dir.resolve("chart.png").toString()});

        final String md = Files.readString(out, StandardCharsets.UTF_8);
        // 2000 us / 100 files = 20 us per file; C 2 threads 16 us; 20 / 16 = 1.25; Files.write 80 us: 4x;
        // allocation (4000 + 6000 + 4000 + 6000) / 400 files = 50 B per file.
        assertTrue(md.contains("| 100 | 25.0 | 16.0 | 20.0 | 1.25 | 80.0 | - | - | 4.00x | - | - | 50 |"), md);
        assertTrue(md.contains("Log4jAsyncBenchmark.twoProducers size=64 missingBytes=640"), md);
        assertTrue(md.contains("| Many files end to end within 1.10x of C 2 threads | worst 1.25x at N=100 | **no** |"),
            md);
        assertTrue(Files.size(dir.resolve("chart.png")) > 0);
    }

    @Test
    void shouldSetTheGoWorkloadBesideTheCLimitOnExistingFiles() throws Exception
    {
        // Go measured here: 20 us per file at 100 files. ringwriter 1000 us per op = 10 us per file (2.00x Go);
        // C's two threads 5 us per file (median of 5000, 6000, 4000 ns): ringwriter / C = 2.00, Go / C = 4.00x.
        Files.writeString(dir.resolve("jmh-001-e.json"), "[" +
            result("ManyFilesBenchmark.existing", "\"files\":\"100\",\"retries\":\"on\"", 1, "us/op",
                "[1000.0]", "") + "]", StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("fsbench.txt"),
            "SUMMARY existing N=100 T=2 msg=64 median=5000.0 min=1.0 max=2.0 ns/file (reps=3)\n" +
            "SUMMARY existing N=100 T=2 msg=64 median=6000.0 min=1.0 max=2.0 ns/file (reps=3)\n" +
            "SUMMARY existing N=100 T=2 msg=64 median=4000.0 min=1.0 max=2.0 ns/file (reps=3)\n" +
            "SUMMARY create N=100 T=2 msg=64 median=99000.0 min=1.0 max=2.0 ns/file (reps=3)\n",
            StandardCharsets.UTF_8);

        final Path out = dir.resolve("RESULTS.md");
        ResultsReport.main(new String[]{dir.toString(), out.toString(), dir.resolve("chart.png").toString()});

        final String md = Files.readString(out, StandardCharsets.UTF_8);
        assertTrue(md.contains("| 100 | 12.0 | 20.0 | 5.00 | 10.0 | 1.20x | 2.00x | 2.00 | - | - | - | 4,594 |"), md);
        assertTrue(md.contains("| Go workload (existing) at least 3x faster than Go (here, else published) at every " +
            "N | worst 2.00x at N=100 (C with 2 threads there: 5.00 us/file, 4.00x Go) | **no** |"), md);
        // No end-to-end figure beside the C limit: the target is not met for want of data, never met by default.
        assertTrue(md.contains("| Many files end to end within 1.10x of C 2 threads | no C limit beside an " +
            "end-to-end figure in this run | **no** |"), md);
    }

    @Test
    void shouldSetRingwriterBesideTheHandRolledDisruptorWriter() throws Exception
    {
        // 64 B: 1 Mi messages per op. 40 ms = 26.2 M msg/s; 20 ms = 52.4; 80 ms = 13.1; 50 ms = 21.0; 25 ms = 41.9.
        Files.writeString(dir.resolve("jmh-001-s.json"), "[" +
            result("FileChannelFloorBenchmark.oneProducer", "\"size\":\"64\"", 1, "ms/op", "[20.0]", "") + "," +
            result("DisruptorWriterBenchmark.oneProducer",
                "\"size\":\"64\",\"producerType\":\"MULTI\",\"waitStrategy\":\"SLEEPING\"", 1, "ms/op",
                "[40.0]", "") + "," +
            result("DisruptorWriterBenchmark.oneProducer",
                "\"size\":\"64\",\"producerType\":\"SINGLE\",\"waitStrategy\":\"SLEEPING\"", 1, "ms/op",
                "[25.0]", "") + "," +
            result("DisruptorWriterTwoProducersBenchmark.twoProducers",
                "\"size\":\"64\",\"waitStrategy\":\"SLEEPING\"", 2, "ms/op", "[80.0]", "") + "," +
            result("StreamingBenchmark.twoProducers", "\"size\":\"64\",\"files\":\"1\",\"durability\":\"NONE\"," +
                "\"workers\":\"0\",\"slotSize\":\"0\"", 2, "ms/op", "[160.0]", "") + "," +
            result("StreamingBenchmark.oneProducer", "\"size\":\"64\",\"files\":\"1\",\"durability\":\"NONE\"," +
                "\"workers\":\"0\",\"slotSize\":\"0\"", 1, "ms/op", "[80.0]", "") + "," +
            result("StreamingBenchmark.singleProducer", "\"size\":\"64\",\"files\":\"1\",\"durability\":\"NONE\"," +
                "\"workers\":\"1\",\"slotSize\":\"64\"", 1, "ms/op", "[50.0]", "") + "]",
            StandardCharsets.UTF_8);

        final Path out = dir.resolve("RESULTS.md");
        ResultsReport.main(new String[]{dir.toString(), out.toString(), dir.resolve("chart.png").toString()});

        final String md = Files.readString(out, StandardCharsets.UTF_8);
        assertTrue(md.contains("### The Disruptor alone: a hand-rolled writer, one file"), md);
        // floor 52.43, hand-rolled multi 26.21 (0.50 of the floor), ringwriter 13.11 (0.50 of it),
        // hand-rolled single 41.94, tuned 20.97 (0.50 of it).
        assertTrue(md.contains("| 64 | 1 | 52.43 | 26.21 | 0.50 | 0.50 | 41.94 | 0.50 |"), md);
        // Two producers, each 1 Mi messages: 80 ms = 26.21 M msg/s together; ringwriter 160 ms = 13.11 (0.50 of it).
        assertTrue(md.contains("| 64 | 2 | 52.43 | 26.21 | 0.50 | 0.50 | - | - |"), md);
        // ringwriter 2 producers / 1 producer: 13.11 / 13.11; hand-rolled 26.21 / 26.21.
        assertTrue(md.contains("| 2 producers not slower than 1 (64 B, 1 file) | 1.00x; the Disruptor alone " +
            "(hand-rolled writer): 1.00x |"), md);
        assertTrue(md.contains(
            "the Disruptor alone (hand-rolled writer): multi-producer 26.21, single-producer 41.94"), md);
    }

    @Test
    void shouldJudgeTheLargeBatchByItsPairsNotBySeparateTrials() throws Exception
    {
        // Two iterations, three pairs in all. Per-pair ratios 1.2, 1.0, 1.1: ln sum 0.1823 + 0 + 0.0953 = 0.2776,
        // geometric mean exp(0.2776 / 3) = 1.10 (met). Sums: 3.3 s and 3.0 s for 300,000 files each: 11.0 and
        // 10.0 us per file. The separate trials (100,000 at 30 us, 1,000 at 15 us: 2.00x) would miss the target.
        final String aux = "\"largeNanos\":{\"score\":1,\"scoreUnit\":\"#\",\"rawData\":[[2.3E9,1.0E9]]}," +
            "\"smallNanos\":{\"score\":1,\"scoreUnit\":\"#\",\"rawData\":[[2.0E9,1.0E9]]}," +
            "\"filesEach\":{\"score\":1,\"scoreUnit\":\"#\",\"rawData\":[[200000.0,100000.0]]}," +
            "\"pairs\":{\"score\":1,\"scoreUnit\":\"#\",\"rawData\":[[2.0,1.0]]}," +
            "\"logRatioE6\":{\"score\":1,\"scoreUnit\":\"#\",\"rawData\":[[182322.0,95310.0]]}," +
            "\"largeFaster\":{\"score\":1,\"scoreUnit\":\"#\",\"rawData\":[[0.0,0.0]]}";
        Files.writeString(dir.resolve("jmh-001-l.json"), "[" +
            result("LargeBatchBenchmark.pair", "\"files\":\"100000\",\"small\":\"1000\"", 1, "us/op",
                "[3300000.0,2000000.0]", aux) + "," +
            result("ManyFilesBenchmark.endToEnd", "\"files\":\"100000\",\"retries\":\"on\"", 1, "us/op",
                "[3000000.0]", "") + "," +
            result("ManyFilesBenchmark.endToEnd", "\"files\":\"1000\",\"retries\":\"on\"", 1, "us/op",
                "[15000.0]", "") + "]", StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("fsbench.txt"),
            "SUMMARY create N=100000 T=2 msg=64 median=13000.0 min=1.0 max=2.0 ns/file (reps=1)\n" +
            "SUMMARY create N=1000 T=2 msg=64 median=12500.0 min=1.0 max=2.0 ns/file (reps=3)\n",
            StandardCharsets.UTF_8);

        final Path out = dir.resolve("RESULTS.md");
        ResultsReport.main(new String[]{dir.toString(), out.toString(), dir.resolve("chart.png").toString()});

        final String md = Files.readString(out, StandardCharsets.UTF_8);
        assertTrue(md.contains("| 100,000 files in one batch | 11.0 |"), md);
        assertTrue(md.contains("| 100 batches of 1,000 (same pairs) | 10.0 |"), md);
        assertTrue(md.contains("| ratio, geometric mean of 3 pairs (target <= 1.15) | 1.10 |"), md);
        assertTrue(md.contains("| pairs in which the one batch was faster | 0 of 3 |"), md);
        assertTrue(md.contains("| ratio of the separate trials | 2.00 |"), md);
        assertTrue(md.contains("| C ratio (the kernel's own cost of a large directory) | 1.04 |"), md);
        assertTrue(md.contains("| 100,000 files: per file <= 1.15x that at 1000 | 1.10x (paired in one trial, " +
            "geometric mean of pairs) | yes |"), md);
    }

    @Test
    void shouldJudgeLatencyOnTheBestEngineAndShowThePacingLoopAlone() throws Exception
    {
        final String head = "RINGWRITER-BENCH-LATENCY rate=1000000 durability=NONE size=64 waitStrategy=SLEEPING ";
        Files.writeString(dir.resolve("latency-1000000-NONE-SLEEPING-w0.txt"),
            head + "workers=0 metric=call count=3 p50=400 p99=3987000 p99.9=9937000 p99.99=11346000 max=1 unit=ns " +
            "producerPreemptions=788\n" +
            head + "workers=0 metric=callService count=3 p50=180 p99=200 p99.9=600 p99.99=48400 max=1 unit=ns " +
            "producerPreemptions=788\n", StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve("latency-1000000-NONE-SLEEPING-w1.txt"),
            head + "workers=1 writer=ringwriter metric=call count=3 p50=330 p99=800 p99.9=700000 p99.99=1546000 " +
            "max=1 unit=ns producerPreemptions=40\n" +
            head + "workers=1 writer=ringwriter metric=callService count=3 p50=60 p99=300 p99.9=400 p99.99=30000 " +
            "max=1 unit=ns producerPreemptions=40\n", StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve("latency-pacing-1000000.txt"),
            head + "workers=0 writer=none metric=call count=3 p50=50 p99=33400 p99.9=52400 p99.99=76200 max=1 " +
            "unit=ns producerPreemptions=2\n", StandardCharsets.US_ASCII);

        final Path out = dir.resolve("RESULTS.md");
        ResultsReport.main(new String[]{dir.toString(), out.toString(), dir.resolve("chart.png").toString()});

        final String md = Files.readString(out, StandardCharsets.UTF_8);
        // The better engine per percentile, the other beside it; as context the call alone of that same engine (not
        // the defaults' lower 0.20 us) and the pacing loop.
        assertTrue(md.contains("| write() at 1 M msg/s: p99 <= 1 us (corrected; the call alone: 0.30 us; the " +
            "pacing loop with no write: 33.4 us) | 0.80 us (workers=1; default workers: 3,987 us) | yes |"), md);
        assertTrue(md.contains("| write() at 1 M msg/s: p99.99 <= 50 us (corrected; the call alone: 30.0 us; the " +
            "pacing loop with no write: 76.2 us) | 1,546 us (workers=1; default workers: 11,346 us) | **no** |"), md);
        assertTrue(md.contains("| 1000000 | none (pacing loop alone) | - | - | - | call | 3 | 0.05 | 33.4 | 52.4 | " +
            "76.2 | 0.00 | 2 |"), md);
        assertTrue(md.contains("| 1000000 | ringwriter | NONE | SLEEPING | default | call | 3 | 0.40 | 3,987 |"), md);
        assertTrue(md.contains("| 1000000 | ringwriter | NONE | SLEEPING | 1 | call | 3 | 0.33 | 0.80 |"), md);
    }

    @Test
    void shouldParseJmhStyleJson()
    {
        final Object parsed = Json.parse("[{\"a\":\"NaN\",\"b\":[[1.5e3,-2]],\"c\":true,\"d\":null,\"e\":\"x\\\"y\"}]");
        final Map<?, ?> first = (Map<?, ?>)((List<?>)parsed).get(0);
        assertTrue(Double.isNaN(Json.number(first.get("a"))));
        assertEquals(List.of(List.of(1500.0, -2.0)), first.get("b"));
        assertEquals(Boolean.TRUE, first.get("c"));
        assertEquals("x\"y", first.get("e"));
    }

    @Test
    void shouldTakeTheMedianOfOddAndEvenCounts()
    {
        assertEquals(2.0, ResultsReport.median(List.of(3.0, 1.0, 2.0)));
        assertEquals(2.5, ResultsReport.median(List.of(4.0, 1.0, 2.0, 3.0)));
        assertTrue(Double.isNaN(ResultsReport.median(List.of())));
    }
}
