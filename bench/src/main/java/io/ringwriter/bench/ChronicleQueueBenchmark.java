package io.ringwriter.bench;

import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;
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

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Peer: Chronicle Queue appending the same messages (as raw bytes excerpts) to one queue. Chronicle writes into a
 * memory-mapped file from the producer thread, so a message is in the file when the append returns; each excerpt
 * also carries Chronicle's 4-byte header and index entries. After each iteration a tailer reads the queue from where
 * the iteration began and the excerpt bytes must add up exactly.
 * <p>
 * Java 17 needs the module openings that Chronicle documents (see the fork arguments).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsPrepend = {
    "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "-Xms1g", "-Xmx1g",
    "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
    "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
    "--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "-Dchronicle.analytics.disable=true",
    "-Dchronicle.announcer.disable=true"})
@State(Scope.Benchmark)
public class ChronicleQueueBenchmark
{
    /**
     * Message size in bytes.
     */
    @Param({"64", "256", "1024"})
    public int size;

    private ChronicleQueue queue;
    private ExcerptTailer tailer;
    private int messages;
    private String label;
    private final AtomicLong bytesThisIteration = new AtomicLong();

    /**
     * @param params of the run.
     */
    @Setup(Level.Trial)
    public void setUp(final BenchmarkParams params)
    {
        label = params.getBenchmark() + " size=" + size + " threads=" + params.getThreads();
        queue = ChronicleQueue.singleBuilder(
            BenchDirs.forTrial(params.getBenchmark() + "-" + size).trialDir().resolve("queue")).build();
        tailer = queue.createTailer();
        messages = Streams.messagesPerOp(size, null);
    }

    /**
     * Start counting.
     */
    @Setup(Level.Iteration)
    public void setUpIteration()
    {
        bytesThisIteration.set(0);
    }

    /**
     * Read back this iteration's excerpts: their bytes must add up to what was appended.
     */
    @TearDown(Level.Iteration)
    public void tearDownIteration()
    {
        // JMH runs this on whichever benchmark thread ends the iteration; the tailer is used by one thread at a time.
        tailer.singleThreadedCheckReset();
        long bytes = 0;
        while (true)
        {
            try (DocumentContext dc = tailer.readingDocument())
            {
                if (!dc.isPresent())
                {
                    break;
                }
                bytes += dc.wire().bytes().readRemaining();
            }
        }
        Streams.checkBytes(label, bytesThisIteration.get(), bytes);
    }

    /**
     * Close the queue.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        tailer.singleThreadedCheckReset();
        tailer.close();
        queue.close();
    }

    /**
     * A producer's appender and the message as Chronicle bytes.
     */
    @State(Scope.Thread)
    public static class Producer
    {
        ExcerptAppender appender;
        BytesStore<?, ?> message;

        /**
         * @param bench the shared queue.
         */
        @Setup(Level.Trial)
        public void setUp(final ChronicleQueueBenchmark bench)
        {
            appender = bench.queue.createAppender();
            message = BytesStore.wrap(Streams.message(bench.size));
        }

        /**
         * Release the appender.
         */
        @TearDown(Level.Trial)
        public void tearDown()
        {
            appender.close();
        }
    }

    private long produce(final Producer producer)
    {
        final ExcerptAppender appender = producer.appender;
        final BytesStore<?, ?> message = producer.message;
        for (int i = 0, n = messages; i < n; i++)
        {
            appender.writeBytes(message);
        }
        bytesThisIteration.addAndGet((long)messages * size);
        return appender.lastIndexAppended();
    }

    /**
     * One producer thread.
     *
     * @param producer its appender.
     * @return the last index (consumed by JMH).
     */
    @Benchmark
    @Threads(1)
    public long oneProducer(final Producer producer)
    {
        return produce(producer);
    }

    /**
     * Two producer threads appending to the same queue (Chronicle serialises them with its write lock).
     *
     * @param producer its appender.
     * @return the last index (consumed by JMH).
     */
    @Benchmark
    @Threads(2)
    public long twoProducers(final Producer producer)
    {
        return produce(producer);
    }
}
