package io.ringwriter.bench;

import io.ringwriter.Durability;
import io.ringwriter.EngineStats;
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

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Streaming: each producer writes a fixed number of messages ({@link Streams#messagesPerOp}) round-robin over the
 * open files, then calls {@link WriteEngine#flush()}: the time is until the bytes are in the files (written; forced
 * too under {@link Durability#FSYNC}), not until the producer returns. One operation per iteration (single shot);
 * the report turns the time into messages/s and MB/s ({@code producers x messagesPerOp / time}).
 * <p>
 * Between iterations (untimed) the files are cut back to empty, so each iteration writes into new page-cache pages
 * as the C and FileChannel floors do; after each iteration the sum of the file sizes must equal exactly the bytes
 * the producers wrote, and the engine's own byte count must agree: a lost or duplicated message fails the run.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsPrepend = {"--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class StreamingBenchmark
{
    /**
     * Message size in bytes.
     */
    @Param({"64", "256", "1024"})
    public int size;

    /**
     * Open files the messages are spread over.
     */
    @Param({"1", "16", "1024"})
    public int files;

    /**
     * {@code NONE}: done when written; {@code FSYNC}: done when forced (group commit per batch).
     */
    @Param({"NONE", "FSYNC"})
    public String durability;

    /**
     * Worker threads; 0 means the engine's default (one per CPU).
     */
    @Param({"0"})
    public int workers;

    /**
     * How idle workers wait.
     */
    @Param({"SLEEPING"})
    public String waitStrategy;

    /**
     * Bytes per ring slot; 0 means the engine's default (256). Tuned runs set it to the message size, so messages
     * sit densely in the ring.
     */
    @Param({"0"})
    public int slotSize;

    private WriteEngine engine;
    private Path[] paths;
    private byte[] message;
    private int messages;
    private final AtomicLong bytesThisIteration = new AtomicLong();
    private long engineBytesBefore;

    /**
     * @param params of the run.
     */
    @Setup(Level.Trial)
    public void setUp(final BenchmarkParams params)
    {
        final BenchDirs dirs = BenchDirs.forTrial(params.getBenchmark() + "-" + size + "-" + files);
        paths = new Path[files];
        for (int i = 0; i < files; i++)
        {
            paths[i] = dirs.trialDir().resolve(FileSet.name(i));
        }
        message = Streams.message(size);
        messages = Streams.messagesPerOp(size, durability);
        final WriteEngine.Builder builder = WriteEngine.builder()
            .durability(Durability.valueOf(durability))
            .waitStrategy(WaitStrategyType.valueOf(waitStrategy))
            .maxOpenFiles(Math.max(2048, 2 * files));
        if (workers > 0)
        {
            builder.workers(workers);
        }
        if (slotSize > 0)
        {
            builder.slotSize(slotSize);
        }
        // The singleProducer benchmark promises one producer thread: the Disruptor's single-producer sequencer.
        builder.singleProducer(params.getBenchmark().endsWith(".singleProducer"));
        engine = builder.build();
    }

    /**
     * Empty the files (untimed).
     */
    @Setup(Level.Iteration)
    public void setUpIteration()
    {
        engine.flush();
        Streams.truncate(paths);
        bytesThisIteration.set(0);
        engineBytesBefore = engine.stats().bytesWritten();
    }

    /**
     * Every byte written is in the files, and the engine counted the same.
     */
    @TearDown(Level.Iteration)
    public void tearDownIteration()
    {
        engine.flush();
        final long expected = bytesThisIteration.get();
        Streams.checkBytes("ringwriter streaming files", expected, Streams.totalSize(paths));
        Streams.checkBytes("ringwriter bytesWritten counter", expected,
            engine.stats().bytesWritten() - engineBytesBefore);
    }

    /**
     * Close the engine and check its totals.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        engine.close();
        final EngineStats stats = engine.stats();
        if (stats.failed() != 0 || stats.written() != stats.published())
        {
            throw new IllegalStateException("engine totals are wrong: " + stats);
        }
    }

    /**
     * One producer's position in the round robin.
     */
    @State(Scope.Thread)
    public static class Producer
    {
        int next;

        /**
         * Producers start on different files.
         *
         * @param threads of the benchmark.
         */
        @Setup(Level.Trial)
        public void setUp(final ThreadParams threads)
        {
            next = threads.getThreadIndex() * 7;
        }
    }

    private long produce(final Producer producer)
    {
        final WriteEngine engine = this.engine;
        final Path[] paths = this.paths;
        final byte[] message = this.message;
        final int files = paths.length;
        int next = producer.next % files;
        long last = 0;
        for (int i = 0, n = messages; i < n; i++)
        {
            last = engine.write(paths[next], message);
            if (++next == files)
            {
                next = 0;
            }
        }
        producer.next = next;
        engine.flush();
        bytesThisIteration.addAndGet((long)messages * message.length);
        return last;
    }

    /**
     * One producer thread.
     *
     * @param producer its state.
     * @return the last sequence (consumed by JMH).
     */
    @Benchmark
    @Threads(1)
    public long oneProducer(final Producer producer)
    {
        return produce(producer);
    }

    /**
     * Two producer threads, each writing {@link Streams#messagesPerOp} messages over all files.
     *
     * @param producer its state.
     * @return the last sequence (consumed by JMH).
     */
    @Benchmark
    @Threads(2)
    public long twoProducers(final Producer producer)
    {
        return produce(producer);
    }

    /**
     * One producer thread on an engine built with {@code singleProducer(true)}: no compare-and-set per write.
     *
     * @param producer its state.
     * @return the last sequence (consumed by JMH).
     */
    @Benchmark
    @Threads(1)
    public long singleProducer(final Producer producer)
    {
        return produce(producer);
    }
}
