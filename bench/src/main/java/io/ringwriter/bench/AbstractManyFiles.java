package io.ringwriter.bench;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * What every writer of the seed's many-files table shares: the file counts, a fresh directory of new (or, for the
 * {@code existing} variant, pre-created empty) files before each operation, and the untimed check of every file
 * after it. An operation writes the same 64-byte message to each of {@link #files} files and ends when all of them
 * are written and closed (or, for ringwriter, handed to the kernel and closed when the next file is opened: see
 * {@link ManyFilesBenchmark}).
 * <p>
 * The variant comes from the benchmark method's name: {@code existing} (the Go package's workload: the files exist,
 * the timed part opens each, writes, closes) or {@code endToEnd} (create, write, close).
 */
@State(Scope.Thread)
public abstract class AbstractManyFiles
{
    /**
     * The message written to every file: 64 bytes, as the C limit writes.
     */
    static final byte[] MESSAGE = message(64);

    /**
     * Files per operation: the seed's table (2; 100 to 1000; 1500, 3000, 5000 as batches).
     */
    @Param({"2", "100", "200", "300", "400", "500", "600", "700", "800", "900", "1000", "1500", "3000", "5000"})
    public int files;

    BenchDirs dirs;
    AllocationMeter meter;
    FileSet set;
    boolean existing;
    private ManyFilesCounters counters;
    private long ops;

    static byte[] message(final int length)
    {
        final byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte)'x');
        bytes[length - 1] = '\n';
        return bytes;
    }

    /**
     * Start the writer (its threads, pools).
     *
     * @throws Exception when it cannot start.
     */
    abstract void start() throws Exception;

    /**
     * Write {@link #MESSAGE} to every path and return when all are written.
     *
     * @param paths to write.
     * @return files reported written.
     * @throws Exception when a write fails.
     */
    abstract int writeAll(List<Path> paths) throws Exception;

    /**
     * Stop the writer and check its own totals.
     *
     * @throws Exception when it cannot stop or its totals are wrong.
     */
    abstract void stop() throws Exception;

    /**
     * @param params tell the benchmark method's name, hence the variant.
     * @throws Exception when the writer cannot start.
     */
    @Setup(Level.Trial)
    public void setUpTrial(final BenchmarkParams params) throws Exception
    {
        existing = params.getBenchmark().endsWith(".existing");
        dirs = BenchDirs.forTrial(params.getBenchmark() + "-" + files);
        meter = new AllocationMeter();
        start();
    }

    /**
     * Start counting the writer's threads' allocation at the iteration's start.
     */
    @Setup(Level.Iteration)
    public void setUpIteration()
    {
        meter.mark();
    }

    /**
     * A fresh directory and its paths (files created, empty, for {@code existing}); untimed.
     */
    @Setup(Level.Invocation)
    public void setUpInvocation()
    {
        set = FileSet.fresh(dirs, files, existing);
    }

    /**
     * The timed part: write all files, count the caller's allocation inside the call.
     *
     * @param counters of the iteration.
     * @return files written (consumed by JMH).
     * @throws Exception when a write fails.
     */
    final int timed(final ManyFilesCounters counters) throws Exception
    {
        this.counters = counters;
        final long before = AllocationMeter.currentThreadAllocated();
        final int written = writeAll(set.paths());
        counters.allocBytes += AllocationMeter.currentThreadAllocated() - before;
        if (written != files)
        {
            throw new IllegalStateException("wrote " + written + " of " + files + " files in " + set.dir());
        }
        return written;
    }

    /**
     * Check every file of the operation (untimed) and add the writer threads' allocation to the counters the timed
     * call was given (JMH does not let one counters state be injected here as well).
     */
    @TearDown(Level.Invocation)
    public void tearDownInvocation()
    {
        verify(set);
        counters.filesWritten += files;
        counters.allocBytes += meter.ownedAllocatedSinceMark();
        ops++;
    }

    /**
     * Check the files of one operation; a writer that picks its own names overrides it.
     *
     * @param done the operation's files.
     */
    void verify(final FileSet done)
    {
        done.verifySizes(MESSAGE.length);
    }

    /**
     * @throws Exception when the writer cannot stop or its totals are wrong.
     */
    @TearDown(Level.Trial)
    public void tearDownTrial() throws Exception
    {
        stop();
    }

    /**
     * @return operations done in this trial (every one checked).
     */
    long ops()
    {
        return ops;
    }
}
