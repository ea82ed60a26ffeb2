package io.ringwriter;

import org.agrona.SystemUtil;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;
import java.util.Properties;

/**
 * Every setting of the engine: its property name, its default, and a reader that takes the default from a system
 * property of that name when one is set. {@link WriteEngine.Builder#properties(Properties)} reads the same names from
 * a {@link Properties} object, so an application configures the engine from a file too.
 * <p>
 * Sizes accept Agrona's suffixes ({@code 64k}, {@code 16m}); durations accept {@code ns}, {@code us}, {@code ms},
 * {@code s} ({@code 100ms}). Enumerations accept their names in any case, with {@code -} for {@code _}.
 */
public final class Configuration
{
    /**
     * Slots in the ring, a power of two.
     */
    public static final String RING_SIZE_PROP_NAME = "ringwriter.ring.size";
    /**
     * Default slots in the ring: 65,536.
     */
    public static final int RING_SIZE_DEFAULT = 64 * 1024;

    /**
     * Bytes stored per ring slot; a larger message takes consecutive slots.
     */
    public static final String SLOT_SIZE_PROP_NAME = "ringwriter.slot.size";
    /**
     * Default bytes per slot: 256. With the default ring size the ring holds 16 MiB of message bytes.
     */
    public static final int SLOT_SIZE_DEFAULT = 256;

    /**
     * Worker threads; each owns the files whose path hashes to it.
     */
    public static final String WORKERS_PROP_NAME = "ringwriter.workers";

    /**
     * Pin each worker thread to one core.
     */
    public static final String PIN_WORKERS_PROP_NAME = "ringwriter.pin.workers";
    /**
     * Default: not pinned.
     */
    public static final boolean PIN_WORKERS_DEFAULT = false;

    /**
     * How idle workers wait: blocking, sleeping, yielding or busy-spin.
     */
    public static final String WAIT_STRATEGY_PROP_NAME = "ringwriter.wait.strategy";
    /**
     * Default wait strategy: sleeping.
     */
    public static final WaitStrategyType WAIT_STRATEGY_DEFAULT = WaitStrategyType.SLEEPING;

    /**
     * When a write counts as done: none or fsync.
     */
    public static final String DURABILITY_PROP_NAME = "ringwriter.durability";
    /**
     * Default durability: the page cache.
     */
    public static final Durability DURABILITY_DEFAULT = Durability.NONE;

    /**
     * The mode of writes that do not name one.
     */
    public static final String WRITE_MODE_PROP_NAME = "ringwriter.write.mode";
    /**
     * Default mode: append.
     */
    public static final WriteMode WRITE_MODE_DEFAULT = WriteMode.APPEND;

    /**
     * Open file handles kept by all workers together; each worker keeps at most its share.
     */
    public static final String MAX_OPEN_FILES_PROP_NAME = "ringwriter.max.open.files";
    /**
     * Default open file handles: 1,024.
     */
    public static final int MAX_OPEN_FILES_DEFAULT = 1024;

    /**
     * When set, every path is resolved against this directory and nothing outside it is written.
     */
    public static final String ROOT_PROP_NAME = "ringwriter.root";

    /**
     * Create missing parent directories of a file.
     */
    public static final String CREATE_PARENTS_PROP_NAME = "ringwriter.create.parents";
    /**
     * Default: parents are created.
     */
    public static final boolean CREATE_PARENTS_DEFAULT = true;

    /**
     * Attempts per write including the first; 1 turns retries off.
     */
    public static final String RETRY_MAX_ATTEMPTS_PROP_NAME = "ringwriter.retry.max.attempts";
    /**
     * Default attempts: 3.
     */
    public static final int RETRY_MAX_ATTEMPTS_DEFAULT = 3;

    /**
     * Delay before the first retry.
     */
    public static final String RETRY_BASE_PROP_NAME = "ringwriter.retry.base";
    /**
     * Default delay before the first retry: 100 ms.
     */
    public static final long RETRY_BASE_DEFAULT_NS = 100_000_000L;

    /**
     * Largest delay between two attempts.
     */
    public static final String RETRY_CAP_PROP_NAME = "ringwriter.retry.cap";
    /**
     * Default largest delay: 1000 ms.
     */
    public static final long RETRY_CAP_DEFAULT_NS = 1_000_000_000L;

