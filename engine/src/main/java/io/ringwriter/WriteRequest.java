package io.ringwriter;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * One write to submit: a path, the bytes, and optionally a mode and a deadline. Immutable; the {@code with*}
 * methods return new requests. The byte array is not copied until the request is submitted: do not change it before
 * then.
 */
public final class WriteRequest
{
    /**
     * No deadline.
     */
    public static final long NO_DEADLINE = -1;

    private final Path path;
    private final byte[] data;
    private final int offset;
    private final int length;
    private final WriteMode mode;
    private final long timeoutNs;

    private WriteRequest(
        final Path path, final byte[] data, final int offset, final int length, final WriteMode mode,
        final long timeoutNs)
    {
        this.path = path;
        this.data = data;
        this.offset = offset;
        this.length = length;
        this.mode = mode;
        this.timeoutNs = timeoutNs;
    }

    /**
     * @param path to write to.
     * @param data the whole array is written.
     * @return a request in the engine's default mode, without deadline.
     */
    public static WriteRequest of(final Path path, final byte[] data)
    {
        Objects.requireNonNull(data, "data");
        return of(path, data, 0, data.length);
    }

    /**
     * @param path   to write to.
     * @param data   holding the bytes.
     * @param offset of the first byte.
     * @param length in bytes.
     * @return a request in the engine's default mode, without deadline.
     */
    public static WriteRequest of(final Path path, final byte[] data, final int offset, final int length)
    {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(data, "data");
        Objects.checkFromIndexSize(offset, length, data.length);
        return new WriteRequest(path, data, offset, length, null, NO_DEADLINE);
    }

    /**
     * @param mode for this write, overriding the engine's default.
     * @return a new request.
     */
    public WriteRequest withMode(final WriteMode mode)
    {
        return new WriteRequest(path, data, offset, length, Objects.requireNonNull(mode, "mode"), timeoutNs);
    }

    /**
     * @param timeout from submission: a write not begun by then ends as timed out and is never written afterwards.
     * @return a new request.
     */
    public WriteRequest withDeadline(final Duration timeout)
    {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative())
        {
            throw new IllegalArgumentException("timeout must not be negative: timeout=" + timeout);
        }
        return new WriteRequest(path, data, offset, length, mode, saturatedNanos(timeout));
    }

    /**
     * @return the path.
     */
    public Path path()
    {
        return path;
    }

    /**
     * @return the array holding the bytes (not a copy).
     */
    public byte[] data()
    {
        return data;
    }

    /**
     * @return offset of the first byte in {@link #data()}.
     */
    public int offset()
    {
        return offset;
    }

    /**
     * @return the number of bytes.
     */
    public int length()
    {
        return length;
    }

    /**
     * @return the mode, or null for the engine's default.
     */
    public WriteMode mode()
    {
        return mode;
    }

    /**
     * @return the timeout in nanoseconds from submission, or {@link #NO_DEADLINE}.
     */
    public long timeoutNs()
    {
        return timeoutNs;
    }

    static long saturatedNanos(final Duration duration)
    {
        try
        {
            return duration.toNanos();
        }
        catch (final ArithmeticException ex)
        {
            return Long.MAX_VALUE;
        }
    }

    /**
     * {@inheritDoc}
     */
    public String toString()
    {
        return "WriteRequest{path=" + path + ", length=" + length + ", mode=" + mode + ", timeoutNs=" + timeoutNs + '}';
    }
}
