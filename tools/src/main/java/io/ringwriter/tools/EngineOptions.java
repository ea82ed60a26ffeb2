package io.ringwriter.tools;

import io.ringwriter.Configuration;
import io.ringwriter.Durability;
import io.ringwriter.WaitStrategyType;
import io.ringwriter.WriteEngine;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;

/**
 * The engine settings every subcommand that runs an engine shares: {@code --config FILE} (a properties file with the
 * keys of {@link Configuration}) and one option per setting. An option given on the command line wins over the file;
 * a setting given by neither keeps the engine's default.
 * <p>
 * Not thread safe; filled in by picocli.
 */
final class EngineOptions
{
    @Option(names = "--config", paramLabel = "FILE",
        description = "Engine settings from a properties file with the keys of io.ringwriter.Configuration " +
            "(ringwriter.ring.size, ringwriter.workers, ...). Options on the command line win over the file.")
    Path config;

    @Option(names = "--workers", paramLabel = "N",
        description = "Worker threads (ringwriter.workers; default: the CPU count).")
    Integer workers;

    @Option(names = "--durability", paramLabel = "LEVEL", converter = Converters.DurabilityConverter.class,
        description = "When a write counts as done: none (page cache) or fsync (ringwriter.durability).")
    Durability durability;

    @Option(names = "--ring-size", paramLabel = "SLOTS", converter = Converters.SizeConverter.class,
        description = "Slots in the ring, a power of 2 (ringwriter.ring.size; default 64k).")
    Integer ringSize;

    @Option(names = "--slot-size", paramLabel = "BYTES", converter = Converters.SizeConverter.class,
        description = "Bytes per ring slot (ringwriter.slot.size; default 256).")
    Integer slotSize;

    @Option(names = "--wait-strategy", paramLabel = "NAME", converter = Converters.WaitStrategyConverter.class,
        description = "How idle workers wait: blocking, sleeping, yielding, busy-spin (ringwriter.wait.strategy).")
    WaitStrategyType waitStrategy;

    @Option(names = "--max-open-files", paramLabel = "N",
        description = "File handles kept open by all workers together (ringwriter.max.open.files; default 1024).")
    Integer maxOpenFiles;

    @Option(names = "--pin-workers", paramLabel = "true|false", arity = "0..1", fallbackValue = "true",
        description = "Pin each worker to a CPU (ringwriter.pin.workers).")
    Boolean pinWorkers;

    @Option(names = "--stage-buffer-size", paramLabel = "BYTES", converter = Converters.SizeConverter.class,
        description = "Each worker's coalescing buffer (ringwriter.stage.buffer.size; default 256k).")
    Integer stageBufferSize;

    @Option(names = "--retry-slots", paramLabel = "N",
        description = "Writes that can wait for a retry at once (ringwriter.retry.slots; default 1024).")
    Integer retrySlots;

    @Option(names = "--close-timeout", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
        description = "How long closing waits for pending writes (ringwriter.close.timeout; default 30s).")
    Duration closeTimeout;

    @Option(names = "--linger", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
        description = "How long a worker that sees only a few new writes waits for more before one system call " +
            "writes them (ringwriter.linger; default 10us; 0 for the lowest latency).")
    Duration linger;

    @Option(names = "--single-producer", paramLabel = "true|false", arity = "0..1", fallbackValue = "true",
        description = "Use the Disruptor's single-producer ring: no compare-and-set per write. The commands here " +
            "publish from one thread (ringwriter.single.producer; default false).")
    Boolean singleProducer;

    @Option(names = "--native-io", paramLabel = "true|false", arity = "0..1", fallbackValue = "true",
        description = "Open and write files through the C library with plain file descriptors where possible " +
            "(Linux, no --root); false for FileChannels (ringwriter.native.io; default true).")
    Boolean nativeIo;

    @Option(names = "--huge-pages", paramLabel = "true|false", arity = "0..1", fallbackValue = "true",
        description = "Put the ring on 2 MiB pages where the kernel grants them (Linux 6.1+, rings of 2 MiB or " +
            "more); false for ordinary pages (ringwriter.huge.pages; default true).")
    Boolean hugePages;

    @Option(names = "--counters-file", paramLabel = "FILE",
        description = "Publish the engine's counters in this mapped file, for 'ringwriter stat' " +
            "(ringwriter.counters.file).")
    Path countersFile;

