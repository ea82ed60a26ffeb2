package io.ringwriter;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.CRC32;

/**
 * The record layouts the crash tests write and check. Every byte of a record follows from (seed, file, number), so
 * the checker knows what each record must hold, not only whether its checksum matches.
 * <pre>
 * Appended record (numbered per file from 0):
 *   0: long  seq
 *   8: int   length of the payload
 *  12: byte[length] payload
 *  12 + length: int CRC32 of bytes [0, 12 + length)
 *
 * Whole-file version (ATOMIC_REPLACE):
 *   0: int   MAGIC
 *   4: int   file index
 *   8: long  version
 *  16: int   length of the payload
 *  20: byte[length] payload
 *  20 + length: int CRC32 of bytes [0, 20 + length)
 * </pre>
 */
final class CrashRecords
{
    static final int MAGIC = 0x52574156;
    static final int MAX_RECORD_PAYLOAD = 600;
    static final int MAX_VERSION_PAYLOAD = 20_000;

    private CrashRecords()
    {
    }

    static String appendFileName(final int file)
    {
        return "stream-" + file + ".log";
    }

    static String versionFileName(final int file)
    {
        return "state-" + file + ".bin";
    }

    /**
     * @return the bytes of record {@code seq} of file {@code file}.
     */
    static byte[] record(final long seed, final int file, final long seq)
    {
        final SplittableRandom random = new SplittableRandom(seed ^ (file * 0x9E3779B97F4A7C15L) ^ (seq * 31 + 7));
        // Mostly small records, a few spanning several slots.
        final int length = random.nextInt(8) == 0 ? random.nextInt(MAX_RECORD_PAYLOAD + 1) : random.nextInt(64);
        final ByteBuffer buffer = ByteBuffer.allocate(12 + length + 4);
        buffer.putLong(seq).putInt(length);
        for (int i = 0; i < length; i++)
        {
            buffer.put((byte)random.nextInt(256));
        }
        buffer.putInt(crc(buffer.array(), 0, 12 + length));
        return buffer.array();
    }

    /**
     * @return the bytes of version {@code version} of file {@code file}.
     */
    static byte[] version(final long seed, final int file, final long version)
    {
        final SplittableRandom random = new SplittableRandom(seed ^ (file * 0xC2B2AE3D27D4EB4FL) ^ (version * 131 + 3));
        final int length = random.nextInt(MAX_VERSION_PAYLOAD + 1);
        final ByteBuffer buffer = ByteBuffer.allocate(20 + length + 4);
        buffer.putInt(MAGIC).putInt(file).putLong(version).putInt(length);
        for (int i = 0; i < length; i++)
        {
            buffer.put((byte)random.nextInt(256));
        }
        buffer.putInt(crc(buffer.array(), 0, 20 + length));
        return buffer.array();
    }

    static int crc(final byte[] bytes, final int offset, final int length)
    {
        final CRC32 crc = new CRC32();
        crc.update(bytes, offset, length);
        return (int)crc.getValue();
    }

    /**
     * What a file of appended records holds.
     *
     * @param records   whole records found in order from seq 0.
     * @param tailBytes bytes after the last whole record.
     * @param tornTail  the tail is a strict prefix of the next expected record (a write cut by the kill).
     * @param problem   null, or what is wrong (a record that is not the expected one, a tail that is not a prefix).
     */
    record AppendScan(long records, int tailBytes, boolean tornTail, String problem)
    {
    }

    static AppendScan scanAppended(final byte[] content, final long seed, final int file)
    {
        int pos = 0;
        long seq = 0;
        while (true)
        {
            final byte[] expected = record(seed, file, seq);
            final int remaining = content.length - pos;
            if (remaining >= expected.length &&
                Arrays.equals(content, pos, pos + expected.length, expected, 0, expected.length))
            {
                pos += expected.length;
                seq++;
                continue;
            }
            if (remaining == 0)
            {
                return new AppendScan(seq, 0, false, null);
            }
            if (remaining < expected.length && Arrays.equals(content, pos, content.length, expected, 0, remaining))
            {
                return new AppendScan(seq, remaining, true, null);
            }
            return new AppendScan(seq, remaining, false, describeMismatch(content, pos, expected, seq));
        }
    }

    private static String describeMismatch(final byte[] content, final int pos, final byte[] expected, final long seq)
    {
        final int remaining = content.length - pos;
        final String found;
        if (remaining >= 12)
        {
            final ByteBuffer view = ByteBuffer.wrap(content, pos, remaining);
            final long foundSeq = view.getLong();
            final int foundLength = view.getInt();
            final boolean crcOk = foundLength >= 0 && 12L + foundLength + 4 <= remaining &&
                crc(content, pos, 12 + foundLength) == ByteBuffer.wrap(content, pos + 12 + foundLength, 4).getInt();
            found = "seq=" + foundSeq + " length=" + foundLength + " crcOk=" + crcOk;
        }
        else
        {
            found = remaining + " bytes";
        }
        return "at offset " + pos + " expected record seq=" + seq + " (" + expected.length + " bytes), found " + found +
            ", " + remaining + " bytes left";
    }

    /**
     * What a whole-file version holds.
     *
     * @param version the version, or -1 when the file is not one whole, expected version.
     * @param problem null, or what is wrong.
     */
    record VersionScan(long version, String problem)
    {
    }

    static VersionScan scanVersion(final byte[] content, final long seed, final int file)
    {
        if (content.length < 24)
        {
            return new VersionScan(-1, "partial file: " + content.length + " bytes");
        }
        final ByteBuffer view = ByteBuffer.wrap(content);
        final int magic = view.getInt();
        final int foundFile = view.getInt();
        final long version = view.getLong();
        final int length = view.getInt();
        if (magic != MAGIC || foundFile != file || length < 0 || 24L + length != content.length)
        {
            return new VersionScan(-1, "not a whole version: magic=" + Integer.toHexString(magic) + " file=" +
                foundFile + " version=" + version + " length=" + length + " size=" + content.length);
        }
        if (crc(content, 0, 20 + length) != ByteBuffer.wrap(content, 20 + length, 4).getInt())
        {
            return new VersionScan(-1, "checksum mismatch: version=" + version + " size=" + content.length);
        }
        if (!Arrays.equals(content, version(seed, file, version)))
        {
            return new VersionScan(-1, "content differs from version " + version);
        }
        return new VersionScan(version, null);
    }
}