    /**
     * Fraction of each delay, in [0, 1], removed at random.
     */
    public static final String RETRY_JITTER_PROP_NAME = "ringwriter.retry.jitter";
    /**
     * Default jitter: none.
     */
    public static final double RETRY_JITTER_DEFAULT = 0.0;

    /**
     * Writes that can be set aside at once, waiting for a retry or behind one; preallocated. When all are taken the
     * worker that needs one waits: backpressure reaches the producers and nothing is dropped.
     */
    public static final String RETRY_SLOTS_PROP_NAME = "ringwriter.retry.slots";
    /**
     * Default retry slots: 1,024.
     */
    public static final int RETRY_SLOTS_DEFAULT = 1024;

    /**
     * Bytes of each worker's coalescing buffer: the writes of a batch to one file are copied into it and leave in
     * one system call per buffer.
     */
    public static final String STAGE_BUFFER_SIZE_PROP_NAME = "ringwriter.stage.buffer.size";
    /**
     * Default coalescing buffer: 256 KiB per worker.
     */
    public static final int STAGE_BUFFER_SIZE_DEFAULT = 256 * 1024;

    /**
     * How long {@code close()} waits for published writes and pending retries before it ends them as failed.
     */
    public static final String CLOSE_TIMEOUT_PROP_NAME = "ringwriter.close.timeout";
    /**
     * Default close timeout: 30 s.
     */
    public static final long CLOSE_TIMEOUT_DEFAULT_NS = 30_000_000_000L;

    /**
     * Whether one thread at a time publishes: the ring then uses the Disruptor's single-producer sequencer, with no
     * compare-and-set on the write path.
     */
    public static final String SINGLE_PRODUCER_PROP_NAME = "ringwriter.single.producer";
    /**
     * Default: any number of producer threads.
     */
    public static final boolean SINGLE_PRODUCER_DEFAULT = false;

    /**
     * Whether workers open files with the C library's open and write them through plain file descriptors (JNA), on
     * Linux when the engine has the real file system and no root; else through {@code FileChannel}s.
     */
    public static final String NATIVE_IO_PROP_NAME = "ringwriter.native.io";
    /**
     * Default: native where available.
     */
    public static final boolean NATIVE_IO_DEFAULT = true;

    /**
     * Whether the ring's memory goes on 2 MiB pages (Linux, rings of 2 MiB or more).
     */
    public static final String HUGE_PAGES_PROP_NAME = "ringwriter.huge.pages";
    /**
     * Default: huge pages where the kernel grants them.
     */
    public static final boolean HUGE_PAGES_DEFAULT = true;

    /**
     * How long a worker that finds only a few new events waits for more before it writes them, so that one system
     * call carries a bigger batch (group commit for throughput). 0 writes every batch at once (lowest latency).
     */
    public static final String LINGER_PROP_NAME = "ringwriter.linger";
    /**
     * Default linger: {@value} ns.
     */
    public static final long LINGER_DEFAULT_NS = 10_000L;

    /**
     * When set, the engine's counters live in this memory-mapped file, readable by {@code ringwriter stat}.
     */
    public static final String COUNTERS_FILE_PROP_NAME = "ringwriter.counters.file";

    private Configuration()
    {
    }

    /**
     * @return the ring size from {@value #RING_SIZE_PROP_NAME} or {@link #RING_SIZE_DEFAULT}.
     */
    public static int ringSize()
    {
        return SystemUtil.getSizeAsInt(RING_SIZE_PROP_NAME, RING_SIZE_DEFAULT);
    }

    /**
     * @return the slot size from {@value #SLOT_SIZE_PROP_NAME} or {@link #SLOT_SIZE_DEFAULT}.
     */
    public static int slotSize()
    {
        return SystemUtil.getSizeAsInt(SLOT_SIZE_PROP_NAME, SLOT_SIZE_DEFAULT);
    }

    /**
     * @return the worker count from {@value #WORKERS_PROP_NAME} or the number of available processors.
     */
    public static int workers()
    {
        return Integer.getInteger(WORKERS_PROP_NAME, Runtime.getRuntime().availableProcessors());
    }

