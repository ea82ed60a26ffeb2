package io.ringwriter.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Baseline, the JVM's own floor: one thread, for each file {@link FileChannel#open} (create or truncate), one write
 * from a preallocated direct buffer, close. No pool, no hand-off: what one thread costs per file in Java.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 400, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 400, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsPrepend = {"--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class FileChannelLoopBenchmark extends AbstractManyFiles
{
    private static final Set<OpenOption> OPTIONS = Set.of(
        StandardOpenOption.WRITE, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);

    private ByteBuffer buffer;

    void start()
    {
        buffer = ByteBuffer.allocateDirect(MESSAGE.length);
        buffer.put(MESSAGE).flip();
    }

    int writeAll(final List<Path> paths) throws Exception
    {
        final ByteBuffer buffer = this.buffer;
        int written = 0;
        for (int i = 0, n = paths.size(); i < n; i++)
        {
            try (FileChannel channel = FileChannel.open(paths.get(i), OPTIONS))
            {
                buffer.rewind();
                while (buffer.hasRemaining())
                {
                    channel.write(buffer);
                }
            }
            written++;
        }
        return written;
    }

    void stop()
    {
    }

    /**
     * Files exist: open (truncate), write, close.
     *
     * @param counters of the iteration.
     * @return files written.
     * @throws Exception when a write fails.
     */
    @Benchmark
    public int existing(final ManyFilesCounters counters) throws Exception
    {
        return timed(counters);
    }

    /**
     * Create, write, close.
     *
     * @param counters of the iteration.
     * @return files written.
     * @throws Exception when a write fails.
     */
    @Benchmark
    public int endToEnd(final ManyFilesCounters counters) throws Exception
    {
        return timed(counters);
    }
}
