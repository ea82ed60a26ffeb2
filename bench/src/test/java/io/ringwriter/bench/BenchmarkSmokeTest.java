package io.ringwriter.bench;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.nio.file.Path;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Proves that every benchmark runs (one fork, no warmup, one short iteration, smallest parameters), including its
 * own byte-count checks, which fail the run on a lost or duplicated byte. Asserts no timing. Tagged
 * {@code bench-smoke}: {@code mvn -B verify -pl bench -Pbench-smoke}.
 */
@Tag("bench-smoke")
class BenchmarkSmokeTest
{
    @TempDir
    Path dir;

    @Test
    void shouldRunEveryBenchmarkOnceWithOneShortIteration() throws Exception
    {
        final Options options = new OptionsBuilder()
            .include("io\\.ringwriter\\.bench\\.[A-Za-z0-9]+Benchmark\\.")
            .param("files", "16")
            .param("retries", "on")
            .param("size", "64")
            .param("durability", "NONE")
            .param("rate", "100000")
            .param("waitStrategy", "SLEEPING")
            .param("variant", "existing")
            .param("offPolicy", "none")
            .param("small", "4")
            .warmupIterations(0)
            .measurementIterations(1)
            .measurementTime(TimeValue.milliseconds(100))
            .forks(1)
            .jvmArgsAppend("--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
                "-D" + BenchDirs.DIR_PROP_NAME + "=" + dir, "-Xmx1g")
            .shouldFailOnError(true)
            .build();

        final Collection<RunResult> results = new Runner(options).run();

        final Set<String> ran = results.stream()
            .map((r) -> r.getParams().getBenchmark().replace("io.ringwriter.bench.", ""))
            .collect(Collectors.toCollection(TreeSet::new));
        final Set<String> expected = new TreeSet<>(Set.of(
            "ManyFilesBenchmark.existing", "ManyFilesBenchmark.endToEnd",
            "FilesWriteBaselineBenchmark.existing", "FilesWriteBaselineBenchmark.endToEnd",
            "CreateTempFileBaselineBenchmark.endToEnd",
            "FileChannelLoopBenchmark.existing", "FileChannelLoopBenchmark.endToEnd",
            "StreamingBenchmark.oneProducer", "StreamingBenchmark.singleProducer", "StreamingBenchmark.twoProducers",
            "FileChannelFloorBenchmark.oneProducer",
            "Log4jAsyncBenchmark.oneProducer", "Log4jAsyncBenchmark.twoProducers",
            "ChronicleQueueBenchmark.oneProducer", "ChronicleQueueBenchmark.twoProducers",
            "LatencyBenchmark.offeredLoad", "LatencyBenchmark.pacingOnly",
            "RingHandoffBenchmark.oneProducer", "RingHandoffBenchmark.twoProducers",
            "RetryOverheadBenchmark.pair", "LargeBatchBenchmark.pair", "DisruptorWriterBenchmark.oneProducer",
            "DisruptorWriterTwoProducersBenchmark.twoProducers"));
        assertEquals(expected, ran);
        for (final RunResult result : results)
        {
            assertTrue(result.getPrimaryResult().getSampleCount() >= 1, result.getParams().getBenchmark());
        }
    }
}
