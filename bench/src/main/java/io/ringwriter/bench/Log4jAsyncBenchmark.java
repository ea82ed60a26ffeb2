package io.ringwriter.bench;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
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

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Peer: Log4j2's all-asynchronous loggers (AsyncLoggerContextSelector, on the Disruptor the classpath has, which is
 * the engine's 4.0.0), garbage-free settings, a RandomAccessFile appender with {@code %m%n} writing exactly the same
 * bytes per message as {@link StreamingBenchmark}. Each producer logs {@link Streams#messagesPerOp} messages; the
 * time runs until the file holds every byte logged so far (Log4j flushes its buffer at the end of each Disruptor
 * batch), polled with {@code fstat}.
 * <p>
 * Loss check: Log4j2 2.26.1 on Disruptor 4.0.0 can drop events with two producers on a full ring (see
 * shared/BENCHMARKING.md). When the file stops growing for {@link #STALL_NS} before holding every byte, the
 * iteration ends and prints a line starting {@code RINGWRITER-BENCH-LOSS} with the missing bytes; the report counts
 * them. Such an iteration's time includes the stall wait and is not a throughput figure.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsPrepend = {
    "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "-Xms1g", "-Xmx1g",
    "-Dlog4j2.contextSelector=org.apache.logging.log4j.core.async.AsyncLoggerContextSelector",
    "-Dlog4j2.enableThreadlocals=true",
    "-Dlog4j2.enableDirectEncoders=true",
    "-Dlog4j2.garbagefreeThreadContextMap=true",
    "-Dlog4j2.is.webapp=false"})
@State(Scope.Benchmark)
public class Log4jAsyncBenchmark
{
    /**
     * How long the file may stop growing before the missing bytes count as lost.
     */
    static final long STALL_NS = TimeUnit.SECONDS.toNanos(2);

    /**
     * Message size in bytes, newline included.
     */
    @Param({"64", "256", "1024"})
    public int size;

    private Logger logger;
    private String text;
    private int messages;
    private Path file;
    private FileChannel sizer;
    private final AtomicLong expected = new AtomicLong();
    private String label;

    /**
     * Write the configuration, then start Log4j with it.
     *
     * @param params of the run.
     * @throws IOException when the configuration cannot be written.
     */
    @Setup(Level.Trial)
    public void setUp(final BenchmarkParams params) throws IOException
    {
        label = params.getBenchmark() + " size=" + size + " threads=" + params.getThreads();
        final Path dir = BenchDirs.forTrial(params.getBenchmark() + "-" + size).trialDir();
        file = dir.resolve("log4j.log");
        final Path config = dir.resolve("log4j2-bench.xml");
        Files.writeString(config, String.join("\n",
            "<Configuration status=\"WARN\">",
            "  <Appenders>",
            "    <RandomAccessFile name=\"file\" fileName=\"" + file + "\" immediateFlush=\"false\" append=\"true\"" +
                " bufferSize=\"262144\">",
            "      <PatternLayout pattern=\"%m%n\"/>",
            "    </RandomAccessFile>",
            "  </Appenders>",
            "  <Loggers>",
            "    <Root level=\"info\" includeLocation=\"false\"><AppenderRef ref=\"file\"/></Root>",
            "  </Loggers>",
            "</Configuration>", ""), StandardCharsets.US_ASCII);
        System.setProperty("log4j2.configurationFile", config.toString());
        logger = LogManager.getLogger("ringwriter.bench");
        text = "x".repeat(size - 1);
        messages = Streams.messagesPerOp(size, null);
        logger.info(text);
        expected.set(size);
        awaitSize(size);
        sizer = FileChannel.open(file, StandardOpenOption.READ);
    }

    /**
     * At the end of each iteration: every byte logged is in the file, or the loss is reported.
     *
     * @throws IOException when the size cannot be read.
     */
    @TearDown(Level.Iteration)
    public void tearDownIteration() throws IOException
    {
        final long want = expected.get();
        final long have = awaitSize(want);
        if (have != want)
        {
            System.out.println("RINGWRITER-BENCH-LOSS " + label + " missingBytes=" + (want - have) +
                " missingMessages=" + ((want - have) / size));
            expected.set(have);
        }
    }

    /**
     * Stop Log4j (flushes and closes the file).
     *
     * @throws IOException when the size channel cannot be closed.
     */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException
    {
        LogManager.shutdown();
        sizer.close();
        Streams.checkBytes(label + " (after shutdown; losses were reported above)", expected.get(), Files.size(file));
    }

    private long awaitSize(final long want) throws IOException
    {
        long last = -1;
        long lastChange = System.nanoTime();
        while (true)
        {
            final long have = sizer == null ? Files.size(file) : sizer.size();
            if (have >= want)
            {
                return have;
            }
            final long now = System.nanoTime();
            if (have != last)
            {
                last = have;
                lastChange = now;
            }
            else if (now - lastChange > STALL_NS)
            {
                return have;
            }
            LockSupport.parkNanos(20_000);
        }
    }

    private long produce() throws IOException
    {
        final Logger logger = this.logger;
        final String text = this.text;
        for (int i = 0, n = messages; i < n; i++)
        {
            logger.info(text);
        }
        return awaitSize(expected.addAndGet((long)messages * size));
    }

    /**
     * One producer thread.
     *
     * @return the file size seen (consumed by JMH).
     * @throws IOException when the size cannot be read.
     */
    @Benchmark
    @Threads(1)
    public long oneProducer() throws IOException
    {
        return produce();
    }

    /**
     * Two producer threads sharing Log4j's single consumer.
     *
     * @return the file size seen (consumed by JMH).
     * @throws IOException when the size cannot be read.
     */
    @Benchmark
    @Threads(2)
    public long twoProducers() throws IOException
    {
        return produce();
    }
}
