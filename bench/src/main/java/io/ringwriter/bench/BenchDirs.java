package io.ringwriter.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where the benchmarks put their files, and fresh directories for them.
 * <p>
 * On ext4 without a journal a new inode skips the inodes freed in the last minutes, so a benchmark that creates and
 * deletes files in a loop measures that scan, not file creation (see shared/BENCHMARKING.md, "Traps"). So every
 * operation gets a fresh directory here and nothing is deleted while a run is going: {@code bench/run.sh} removes
 * the whole run directory after the last benchmark.
 * <p>
 * The base is the system property {@code ringwriter.bench.dir} (default {@code java.io.tmpdir}/ringwriter-bench);
 * each trial makes its own directory under it, so forks never share one.
 */
public final class BenchDirs
{
    /**
     * System property naming the directory every benchmark writes under.
     */
    public static final String DIR_PROP_NAME = "ringwriter.bench.dir";

    private static final AtomicLong TRIALS = new AtomicLong();

    private final Path trialDir;
    private long fresh;
    private Path group;

    private BenchDirs(final Path trialDir)
    {
        this.trialDir = trialDir;
    }

    /**
     * @return the base directory of all benchmark files.
     */
    public static Path base()
    {
        final String configured = System.getProperty(DIR_PROP_NAME);
        return configured != null && !configured.isEmpty() ?
            Path.of(configured) : Path.of(System.getProperty("java.io.tmpdir"), "ringwriter-bench");
    }

    /**
     * Make a new directory for one trial of one benchmark.
     *
     * @param label names the benchmark and its parameters, used in the directory name.
     * @return the trial's directories.
     */
    public static BenchDirs forTrial(final String label)
    {
        final String name = label.replaceAll("[^A-Za-z0-9_.-]", "_") + "-" + ProcessHandle.current().pid() + "-" +
            TRIALS.incrementAndGet() + "-" + System.nanoTime();
        return new BenchDirs(createDirectories(base().resolve(name)));
    }

    /**
     * @return the trial's own directory.
     */
    public Path trialDir()
    {
        return trialDir;
    }

    /**
     * Create a new, empty directory that no earlier operation used: call it outside the timed part. Grouped by a
     * thousand so that no directory grows huge.
     *
     * @return the new directory.
     */
    public Path freshDirectory()
    {
        final long n = fresh++;
        if (n % 1000 == 0)
        {
            group = createDirectories(trialDir.resolve("g" + (n / 1000)));
        }
        return createDirectories(group.resolve("op" + (n % 1000)));
    }

    /**
     * @return how many fresh directories this trial made.
     */
    public long freshCount()
    {
        return fresh;
    }

    static Path createDirectories(final Path dir)
    {
        try
        {
            return Files.createDirectories(dir);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
