package io.ringwriter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PinningTest
{
    @TempDir
    Path dir;

    @Test
    void shouldWriteWithPinnedWorkersOrRunUnpinnedWhenPinningIsRefused() throws Exception
    {
        final StringBuilder expected = new StringBuilder();
        try (WriteEngine engine = WriteEngine.builder().workers(2).pinWorkers(true).ringSize(256).slotSize(64).build())
        {
            for (int i = 0; i < 1000; i++)
            {
                final String line = "line " + i + "\n";
                engine.write(dir.resolve("f" + (i % 4)), line.getBytes(StandardCharsets.US_ASCII));
                if (i % 4 == 0)
                {
                    expected.append(line);
                }
            }
            engine.flush();
            assertEquals(1000, engine.stats().written());
        }
        assertEquals(expected.toString(), Files.readString(dir.resolve("f0"), StandardCharsets.US_ASCII));
    }

    @Test
    void shouldPinTheCallingThreadToTheGivenCpu() throws Exception
    {
        final String[] result = new String[2];
        final Thread thread = new Thread(() ->
        {
            result[0] = Affinity.pinCurrentThread(0);
            try
            {
                result[1] = Files.readAllLines(Path.of("/proc/thread-self/status")).stream()
                    .filter((line) -> line.startsWith("Cpus_allowed_list:"))
                    .findFirst().orElse("").replace("Cpus_allowed_list:", "").trim();
            }
            catch (final java.io.IOException ex)
            {
                result[1] = ex.toString();
            }
        });
        thread.start();
        thread.join();

        if (result[0] == null)
        {
            assertEquals("0", result[1], "the kernel's view of the pinned thread");
        }
        else
        {
            assertTrue(result[0].contains("sched_setaffinity") || result[0].contains("Linux") ||
                result[0].contains("JNA") || result[0].contains("libc"), result[0]);
        }
    }
}
