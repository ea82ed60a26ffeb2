package io.ringwriter.tools;

import io.ringwriter.BatchFuture;
import io.ringwriter.BatchResult;
import io.ringwriter.Configuration;
import io.ringwriter.WriteEngine;
import io.ringwriter.WriteFailedException;
import io.ringwriter.WriteMode;
import io.ringwriter.WriteRequest;
import io.ringwriter.WriteResult;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

/**
 * {@code ringwriter write}: one message to many files ({@code --to ... --message ...}), or records from stdin, then
 * the outcome the Go package prints: total, succeeded, failed, the rates, and every failed path with its cause.
 * Exit code 1 when any write failed.
 */
@Command(
    name = "write",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "Write one message to many files, or the records read from stdin, through one engine; then print how many " +
            "were written and every failed path with its cause.",
        "",
        "Stdin formats (when no --to is given):",
        "  text (default): one record per line, path<TAB>data. The data is everything after the first TAB, the " +
            "line's newline included. Empty lines are skipped.",
        "  --binary: records one after another, each: int32 big-endian path length (1..4096), the path in UTF-8, " +
            "int32 big-endian data length (0..2^30), the data.",
        ""
    },
    footerHeading = "%nExamples:%n",
    footer = {
        "  ringwriter write --to a.log b.log c.log --message 'hello'",
        "  ringwriter write --root /srv/data --to a/1 a/2 --message v2 \\",
        "      --mode atomic-replace",
        "  printf 'a.log\\tfirst\\nb.log\\tsecond\\n' | ringwriter write --durability fsync",
        "  ringwriter write --binary --json < records.bin",
        "  ringwriter write --config engine.properties --retries 5 --backoff 50ms \\",
        "      --to /tmp/x --message m",
        "",
        "Exit codes: 0 every write done, 1 a write failed or bad input, 2 bad arguments."
    })
public final class WriteCommand implements Callable<Integer>
{
    private static final int CHUNK_RECORDS = 4096;
    private static final long CHUNK_BYTES = 8L * 1024 * 1024;
    private static final int MAX_OUTSTANDING_CHUNKS = 8;

    @Spec
    CommandSpec spec;

    @ParentCommand
    RingwriterCommand parent;

    @Option(names = "--to", paramLabel = "FILE", arity = "1..*",
        description = "Files to write the message to. Without --to, records are read from stdin.")
    List<Path> to;

    @Option(names = "--message", paramLabel = "TEXT",
        description = "The message written to every --to file, as UTF-8, exactly as given (no newline added).")
    String message;

    @Option(names = "--binary",
        description = "Read length-prefixed binary records from stdin instead of path<TAB>data lines.")
    boolean binary;

    @Option(names = "--mode", paramLabel = "MODE", converter = Converters.WriteModeConverter.class,
        description = "append (default), truncate, create-new or atomic-replace.")
    WriteMode mode;

    @Option(names = "--retries", paramLabel = "N",
        description = "Retries after the first attempt of a write that failed for a transient cause; 0 turns " +
            "retries off (default 2, i.e. ringwriter.retry.max.attempts=3).")
    Integer retries;

    @Option(names = "--backoff", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
        description = "Delay before the first retry, doubled each time (ringwriter.retry.base; default 100ms).")
    Duration backoff;

