package io.ringwriter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.lmax.disruptor.BatchEventProcessor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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

    @Test
    void shouldReadCpusFromAMaskLowBitFirst()
    {
        final byte[] mask = new byte[Affinity.MASK_BYTES];
        mask[0] = (byte)0b1000_0101;
        mask[2] = 0b0000_0010;
        mask[Affinity.MASK_BYTES - 1] = (byte)0x80;

        assertArrayEquals(new int[]{0, 2, 7, 17, Affinity.MASK_BYTES * 8 - 1}, Affinity.cpusOf(mask));
        assertNull(Affinity.cpusOf(new byte[Affinity.MASK_BYTES]));
    }

    @Test
    void shouldPinEachWorkerToItsOwnCpuOfTheAllowedSet() throws Exception
    {
        final int[] allowed = Affinity.allowedCpus();
        assumeTrue(allowed != null && allowed.length >= 2, "needs Linux and two CPUs");

        assertEquals(
            List.of(Integer.toString(allowed[0]), Integer.toString(allowed[1])),
            runPinnedEngine(),
            "the workers' Cpus_allowed_list after they ran");
    }

    /**
     * A process restricted to some CPUs (taskset, a container's cpuset) may not run on CPU 0: a worker must pin itself
     * within the set it inherits from the thread that built the engine, never outside it.
     */
    @Test
    void shouldKeepPinnedWorkersWithinTheCpuSetTheBuildingThreadMayUse() throws Exception
    {
        final int[] allowed = Affinity.allowedCpus();
        assumeTrue(allowed != null && allowed.length >= 2, "needs Linux and two CPUs");
        final int only = allowed[allowed.length - 1];

        final AtomicReference<Object> outcome = new AtomicReference<>();
        final Thread builder = new Thread(() ->
        {
            try
            {
                final String refused = Affinity.pinCurrentThread(only);
                outcome.set(refused != null ? refused : runPinnedEngine());
            }
            catch (final Exception ex)
            {
                outcome.set(ex);
            }
        });
        builder.start();
        builder.join();

        assertEquals(
            List.of(Integer.toString(only), Integer.toString(only)),
            outcome.get(),
            "the Cpus_allowed_list of workers built by a thread restricted to CPU " + only);
    }

    /**
     * Build a 2-worker pinned engine on the calling thread, write through it, close it, and return each worker
     * thread's allowed CPUs as the kernel saw them when the worker's loop had ended, in CPU order.
     */
    private List<String> runPinnedEngine() throws IOException
    {
        final Queue<String> cpusByWorker = new ConcurrentLinkedQueue<>();
        final List<String> lines = new ArrayList<>();
        try (WriteEngine engine = WriteEngine.builder()
            .workers(2)
            .pinWorkers(true)
            .ringSize(256)
            .slotSize(64)
            .threadFactory((runnable) -> new Thread(() ->
            {
                runnable.run();
                if (runnable instanceof BatchEventProcessor)
                {
                    cpusByWorker.add(allowedCpuList());
                }
            }))
            .build())
        {
            for (int i = 0; i < 200; i++)
            {
                final String line = "line " + i + "\n";
                engine.write(dir.resolve("pinned-" + (i % 8)), line.getBytes(StandardCharsets.US_ASCII));
                if (i % 8 == 3)
                {
                    lines.add(line);
                }
            }
            engine.flush();
            assertEquals(200, engine.stats().written());
        }
        assertEquals(String.join("", lines), Files.readString(dir.resolve("pinned-3"), StandardCharsets.US_ASCII));
        final List<String> cpus = new ArrayList<>(cpusByWorker);
        cpus.sort(Comparator.comparingInt(Integer::parseInt));
        return cpus;
    }

    private static String allowedCpuList()
    {
        try
        {
            return Files.readAllLines(Path.of("/proc/thread-self/status")).stream()
                .filter((line) -> line.startsWith("Cpus_allowed_list:"))
                .findFirst().orElse("").replace("Cpus_allowed_list:", "").trim();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
