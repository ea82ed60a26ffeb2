package io.ringwriter.bench;

import io.ringwriter.EngineStats;
import io.ringwriter.FileIo;
import io.ringwriter.WaitStrategyType;
import io.ringwriter.WriteEngine;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.ThreadParams;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The ring hand-off alone: the cost of {@link WriteEngine#write(Path, byte[])} per message to a file that is already
 * open, with the workers' write calls swallowed by a {@link FileIo} that consumes the bytes and counts them (so the
 * kernel's copy is not measured). When producers outrun the workers the ring fills and {@code write} waits: the
 * score is then the hand-off's throughput. {@code -prof gc} must show about 0 B/op: nothing on this path allocates.
 * <p>
 * After the trial the engine's counters and the bytes the file layer saw must agree exactly.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsPrepend = {"--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class RingHandoffBenchmark
{
    /**
     * How idle workers wait.
     */
    @Param({"BLOCKING", "SLEEPING", "YIELDING", "BUSY_SPIN"})
    public String waitStrategy;

    /**
     * Message size in bytes.
     */
    @Param({"64"})
    public int size;

    /**
     * Worker threads; 0 means the engine's default (one per CPU).
     */
    @Param({"0"})
    public int workers;

    private final LongAdder swallowed = new LongAdder();
    private WriteEngine engine;
    private Path dir;
    private byte[] message;

    /**
     * @param params of the run.
     */
    @Setup(Level.Trial)
    public void setUp(final BenchmarkParams params)
    {
        dir = BenchDirs.forTrial(params.getBenchmark() + "-" + waitStrategy).trialDir();
        message = Streams.message(size);
        final FileIo swallowing = new FileIo()
        {
            public int write(final FileChannel channel, final ByteBuffer src)
            {
                final int n = src.remaining();
                src.position(src.limit());
                swallowed.add(n);
                return n;
            }
        };
        final WriteEngine.Builder builder = WriteEngine.builder()
            .waitStrategy(WaitStrategyType.valueOf(waitStrategy))
            .fileIo(swallowing);
        if (workers > 0)
        {
            builder.workers(workers);
        }
        engine = builder.build();
    }

    /**
     * Close the engine; every message must have reached the file layer.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        engine.close();
        final EngineStats stats = engine.stats();
        if (stats.failed() != 0 || stats.written() != stats.published() ||
            stats.bytesWritten() != stats.published() * size || swallowed.sum() != stats.bytesWritten())
        {
            throw new IllegalStateException("hand-off lost or duplicated bytes: swallowed=" + swallowed.sum() +
                ", " + stats);
        }
    }

    /**
     * Each producer writes its own file.
     */
    @State(Scope.Thread)
    public static class Producer
    {
        Path path;

        /**
         * @param bench   the engine.
         * @param threads of the benchmark.
         */
        @Setup(Level.Trial)
        public void setUp(final RingHandoffBenchmark bench, final ThreadParams threads)
        {
            path = bench.dir.resolve("p" + threads.getThreadIndex());
        }
    }

    /**
     * One producer.
     *
     * @param producer its file.
     * @return the sequence (consumed by JMH).
     */
    @Benchmark
    @Threads(1)
    public long oneProducer(final Producer producer)
    {
        return engine.write(producer.path, message);
    }

    /**
     * Two producers.
     *
     * @param producer its file.
     * @return the sequence (consumed by JMH).
     */
    @Benchmark
    @Threads(2)
    public long twoProducers(final Producer producer)
    {
        return engine.write(producer.path, message);
    }
}
