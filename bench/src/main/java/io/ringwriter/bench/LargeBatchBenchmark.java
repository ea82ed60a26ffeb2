package io.ringwriter.bench;

import io.ringwriter.EngineStats;
import io.ringwriter.RetryPolicy;
import io.ringwriter.WriteEngine;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Does one large batch cost more per file than small ones? Each operation is a pair, on one engine (set up as
 * {@link ManyFilesBenchmark}'s: a handle per worker, default retries): one {@code writeAll} of {@link #files} new
 * files into one fresh directory, and the same number of files as {@code writeAll} calls of {@link #small} files
 * each, every call into its own fresh directory (which is what ManyFilesBenchmark times at that count). The order
 * alternates from pair to pair. The file system here drifts by tens of percent within minutes and a 100,000-file
 * batch takes seconds, so the two halves of a pair share the drift where two separate runs minutes apart would not;
 * the report judges the target (per file at most 1.15x that at 1000) by the geometric mean of the per-pair ratios.
 * <p>
 * Score: microseconds per operation (both halves); read the aux counters.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 4)
@Fork(value = 1, jvmArgsPrepend = {"--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.fs=ALL-UNNAMED", "-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class LargeBatchBenchmark
{
    /**
     * Files in the large batch.
     */
    @Param({"100000"})
    public int files;

    /**
     * Files per small batch; {@link #files} must be a multiple of it.
     */
    @Param({"1000"})
    public int small;

    private WriteEngine engine;
    private BenchDirs dirs;
    private FileSet large;
    private FileSet[] smalls;
    private long invocations;

    /**
     * Start the engine.
     */
    @Setup(Level.Trial)
    public void start()
    {
        if (small <= 0 || files % small != 0)
        {
            throw new IllegalArgumentException("files (" + files + ") must be a multiple of small (" + small + ")");
        }
        dirs = BenchDirs.forTrial("LargeBatch-" + files + "-" + small);
        final int threads = Runtime.getRuntime().availableProcessors();
        engine = WriteEngine.builder().workers(threads).maxOpenFiles(threads)
            .retryPolicy(RetryPolicy.defaultPolicy()).build();
    }

    /**
     * Fresh directories and paths for both halves (untimed).
     */
    @Setup(Level.Invocation)
    public void sets()
    {
        large = FileSet.fresh(dirs, files, false);
        smalls = new FileSet[files / small];
        for (int i = 0; i < smalls.length; i++)
        {
            smalls[i] = FileSet.fresh(dirs, small, false);
        }
    }

    /**
     * Both halves; the order alternates.
     *
     * @param counters of the iteration.
     * @return files written.
     */
    @Benchmark
    public int pair(final LargeBatchCounters counters)
    {
        final long largeNanos;
        final long smallNanos;
        if ((invocations++ & 1) == 0)
        {
            largeNanos = timedLarge();
            smallNanos = timedSmall();
        }
        else
        {
            smallNanos = timedSmall();
            largeNanos = timedLarge();
        }
        counters.largeNanos += largeNanos;
        counters.smallNanos += smallNanos;
        counters.filesEach += files;
        counters.pairs++;
        counters.logRatioE6 += Math.round(Math.log((double)largeNanos / smallNanos) * 1e6);
        if (largeNanos < smallNanos)
        {
            counters.largeFaster++;
        }
        return 2 * files;
    }

    private long timedLarge()
    {
        final long start = System.nanoTime();
        write(large.paths());
        return System.nanoTime() - start;
    }

    private long timedSmall()
    {
        final long start = System.nanoTime();
        for (final FileSet set : smalls)
        {
            write(set.paths());
        }
        return System.nanoTime() - start;
    }

    private void write(final List<Path> paths)
    {
        final int written = engine.writeAll(paths, AbstractManyFiles.MESSAGE).join().succeeded();
        if (written != paths.size())
        {
            throw new IllegalStateException("wrote " + written + " of " + paths.size() + " files");
        }
    }

    /**
     * Check every file of both halves (untimed).
     */
    @TearDown(Level.Invocation)
    public void verify()
    {
        large.verifySizes(AbstractManyFiles.MESSAGE.length);
        for (final FileSet set : smalls)
        {
            set.verifySizes(AbstractManyFiles.MESSAGE.length);
        }
    }

    /**
     * Stop the engine and check its totals: nothing failed, nothing retried.
     */
    @TearDown(Level.Trial)
    public void stop()
    {
        engine.close();
        final EngineStats stats = engine.stats();
        if (stats.failed() != 0 || stats.retried() != 0 || stats.written() != stats.published())
        {
            throw new IllegalStateException("engine totals are wrong: " + stats);
        }
    }
}
