package io.ringwriter.tools;

import io.ringwriter.status.CountersDescriptor;
import io.ringwriter.status.EngineCounter;
import org.agrona.IoUtil;
import org.agrona.concurrent.status.CountersReader;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Polls an engine's counters file until a counter reaches a value: the engine mirrors its counters into the file
 * about once per millisecond, so a test waits for the mirror rather than for time.
 */
final class CountersFiles
{
    private CountersFiles()
    {
    }

    /**
     * @param file    the counters file.
     * @param counter to watch.
     * @param value   to wait for (at least).
     * @param timeout bound of the wait.
     * @param unit    of the timeout.
     * @return the value seen.
     * @throws AssertionError when the bound passes first.
     */
    static long awaitAtLeast(
        final Path file, final EngineCounter counter, final long value, final long timeout, final TimeUnit unit)
        throws IOException
    {
        final long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (!Files.exists(file) || Files.size(file) < CountersDescriptor.FILE_LENGTH)
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("no counters file " + file + " within " + timeout + " " + unit);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        final MappedByteBuffer mapped;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, CountersDescriptor.FILE_LENGTH);
        }
        try
        {
            final CountersReader reader = CountersDescriptor.reader(mapped);
            long seen;
            while ((seen = reader.getCounterValue(counter.id())) < value)
            {
                if (System.nanoTime() > deadline)
                {
                    throw new AssertionError(counter.label() + " stayed at " + seen + " < " + value + " in " + file);
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            return seen;
        }
        finally
        {
            IoUtil.unmap(mapped);
        }
    }
}
