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
import org.openjdk.jmh.infra.BenchmarkParams;

import java.util.concurrent.TimeUnit;

/**
 * What retries cost when nothing fails, measured so that the answer is not drowned by the file system: two engines,
 * one with the default retry policy and one with {@link RetryPolicy#none()}, live in the same trial and each
 * operation runs both on their own fresh file sets, in alternating order. The file system's drift (creates here
 * swing by tens of percent within minutes) then falls on both alike, and the ratio of the summed times
 * ({@code onNanos / offNanos}, aux counters) is the overhead. ManyFilesBenchmark's {@code retries} rows run the two
 * policies in separate trials minutes apart, so their ratios carry that drift; this benchmark is what the report
 * judges the 3% target by.
 * <p>
 * Score: microseconds per operation (both engines' halves); read the aux counters.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 400, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 6, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsPrepend = {"--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.fs=ALL-UNNAMED", "-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class RetryOverheadBenchmark
{
    /**
     * Files per operation for each engine.
     */
    @Param({"100", "1000"})
    public int files;

    /**
     * {@code existing}: files created before the timed part (open, write, close); {@code endToEnd}: created by the
     * write.
     */
    @Param({"existing", "endToEnd"})
    public String variant;

    /**
     * The second engine's policy: {@code none} (the comparison) or {@code default} (an A/A control: the same policy
     * in both engines, which shows what the pairing itself leaves as a difference).
     */
    @Param({"none"})
    public String offPolicy;

    private WriteEngine on;
    private WriteEngine off;
    private BenchDirs dirs;
    private FileSet setOn;
    private FileSet setOff;
    private long invocations;

    /**
     * @param params name the trial's directory.
     */
    @Setup(Level.Trial)
    public void start(final BenchmarkParams params)
    {
        dirs = BenchDirs.forTrial("RetryOverhead-" + variant + "-" + files);
        final int threads = Runtime.getRuntime().availableProcessors();
        on = WriteEngine.builder().workers(threads).maxOpenFiles(threads).retryPolicy(RetryPolicy.defaultPolicy())
            .build();
        off = WriteEngine.builder().workers(threads).maxOpenFiles(threads)
            .retryPolicy("default".equals(offPolicy) ? RetryPolicy.defaultPolicy() : RetryPolicy.none()).build();
    }

    /**
     * Fresh file sets for both engines (untimed).
     */
    @Setup(Level.Invocation)
    public void sets()
    {
        final boolean existing = "existing".equals(variant);
        setOn = FileSet.fresh(dirs, files, existing);
        setOff = FileSet.fresh(dirs, files, existing);
    }

    /**
     * Both engines write their set; the order alternates.
     *
     * @param counters of the iteration.
     * @return files written.
     */
    @Benchmark
    public int pair(final RetryOverheadCounters counters)
    {
        final long onNanos;
        final long offNanos;
        if ((invocations++ & 1) == 0)
        {
            onNanos = timed(on, setOn);
            offNanos = timed(off, setOff);
        }
        else
        {
            offNanos = timed(off, setOff);
            onNanos = timed(on, setOn);
        }
        counters.onNanos += onNanos;
        counters.offNanos += offNanos;
        counters.filesEach += files;
        counters.pairs++;
        counters.logRatioE6 += Math.round(Math.log((double)onNanos / offNanos) * 1e6);
        if (onNanos < offNanos)
        {
            counters.onFaster++;
        }
        return 2 * files;
    }

    private long timed(final WriteEngine engine, final FileSet set)
    {
        final long start = System.nanoTime();
        final int written = engine.writeAll(set.paths(), AbstractManyFiles.MESSAGE).join().succeeded();
        final long elapsed = System.nanoTime() - start;
        if (written != files)
        {
            throw new IllegalStateException("wrote " + written + " of " + files + " files in " + set.dir());
        }
        return elapsed;
    }

    /**
     * Check every file of both sets (untimed).
     */
    @TearDown(Level.Invocation)
    public void verify()
    {
        setOn.verifySizes(AbstractManyFiles.MESSAGE.length);
        setOff.verifySizes(AbstractManyFiles.MESSAGE.length);
    }

    /**
     * Stop both engines and check their totals: nothing failed, nothing retried.
     */
    @TearDown(Level.Trial)
    public void stop()
    {
        on.close();
        off.close();
        for (final WriteEngine engine : new WriteEngine[]{on, off})
        {
            final EngineStats stats = engine.stats();
            if (stats.failed() != 0 || stats.retried() != 0 || stats.written() != stats.published())
            {
                throw new IllegalStateException("engine totals are wrong: " + stats);
            }
        }
    }
}
