package io.ringwriter.bench;

import io.ringwriter.Durability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * What the streaming benchmarks share: how many messages one operation writes, the message bytes, and the untimed
 * truncate and size checks around each iteration. The report derives messages/s from the same
 * {@link #messagesPerOp(int, String)}.
 */
public final class Streams
{
    /**
     * Bytes one producer writes per operation without fsync: 64 MiB (1 M messages of 64 bytes).
     */
    public static final int BYTES_PER_OP = 64 << 20;

    /**
     * Bytes one producer writes per operation under {@link Durability#FSYNC}: 8 MiB.
     */
    public static final int BYTES_PER_OP_FSYNC = 8 << 20;

    private Streams()
    {
    }

    /**
     * @param size       of a message in bytes.
     * @param durability name of the {@link Durability}, or null for none.
     * @return messages one producer writes per operation.
     */
    public static int messagesPerOp(final int size, final String durability)
    {
        final int bytes = "FSYNC".equals(durability) ? BYTES_PER_OP_FSYNC : BYTES_PER_OP;
        return bytes / size;
    }

    /**
     * @param size bytes, the last one a newline.
     * @return the message every streaming benchmark writes.
     */
    public static byte[] message(final int size)
    {
        return AbstractManyFiles.message(size);
    }

    /**
     * Cut files back to empty (untimed, between iterations), so that every iteration writes into new page-cache
     * pages, as the C floor does, and the disk does not fill.
     *
     * @param paths to truncate; missing files are skipped.
     */
    public static void truncate(final Path... paths)
    {
        for (final Path path : paths)
        {
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE))
            {
                channel.truncate(0);
            }
            catch (final NoSuchFileException ex)
            {
                // Not written yet.
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }
    }

    /**
     * @param paths to measure; missing files count 0.
     * @return the sum of their sizes.
     */
    public static long totalSize(final Path... paths)
    {
        long total = 0;
        for (final Path path : paths)
        {
            try
            {
                total += Files.size(path);
            }
            catch (final NoSuchFileException ex)
            {
                // Not written.
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }
        return total;
    }

    /**
     * @param what     is checked.
     * @param expected bytes.
     * @param actual   bytes found.
     * @throws IllegalStateException when they differ.
     */
    public static void checkBytes(final String what, final long expected, final long actual)
    {
        if (expected != actual)
        {
            throw new IllegalStateException(
                what + ": expected " + expected + " bytes, found " + actual + " (" + (expected - actual) + " missing)");
        }
    }
}
