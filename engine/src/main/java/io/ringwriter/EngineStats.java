package io.ringwriter;

/**
 * A snapshot of the engine's counters. Counts are of writes (messages), not of ring slots, except
 * {@link #ringFreeSlots()}. The fields are read one after another, not atomically: while writes are in flight they
 * may disagree by the writes in flight. After {@link WriteEngine#flush()} with no writes in flight, and after
 * {@link WriteEngine#close()}, {@code written + failed + timedOut + cancelled == published}.
 *
 * @param published     writes accepted.
 * @param written       writes done, as the durability defines done.
 * @param failed        writes that failed after their last attempt.
 * @param timedOut      writes that passed their deadline before they were done.
 * @param cancelled     writes cancelled before they were done.
 * @param retried       retry attempts made.
 * @param bytesWritten  bytes of the writes done.
 * @param batches       batches committed by the workers (a batch that wrote at least one message).
 * @param openFiles     file handles open now.
 * @param ringFreeSlots ring slots free now.
 * @param retryPending  writes set aside now, waiting for a retry or behind one.
 * @param writeCalls    write system calls made.
 * @param forces        force ({@code fdatasync}/{@code fsync}) calls made.
 * @param maxBatchSize  the most messages one worker committed in one batch.
 */
public record EngineStats(
    long published,
    long written,
    long failed,
    long timedOut,
    long cancelled,
    long retried,
    long bytesWritten,
    long batches,
    long openFiles,
    long ringFreeSlots,
    long retryPending,
    long writeCalls,
    long forces,
    long maxBatchSize)
{
    /**
     * @return written + failed + timed out + cancelled: every write that has ended.
     */
    public long completed()
    {
        return written + failed + timedOut + cancelled;
    }
}
