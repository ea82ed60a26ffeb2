package io.ringwriter;

import io.ringwriter.status.CountersDescriptor;
import io.ringwriter.status.EngineCounter;
import org.agrona.BufferUtil;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * The engine's counters, Agrona counters in one buffer laid out as {@link CountersDescriptor}: in a memory-mapped
 * file when the engine has a counters file, in direct memory otherwise.
 * <p>
 * Design note: producers add to {@link #published} once per write (an atomic add on a padded counter); workers add
 * their totals once per batch, so the counters cost nothing per message on the worker side.
 */
final class EngineCounters implements AutoCloseable
{
    private static final EngineCounter[] ALL_COUNTERS = EngineCounter.values();

    final AtomicCounter published;
    final AtomicCounter written;
    final AtomicCounter failed;
    final AtomicCounter timedOut;
    final AtomicCounter cancelled;
    final AtomicCounter retried;
    final AtomicCounter bytesWritten;
    final AtomicCounter batches;
    final AtomicCounter openFiles;
    final AtomicCounter ringFreeSlots;
    final AtomicCounter retryPending;
    final AtomicCounter writeCalls;
    final AtomicCounter forces;
    final AtomicCounter batchSizeMax;
    final AtomicCounter writeTimeNs;
    final AtomicCounter errors;

    private final UnsafeBuffer metadata;
    private final UnsafeBuffer values;
    private final MappedByteBuffer mapped;
    private final UnsafeBuffer mirrorValues;
    private long lastMirrorNs;

    EngineCounters(final Path countersFile)
    {
        // The engine's own counters live in direct memory that the GC frees: stats() stays valid after close.
        final ByteBuffer memory = BufferUtil.allocateDirectAligned(CountersDescriptor.FILE_LENGTH, 64);
        metadata = new UnsafeBuffer(memory, CountersDescriptor.HEADER_LENGTH, CountersDescriptor.METADATA_LENGTH);
        values = new UnsafeBuffer(
            memory, CountersDescriptor.HEADER_LENGTH + CountersDescriptor.METADATA_LENGTH,
            CountersDescriptor.VALUES_LENGTH);
        final CountersManager manager = new CountersManager(metadata, values);

        published = counter(manager, EngineCounter.PUBLISHED);
        written = counter(manager, EngineCounter.WRITTEN);
        failed = counter(manager, EngineCounter.FAILED);
        timedOut = counter(manager, EngineCounter.TIMED_OUT);
        cancelled = counter(manager, EngineCounter.CANCELLED);
        retried = counter(manager, EngineCounter.RETRIED);
        bytesWritten = counter(manager, EngineCounter.BYTES_WRITTEN);
        batches = counter(manager, EngineCounter.BATCHES);
        openFiles = counter(manager, EngineCounter.OPEN_FILES);
        ringFreeSlots = counter(manager, EngineCounter.RING_FREE_SLOTS);
        retryPending = counter(manager, EngineCounter.RETRY_PENDING);
        writeCalls = counter(manager, EngineCounter.WRITE_CALLS);
        forces = counter(manager, EngineCounter.FORCES);
        batchSizeMax = counter(manager, EngineCounter.BATCH_SIZE_MAX);
        writeTimeNs = counter(manager, EngineCounter.WRITE_TIME_NS);
        errors = counter(manager, EngineCounter.ERRORS);

        if (countersFile == null)
        {
            mapped = null;
            mirrorValues = null;
            return;
        }

        // Design note: a reader in another process sees a mirror of the counters in a mapped file that the retry
        // agent refreshes about once per millisecond; the engine's threads never touch the mapping, so close() can
        // unmap it without racing stats() or a late producer.
        mapped = mapFile(countersFile);
        final UnsafeBuffer header = new UnsafeBuffer(mapped, 0, CountersDescriptor.HEADER_LENGTH);
        new UnsafeBuffer(mapped, CountersDescriptor.HEADER_LENGTH, CountersDescriptor.METADATA_LENGTH)
            .putBytes(0, metadata, 0, CountersDescriptor.METADATA_LENGTH);
        mirrorValues = new UnsafeBuffer(
            mapped, CountersDescriptor.HEADER_LENGTH + CountersDescriptor.METADATA_LENGTH,
            CountersDescriptor.VALUES_LENGTH);
        header.putInt(CountersDescriptor.VERSION_OFFSET, CountersDescriptor.VERSION);
        header.putLong(CountersDescriptor.PID_OFFSET, ProcessHandle.current().pid());
        header.putLong(CountersDescriptor.START_TIME_OFFSET, System.currentTimeMillis());
        header.putInt(CountersDescriptor.METADATA_LENGTH_OFFSET, CountersDescriptor.METADATA_LENGTH);
        header.putInt(CountersDescriptor.VALUES_LENGTH_OFFSET, CountersDescriptor.VALUES_LENGTH);
        mirror();
        // Release: a reader that sees the magic sees the header and the metadata written above.
        header.putIntRelease(CountersDescriptor.MAGIC_OFFSET, CountersDescriptor.MAGIC);
    }

    /**
     * Copy the values into the counters file, if any. Called by the agent thread only.
     */
    void mirror()
    {
        if (mirrorValues == null)
        {
            return;
        }
        for (final EngineCounter counter : ALL_COUNTERS)
        {
            final int offset = counter.id() * CountersReader.COUNTER_LENGTH;
            // Release store pairs with the reader's volatile load; the source is read with a volatile load.
            mirrorValues.putLongRelease(offset, values.getLongVolatile(offset));
        }
    }

    boolean isMirrored()
    {
        return mirrorValues != null;
    }

    /**
     * Mirror at most about once per millisecond.
     *
     * @param nowNs the time now.
     */
    void mirrorIfDue(final long nowNs)
    {
        if (mirrorValues != null && nowNs - lastMirrorNs > 1_000_000L)
        {
            lastMirrorNs = nowNs;
            mirror();
        }
    }

    private static AtomicCounter counter(final CountersManager manager, final EngineCounter descriptor)
    {
        final AtomicCounter counter = manager.newCounter(descriptor.label(), descriptor.id());
        if (counter.id() != descriptor.id())
        {
            throw new IllegalStateException("counter id mismatch: " + descriptor + " got id=" + counter.id());
        }
        return counter;
    }

    /**
     * Map a fresh file and rename it over the counters file: a reader that still maps the previous file keeps a
     * valid mapping of the old one instead of seeing it shrink under it.
     */
    private static MappedByteBuffer mapFile(final Path file)
    {
        final Path absolute = file.toAbsolutePath();
        final Path temp = absolute.resolveSibling(
            absolute.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try
        {
            final Path parent = absolute.getParent();
            if (parent != null)
            {
                java.nio.file.Files.createDirectories(parent);
            }
            final MappedByteBuffer mapped;
            try (RandomAccessFile raf = new RandomAccessFile(temp.toFile(), "rw");
                FileChannel channel = raf.getChannel())
            {
                raf.setLength(CountersDescriptor.FILE_LENGTH);
                mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, CountersDescriptor.FILE_LENGTH);
            }
            java.nio.file.Files.move(temp, absolute, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return mapped;
        }
        catch (final IOException ex)
        {
            try
            {
                java.nio.file.Files.deleteIfExists(temp);
            }
            catch (final IOException suppressed)
            {
                ex.addSuppressed(suppressed);
            }
            throw new IllegalArgumentException("countersFile cannot be mapped: countersFile=" + file, ex);
        }
    }

    EngineStats snapshot(final long ringFree)
    {
        return new EngineStats(
            published.get(), written.get(), failed.get(), timedOut.get(), cancelled.get(), retried.get(),
            bytesWritten.get(), batches.get(), openFiles.get(), ringFree, retryPending.get(), writeCalls.get(),
            forces.get(), batchSizeMax.get());
    }

    /**
     * Write the last values into the counters file and unmap it. Called once, after every engine thread stopped.
     */
    public void close()
    {
        if (mapped != null)
        {
            mirror();
            mapped.force();
            IoUtil.unmap(mapped);
        }
    }
}
