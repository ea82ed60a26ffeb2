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
 * Baseline: the plain-Java version of what the Go package's tests do ({@code os.CreateTemp} then write). A fixed
 * pool of one thread per CPU; one task per file calling {@link Files#createTempFile} in the operation's fresh
 * directory, then {@link Files#write(Path, byte[], java.nio.file.OpenOption...)}. It always creates, so it has only
 * the end-to-end variant. The directory is checked afterwards: exactly N files of 64 bytes.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 400, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 400, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsPrepend = {"--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class CreateTempFileBaselineBenchmark extends AbstractManyFiles
{
    private ExecutorService pool;

    void start()
    {
        pool = Executors.newFixedThreadPool(
            Runtime.getRuntime().availableProcessors(), meter.threadFactory("create-temp"));
    }

    int writeAll(final List<Path> paths) throws Exception
    {
        final Path dir = set.dir();
        final List<Future<Path>> futures = new ArrayList<>(paths.size());
        for (int i = 0; i < paths.size(); i++)
        {
            futures.add(pool.submit(() -> Files.write(Files.createTempFile(dir, "writer-", ".txt"), MESSAGE)));
        }
        int written = 0;
        for (final Future<Path> future : futures)
        {
            future.get();
            written++;
        }
        return written;
    }

    void verify(final FileSet done)
    {
        done.verifyDirectory(files, MESSAGE.length);
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
     * Create a temporary file, write, close.
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
