package io.ringwriter.tools;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads the records {@code ringwriter write} takes from stdin, in one of two formats.
 * <p>
 * Text ({@link #text(InputStream)}): one record per line, {@code path<TAB>data<LF>}. The path is UTF-8 up to the
 * first TAB; the data is every byte after it up to and including the line's end ({@code \n}, kept so that appending
 * lines to a log keeps them lines; a last line without one is written without one). Empty lines are skipped.
 * <p>
 * Binary ({@link #binary(InputStream)}), for data with any bytes in it: records one after another, each
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |              Path length (int32, big-endian, 1..4096)         |
 *  +---------------------------------------------------------------+
 *  |              Path (UTF-8, no terminator)                     ...
 *  +---------------------------------------------------------------+
 *  |              Data length (int32, big-endian, 0..2^30)         |
 *  +---------------------------------------------------------------+
 *  |              Data                                            ...
 *  +---------------------------------------------------------------+
 * </pre>
 * The input ends cleanly at a record boundary; an end inside a record is an error.
 * <p>
 * Not thread safe.
 */
abstract class RecordReader
{
    /**
     * Longest path accepted in the binary format, in bytes.
     */
    static final int MAX_PATH_BYTES = 4096;
    /**
     * Longest data accepted in the binary format, in bytes.
     */
    static final int MAX_DATA_BYTES = 1 << 30;

    /**
     * One record: a path as given and the bytes to write to it.
     *
     * @param path   as given.
     * @param data   to write.
     * @param number of the record in the input, from 1 (the line number for text).
     */
    record Record(String path, byte[] data, long number)
    {
    }

    /**
     * @param in to read.
     * @return a reader of {@code path<TAB>data} lines.
     */
    static RecordReader text(final InputStream in)
    {
        return new Text(in);
    }

    /**
     * @param in to read.
     * @return a reader of length-prefixed binary records.
     */
    static RecordReader binary(final InputStream in)
    {
        return new Binary(in);
    }

    /**
     * @return the next record, or null at the end of the input.
     * @throws IOException when the input cannot be read or a record is malformed (the message says where).
     */
    abstract Record next() throws IOException;

    private static final class Text extends RecordReader
    {
        private final InputStream in;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        private long lineNumber;

        Text(final InputStream in)
        {
            this.in = new BufferedInputStream(in, 64 * 1024);
        }

        @Override
        Record next() throws IOException
        {
            while (true)
            {
                line.reset();
                int b;
                while ((b = in.read()) != -1)
                {
                    line.write(b);
                    if (b == '\n')
                    {
                        break;
                    }
                }
                if (line.size() == 0)
                {
                    return null;
                }
                lineNumber++;
                final byte[] bytes = line.toByteArray();
                if (isBlank(bytes))
                {
                    continue;
                }
                int tab = -1;
                for (int i = 0; i < bytes.length; i++)
                {
                    if (bytes[i] == '\t')
                    {
                        tab = i;
                        break;
                    }
                }
                if (tab <= 0)
                {
                    throw new IOException("stdin line " + lineNumber + ": expected path<TAB>data" +
                        (tab == 0 ? " (empty path)" : " (no TAB)"));
                }
                final String path = new String(bytes, 0, tab, StandardCharsets.UTF_8);
                return new Record(path, Arrays.copyOfRange(bytes, tab + 1, bytes.length), lineNumber);
            }
        }

        private static boolean isBlank(final byte[] bytes)
        {
            for (final byte b : bytes)
            {
                if (b != '\n' && b != '\r')
                {
                    return false;
                }
            }
            return true;
        }
    }

    private static final class Binary extends RecordReader
    {
        private final DataInputStream in;
        private long recordNumber;

        Binary(final InputStream in)
        {
            this.in = new DataInputStream(new BufferedInputStream(in, 64 * 1024));
        }

        @Override
        Record next() throws IOException
        {
            final int first = in.read();
            if (first == -1)
            {
                return null;
            }
            recordNumber++;
            try
            {
                final int pathLength = (first << 24) | (in.readUnsignedByte() << 16) | (in.readUnsignedShort());
                if (pathLength < 1 || pathLength > MAX_PATH_BYTES)
                {
                    throw new IOException("stdin record " + recordNumber + ": path length must be in [1, " +
                        MAX_PATH_BYTES + "]: pathLength=" + pathLength);
                }
                final byte[] path = new byte[pathLength];
                in.readFully(path);
                final int dataLength = in.readInt();
                if (dataLength < 0 || dataLength > MAX_DATA_BYTES)
                {
                    throw new IOException("stdin record " + recordNumber + ": data length must be in [0, " +
                        MAX_DATA_BYTES + "]: dataLength=" + dataLength);
                }
                final byte[] data = new byte[dataLength];
                in.readFully(data);
                return new Record(new String(path, StandardCharsets.UTF_8), data, recordNumber);
            }
            catch (final EOFException ex)
            {
                throw new IOException("stdin record " + recordNumber + ": input ends inside the record", ex);
            }
        }
    }
}
