package io.ringwriter;

import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Self-describing test messages: each carries its producer, its file, its length and its sequence, and a payload
 * that is a function of those, so a file read back can be checked byte for byte without keeping a copy of what was
 * written.
 * <pre>
 *   0        1          2..3        4..7           8..11        12..length-1
 * +--------+----------+-----------+--------------+------------+-------------------------------+
 * | 0xA5   | producer | file (BE) | length (BE)  | seq (BE)   | payload(producer, seq, index) |
 * +--------+----------+-----------+--------------+------------+-------------------------------+
 * </pre>
 */
final class TestMessages
{
    static final int HEADER = 12;
    static final byte MAGIC = (byte)0xA5;

    private TestMessages()
    {
    }

    /**
     * A size in [HEADER, 1200], mostly small, some spanning several 64-byte slots, a few spanning many.
     */
    static int mixedSize(final int producer, final int file, final int seq)
    {
        final long h = mix(producer * 1_000_003L ^ file * 7_919L ^ seq * 0x9E3779B97F4A7C15L);
        final int bucket = (int)((h >>> 40) % 100);
        final int r = (int)((h >>> 8) & 0x7FFF_FFFF);
        if (bucket < 70)
        {
            return HEADER + r % 53;
        }
        if (bucket < 97)
        {
            return 65 + r % 236;
        }
        return 301 + r % 900;
    }

    static long mix(final long seed)
    {
        long z = seed + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    static byte payloadByte(final int producer, final int seq, final int index)
    {
        return (byte)(seq * 31 + index * 7 + producer * 13 + (index >>> 8));
    }

    /**
     * Encode one message into {@code dst} at offset 0.
     *
     * @return the length.
     */
    static int encode(final byte[] dst, final int producer, final int file, final int seq, final int length)
    {
        if (length < HEADER)
        {
            throw new IllegalArgumentException("length < HEADER: " + length);
        }
        dst[0] = MAGIC;
        dst[1] = (byte)producer;
        dst[2] = (byte)(file >>> 8);
        dst[3] = (byte)file;
        putInt(dst, 4, length);
        putInt(dst, 8, seq);
        for (int i = HEADER; i < length; i++)
        {
            dst[i] = payloadByte(producer, seq, i);
        }
        return length;
    }

    static byte[] message(final int producer, final int file, final int seq, final int length)
    {
        final byte[] bytes = new byte[length];
        encode(bytes, producer, file, seq, length);
        return bytes;
    }

    static void putInt(final byte[] dst, final int at, final int value)
    {
        dst[at] = (byte)(value >>> 24);
        dst[at + 1] = (byte)(value >>> 16);
        dst[at + 2] = (byte)(value >>> 8);
        dst[at + 3] = (byte)value;
    }

    static int getInt(final byte[] src, final int at)
    {
        return ((src[at] & 0xFF) << 24) | ((src[at + 1] & 0xFF) << 16) | ((src[at + 2] & 0xFF) << 8) |
            (src[at + 3] & 0xFF);
    }

    /**
     * Check a file's content: every message whole, of this file, each producer's sequence exactly 0, 1, 2, ... with
     * nothing lost, duplicated or reordered.
     *
     * @param expectedPerProducer how many messages each producer wrote to this file.
     * @return the number of messages in the file.
     */
    static int verifyFile(
        final Path path, final byte[] content, final int file, final int producers, final int[] expectedPerProducer)
    {
        final int[] next = new int[producers];
        int at = 0;
        int count = 0;
        while (at < content.length)
        {
            final String where = path + " at byte " + at + " (message " + count + ")";
            if (content.length - at < HEADER)
            {
                fail(where + ": " + (content.length - at) + " trailing bytes, less than a header");
            }
            if (content[at] != MAGIC)
            {
                fail(where + ": bad magic " + content[at] + ", next bytes " + hexAround(content, at));
            }
            final int producer = content[at + 1];
            final int fileInMessage = ((content[at + 2] & 0xFF) << 8) | (content[at + 3] & 0xFF);
            final int length = getInt(content, at + 4);
            final int seq = getInt(content, at + 8);
            if (producer < 0 || producer >= producers)
            {
                fail(where + ": producer " + producer);
            }
            if (fileInMessage != file)
            {
                fail(where + ": message of file " + fileInMessage + " in file " + file);
            }
            if (length < HEADER || length > content.length - at)
            {
                fail(where + ": length " + length + " with " + (content.length - at) + " bytes left");
            }
            if (seq != next[producer])
            {
                fail(where + ": producer " + producer + " seq " + seq + " but expected " + next[producer] +
                    (seq < next[producer] ? " (duplicate or reordered)" : " (lost or reordered)"));
            }
            for (int i = HEADER; i < length; i++)
            {
                if (content[at + i] != payloadByte(producer, seq, i))
                {
                    fail(where + ": payload byte " + i + " of producer " + producer + " seq " + seq + " is corrupt");
                }
            }
            next[producer]++;
            at += length;
            count++;
        }
        for (int p = 0; p < producers; p++)
        {
            assertEquals(expectedPerProducer[p], next[p], path + ": messages of producer " + p);
        }
        return count;
    }

    static String hexAround(final byte[] content, final int at)
    {
        final int from = Math.max(0, at - 8);
        final int to = Math.min(content.length, at + 24);
        return Arrays.toString(Arrays.copyOfRange(content, from, to));
    }
}
