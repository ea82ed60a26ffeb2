package io.ringwriter.tools;

import io.ringwriter.status.CountersDescriptor;
import io.ringwriter.status.EngineCounter;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code ringwriter stat FILE}: maps a running engine's counters file (written by an engine built with
 * {@code countersFile(Path)}, in this JVM or another) and prints every counter and its rate per second, every
 * interval until interrupted, like Aeron's {@code AeronStat}. The engine mirrors its counters into the file about
 * once per millisecond; this command only reads it.
 */
@Command(
    name = "stat",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Print a running engine's counters and their rates per second from its counters file, every interval " +
            "until interrupted (Ctrl-C). The engine publishes the file when built with countersFile(Path) or " +
            "ringwriter.counters.file; it can run in another JVM.",
        "Gauges (open files, ring free slots, retry pending, batch size max) show no rate."
    },
    footerHeading = "%nExamples:%n",
    footer = {
        "  ringwriter bench --counters-file /tmp/rw.counters &",
        "  ringwriter stat /tmp/rw.counters",
        "  ringwriter stat --once --interval 200ms /tmp/rw.counters",
        "  ringwriter stat --once --json /tmp/rw.counters",
        "",
        "Exit codes: 0 done or interrupted, 1 not a counters file, 2 bad arguments."
    })
public final class StatCommand implements Callable<Integer>
{
    private static final Set<EngineCounter> GAUGES = EnumSet.of(
        EngineCounter.OPEN_FILES, EngineCounter.RING_FREE_SLOTS, EngineCounter.RETRY_PENDING,
        EngineCounter.BATCH_SIZE_MAX);

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The engine's counters file.")
    Path file;

    @Option(names = "--once",
        description = "Print once and exit: two samples --interval apart, so the rates are real.")
    boolean once;

    @Option(names = "--interval", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
        defaultValue = "1s", description = "Time between prints (default ${DEFAULT-VALUE}).")
    Duration interval;

    @Option(names = "--count", paramLabel = "N", description = "Stop after N prints (default: until interrupted).")
    Integer count;

    @Option(names = "--json", description = "Print each sample as one JSON object on one line.")
    boolean json;