    /**
     * The settings as properties: the {@code --config} file first, then every option given on the command line.
     *
     * @param spec of the command, for error messages.
     * @return the properties, to pass to {@link WriteEngine.Builder#properties(Properties)}.
     * @throws CommandLine.ParameterException naming {@code --config} when the file cannot be read.
     */
    Properties properties(final CommandSpec spec)
    {
        final Properties props = new Properties();
        if (config != null)
        {
            try (Reader reader = Files.newBufferedReader(config, StandardCharsets.UTF_8))
            {
                props.load(reader);
            }
            catch (final NoSuchFileException ex)
            {
                throw new CommandLine.ParameterException(
                    spec.commandLine(), "--config: no such file: " + config);
            }
            catch (final IOException | IllegalArgumentException ex)
            {
                throw new CommandLine.ParameterException(
                    spec.commandLine(), "--config: cannot read " + config + ": " + ex);
            }
            for (final String key : props.stringPropertyNames())
            {
                if (!key.startsWith("ringwriter."))
                {
                    throw new CommandLine.ParameterException(
                        spec.commandLine(), "--config: not an engine setting (keys start with ringwriter.): " + key +
                        " in " + config);
                }
            }
        }
        put(props, Configuration.WORKERS_PROP_NAME, workers);
        put(props, Configuration.DURABILITY_PROP_NAME, durability == null ? null : durability.name());
        put(props, Configuration.RING_SIZE_PROP_NAME, ringSize);
        put(props, Configuration.SLOT_SIZE_PROP_NAME, slotSize);
        put(props, Configuration.WAIT_STRATEGY_PROP_NAME, waitStrategy == null ? null : waitStrategy.name());
        put(props, Configuration.MAX_OPEN_FILES_PROP_NAME, maxOpenFiles);
        put(props, Configuration.PIN_WORKERS_PROP_NAME, pinWorkers);
        put(props, Configuration.STAGE_BUFFER_SIZE_PROP_NAME, stageBufferSize);
        put(props, Configuration.RETRY_SLOTS_PROP_NAME, retrySlots);
        put(props, Configuration.CLOSE_TIMEOUT_PROP_NAME, closeTimeout == null ? null : closeTimeout.toNanos() + "ns");
        put(props, Configuration.LINGER_PROP_NAME, linger == null ? null : linger.toNanos() + "ns");
        put(props, Configuration.SINGLE_PRODUCER_PROP_NAME, singleProducer);
        put(props, Configuration.NATIVE_IO_PROP_NAME, nativeIo);
        put(props, Configuration.HUGE_PAGES_PROP_NAME, hugePages);
        put(props, Configuration.COUNTERS_FILE_PROP_NAME, countersFile);
        return props;
    }

    /**
     * @param props settings to apply.
     * @return a builder with the settings applied.
     * @throws IllegalArgumentException from the engine, naming the key and value it cannot parse.
     */
    static WriteEngine.Builder builder(final Properties props)
    {
        return WriteEngine.builder().properties(props);
    }

    /**
     * Build an engine, turning the engine's setting errors into argument errors (exit 2).
     *
     * @param spec    of the command.
     * @param builder with every setting applied.
     * @return a running engine.
     */
    static WriteEngine build(final CommandSpec spec, final WriteEngine.Builder builder)
    {
        try
        {
            return builder.build();
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), RingwriterCommand.describe(ex), ex);
        }
    }

    /**
     * Apply the properties to a fresh builder, turning the engine's parse errors into argument errors (exit 2).
     *
     * @param spec  of the command.
     * @param props settings.
     * @return the builder.
     */
    static WriteEngine.Builder builder(final CommandSpec spec, final Properties props)
    {
        try
        {
            return builder(props);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), RingwriterCommand.describe(ex), ex);
        }
    }

    /**
     * @param props settings.
     * @return the worker count the engine will use: the setting, or the CPU count.
     */
    static int effectiveWorkers(final Properties props)
    {
        final String value = props.getProperty(Configuration.WORKERS_PROP_NAME);
        if (value == null)
        {
            return Configuration.workers();
        }
        try
        {
            return Integer.parseInt(value.trim());
        }
        catch (final NumberFormatException ex)
        {
            return Configuration.workers();
        }
    }

    static void put(final Properties props, final String key, final Object value)
    {
        if (value != null)
        {
            props.setProperty(key, value.toString());
        }
    }
}