    @Option(names = "--backoff-cap", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
        description = "Largest delay between attempts (ringwriter.retry.cap; default 1000ms).")
    Duration backoffCap;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
        description = "Deadline for all the writes, from the start: writes not begun by then end as timed out.")
    Duration timeout;

    @Option(names = "--root", paramLabel = "DIR",
        description = "Resolve every path against this directory and refuse paths that lead outside it.")
    Path root;

    @Option(names = "--json", description = "Print the outcome as JSON.")
    boolean json;

    @Mixin
    EngineOptions engineOptions;

    /**
     * Write, wait for every outcome, print them.
     *
     * @return 0 when every write was done, 1 otherwise.
     */
    @Override
    public Integer call()
    {
        checkArguments();
        final Properties props = engineOptions.properties(spec);
        EngineOptions.put(props, Configuration.WRITE_MODE_PROP_NAME, mode == null ? null : mode.name());
        EngineOptions.put(props, Configuration.RETRY_MAX_ATTEMPTS_PROP_NAME, retries == null ? null : retries + 1);
        EngineOptions.put(props, Configuration.RETRY_BASE_PROP_NAME,
            backoff == null ? null : backoff.toNanos() + "ns");
        EngineOptions.put(props, Configuration.RETRY_CAP_PROP_NAME,
            backoffCap == null ? null : backoffCap.toNanos() + "ns");
        if (backoff != null && backoffCap == null && backoff.toNanos() > Configuration.RETRY_CAP_DEFAULT_NS &&
            props.getProperty(Configuration.RETRY_CAP_PROP_NAME) == null)
        {
            // A longer first delay than the default cap would be refused: let the cap follow it.
            EngineOptions.put(props, Configuration.RETRY_CAP_PROP_NAME, backoff.toNanos() + "ns");
        }
        EngineOptions.put(props, Configuration.ROOT_PROP_NAME, root);

        final Outcome outcome = new Outcome();
        final long deadlineNs = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
        String inputError = null;
        final long startNs = System.nanoTime();
        try (WriteEngine engine = EngineOptions.build(
            spec, EngineOptions.builder(spec, props).failureHandler(WriteCommand::ignoreFailure)))
        {
            if (to != null)
            {
                final byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
                if (bytes.length > engine.maxMessageLength())
                {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--message is " + bytes.length +
                        " bytes, more than the ring holds (ring size x slot size = " + engine.maxMessageLength() +
                        "): raise --ring-size or --slot-size");
                }
                final BatchFuture future;
                try
                {
                    future = engine.writeAll(to, bytes, remaining(deadlineNs));
                }
                catch (final IllegalArgumentException ex)
                {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--to: " + ex.getMessage());
                }
                outcome.add(future.report().join());
            }
            else
            {
                inputError = writeRecords(engine, outcome, deadlineNs);
            }
        }
        outcome.elapsedNs = System.nanoTime() - startNs;

        final PrintWriter out = spec.commandLine().getOut();
        out.print(json ? outcome.json(inputError) + "\n" : outcome.text(inputError));
        out.flush();
        if (inputError != null)
        {
            spec.commandLine().getErr().println("ringwriter write: error: " + inputError);
            spec.commandLine().getErr().flush();
        }
        return outcome.failed() > 0 || inputError != null ? RingwriterCommand.EXIT_FAILURE : 0;
    }

    private void checkArguments()
    {
        final CommandLine cmd = spec.commandLine();
        if (to != null && message == null)
        {
            throw new CommandLine.ParameterException(cmd, "--to needs --message TEXT");
        }
        if (to == null && message != null)
        {
            throw new CommandLine.ParameterException(cmd, "--message needs --to FILE...");
        }
        if (to != null && binary)
        {
            throw new CommandLine.ParameterException(cmd, "--binary reads stdin: it cannot be used with --to");
        }
        if (retries != null && retries < 0)
        {
            throw new CommandLine.ParameterException(cmd, "--retries must be at least 0: --retries=" + retries);
        }
    }

    private String writeRecords(final WriteEngine engine, final Outcome outcome, final long deadlineNs)
    {
        final RecordReader reader = binary ? RecordReader.binary(parent.in()) : RecordReader.text(parent.in());
        final Deque<Pending> pending = new ArrayDeque<>();
        final List<WriteRequest> chunk = new ArrayList<>();
        long chunkBytes = 0;
        String inputError = null;
        try
        {
            RecordReader.Record record;
            while ((record = reader.next()) != null)
            {
                final Path path;
                try
                {
                    path = Path.of(record.path());
                }
                catch (final java.nio.file.InvalidPathException ex)
                {
                    outcome.add(record.path(), 0, ex);
                    continue;
                }
                chunk.add(WriteRequest.of(path, record.data()));
                chunkBytes += record.data().length;
                if (chunk.size() >= CHUNK_RECORDS || chunkBytes >= CHUNK_BYTES)
                {
                    submit(engine, chunk, outcome, pending, deadlineNs);
                    chunkBytes = 0;
                }
            }
        }
        catch (final IOException ex)
        {
            inputError = ex.getMessage();
        }
        if (!chunk.isEmpty())
        {
            submit(engine, chunk, outcome, pending, deadlineNs);
        }
        while (!pending.isEmpty())
        {
            pending.poll().await(outcome);
        }
        return inputError;
    }

    private void submit(
        final WriteEngine engine,
        final List<WriteRequest> chunk,
        final Outcome outcome,
        final Deque<Pending> pending,
        final long deadlineNs)
    {
        final List<WriteRequest> requests = new ArrayList<>(chunk);
        chunk.clear();
        try
        {
            pending.add(new Pending(engine.submitBatch(requests, remaining(deadlineNs)), null));
        }
        catch (final IllegalArgumentException ex)
        {
            // The batch names a path outside the root or a message too large, and then writes nothing: submit
            // the records one by one so only the bad ones fail.
            final List<CompletableFuture<WriteResult>> futures = new ArrayList<>(requests.size());
            final List<WriteRequest> submitted = new ArrayList<>(requests.size());
            for (final WriteRequest request : requests)
            {
                try
                {
                    final Duration left = remaining(deadlineNs);
                    futures.add(engine.submit(left == null ? request : request.withDeadline(left)));
                    submitted.add(request);
                }
                catch (final IllegalArgumentException single)
                {
                    outcome.add(request.path().toString(), 0, single);
                }
            }
            pending.add(new Pending(null, new Singles(submitted, futures)));
        }
        while (pending.size() > MAX_OUTSTANDING_CHUNKS)
        {
            pending.poll().await(outcome);
        }
    }

    private static Duration remaining(final long deadlineNs)
    {
        return deadlineNs == Long.MAX_VALUE ? null : Duration.ofNanos(Math.max(0, deadlineNs - System.nanoTime()));
    }

    @SuppressWarnings("unused")
    private static void ignoreFailure(
        final Path path,
        final org.agrona.DirectBuffer buffer,
        final int offset,
        final int length,
        final int attempts,
        final Throwable cause)
    {
        // Every failure reaches the batch's result, which is printed: nothing to log here.
    }

    private record Singles(List<WriteRequest> requests, List<CompletableFuture<WriteResult>> futures)
    {
    }

    private record Pending(BatchFuture batch, Singles singles)
    {
        void await(final Outcome outcome)
        {
            if (batch != null)
            {
                outcome.add(batch.report().join());
                return;
            }
            for (int i = 0; i < singles.futures().size(); i++)
            {
                final String path = singles.requests().get(i).path().toString();
                try
                {
                    singles.futures().get(i).join();
                    outcome.total++;
                    outcome.succeeded++;
                }
                catch (final CompletionException | CancellationException ex)
                {
                    final Throwable cause = ex instanceof CompletionException ? ex.getCause() : ex;
                    if (cause instanceof WriteFailedException)
                    {
                        final WriteFailedException failed = (WriteFailedException)cause;
                        outcome.add(path, failed.attempts(), failed.getCause() == null ? failed : failed.getCause());
                    }
                    else
                    {
                        outcome.add(path, 0, cause);
                    }
                }
            }
        }
    }

    /**
     * What happened to the writes: counts and the failures, printed as text or JSON.
     */
    static final class Outcome
    {
        long total;
        long succeeded;
        long timedOut;
        long cancelled;
        long elapsedNs;
        final List<Map<String, Object>> failures = new ArrayList<>();

        void add(final BatchResult result)
        {
            total += result.total();
            succeeded += result.succeeded();
            timedOut += result.timedOut();
            cancelled += result.cancelled();
            for (final BatchResult.Failure failure : result.failures())
            {
                failure(failure.path().toString(), failure.attempts(), failure.cause());
            }
        }

        void add(final String path, final int attempts, final Throwable cause)
        {
            total++;
            if (cause instanceof TimeoutException)
            {
                timedOut++;
            }
            else if (cause instanceof CancellationException)
            {
                cancelled++;
            }
            failure(path, attempts, cause);
        }

        private void failure(final String path, final int attempts, final Throwable cause)
        {
            final Map<String, Object> f = Json.object();
            f.put("path", path);
            f.put("attempts", attempts);
            f.put("cause", cause == null ? "unknown" : RingwriterCommand.describe(cause));
            failures.add(f);
        }

        long failed()
        {
            return total - succeeded;
        }

        double successRate()
        {
            return total == 0 ? 1.0 : (double)succeeded / total;
        }

        double failureRate()
        {
            return total == 0 ? 0.0 : (double)failed() / total;
        }

        String text(final String inputError)
        {
            final StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "total         %d%n", total));
            sb.append(String.format(Locale.ROOT, "succeeded     %d%n", succeeded));
            sb.append(String.format(Locale.ROOT, "failed        %d (timed out %d, cancelled %d)%n",
                failed(), timedOut, cancelled));
            sb.append(String.format(Locale.ROOT, "success rate  %.2f%%%n", successRate() * 100.0));
            sb.append(String.format(Locale.ROOT, "failure rate  %.2f%%%n", failureRate() * 100.0));
            sb.append(String.format(Locale.ROOT, "elapsed       %.3f ms%n", elapsedNs / 1e6));
            if (inputError != null)
            {
                sb.append("input error   ").append(inputError).append(System.lineSeparator());
            }
            if (!failures.isEmpty())
            {
                sb.append("failed paths:").append(System.lineSeparator());
                for (final Map<String, Object> f : failures)
                {
                    sb.append("  ").append(f.get("path")).append("  (attempts ").append(f.get("attempts"))
                        .append(")  ").append(f.get("cause")).append(System.lineSeparator());
                }
            }
            return sb.toString();
        }

        String json(final String inputError)
        {
            final Map<String, Object> o = Json.object();
            o.put("total", total);
            o.put("succeeded", succeeded);
            o.put("failed", failed());
            o.put("timedOut", timedOut);
            o.put("cancelled", cancelled);
            o.put("successRate", successRate());
            o.put("failureRate", failureRate());
            o.put("elapsedNs", elapsedNs);
            o.put("inputError", inputError);
            o.put("failures", failures);
            return Json.write(o);
        }
    }
}
