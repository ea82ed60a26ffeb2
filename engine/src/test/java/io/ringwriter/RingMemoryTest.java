package io.ringwriter;

import org.agrona.BufferUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class RingMemoryTest
{
    private static final int MIB = 1 << 20;
    private static final int EAGAIN = 11;
    private static final int ENOMEM = 12;

    @TempDir
    Path dir;

    @Test
    void shouldPutARingOfTwoMiBOrMoreOnHugePagesTheKernelReports() throws IOException
    {
        assumeHugePagesGranted();
        final RingMemory memory = RingMemory.allocate(16 * MIB, true);
        try
        {
            final ByteBuffer bytes = memory.bytes();
            assertEquals(16 * MIB, bytes.capacity());
            assumeGranted(memory);
            assertTrue(memory.onHugePages());
            assertEquals(0, BufferUtil.address(bytes) % RingMemory.HUGE_PAGE, "2 MiB aligned");
            assertTrue(anonHugeKb(BufferUtil.address(bytes)) >= 16 * 1024,
                "AnonHugePages of the ring's mapping in /proc/self/smaps");
            // Zeroed, and every byte usable.
            assertEquals(0, bytes.get(0));
            assertEquals(0, bytes.get(16 * MIB - 1));
            bytes.put(0, (byte)1).put(16 * MIB - 1, (byte)2);
            assertEquals(1, bytes.get(0));
            assertEquals(2, bytes.get(16 * MIB - 1));
        }
        finally
        {
            memory.free();
        }
    }

    @Test
    void shouldKeepSmallRingsAndRingsAskedNotToOnOrdinaryPages()
    {
        final RingMemory small = RingMemory.allocate(MIB, true);
        final RingMemory asked = RingMemory.allocate(4 * MIB + 64, false);
        try
        {
            assertFalse(small.onHugePages());
            assertEquals(MIB, small.bytes().capacity());
            assertFalse(asked.onHugePages());
            assertEquals(4 * MIB + 64, asked.bytes().capacity());
        }
        finally
        {
            small.free();
            asked.free();
        }
    }

    @Test
    void shouldWriteThroughARingOnHugePagesAcrossItsWrap() throws IOException
    {
        assumeHugePagesGranted();
        // 2 MiB ring of 64-byte slots; 100,000 messages of 100 bytes wrap it about 150 times.
        final StringBuilder expected = new StringBuilder();
        try (WriteEngine engine = WriteEngine.builder().ringSize(32768).slotSize(64).workers(2).build())
        {
            assumeGranted(engine.ringMemory);
            assertTrue(engine.ringMemory.onHugePages());
            final Path file = dir.resolve("wrap");
            for (int i = 0; i < 100_000; i++)
            {
                final String line = String.format("%099d\n", i);
                engine.write(file, line.getBytes(StandardCharsets.US_ASCII));
                expected.append(line);
            }
            engine.flush();
            assertEquals(expected.toString(), Files.readString(file, StandardCharsets.US_ASCII));
        }
    }

    @Test
    void shouldTakeTheSettingFromItsProperty()
    {
        final Properties properties = new Properties();
        properties.setProperty(Configuration.HUGE_PAGES_PROP_NAME, "false");
        try (WriteEngine engine = WriteEngine.builder().properties(properties).build())
        {
            assertFalse(engine.ringMemory.onHugePages());
        }
    }

    private static void assumeHugePagesGranted() throws IOException
    {
        assumeTrue(NativeIo.AVAILABLE, "needs Linux and JNA");
        final Path setting = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        assumeTrue(Files.exists(setting) && !Files.readString(setting).contains("[never]"),
            "transparent huge pages are disabled on this machine");
    }

    /**
     * The kernel may have no free 2 MiB page when asked (fragmented memory: MADV_COLLAPSE then fails with EAGAIN
     * or ENOMEM, and the engine rightly stays on ordinary pages); any other refusal is a fault of ours and fails.
     */
    private static void assumeGranted(final RingMemory memory)
    {
        final int errno = memory.refusalErrno();
        assertTrue(errno == 0 || errno == EAGAIN || errno == ENOMEM,
            "huge pages refused with errno " + errno + " (not the kernel's lack of a free huge page)");
        assertEquals(errno == 0, memory.onHugePages());
        assumeTrue(errno == 0, "the kernel had no free 2 MiB page now (errno " + errno + ")");
    }

    /**
     * @return AnonHugePages (kB) of the mapping holding the address, from /proc/self/smaps.
     */
    private static long anonHugeKb(final long address) throws IOException
    {
        final List<String> lines = Files.readAllLines(Path.of("/proc/self/smaps"));
        boolean inside = false;
        for (final String line : lines)
        {
            final int dash = line.indexOf('-');
            final int space = line.indexOf(' ');
            if (dash > 0 && space > dash && line.substring(0, dash).matches("[0-9a-f]+"))
            {
                final long start = Long.parseUnsignedLong(line.substring(0, dash), 16);
                final long end = Long.parseUnsignedLong(line.substring(dash + 1, space), 16);
                inside = address >= start && address < end;
            }
            else if (inside && line.startsWith("AnonHugePages:"))
            {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