    /**
     * Map the file and print until done.
     *
     * @return 0.
     */
    @Override
    public Integer call()
    {
        if (interval.isZero())
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--interval must be more than 0");
        }
        if (count != null && count < 1)
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "--count must be at least 1: --count=" +
                count);
        }
        if (!Files.exists(file))
        {
            throw new CommandLine.ParameterException(spec.commandLine(), "FILE: no such file: " + file);
        }
        final PrintWriter out = spec.commandLine().getOut();
        final int prints = once ? 1 : count == null ? Integer.MAX_VALUE : count;
        final Mapping mapping = Mapping.open(file);
        try
        {
            Sample previous = mapping.sample();
            for (int i = 0; i < prints && !Thread.currentThread().isInterrupted(); i++)
            {
                parkUntil(previous.timeNs + interval.toNanos());
                final Sample sample = mapping.sample();
                final boolean sameEngine = sample.startTimeMs == previous.startTimeMs && sample.pid == previous.pid;
                out.print(json ? Json.writeLine(sample.json(file, sameEngine ? previous : null)) + "\n" :
                    sample.text(file, sameEngine ? previous : null));
                out.flush();
                previous = sample;
            }
        }
        finally
        {
            mapping.close();
        }
        return 0;
    }

    private static void parkUntil(final long deadlineNs)
    {
        long left;
        while ((left = deadlineNs - System.nanoTime()) > 0 && !Thread.currentThread().isInterrupted())
        {
            LockSupport.parkNanos(left);
        }
    }

    /**
     * A mapping of one counters file, read with volatile loads. Reopens the file when it was replaced.
     */
    private static final class Mapping
    {
        private final Path file;
        private Object fileKey;
        private MappedByteBuffer mapped;
        private UnsafeBuffer header;
        private CountersReader reader;

        private Mapping(final Path file)
        {
            this.file = file;
        }

        static Mapping open(final Path file)
        {
            final Mapping mapping = new Mapping(file);
            mapping.map();
            return mapping;
        }

        private void map()
        {
            close();
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
            {
                final long size = channel.size();
                if (size < CountersDescriptor.FILE_LENGTH)
                {
                    throw new ToolException("not a ringwriter counters file (too short, " + size + " bytes): " + file);
                }
                fileKey = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
                mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, CountersDescriptor.FILE_LENGTH);
            }
            catch (final NoSuchFileException ex)
            {
                throw new ToolException("no such file: " + file, ex);
            }
            catch (final IOException ex)
            {
                throw new ToolException("cannot map " + file + ": " + ex, ex);
            }
            header = new UnsafeBuffer(mapped, 0, CountersDescriptor.HEADER_LENGTH);
            try
            {
                reader = CountersDescriptor.reader(mapped);
            }
            catch (final IllegalStateException ex)
            {
                throw new ToolException(ex.getMessage() + ": " + file, ex);
            }
        }

        Sample sample()
        {
            try
            {
                final Object key = Files.readAttributes(
                    file, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
                if (key != null && !key.equals(fileKey))
                {
                    map();
                }
            }
            catch (final IOException ex)
            {
                // Gone for now: keep reading the mapping we have, the last values the engine left.
            }
            try
            {
                return read();
            }
            catch (final InternalError ex)
            {
                // The engine truncated and regrew the file under the mapping (it recreates the file when it
                // starts): map it again and read once more.
                map();
                return read();
            }
        }

        private Sample read()
        {
            final Sample sample = new Sample();
            sample.timeNs = System.nanoTime();
            sample.pid = header.getLongVolatile(CountersDescriptor.PID_OFFSET);
            sample.startTimeMs = header.getLongVolatile(CountersDescriptor.START_TIME_OFFSET);
            reader.forEach((counterId, typeId, keyBuffer, label) ->
            {
                sample.ids.add(counterId);
                sample.labels.add(label);
                sample.values.add(reader.getCounterValue(counterId));
            });
            return sample;
        }

        void close()
        {
            if (mapped != null)
            {
                IoUtil.unmap(mapped);
                mapped = null;
            }
        }
    }

    /**
     * The counters at one moment.
     */
    private static final class Sample
    {
        long timeNs;
        long pid;
        long startTimeMs;
        final List<Integer> ids = new ArrayList<>();
        final List<String> labels = new ArrayList<>();
        final List<Long> values = new ArrayList<>();

        private static boolean isGauge(final int id)
        {
            final EngineCounter counter = EngineCounter.get(id);
            return counter != null && GAUGES.contains(counter);
        }

        private double rate(final int index, final Sample previous)
        {
            if (previous == null || isGauge(ids.get(index)))
            {
                return Double.NaN;
            }
            final int at = previous.ids.indexOf(ids.get(index));
            if (at < 0)
            {
                return Double.NaN;
            }
            final double seconds = (timeNs - previous.timeNs) / 1e9;
            return (values.get(index) - previous.values.get(at)) / seconds;
        }

        private String alive()
        {
            return ProcessHandle.of(pid).map((p) -> p.isAlive() ? "running" : "exited").orElse("exited");
        }

        String text(final Path file, final Sample previous)
        {
            final StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "%s  %s  pid %d (%s)  engine started %s%n",
                Instant.now(), file, pid, alive(), Instant.ofEpochMilli(startTimeMs)));
            sb.append(String.format(Locale.ROOT, "%4s  %-18s %20s %16s%n", "id", "counter", "value", "rate/s"));
            for (int i = 0; i < ids.size(); i++)
            {
                final double rate = rate(i, previous);
                sb.append(String.format(Locale.ROOT, "%4d  %-18s %,20d %16s%n", ids.get(i), labels.get(i),
                    values.get(i), Double.isNaN(rate) ? "-" : String.format(Locale.ROOT, "%,.1f", rate)));
            }
            sb.append(System.lineSeparator());
            return sb.toString();
        }

        Map<String, Object> json(final Path file, final Sample previous)
        {
            final Map<String, Object> o = Json.object();
            o.put("time", Instant.now().toString());
            o.put("file", file.toString());
            o.put("pid", pid);
            o.put("process", alive());
            o.put("startTime", Instant.ofEpochMilli(startTimeMs).toString());
            o.put("intervalNs", previous == null ? null : timeNs - previous.timeNs);
            final List<Object> counters = new ArrayList<>();
            for (int i = 0; i < ids.size(); i++)
            {
                final Map<String, Object> c = Json.object();
                c.put("id", ids.get(i));
                c.put("label", labels.get(i));
                c.put("value", values.get(i));
                c.put("ratePerSecond", rate(i, previous));
                c.put("gauge", isGauge(ids.get(i)));
                counters.add(c);
            }
            o.put("counters", counters);
            return o;
        }
    }
}
