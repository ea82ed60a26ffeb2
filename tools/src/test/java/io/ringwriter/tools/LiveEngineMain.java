package io.ringwriter.tools;

import io.ringwriter.WriteEngine;
import io.ringwriter.status.EngineCounter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;

/**
 * A small engine run in a child JVM by {@link RingwriterJarIT}: publishes its counters file, writes a known number
 * of messages, waits until its counters file shows them all written, then says so by moving a ready file into place
 * (atomically, so the parent never reads half of it) and keeps the engine open until its stdin closes.
 * <p>
 * Arguments: counters file, ready file, directory to write in, number of messages.
 */
public final class LiveEngineMain
{
    private LiveEngineMain()
    {
    }

    /**
     * @param args counters file, ready file, directory, messages.
     * @throws IOException when a file cannot be written.
     */
    public static void main(final String[] args) throws IOException
    {
        final Path counters = Path.of(args[0]);
        final Path ready = Path.of(args[1]);
        final Path dir = Path.of(args[2]);
        final int messages = Integer.parseInt(args[3]);
        final byte[] message = "live engine message\n".getBytes(StandardCharsets.US_ASCII);
        try (WriteEngine engine = WriteEngine.builder().workers(2).countersFile(counters).build())
        {
            for (int i = 0; i < messages; i++)
            {
                engine.write(dir.resolve("live-" + (i % 16)), message);
            }
            engine.flush();
            CountersFiles.awaitAtLeast(counters, EngineCounter.WRITTEN, messages, 60, TimeUnit.SECONDS);
            final Path temp = ready.resolveSibling(ready.getFileName() + ".tmp");
            Files.writeString(temp, Long.toString(ProcessHandle.current().pid()));
            Files.move(temp, ready, StandardCopyOption.ATOMIC_MOVE);
            // Hold the engine open until the parent closes our stdin.
            while (System.in.read() != -1)
            {
                continue;
            }
        }
    }
}
