package io.ringwriter;

import java.nio.file.Path;
import java.util.List;

/**
 * The outcome of a batch: how many writes it held, how many were done and which failed, and why. Immutable.
 *
 * @param total     writes in the batch.
 * @param succeeded writes done.
 * @param timedOut  writes that ended as timed out (also in {@link #failures()}).
 * @param cancelled writes that ended as cancelled (also in {@link #failures()}).
 * @param failures  every write that was not done, with its cause, in the order the batch gave them.
 * @param elapsedNs from submission to the last outcome.
 */
public record BatchResult(int total, int succeeded, int timedOut, int cancelled, List<Failure> failures, long elapsedNs)
{
    /**
     * One write of the batch that was not done.
     *
     * @param path     as given.
     * @param attempts made.
     * @param cause    of the last failure: an I/O exception, a {@link java.util.concurrent.TimeoutException}, a
     *                 {@link java.util.concurrent.CancellationException} or an {@link EngineException}.
     */
    public record Failure(Path path, int attempts, Throwable cause)
    {
    }

    /**
     * @return writes not done, whatever the reason.
     */
    public int failed()
    {
        return total - succeeded;
    }

    /**
     * @return succeeded / total, 1.0 for an empty batch.
     */
    public double successRate()
    {
        return total == 0 ? 1.0 : (double)succeeded / total;
    }

    /**
     * @return failed / total, 0.0 for an empty batch.
     */
    public double failureRate()
    {
        return total == 0 ? 0.0 : (double)failed() / total;
    }
}