    /**
     * @return pinning from {@value #PIN_WORKERS_PROP_NAME} or {@link #PIN_WORKERS_DEFAULT}.
     */
    public static boolean pinWorkers()
    {
        return bool(System.getProperty(PIN_WORKERS_PROP_NAME), PIN_WORKERS_DEFAULT, PIN_WORKERS_PROP_NAME);
    }

    /**
     * @return the wait strategy from {@value #WAIT_STRATEGY_PROP_NAME} or {@link #WAIT_STRATEGY_DEFAULT}.
     */
    public static WaitStrategyType waitStrategy()
    {
        return enumValue(
            WaitStrategyType.class, System.getProperty(WAIT_STRATEGY_PROP_NAME), WAIT_STRATEGY_DEFAULT,
            WAIT_STRATEGY_PROP_NAME);
    }

    /**
     * @return durability from {@value #DURABILITY_PROP_NAME} or {@link #DURABILITY_DEFAULT}.
     */
    public static Durability durability()
    {
        return enumValue(
            Durability.class, System.getProperty(DURABILITY_PROP_NAME), DURABILITY_DEFAULT, DURABILITY_PROP_NAME);
    }

    /**
     * @return the write mode from {@value #WRITE_MODE_PROP_NAME} or {@link #WRITE_MODE_DEFAULT}.
     */
    public static WriteMode writeMode()
    {
        return enumValue(
            WriteMode.class, System.getProperty(WRITE_MODE_PROP_NAME), WRITE_MODE_DEFAULT, WRITE_MODE_PROP_NAME);
    }

    /**
     * @return open file handles from {@value #MAX_OPEN_FILES_PROP_NAME} or {@link #MAX_OPEN_FILES_DEFAULT}.
     */
    public static int maxOpenFiles()
    {
        return Integer.getInteger(MAX_OPEN_FILES_PROP_NAME, MAX_OPEN_FILES_DEFAULT);
    }

    /**
     * @return the root from {@value #ROOT_PROP_NAME}, or null.
     */
    public static Path root()
    {
        final String value = System.getProperty(ROOT_PROP_NAME);
        return value == null || value.isEmpty() ? null : Paths.get(value);
    }

    /**
     * @return whether parents are created, from {@value #CREATE_PARENTS_PROP_NAME} or
     * {@link #CREATE_PARENTS_DEFAULT}.
     */
    public static boolean createParents()
    {
        return bool(System.getProperty(CREATE_PARENTS_PROP_NAME), CREATE_PARENTS_DEFAULT, CREATE_PARENTS_PROP_NAME);
    }

    /**
     * @return the retry policy from the {@code ringwriter.retry.*} properties or their defaults.
     */
    public static RetryPolicy retryPolicy()
    {
        return retryPolicy(
            Integer.getInteger(RETRY_MAX_ATTEMPTS_PROP_NAME, RETRY_MAX_ATTEMPTS_DEFAULT),
            SystemUtil.getDurationInNanos(RETRY_BASE_PROP_NAME, RETRY_BASE_DEFAULT_NS),
            SystemUtil.getDurationInNanos(RETRY_CAP_PROP_NAME, RETRY_CAP_DEFAULT_NS),
            doubleValue(System.getProperty(RETRY_JITTER_PROP_NAME), RETRY_JITTER_DEFAULT, RETRY_JITTER_PROP_NAME));
    }

    /**
     * @return retry slots from {@value #RETRY_SLOTS_PROP_NAME} or {@link #RETRY_SLOTS_DEFAULT}.
     */
    public static int retrySlots()
    {
        return Integer.getInteger(RETRY_SLOTS_PROP_NAME, RETRY_SLOTS_DEFAULT);
    }

    /**
     * @return the coalescing buffer size from {@value #STAGE_BUFFER_SIZE_PROP_NAME} or
     * {@link #STAGE_BUFFER_SIZE_DEFAULT}.
     */
    public static int stageBufferSize()
    {
        return SystemUtil.getSizeAsInt(STAGE_BUFFER_SIZE_PROP_NAME, STAGE_BUFFER_SIZE_DEFAULT);
    }

