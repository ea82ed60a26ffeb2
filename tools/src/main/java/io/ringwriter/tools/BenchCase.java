package io.ringwriter.tools;

import java.util.ArrayList;
import java.util.List;

/**
 * One case of the bench suite: the Go package's benchmarks, each as a group of file counts.
 *
 * @param name     unique, as typed after {@code --case}: {@code writer-2}, {@code many-files-300}, ...
 * @param group    the Go benchmark it mirrors.
 * @param files    files written per operation (for streaming: the open files the messages go to).
 * @param retries  whether the engine retries failed writes (the default policy) or not.
 * @param batch    whether the files go in as a {@code submitBatch} of requests rather than {@code writeAll}.
 * @param messages for streaming: messages per operation; 0 for the create-and-write cases.
 */
record BenchCase(String name, Group group, int files, boolean retries, boolean batch, long messages)
{
    /**
     * The Go benchmark a case mirrors, in the order the seed lists them.
     */
    enum Group
    {
        /**
         * {@code BenchmarkWriter-2}: two files.
         */
        WRITER("BenchmarkWriter-2: 2 files, retries on"),
        /**
         * {@code BenchmarkManyFiles}: 100 to 1000 files, retries on.
         */
        MANY_FILES("BenchmarkManyFiles: retries on (exponential, 3 attempts)"),
        /**
         * {@code TestNoRetriesManyFilesBenchmark}: the same, retries off.
         */
        NO_RETRIES("TestNoRetriesManyFilesBenchmark: retries off"),
        /**
         * {@code TestBatching}: 1500 to 5000 files as one batch of requests.
         */
        BATCHING("TestBatching: one submitBatch of requests"),
        /**
         * Streaming: small messages to a few open files.
         */
        STREAM("Streaming: small messages to a few open files, one producer thread");

        private final String title;

        Group(final String title)
        {
            this.title = title;
        }

        /**
         * @return the heading of the group in the table.
         */
        String title()
        {
            return title;
        }
    }

    /**
     * @return true for the streaming case.
     */
    boolean isStream()
    {
        return group == Group.STREAM;
    }

    /**
     * The suite the Go package published: 2 files; 100..1000 step 100 with retries on; the same with retries off;
     * batches of 1500, 3000 and 5000; a streaming run.
     *
     * @param streamFiles    open files of the streaming case.
     * @param streamMessages messages per streaming operation.
     * @return the cases, in order.
     */
    static List<BenchCase> fullSuite(final int streamFiles, final long streamMessages)
    {
        final List<BenchCase> cases = new ArrayList<>();
        cases.add(writer());
        for (int n = 100; n <= 1000; n += 100)
        {
            cases.add(manyFiles(n));
        }
        for (int n = 100; n <= 1000; n += 100)
        {
            cases.add(noRetries(n));
        }
        cases.add(batching(1500));
        cases.add(batching(3000));
        cases.add(batching(5000));
        cases.add(stream(streamFiles, streamMessages));
        return cases;
    }

    /**
     * A smaller suite with one point of each group, for {@code --quick}.
     *
     * @param streamFiles    open files of the streaming case.
     * @param streamMessages messages per streaming operation.
     * @return the cases, in order.
     */
    static List<BenchCase> quickSuite(final int streamFiles, final long streamMessages)
    {
        return List.of(
            writer(), manyFiles(100), manyFiles(1000), noRetries(100), noRetries(1000), batching(1500),
            stream(streamFiles, streamMessages));
    }

    /**
     * The suite for {@code --files}: retries on and off at the given counts, and the streaming run.
     *
     * @param counts         file counts.
     * @param streamFiles    open files of the streaming case.
     * @param streamMessages messages per streaming operation.
     * @return the cases, in order.
     */
    static List<BenchCase> filesSuite(final List<Integer> counts, final int streamFiles, final long streamMessages)
    {
        final List<BenchCase> cases = new ArrayList<>();
        for (final int n : counts)
        {
            cases.add(manyFiles(n));
        }
        for (final int n : counts)
        {
            cases.add(noRetries(n));
        }
        cases.add(stream(streamFiles, streamMessages));
        return cases;
    }

    /**
     * Find a case by name: any name of the full suite, or {@code many-files-N}, {@code no-retries-N},
     * {@code batch-N} for any N, or {@code stream}.
     *
     * @param name           as typed.
     * @param streamFiles    open files of the streaming case.
     * @param streamMessages messages per streaming operation.
     * @return the case, or null when the name means none.
     */
    static BenchCase named(final String name, final int streamFiles, final long streamMessages)
    {
        if ("writer-2".equals(name))
        {
            return writer();
        }
        if ("stream".equals(name))
        {
            return stream(streamFiles, streamMessages);
        }
        final int dash = name.lastIndexOf('-');
        if (dash < 0)
        {
            return null;
        }
        final int n;
        try
        {
            n = Integer.parseInt(name.substring(dash + 1));
        }
        catch (final NumberFormatException ex)
        {
            return null;
        }
        if (n < 1)
        {
            return null;
        }
        switch (name.substring(0, dash))
        {
            case "many-files":
                return manyFiles(n);
            case "no-retries":
                return noRetries(n);
            case "batch":
                return batching(n);
            default:
                return null;
        }
    }

    private static BenchCase writer()
    {
        return new BenchCase("writer-2", Group.WRITER, 2, true, false, 0);
    }

    private static BenchCase manyFiles(final int n)
    {
        return new BenchCase("many-files-" + n, Group.MANY_FILES, n, true, false, 0);
    }

    private static BenchCase noRetries(final int n)
    {
        return new BenchCase("no-retries-" + n, Group.NO_RETRIES, n, false, false, 0);
    }

    private static BenchCase batching(final int n)
    {
        return new BenchCase("batch-" + n, Group.BATCHING, n, true, true, 0);
    }

    private static BenchCase stream(final int files, final long messages)
    {
        return new BenchCase("stream", Group.STREAM, files, true, false, messages);
    }
}
