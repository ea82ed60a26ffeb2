package io.ringwriter.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The files of one operation of the many-files benchmarks: N paths in a fresh directory, named as the C limit
 * ({@code shared/limits/fsbench.c}) names them ({@code f0000000}, 8 characters), made before the timed part.
 */
public final class FileSet
{
    private final Path dir;
    private final List<Path> paths;

    private FileSet(final Path dir, final List<Path> paths)
    {
        this.dir = dir;
        this.paths = paths;
    }

    /**
     * @param dirs   of the trial.
     * @param count  files.
     * @param create true to create every file (empty) now, as the Go package's benchmark has them before it times.
     * @return the set.
     */
    public static FileSet fresh(final BenchDirs dirs, final int count, final boolean create)
    {
        final Path dir = dirs.freshDirectory();
        final List<Path> paths = new ArrayList<>(count);
        for (int i = 0; i < count; i++)
        {
            paths.add(dir.resolve(name(i)));
        }
        if (create)
        {
            for (final Path path : paths)
            {
                try
                {
                    FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                }
                catch (final IOException ex)
                {
                    throw new UncheckedIOException(ex);
                }
            }
        }
        return new FileSet(dir, Collections.unmodifiableList(paths));
    }

    /**
     * @param i index of the file.
     * @return its name.
     */
    public static String name(final int i)
    {
        final String digits = Integer.toString(i);
        return "f" + "0000000".substring(Math.min(7, digits.length())) + digits;
    }

    /**
     * @return the directory of the files.
     */
    public Path dir()
    {
        return dir;
    }

    /**
     * @return the paths, in order.
     */
    public List<Path> paths()
    {
        return paths;
    }

    /**
     * Check that every file holds exactly the expected number of bytes (untimed).
     *
     * @param expectedSize of each file.
     * @throws IllegalStateException naming the first file that does not.
     */
    public void verifySizes(final long expectedSize)
    {
        for (final Path path : paths)
        {
            final long size;
            try
            {
                size = Files.size(path);
            }
            catch (final IOException ex)
            {
                throw new IllegalStateException("missing file after the operation: " + path, ex);
            }
            if (size != expectedSize)
            {
                throw new IllegalStateException(
                    "wrong size after the operation: " + path + " size=" + size + ", expected=" + expectedSize);
            }
        }
    }

    /**
     * Check that the directory holds exactly {@code count} files of {@code expectedSize} bytes each (untimed); for
     * writers that choose the names themselves.
     *
     * @param count        files expected.
     * @param expectedSize of each.
     */
    public void verifyDirectory(final int count, final long expectedSize)
    {
        try (var stream = Files.list(dir))
        {
            final List<Path> found = stream.toList();
            if (found.size() != count)
            {
                throw new IllegalStateException(
                    "wrong file count in " + dir + ": " + found.size() + ", expected=" + count);
            }
            for (final Path path : found)
            {
                final long size = Files.size(path);
                if (size != expectedSize)
                {
                    throw new IllegalStateException(
                        "wrong size: " + path + " size=" + size + ", expected=" + expectedSize);
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
