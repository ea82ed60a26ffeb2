package io.ringwriter.bench;

import io.ringwriter.BatchResult;
import io.ringwriter.EngineStats;
import io.ringwriter.RetryPolicy;
import io.ringwriter.WriteEngine;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The seed's table, case for case: one 64-byte message to each of N files with {@link WriteEngine#writeAll}, one
 * engine for the whole trial (its threads start once, as in an application).
 * <ul>
 * <li>{@code existing}: the Go package's workload. The files exist (created empty before the timed part); the
 * engine opens each (append), writes the message and closes it.</li>
 * <li>{@code endToEnd}: each file is created, written and closed, in a fresh directory per operation.</li>
 * </ul>
 * How the files get closed: the engine closes a handle when its per-worker pool is full and another file is
 * opened, or at {@code close()}. Starting an engine per operation would close everything but would also time the
 * start of its threads and ring (far more than the files). So the engine runs with {@code maxOpenFiles = workers}:
 * each worker keeps one handle, and opening the next file closes the previous one. An operation therefore pays N
 * opens, N writes and N closes in steady state: the last file of each worker is closed at the start of the next
 * operation, which in turn leaves its own last file for the one after. Every file's size is checked after every
 * operation (untimed).
 * <p>
 * {@code retries}: {@code on} is {@link RetryPolicy#defaultPolicy()}, {@code off} is {@link RetryPolicy#none()}; the
 * seed measured 100 to 1000 files both ways.
 * <p>
 * Score: microseconds per operation (N files); the report divides by N. {@code allocBytes / filesWritten} (aux
 * counters) is what the engine allocated per file, without the benchmark's own setup.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 400, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 400, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsPrepend = {"--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.fs=ALL-UNNAMED", "-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class ManyFilesBenchmark extends AbstractManyFiles
{
    /**
     * Retry policy: {@code on} (default policy) or {@code off} (none).
     */
    @Param({"on", "off"})
    public String retries;

    /**
     * Worker threads; 0 means the engine's default (one per CPU).
     */
    @Param({"0"})
    public int workers;

    private WriteEngine engine;

    void start()
    {
        final int threads = workers > 0 ? workers : Runtime.getRuntime().availableProcessors();
        engine = WriteEngine.builder()
            .workers(threads)
            .maxOpenFiles(threads)
            .retryPolicy("off".equals(retries) ? RetryPolicy.none() : RetryPolicy.defaultPolicy())
            .threadFactory(meter.threadFactory("ringwriter"))
            .build();
    }

    int writeAll(final List<Path> paths)
    {
        final BatchResult result = engine.writeAll(paths, MESSAGE).join();
        return result.succeeded();
    }

    void stop()
    {
        engine.close();
        final EngineStats stats = engine.stats();
        if (stats.failed() != 0 || stats.retried() != 0 || stats.written() != stats.published())
        {
            throw new IllegalStateException("engine totals are wrong after " + ops() + " operations: " + stats);
        }
    }

    /**
     * The Go package's workload: open existing files, write, close.
     *
     * @param counters of the iteration.
     * @return files written.
     * @throws Exception when a write fails.
     */
    @Benchmark
    public int existing(final ManyFilesCounters counters) throws Exception
    {
        return timed(counters);
    }

    /**
     * Create, write and close new files in a fresh directory.
     *
     * @param counters of the iteration.
     * @return files written.
     * @throws Exception when a write fails.
     */
    @Benchmark
    public int endToEnd(final ManyFilesCounters counters) throws Exception
    {
        return timed(counters);
    }
}