    /**
     * @return single-producer mode from {@value #SINGLE_PRODUCER_PROP_NAME} or {@link #SINGLE_PRODUCER_DEFAULT}.
     */
    public static boolean singleProducer()
    {
        return bool(System.getProperty(SINGLE_PRODUCER_PROP_NAME), SINGLE_PRODUCER_DEFAULT, SINGLE_PRODUCER_PROP_NAME);
    }

    /**
     * @return native file I/O from {@value #NATIVE_IO_PROP_NAME} or {@link #NATIVE_IO_DEFAULT}.
     */
    public static boolean nativeIo()
    {
        return bool(System.getProperty(NATIVE_IO_PROP_NAME), NATIVE_IO_DEFAULT, NATIVE_IO_PROP_NAME);
    }

    /**
     * @return huge pages for the ring from {@value #HUGE_PAGES_PROP_NAME} or {@link #HUGE_PAGES_DEFAULT}.
     */
    public static boolean hugePages()
    {
        return bool(System.getProperty(HUGE_PAGES_PROP_NAME), HUGE_PAGES_DEFAULT, HUGE_PAGES_PROP_NAME);
    }

    /**
     * @return the linger in nanoseconds from {@value #LINGER_PROP_NAME} or {@link #LINGER_DEFAULT_NS}.
     */
    public static long lingerNs()
    {
        return SystemUtil.getDurationInNanos(LINGER_PROP_NAME, LINGER_DEFAULT_NS);
    }

    /**
     * @return the close timeout in nanoseconds from {@value #CLOSE_TIMEOUT_PROP_NAME} or
     * {@link #CLOSE_TIMEOUT_DEFAULT_NS}.
     */
    public static long closeTimeoutNs()
    {
        return SystemUtil.getDurationInNanos(CLOSE_TIMEOUT_PROP_NAME, CLOSE_TIMEOUT_DEFAULT_NS);
    }

    /**
     * @return the counters file from {@value #COUNTERS_FILE_PROP_NAME}, or null.
     */
    public static Path countersFile()
    {
        final String value = System.getProperty(COUNTERS_FILE_PROP_NAME);
        return value == null || value.isEmpty() ? null : Paths.get(value);
    }

    static RetryPolicy retryPolicy(final int maxAttempts, final long baseNs, final long capNs, final double jitter)
    {
        final RetryPolicy policy = maxAttempts <= 1 ? RetryPolicy.none() : RetryPolicy.exponential(
            maxAttempts, java.time.Duration.ofNanos(baseNs), java.time.Duration.ofNanos(capNs));
        return jitter > 0.0 ? policy.withJitter(jitter) : policy;
    }

    static boolean bool(final String value, final boolean defaultValue, final String name)
    {
        if (value == null || value.isBlank())
        {
            return defaultValue;
        }
        final String v = value.trim().toLowerCase(Locale.ROOT);
        if ("true".equals(v) || "yes".equals(v) || "1".equals(v))
        {
            return true;
        }
        if ("false".equals(v) || "no".equals(v) || "0".equals(v))
        {
            return false;
        }
        throw new IllegalArgumentException(name + " must be true or false: " + name + "=" + value);
    }

    static double doubleValue(final String value, final double defaultValue, final String name)
    {
        if (value == null || value.isBlank())
        {
            return defaultValue;
        }
        try
        {
            return Double.parseDouble(value.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(name + " must be a number: " + name + "=" + value, ex);
        }
    }

    static int intValue(final String value, final int defaultValue, final String name)
    {
        if (value == null || value.isBlank())
        {
            return defaultValue;
        }
        try
        {
            return Integer.parseInt(value.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(name + " must be an integer: " + name + "=" + value, ex);
        }
    }

    static <E extends Enum<E>> E enumValue(
        final Class<E> type, final String value, final E defaultValue, final String name)
    {
        if (value == null || value.isBlank())
        {
            return defaultValue;
        }
        final String v = value.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (final E e : type.getEnumConstants())
        {
            if (e.name().equals(v))
            {
                return e;
            }
        }
        throw new IllegalArgumentException(
            name + " must be one of " + java.util.Arrays.toString(type.getEnumConstants()) + ": " + name + "=" + value);
    }
}
