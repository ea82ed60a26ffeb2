package io.ringwriter.tools;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RecordReaderTest
{
    @Test
    void shouldSplitTextLinesAtTheFirstTabAndKeepTheNewline() throws IOException
    {
        final RecordReader reader = RecordReader.text(in("a\tb\tc\n\r\n\nd/e\t\nf\tlast"));

        assertRecord("a", "b\tc\n", 1, reader.next());
        assertRecord("d/e", "\n", 4, reader.next());
        assertRecord("f", "last", 5, reader.next());
        assertNull(reader.next());
    }

    @Test
    void shouldNameTheLineWithoutATab() throws IOException
    {
        final RecordReader reader = RecordReader.text(in("ok\t1\nno tab here\n"));
        reader.next();

        final IOException ex = assertThrows(IOException.class, reader::next);

        assertEquals("stdin line 2: expected path<TAB>data (no TAB)", ex.getMessage());
    }

    @Test
    void shouldRefuseAnEmptyPath()
    {
        final IOException ex = assertThrows(IOException.class, () -> RecordReader.text(in("\tdata\n")).next());

        assertEquals("stdin line 1: expected path<TAB>data (empty path)", ex.getMessage());
    }

    @RepeatedTest(20)
    void shouldReadBackRandomBinaryRecords() throws IOException
    {
        final long seed = System.nanoTime();
        final Random random = new Random(seed);
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final DataOutputStream out = new DataOutputStream(bytes);
        final List<byte[]> data = new ArrayList<>();
        final List<String> paths = new ArrayList<>();
        final int count = random.nextInt(30);
        for (int i = 0; i < count; i++)
        {
            final String path = "dir-\u00e9/" + i + "-" + Long.toHexString(random.nextLong());
            final byte[] d = new byte[random.nextInt(3) == 0 ? 0 : random.nextInt(10_000)];
            random.nextBytes(d);
            paths.add(path);
            data.add(d);
            final byte[] p = path.getBytes(StandardCharsets.UTF_8);
            out.writeInt(p.length);
            out.write(p);
            out.writeInt(d.length);
            out.write(d);
        }

        final RecordReader reader = RecordReader.binary(new ByteArrayInputStream(bytes.toByteArray()));

        for (int i = 0; i < count; i++)
        {
            final RecordReader.Record record = reader.next();
            assertEquals(paths.get(i), record.path(), "seed " + seed);
            assertArrayEquals(data.get(i), record.data(), "seed " + seed);
            assertEquals(i + 1, record.number(), "seed " + seed);
        }
        assertNull(reader.next(), "seed " + seed);
    }

    @Test
    void shouldRefuseABadPathLength() throws IOException
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new DataOutputStream(bytes).writeInt(0);

        final IOException ex = assertThrows(IOException.class,
            () -> RecordReader.binary(new ByteArrayInputStream(bytes.toByteArray())).next());

        assertEquals("stdin record 1: path length must be in [1, 4096]: pathLength=0", ex.getMessage());
    }

    @Test
    void shouldRefuseANegativeDataLength() throws IOException
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(1);
        out.write('p');
        out.writeInt(-5);

        final IOException ex = assertThrows(IOException.class,
            () -> RecordReader.binary(new ByteArrayInputStream(bytes.toByteArray())).next());

        assertEquals("stdin record 1: data length must be in [0, 1073741824]: dataLength=-5", ex.getMessage());
    }

    @Test
    void shouldRefuseAnInputThatEndsInsideALengthPrefix()
    {
        final IOException ex = assertThrows(IOException.class,
            () -> RecordReader.binary(new ByteArrayInputStream(new byte[]{0, 0})).next());

        assertEquals("stdin record 1: input ends inside the record", ex.getMessage());
    }

    private static ByteArrayInputStream in(final String text)
    {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    private static void assertRecord(
        final String path, final String data, final long number, final RecordReader.Record record)
    {
        assertEquals(path, record.path());
        assertEquals(data, new String(record.data(), StandardCharsets.UTF_8));
        assertEquals(number, record.number());
    }
}
