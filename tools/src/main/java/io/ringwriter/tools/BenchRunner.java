package io.ringwriter.tools;

import io.ringwriter.BatchResult;
import io.ringwriter.Configuration;
import io.ringwriter.Durability;
import io.ringwriter.EngineStats;
import io.ringwriter.WriteEngine;
import io.ringwriter.WriteRequest;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs bench cases: each operation of ringwriter and of the plain-Java baseline into a fresh directory (files are
 * never deleted while measuring: on ext4 a create-then-delete loop makes creates slow), after a warm-up, the two
 * interleaved (A B, B A, ...), with the time and the bytes allocated of every operation.
 * <p>
 * Allocation is measured with {@code com.sun.management.ThreadMXBean#getThreadAllocatedBytes} summed over every
 * live JVM thread (the calling thread, the engine's workers and retry agent, the baseline's pool), minus the cost of
 * the measurement itself.
 * <p>
 * Not thread safe: one thread drives it.
 */
final class BenchRunner
{
    /**
     * How the cases run.
     *
     * @param dataDir       where each operation gets a fresh directory; nothing is deleted here.
     * @param reps          measured operations per implementation and case.
     * @param warmup        unmeasured operations per implementation before the measured ones.
     * @param threads       the baseline's pool size (the engine's workers when given).
     * @param durability    of both implementations: {@link Durability#FSYNC} forces every file.
     * @param messageSize   bytes per message.
     * @param engineProps   the engine's settings.
     */
    record Settings(
        Path dataDir, int reps, int warmup, int threads, Durability durability, int messageSize,
        Properties engineProps)
    {
    }

    /**
     * One measured operation.
     *
     * @param ns             wall time.
     * @param allocatedBytes by all threads during the operation.
     */
    record Sample(long ns, long allocatedBytes)
    {
    }

    /**
     * The measured operations of one implementation in one case.
     *
     * @param ns    times of the operations, in the order run.
     * @param bytes allocated bytes of the operations, in the order run.
     */
    record Series(long[] ns, long[] bytes)
    {
        long medianNs()
        {
            return median(ns);
        }

        long medianBytes()
        {
            return median(bytes);
        }

        long minNs()
        {
            return Arrays.stream(ns).min().orElse(0);
        }

        long maxNs()
        {
            return Arrays.stream(ns).max().orElse(0);
        }
    }

    /**
     * The outcome of one case.
     *
     * @param benchCase  the case.
     * @param ringwriter its measured operations.
     * @param baseline   the baseline's.
     * @param ratio      median over the interleaved pairs of baseline time / ringwriter time (above 1: ringwriter
     *                   is faster).
     * @param stats      the engine's counters at the end of the case.
     */
    record CaseResult(BenchCase benchCase, Series ringwriter, Series baseline, double ratio, EngineStats stats)
    {
    }

    /**
     * Told after each operation.
     */
    interface Listener
    {
        /**
         * @param benchCase the case running.
         * @param phase     what just finished, for example "rep 3/5".
         */
        void onOperation(BenchCase benchCase, String phase);
    }

    private final Settings settings;
    private final Listener listener;
    private final byte[] message;
    private final AllocationMeter meter = new AllocationMeter();

    BenchRunner(final Settings settings, final Listener listener)
    {
        this.settings = settings;
        this.listener = listener;
        this.message = new byte[settings.messageSize()];
        for (int i = 0; i < message.length; i++)
        {
            message[i] = (byte)('a' + i % 26);
        }
        if (message.length > 0)
        {
            message[message.length - 1] = '\n';
        }
    }

    /**
     * @return how allocation is measured, for the report.
     */
    static String allocationMethod()
    {
        return "bytes allocated by all live JVM threads during the operation (calling thread, engine workers and " +
            "retry agent, baseline pool), com.sun.management.ThreadMXBean.getThreadAllocatedBytes, less the " +
            "measurement's own";
    }

    /**
     * @return true when allocation can be measured in this JVM.
     */
    boolean allocationSupported()
    {
        return meter.supported;
    }

    /**
     * Warm-up, then the measured operations, interleaved.
     *
     * @param benchCase to run.
     * @return its outcome.
     * @throws ToolException when an operation failed or did not write every byte.
     */
    CaseResult run(final BenchCase benchCase)
    {
        final int reps = settings.reps();
        final long[] rwNs = new long[reps];
        final long[] rwBytes = new long[reps];
        final long[] baseNs = new long[reps];
        final long[] baseBytes = new long[reps];
        final double[] ratios = new double[reps];
        final EngineStats stats;
        try (Workload workload = open(benchCase))
        {
            for (int w = 0; w < settings.warmup(); w++)
            {
                workload.ringwriter(dir(benchCase, "warmup" + w + "-ringwriter"), false);
                listener.onOperation(benchCase, "warm-up " + (w + 1) + "/" + settings.warmup());
                workload.baseline(dir(benchCase, "warmup" + w + "-baseline"), false);
                listener.onOperation(benchCase, "warm-up " + (w + 1) + "/" + settings.warmup());
            }
            for (int r = 0; r < reps; r++)
            {
                final boolean verify = r == reps - 1;
                final String phase = "rep " + (r + 1) + "/" + reps;
                final Sample rw;
                final Sample base;
                if ((r & 1) == 0)
                {
                    rw = workload.ringwriter(dir(benchCase, "rep" + r + "-ringwriter"), verify);
                    listener.onOperation(benchCase, phase);
                    base = workload.baseline(dir(benchCase, "rep" + r + "-baseline"), verify);
                    listener.onOperation(benchCase, phase);
                }
                else
                {
                    base = workload.baseline(dir(benchCase, "rep" + r + "-baseline"), verify);
                    listener.onOperation(benchCase, phase);
                    rw = workload.ringwriter(dir(benchCase, "rep" + r + "-ringwriter"), verify);
                    listener.onOperation(benchCase, phase);
                }
                rwNs[r] = rw.ns();
                rwBytes[r] = rw.allocatedBytes();
                baseNs[r] = base.ns();
                baseBytes[r] = base.allocatedBytes();
                ratios[r] = (double)base.ns() / Math.max(1, rw.ns());
            }
            stats = workload.engine.stats();
        }
        Arrays.sort(ratios);
        final double ratio = reps == 0 ? Double.NaN :
            (reps & 1) == 1 ? ratios[reps / 2] : (ratios[reps / 2 - 1] + ratios[reps / 2]) / 2.0;
        return new CaseResult(
            benchCase, new Series(rwNs, rwBytes), new Series(baseNs, baseBytes), ratio, stats);
    }

    /**
     * Run a few operations of both implementations and throw the results away: compiles the hot paths and touches
     * memory before the first measured case.
     *
     * @param files      per operation.
     * @param operations per implementation.
     * @return microseconds per file of the baseline's last warm-up operation: how fast this file system creates
     * files right now.
     */
    double warmUp(final int files, final int operations)
    {
        final BenchCase warm = new BenchCase("warm-up", BenchCase.Group.MANY_FILES, files, true, false, 0);
        double baselineUsPerFile = 0;
        try (Workload workload = open(warm))
        {
            for (int i = 0; i < operations; i++)
            {
                workload.ringwriter(dir(warm, i + "-ringwriter"), i == operations - 1);
                listener.onOperation(warm, "op " + (i + 1) + "/" + operations);
                final Sample base = workload.baseline(dir(warm, i + "-baseline"), i == operations - 1);
                listener.onOperation(warm, "op " + (i + 1) + "/" + operations);
                baselineUsPerFile = base.ns() / 1e3 / files;
            }
        }
        return baselineUsPerFile;
    }

    /**
     * A fresh directory for one operation.
     *
     * @param benchCase the case.
     * @param label     unique within the case.
     * @return the directory, created.
     */
    Path dir(final BenchCase benchCase, final String label)
    {
        final Path dir = settings.dataDir().resolve(benchCase.name()).resolve(label);
        try
        {
            if (Files.exists(dir))
            {
                throw new ToolException("bench directory exists already (use a fresh --dir): " + dir);
            }
            Files.createDirectories(dir);
        }
        catch (final IOException ex)
        {
            throw new ToolException("cannot create " + dir + ": " + ex, ex);
        }
        return dir;
    }

    /**
     * Start an engine and a baseline pool for a case.
     *
     * @param benchCase to run.
     * @return the workload; close it to stop both.
     */
    Workload open(final BenchCase benchCase)
    {
        return new Workload(benchCase);
    }

    /**
     * An engine and a baseline pool set up for one case: runs single operations of either.
     */
    final class Workload implements AutoCloseable
    {
        private final BenchCase benchCase;
        private final WriteEngine engine;
        private final ThreadPoolExecutor pool;
        private final ByteBuffer[] streamBuffers;

        Workload(final BenchCase benchCase)
        {
            this.benchCase = benchCase;
            final Properties props = new Properties();
            props.putAll(settings.engineProps());
            if (!benchCase.retries())
            {
                props.setProperty(Configuration.RETRY_MAX_ATTEMPTS_PROP_NAME, "1");
            }
            props.setProperty(Configuration.DURABILITY_PROP_NAME, settings.durability().name());
            engine = EngineOptions.builder(props).failureHandler(
                (path, buffer, offset, length, attempts, cause) ->
                {
                    // The batch's result carries every failure; the operation checks it.
                }).build();
            final AtomicInteger count = new AtomicInteger();
            pool = new ThreadPoolExecutor(
                settings.threads(), settings.threads(), 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                (runnable) ->
                {
                    final Thread thread = new Thread(runnable, "baseline-" + count.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
            pool.prestartAllCoreThreads();
            streamBuffers = new ByteBuffer[benchCase.isStream() ? benchCase.files() : 0];
            for (int i = 0; i < streamBuffers.length; i++)
            {
                streamBuffers[i] = ByteBuffer.allocateDirect(64 * 1024);
            }
            // The threads whose allocation counts: every thread alive now, the engine's and the pool's included.
            meter.refreshThreads();
        }

        /**
         * @return the engine of this workload.
         */
        WriteEngine engine()
        {
            return engine;
        }

        /**
         * One ringwriter operation.
         *
         * @param dir    fresh, empty.
         * @param verify read every file's size back afterwards (outside the measurement).
         * @return the measurement.
         */
        Sample ringwriter(final Path dir, final boolean verify)
        {
            final Path[] paths = paths(dir);
            final Sample sample;
            if (benchCase.isStream())
            {
                sample = streamRingwriter(paths);
            }
            else
            {
                final List<Path> list = Arrays.asList(paths);
                final long before = meter.total();
                final long start = System.nanoTime();
                final BatchResult result;
                if (benchCase.batch())
                {
                    final List<WriteRequest> requests = new ArrayList<>(paths.length);
                    for (final Path path : paths)
                    {
                        requests.add(WriteRequest.of(path, message));
                    }
                    result = engine.submitBatch(requests).join();
                }
                else
                {
                    result = engine.writeAll(list, message).join();
                }
                final long ns = System.nanoTime() - start;
                final long bytes = meter.total() - before - meter.overhead;
                if (result.succeeded() != paths.length)
                {
                    throw new ToolException("ringwriter wrote " + result.succeeded() + " of " + paths.length +
                        " files in " + benchCase.name() + "; first failure: " +
                        (result.failures().isEmpty() ? "none reported" : result.failures().get(0)));
                }
                sample = new Sample(ns, Math.max(0, bytes));
            }
            if (verify)
            {
                verify(paths, "ringwriter");
            }
            return sample;
        }

        /**
         * One baseline operation: a fixed pool calling {@code Files.write} per file (streaming: the calling thread
         * with a 64 KiB buffer per file).
         *
         * @param dir    fresh, empty.
         * @param verify read every file's size back afterwards (outside the measurement).
         * @return the measurement.
         */
        Sample baseline(final Path dir, final boolean verify)
        {
            final Path[] paths = paths(dir);
            final Sample sample = benchCase.isStream() ? streamBaseline(paths) : createBaseline(dir, paths);
            if (verify)
            {
                verify(paths, "baseline");
            }
            return sample;
        }

        private Sample createBaseline(final Path dir, final Path[] paths)
        {
            final boolean fsync = settings.durability() == Durability.FSYNC;
            final long before = meter.total();
            final long start = System.nanoTime();
            final CountDownLatch done = new CountDownLatch(paths.length);
            final AtomicReference<Throwable> error = new AtomicReference<>();
            for (final Path path : paths)
            {
                pool.execute(() ->
                {
                    try
                    {
                        if (fsync)
                        {
                            writeAndForce(path, message);
                        }
                        else
                        {
                            Files.write(path, message);
                        }
                    }
                    catch (final IOException | RuntimeException ex)
                    {
                        error.compareAndSet(null, ex);
                    }
                    finally
                    {
                        done.countDown();
                    }
                });
            }
            awaitUninterruptibly(done);
            if (fsync)
            {
                forceDirectory(dir);
            }
            final long ns = System.nanoTime() - start;
            final long bytes = meter.total() - before - meter.overhead;
            if (error.get() != null)
            {
                throw new ToolException("baseline failed in " + benchCase.name() + ": " + error.get(), error.get());
            }
            return new Sample(ns, Math.max(0, bytes));
        }

        private Sample streamRingwriter(final Path[] paths)
        {
            final long messages = benchCase.messages();
            final int files = paths.length;
            final byte[] msg = message;
            final WriteEngine e = engine;
            final long before = meter.total();
            final long start = System.nanoTime();
            int f = 0;
            for (long i = 0; i < messages; i++)
            {
                e.write(paths[f], msg);
                if (++f == files)
                {
                    f = 0;
                }
            }
            e.flush();
            final long ns = System.nanoTime() - start;
            final long bytes = meter.total() - before - meter.overhead;
            checkStreamBytes(paths, "ringwriter");
            return new Sample(ns, Math.max(0, bytes));
        }

        private Sample streamBaseline(final Path[] paths)
        {
            final long messages = benchCase.messages();
            final int files = paths.length;
            final byte[] msg = message;
            final boolean fsync = settings.durability() == Durability.FSYNC;
            final FileChannel[] channels = new FileChannel[files];
            final long before = meter.total();
            final long start = System.nanoTime();
            try
            {
                for (int i = 0; i < files; i++)
                {
                    channels[i] = FileChannel.open(
                        paths[i], StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
                    streamBuffers[i].clear();
                }
                int f = 0;
                for (long i = 0; i < messages; i++)
                {
                    final ByteBuffer buffer = streamBuffers[f];
                    if (buffer.remaining() < msg.length)
                    {
                        drain(channels[f], buffer);
                    }
                    buffer.put(msg);
                    if (++f == files)
                    {
                        f = 0;
                    }
                }
                for (int i = 0; i < files; i++)
                {
                    drain(channels[i], streamBuffers[i]);
                    if (fsync)
                    {
                        channels[i].force(false);
                    }
                    channels[i].close();
                }
            }
            catch (final IOException ex)
            {
                throw new ToolException("baseline failed in " + benchCase.name() + ": " + ex, ex);
            }
            final long ns = System.nanoTime() - start;
            final long bytes = meter.total() - before - meter.overhead;
            checkStreamBytes(paths, "baseline");
            return new Sample(ns, Math.max(0, bytes));
        }

        private void checkStreamBytes(final Path[] paths, final String who)
        {
            long total = 0;
            for (final Path path : paths)
            {
                total += size(path);
            }
            final long expected = benchCase.messages() * message.length;
            if (total != expected)
            {
                throw new ToolException(who + " streamed " + total + " bytes, expected " + expected + " (" +
                    benchCase.messages() + " messages of " + message.length + " bytes)");
            }
        }

        private void verify(final Path[] paths, final String who)
        {
            if (benchCase.isStream())
            {
                return;
            }
            for (final Path path : paths)
            {
                final long size = size(path);
                if (size != message.length)
                {
                    throw new ToolException(who + " left " + path + " with " + size + " bytes, expected " +
                        message.length);
                }
            }
        }

        private Path[] paths(final Path dir)
        {
            final Path[] paths = new Path[benchCase.files()];
            for (int i = 0; i < paths.length; i++)
            {
                paths[i] = dir.resolve("f" + i);
            }
            return paths;
        }

        @Override
        public void close()
        {
            pool.shutdownNow();
            engine.close();
        }
    }

    private static long size(final Path path)
    {
        try
        {
            return Files.size(path);
        }
        catch (final IOException ex)
        {
            return -1;
        }
    }

    private static void writeAndForce(final Path path, final byte[] data) throws IOException
    {
        try (FileChannel channel = FileChannel.open(
            path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING))
        {
            final ByteBuffer buffer = ByteBuffer.wrap(data);
            while (buffer.hasRemaining())
            {
                channel.write(buffer);
            }
            channel.force(true);
        }
    }

    private static void forceDirectory(final Path dir)
    {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ))
        {
            channel.force(true);
        }
        catch (final IOException ex)
        {
            throw new ToolException("cannot force directory " + dir + ": " + ex, ex);
        }
    }

    private static void drain(final FileChannel channel, final ByteBuffer buffer) throws IOException
    {
        buffer.flip();
        while (buffer.hasRemaining())
        {
            channel.write(buffer);
        }
        buffer.clear();
    }

    private static void awaitUninterruptibly(final CountDownLatch latch)
    {
        boolean interrupted = false;
        while (true)
        {
            try
            {
                latch.await();
                break;
            }
            catch (final InterruptedException ex)
            {
                interrupted = true;
            }
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
    }

    static long median(final long[] values)
    {
        if (values.length == 0)
        {
            return 0;
        }
        final long[] sorted = values.clone();
        Arrays.sort(sorted);
        final int mid = sorted.length / 2;
        return (sorted.length & 1) == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /**
     * Sums the bytes allocated by a set of threads; the set is refreshed when a case starts its threads.
     */
    private static final class AllocationMeter
    {
        private final com.sun.management.ThreadMXBean mx;
        private final boolean supported;
        private long[] ids = new long[0];
        private long overhead;

        AllocationMeter()
        {
            final java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
            if (bean instanceof com.sun.management.ThreadMXBean)
            {
                mx = (com.sun.management.ThreadMXBean)bean;
                boolean ok = mx.isThreadAllocatedMemorySupported();
                if (ok && !mx.isThreadAllocatedMemoryEnabled())
                {
                    try
                    {
                        mx.setThreadAllocatedMemoryEnabled(true);
                    }
                    catch (final UnsupportedOperationException | SecurityException ex)
                    {
                        ok = false;
                    }
                }
                supported = ok;
            }
            else
            {
                mx = null;
                supported = false;
            }
        }

        void refreshThreads()
        {
            if (!supported)
            {
                return;
            }
            ids = mx.getAllThreadIds();
            long min = Long.MAX_VALUE;
            for (int i = 0; i < 8; i++)
            {
                final long a = total();
                final long b = total();
                min = Math.min(min, b - a);
            }
            overhead = Math.max(0, min);
        }

        long total()
        {
            if (!supported)
            {
                return 0;
            }
            final long[] bytes = mx.getThreadAllocatedBytes(ids);
            long sum = 0;
            for (final long b : bytes)
            {
                if (b > 0)
                {
                    sum += b;
                }
            }
            return sum;
        }
    }
}
