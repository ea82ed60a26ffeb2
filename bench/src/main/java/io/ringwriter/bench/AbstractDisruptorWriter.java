package io.ringwriter.bench;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;
import com.lmax.disruptor.dsl.ProducerType;
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
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Disruptor pattern with nothing else: what a user would write by hand to stream into one file, and the ceiling
 * of any design that hands each message across threads through a Disruptor ring on this machine. A producer claims
 * a slot, copies the message into the slot's own array and publishes; one {@link BatchEventProcessor} copies each
 * message into a 64 KiB direct buffer and writes it to a {@link FileChannel} when the buffer is full and at the end
 * of every batch. No paths, no file ownership, no counters, no failure handling, no flush protocol: a producer waits
 * until the consumer has passed its last message. Measured like {@link StreamingBenchmark} (the same bytes per
 * producer and operation, the time until they are in the file, the file emptied between iterations, every byte
 * counted). The JMH settings below are inherited by both benchmarks.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsPrepend = {"--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public abstract class AbstractDisruptorWriter
{
    /**
     * Slots in the ring: ringwriter's default.
     */
    static final int RING_SIZE = 64 * 1024;

    /**
     * Message size in bytes.
     */
    @Param({"64", "256", "1024"})
    public int size;

    /**
     * The consumer's wait: {@code SLEEPING} (the Disruptor's {@link SleepingWaitStrategy}, nearest to ringwriter's
     * default) or {@code YIELDING}.
     */
    @Param({"SLEEPING"})
    public String waitStrategy;

    private RingBuffer<Slot> ring;
    private BatchEventProcessor<Slot> processor;
    private Thread consumerThread;
    private FileChannel channel;
    private byte[] message;
    private int messages;
    private final AtomicLong produced = new AtomicLong();

    /**
     * @return the sequencer the ring is built with.
     */
    abstract ProducerType producerType();

    /**
     * A ring slot that owns its bytes.
     */
    static final class Slot
    {
        final byte[] bytes;
        int length;

        Slot(final int capacity)
        {
            bytes = new byte[capacity];
        }
    }

    /**
     * Copies messages into a 64 KiB buffer; writes it when full and at the end of each batch, before the processor
     * moves its sequence past the batch.
     */
    static final class Consumer implements EventHandler<Slot>
    {
        final ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
        final FileChannel channel;

        Consumer(final FileChannel channel)
        {
            this.channel = channel;
        }

        /**
         * {@inheritDoc}
         */
        public void onEvent(final Slot slot, final long sequence, final boolean endOfBatch)
        {
            if (buffer.remaining() < slot.length)
            {
                drain();
            }
            buffer.put(slot.bytes, 0, slot.length);
            if (endOfBatch)
            {
                drain();
            }
        }

        private void drain()
        {
            buffer.flip();
            try
            {
                while (buffer.hasRemaining())
                {
                    channel.write(buffer);
                }
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
            buffer.clear();
        }
    }

    /**
     * @param params of the run.
     * @throws IOException when the file cannot be opened.
     */
    @Setup(Level.Trial)
    public void setUp(final BenchmarkParams params) throws IOException
    {
        final Path path = BenchDirs.forTrial(params.getBenchmark() + "-" + size + "-" + producerType())
            .trialDir().resolve("ring");
        channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        message = Streams.message(size);
        messages = Streams.messagesPerOp(size, null);
        final int capacity = size;
        ring = RingBuffer.create(producerType(), () -> new Slot(capacity), RING_SIZE,
            "YIELDING".equals(waitStrategy) ? new YieldingWaitStrategy() : new SleepingWaitStrategy());
        processor = new BatchEventProcessorBuilder().build(ring, ring.newBarrier(), new Consumer(channel));
        ring.addGatingSequences(processor.getSequence());
        consumerThread = new Thread(processor, "disruptor-writer");
        consumerThread.setDaemon(true);
        consumerThread.start();
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
        produced.set(0);
    }

    /**
     * Every byte is in the file.
     *
     * @throws IOException when the size cannot be read.
     */
    @TearDown(Level.Iteration)
    public void tearDownIteration() throws IOException
    {
        Streams.checkBytes("hand-rolled Disruptor writer", produced.get(), channel.size());
    }

    /**
     * Stop the consumer and close the file.
     *
     * @throws Exception when the consumer does not stop.
     */
    @TearDown(Level.Trial)
    public void tearDown() throws Exception
    {
        processor.halt();
        consumerThread.join(10_000);
        channel.close();
    }

    /**
     * Publish every message of one operation, then wait until the consumer has written past the last of them.
     *
     * @return the last sequence published.
     */
    long produce()
    {
        final RingBuffer<Slot> ring = this.ring;
        final byte[] message = this.message;
        final int length = message.length;
        long sequence = -1;
        for (int i = 0, n = messages; i < n; i++)
        {
            sequence = ring.next();
            final Slot slot = ring.get(sequence);
            System.arraycopy(message, 0, slot.bytes, 0, length);
            slot.length = length;
            ring.publish(sequence);
        }
        produced.addAndGet((long)messages * length);
        final Sequence consumed = processor.getSequence();
        while (consumed.get() < sequence)
        {
            Thread.yield();
        }
        return sequence;
    }
}
