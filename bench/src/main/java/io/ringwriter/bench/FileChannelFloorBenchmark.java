package io.ringwriter.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

/**
 * The streaming floor: one thread copies the same messages as {@link StreamingBenchmark} into a 64 KiB direct buffer
 * and writes it to one {@link FileChannel} whenever it is full (and the rest at the end). Nothing between the
 * producer and the kernel; on these machines its rate is bimodal (new page-cache pages slow or fast), so it runs in
 * the same campaign as the engine and the report says which mode it saw.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsPrepend = {"--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class FileChannelFloorBenchmark
{
    /**
     * Message size in bytes.
     */
    @Param({"64", "256", "1024"})
    public int size;

    private Path path;
    private FileChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
    private byte[] message;
    private int messages;
    private long written;

    /**
     * @param params of the run.
     * @throws IOException when the file cannot be opened.
     */
    @Setup(Level.Trial)
    public void setUp(final BenchmarkParams params) throws IOException
    {
        path = BenchDirs.forTrial(params.getBenchmark() + "-" + size).trialDir().resolve("floor");
        channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        message = Streams.message(size);
        messages = Streams.messagesPerOp(size, null);
    }

    /**
     * Empty the file (untimed).
     *
     * @throws IOException when it cannot be truncated.
     */
    @Setup(Level.Iteration)
    public void setUpIteration() throws IOException
    {
        channel.truncate(0);
        channel.position(0);
        written = 0;
    }

    /**
     * Every byte is in the file.
     *
     * @throws IOException when the size cannot be read.
     */
    @TearDown(Level.Iteration)
    public void tearDownIteration() throws IOException
    {
        Streams.checkBytes("FileChannel floor", written, channel.size());
    }

    /**
     * @throws IOException when the file cannot be closed.
     */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException
    {
        channel.close();
    }

    /**
     * Copy every message into the buffer, write it out when full, and the rest at the end.
     *
     * @return bytes written.
     * @throws IOException when a write fails.
     */
    @Benchmark
    public long oneProducer() throws IOException
    {
        final ByteBuffer buffer = this.buffer;
        final byte[] message = this.message;
        buffer.clear();
        for (int i = 0, n = messages; i < n; i++)
        {
            if (buffer.remaining() < message.length)
            {
                drain(buffer);
            }
            buffer.put(message);
        }
        drain(buffer);
        written += (long)messages * message.length;
        return written;
    }

    private void drain(final ByteBuffer buffer) throws IOException
    {
        buffer.flip();
        while (buffer.hasRemaining())
        {
            channel.write(buffer);
        }
        buffer.clear();
    }
}
