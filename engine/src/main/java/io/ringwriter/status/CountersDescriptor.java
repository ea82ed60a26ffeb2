package io.ringwriter.status;

import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;

import java.nio.MappedByteBuffer;

/**
 * Layout of the counters file an engine writes when built with {@code countersFile(Path)}. The file is mapped by the
 * engine and by readers such as {@code ringwriter stat}; the values are Agrona counters, written with ordered or
 * atomic stores by the engine and read with volatile loads by the reader.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                         Magic 'RWC1'                          |
 *  +---------------------------------------------------------------+
 *  |                            Version                            |
 *  +---------------------------------------------------------------+
 *  |                          Process id                           |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                    Start time (epoch ms)                      |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                     Metadata length                           |
 *  +---------------------------------------------------------------+
 *  |                      Values length                            |
 *  +---------------------------------------------------------------+
 *  |                  Padding to HEADER_LENGTH                    ...
 *  +---------------------------------------------------------------+
 *  |             Counters metadata (Agrona CountersManager)       ...
 *  +---------------------------------------------------------------+
 *  |             Counters values (Agrona CountersManager)         ...
 *  +---------------------------------------------------------------+
 * </pre>
 */
public final class CountersDescriptor
{
    /**
     * Magic number at offset 0.
     */
    public static final int MAGIC = 0x31435752;
    /**
     * Layout version.
     */
    public static final int VERSION = 1;
    /**
     * Offset of the magic.
     */
    public static final int MAGIC_OFFSET = 0;
    /**
     * Offset of the version.
     */
    public static final int VERSION_OFFSET = 4;
    /**
     * Offset of the process id of the writer.
     */
    public static final int PID_OFFSET = 8;
    /**
     * Offset of the start time.
     */
    public static final int START_TIME_OFFSET = 16;
    /**
     * Offset of the metadata length.
     */
    public static final int METADATA_LENGTH_OFFSET = 24;
    /**
     * Offset of the values length.
     */
    public static final int VALUES_LENGTH_OFFSET = 28;
    /**
     * Length of the header; the metadata starts here.
     */
    public static final int HEADER_LENGTH = 128;
    /**
     * Counters the file has room for.
     */
    public static final int MAX_COUNTERS = 32;
    /**
     * Length of the values section.
     */
    public static final int VALUES_LENGTH = MAX_COUNTERS * CountersReader.COUNTER_LENGTH;
    /**
     * Length of the metadata section.
     */
    public static final int METADATA_LENGTH = MAX_COUNTERS * CountersReader.METADATA_LENGTH;
    /**
     * Length of the whole file.
     */
    public static final int FILE_LENGTH = HEADER_LENGTH + METADATA_LENGTH + VALUES_LENGTH;

    private CountersDescriptor()
    {
    }

    /**
     * @param header buffer over the start of a mapped counters file.
     * @return true when the header carries the magic and version of this layout.
     */
    public static boolean isValid(final AtomicBuffer header)
    {
        return header.capacity() >= FILE_LENGTH &&
            header.getIntVolatile(MAGIC_OFFSET) == MAGIC &&
            header.getInt(VERSION_OFFSET) == VERSION;
    }

    /**
     * @param mapped a mapped counters file.
     * @return a reader of its counters.
     * @throws IllegalStateException when the file does not have this layout.
     */
    public static CountersReader reader(final MappedByteBuffer mapped)
    {
        final UnsafeBuffer whole = new UnsafeBuffer(mapped);
        if (!isValid(whole))
        {
            throw new IllegalStateException("not a ringwriter counters file (magic/version/length): capacity=" +
                whole.capacity());
        }
        return new CountersReader(
            new UnsafeBuffer(mapped, HEADER_LENGTH, METADATA_LENGTH),
            new UnsafeBuffer(mapped, HEADER_LENGTH + METADATA_LENGTH, VALUES_LENGTH));
    }
}
