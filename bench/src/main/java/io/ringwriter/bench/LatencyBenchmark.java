package io.ringwriter.bench;

import io.ringwriter.Durability;
import io.ringwriter.WaitStrategyType;
import io.ringwriter.WriteEngine;
import org.HdrHistogram.Histogram;
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
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Latency at a fixed offered rate, corrected for coordinated omission: message i is due at
 * {@code start + i / rate}; every figure is measured from that intended time, so a producer held up (ring full,
 * descheduled) charges the delay to every message it made late. One single-shot operation sends one second's worth
 * of messages ({@code rate}) to one file.
 * <ul>
 * <li>{@code call}: from the intended send time to the return of {@link WriteEngine#write(Path, byte[])}.</li>
 * <li>{@code callService}: the call alone (return minus call start), not corrected: for comparison.</li>
 * <li>{@code written}: from the intended send time until the file's size shows the message (the producer polls
 * {@code fstat} on the file every {@link #POLL_NS} while it waits for the next send time, so a figure may be late
 * by that much plus one system call, never early).</li>
 * <li>{@code durable} (FSYNC only): one message in {@link #DURABLE_SAMPLE} is sent with
 * {@link WriteEngine#submit(Path, byte[])} instead; from its intended time until its future completes, which the
 * engine does after the force, through its agent thread (so it includes that hand-off).</li>
 * </ul>
 * {@code pacingOnly} runs the same loop (the same schedule, the same {@code fstat} polling, the same recording) with
 * no engine and no write: its {@code call} figure is what this machine and harness charge a message that costs
 * nothing, the floor under every corrected figure above (a hypervisor's pauses and the kernel's timer interrupts
 * show there, not in the engine).
 * <p>
 * Percentiles over the measurement iterations are printed (lines starting {@code RINGWRITER-BENCH-LATENCY}) and
 * written to {@code latency-<rate>-<durability>.txt} in the directory named by the system property
 * {@code ringwriter.bench.out} (when set), which the report reads.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsPrepend = {"--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class LatencyBenchmark
{
    /**
     * How often the producer looks at the file size, at most.
     */
    static final long POLL_NS = 10_000;

    /**
     * Under FSYNC, one message in this many is submitted with a future to time it to durable.
     */
    static final int DURABLE_SAMPLE = 100;

    /**
     * System property naming the directory for the percentile files.
     */
    public static final String OUT_PROP_NAME = "ringwriter.bench.out";

    /**
     * Offered rate, messages per second.
     */
    @Param({"100000", "1000000"})
    public int rate;

    /**
     * Durability of the engine.
     */
    @Param({"NONE", "FSYNC"})
    public String durability;

    /**
     * Message size in bytes.
     */
    @Param({"64"})
    public int size;

    /**
     * How idle workers wait.
     */
    @Param({"SLEEPING"})
    public String waitStrategy;

    /**
     * Worker threads; 0 means the engine's default (one per CPU).
     */
    @Param({"0"})
    public int workers;

    private final Histogram call = histogram();
    private final Histogram callService = histogram();
    private final Histogram written = histogram();
    private final Histogram durable = histogram();

    private WriteEngine engine;
    private Path file;
    private FileChannel sizer;
    private byte[] message;
    private boolean recording;
    private long[] durableDone;
    private long[] durableIntended;
    private String label;
    private String fileName;
    private long preemptions;

    private static Histogram histogram()
    {
        return new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    }

    /**
     * @param params of the run.
     * @throws IOException when the file cannot be made.
     */
    @Setup(Level.Trial)
    public void setUp(final BenchmarkParams params) throws IOException
    {
        final boolean pacingOnly = params.getBenchmark().endsWith(".pacingOnly");
        label = "rate=" + rate + " durability=" + durability + " size=" + size + " waitStrategy=" + waitStrategy +
            " workers=" + workers + " writer=" + (pacingOnly ? "none" : "ringwriter");
        fileName = pacingOnly ? "latency-pacing-" + rate + ".txt" :
            "latency-" + rate + "-" + durability + "-" + waitStrategy + "-w" + workers + ".txt";
        file = BenchDirs.forTrial(params.getBenchmark() + "-" + rate + "-" + durability).trialDir().resolve("lat");
        Files.createFile(file);
        sizer = FileChannel.open(file, StandardOpenOption.READ);
        message = Streams.message(size);
        if (pacingOnly)
        {
            // No engine: no worker or agent thread competes with the loop for the CPUs.
            return;
        }
        final WriteEngine.Builder builder = WriteEngine.builder()
            .durability(Durability.valueOf(durability))
            .waitStrategy(WaitStrategyType.valueOf(waitStrategy));
        if (workers > 0)
        {
            builder.workers(workers);
        }
        engine = builder.build();
        durableDone = new long[rate / DURABLE_SAMPLE + 1];
        durableIntended = new long[rate / DURABLE_SAMPLE + 1];
    }

    /**
     * Empty the file; record only in measurement iterations.
     *
     * @param iteration tells warmup from measurement.
     */
    @Setup(Level.Iteration)
    public void setUpIteration(final IterationParams iteration)
    {
        if (engine != null)
        {
            engine.flush();
        }
        Streams.truncate(file);
        recording = iteration.getType() == IterationType.MEASUREMENT;
    }

    /**
     * Send one second's worth of messages at the offered rate.
     *
     * @return messages seen written (consumed by JMH).
     * @throws IOException when the size cannot be read.
     */
    @Benchmark
    public long offeredLoad() throws IOException
    {
        final WriteEngine engine = this.engine;
        final Path file = this.file;
        final byte[] message = this.message;
        final int size = message.length;
        final boolean fsync = "FSYNC".equals(durability);
        final int count = rate;
        final Pacer pacer = new Pacer(rate, size);
        int samples = 0;
        final long preemptedBefore = involuntarySwitches();
        for (int i = 0; i < count; i++)
        {
            final long intended = pacer.awaitSendTime(i);
            if (fsync && i % DURABLE_SAMPLE == 0)
            {
                final int k = samples++;
                durableIntended[k] = intended;
                durableDone[k] = 0;
                engine.submit(file, message).whenComplete((result, failure) -> durableDone[k] = System.nanoTime());
                continue;
            }
            final long t0 = System.nanoTime();
            engine.write(file, message);
            final long t1 = System.nanoTime();
            if (recording)
            {
                call.recordValue(t1 - intended);
                callService.recordValue(t1 - t0);
            }
            pacer.pollIfDue(t1);
        }
        if (recording)
        {
            preemptions += involuntarySwitches() - preemptedBefore;
        }
        while (pacer.seen < count)
        {
            pacer.poll(System.nanoTime());
        }
        engine.flush();
        for (int k = 0; k < samples; k++)
        {
            while (durableDone[k] == 0)
            {
                Thread.onSpinWait();
            }
            if (recording)
            {
                durable.recordValue(Math.max(0, durableDone[k] - durableIntended[k]));
            }
        }
        Streams.checkBytes("latency file " + label, (long)count * size, sizer.size());
        return pacer.seen;
    }

    /**
     * The same schedule, polling and recording as {@link #offeredLoad()} with no write: the machine's and the
     * harness's own corrected latency at this rate ({@code call}: from the intended time to the moment the loop
     * would have returned from the write).
     *
     * @return messages due (consumed by JMH).
     * @throws IOException when the size cannot be read.
     */
    @Benchmark
    public long pacingOnly() throws IOException
    {
        final int count = rate;
        final Pacer pacer = new Pacer(rate, message.length);
        final long preemptedBefore = involuntarySwitches();
        for (int i = 0; i < count; i++)
        {
            final long intended = pacer.awaitSendTime(i);
            final long t1 = System.nanoTime();
            if (recording)
            {
                call.recordValue(t1 - intended);
            }
            pacer.pollIfDue(t1);
        }
        if (recording)
        {
            preemptions += involuntarySwitches() - preemptedBefore;
        }
        Streams.checkBytes("latency file (pacing only, nothing written) " + label, 0, sizer.size());
        return count;
    }

    /**
     * How often the kernel took the CPU from this thread against its will (Linux; 0 elsewhere): a producer that
     * spins through its schedule is only preempted when more threads want to run than there are CPUs, and each
     * preemption costs a scheduler slice (milliseconds) of coordinated-omission-corrected latency.
     */
    private static long involuntarySwitches()
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/thread-self/status")))
            {
                if (line.startsWith("nonvoluntary_ctxt_switches:"))
                {
                    return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            return 0;
        }
        return 0;
    }

    /**
     * The schedule of one operation (message i is due at {@code start + i / rate}) and the polling of the file's
     * size, which records each message's {@code written} time the first time the size shows it.
     */
    private final class Pacer
    {
        private final long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1);
        private final long interval;
        private final int size;
        private long seen;
        private long lastPoll;

        Pacer(final int rate, final int size)
        {
            this.interval = TimeUnit.SECONDS.toNanos(1) / rate;
            this.size = size;
        }

        /**
         * Spin until message {@code i} is due, polling the size meanwhile.
         *
         * @return the intended send time.
         */
        long awaitSendTime(final int i) throws IOException
        {
            final long intended = start + i * interval;
            long now = System.nanoTime();
            while (now < intended)
            {
                pollIfDue(now);
                now = System.nanoTime();
            }
            return intended;
        }

        void pollIfDue(final long now) throws IOException
        {
            if (now - lastPoll >= POLL_NS)
            {
                poll(now);
            }
        }

        void poll(final long now) throws IOException
        {
            final long inFile = sizer.size() / size;
            if (recording)
            {
                for (long m = seen; m < inFile; m++)
                {
                    written.recordValue(Math.max(0, now - (start + m * interval)));
                }
            }
            seen = Math.max(seen, inFile);
            lastPoll = now;
        }
    }

    /**
     * Print and save the percentiles; close the engine.
     *
     * @throws IOException when the summary cannot be written.
     */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException
    {
        sizer.close();
        final Map<String, Histogram> all = new LinkedHashMap<>();
        all.put("call", call);
        if (engine != null)
        {
            engine.close();
            all.put("callService", callService);
            all.put("written", written);
            if ("FSYNC".equals(durability))
            {
                all.put("durable", durable);
            }
        }
        final StringBuilder text = new StringBuilder();
        for (final Map.Entry<String, Histogram> e : all.entrySet())
        {
            final Histogram h = e.getValue();
            text.append("RINGWRITER-BENCH-LATENCY ").append(label).append(" metric=").append(e.getKey())
                .append(" count=").append(h.getTotalCount())
                .append(" p50=").append(h.getValueAtPercentile(50))
                .append(" p99=").append(h.getValueAtPercentile(99))
                .append(" p99.9=").append(h.getValueAtPercentile(99.9))
                .append(" p99.99=").append(h.getValueAtPercentile(99.99))
                .append(" max=").append(h.getMaxValue())
                .append(" unit=ns")
                .append(" producerPreemptions=").append(preemptions)
                .append('\n');
        }
        final PrintStream out = System.out;
        out.print(text);
        final String dir = System.getProperty(OUT_PROP_NAME);
        if (dir != null && !dir.isEmpty())
        {
            Files.createDirectories(Path.of(dir));
            Files.writeString(Path.of(dir, fileName), text, StandardCharsets.US_ASCII);
        }
    }
}
