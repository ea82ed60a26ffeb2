package io.ringwriter.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Baseline: what a Java user writes without a library. A fixed pool of one thread per CPU; one task per file calling
 * {@link Files#write(Path, byte[], java.nio.file.OpenOption...)} (create or truncate, write, close); the caller
 * waits for every future. Same files, message and checks as {@link ManyFilesBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 400, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 400, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsPrepend = {"--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class FilesWriteBaselineBenchmark extends AbstractManyFiles
{
    private ExecutorService pool;

    void start()
    {
        pool = Executors.newFixedThreadPool(
            Runtime.getRuntime().availableProcessors(), meter.threadFactory("files-write"));
    }

    int writeAll(final List<Path> paths) throws Exception
    {
        final List<Future<Path>> futures = new ArrayList<>(paths.size());
        for (final Path path : paths)
        {
            futures.add(pool.submit(() -> Files.write(path, MESSAGE)));
        }
        int written = 0;
        for (final Future<Path> future : futures)
        {
            future.get();
            written++;
        }
        return written;
    }

    void stop() throws InterruptedException
    {
        pool.shutdown();
        if (!pool.awaitTermination(30, TimeUnit.SECONDS))
        {
            throw new IllegalStateException("pool did not stop");
        }
    }

    /**
     * Files exist: open (truncate), write, close.
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
     * Create, write, close.
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
