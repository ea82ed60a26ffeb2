package io.ringwriter.status;

/**
 * The engine's counters: id (its place in the counters file) and label. Values are totals since start unless the
 * description says gauge.
 */
public enum EngineCounter
{
    /**
     * Writes accepted.
     */
    PUBLISHED(0, "published"),
    /**
     * Writes done.
     */
    WRITTEN(1, "written"),
    /**
     * Writes failed after their last attempt.
     */
    FAILED(2, "failed"),
    /**
     * Writes that passed their deadline.
     */
    TIMED_OUT(3, "timed out"),
    /**
     * Writes cancelled.
     */
    CANCELLED(4, "cancelled"),
    /**
     * Retry attempts made.
     */
    RETRIED(5, "retries"),
    /**
     * Bytes written.
     */
    BYTES_WRITTEN(6, "bytes written"),
    /**
     * Batches committed.
     */
    BATCHES(7, "batches"),
    /**
     * Gauge: file handles open.
     */
    OPEN_FILES(8, "open files"),
    /**
     * Gauge: free ring slots.
     */
    RING_FREE_SLOTS(9, "ring free slots"),
    /**
     * Gauge: writes set aside for retry.
     */
    RETRY_PENDING(10, "retry pending"),
    /**
     * Write system calls.
     */
    WRITE_CALLS(11, "write calls"),
    /**
     * Force calls.
     */
    FORCES(12, "forces"),
    /**
     * Largest batch committed by one worker, in messages.
     */
    BATCH_SIZE_MAX(13, "batch size max"),
    /**
     * Total nanoseconds spent in write and force calls.
     */
    WRITE_TIME_NS(14, "write time ns"),
    /**
     * Errors in engine threads outside any write (should stay 0).
     */
    ERRORS(15, "errors");

    private static final EngineCounter[] VALUES = values();

    private final int id;
    private final String label;

    EngineCounter(final int id, final String label)
    {
        this.id = id;
        this.label = label;
    }

    /**
     * @return the counter id.
     */
    public int id()
    {
        return id;
    }

    /**
     * @return the label.
     */
    public String label()
    {
        return label;
    }

    /**
     * @param id of a counter.
     * @return the counter, or null when unknown.
     */
    public static EngineCounter get(final int id)
    {
        return id >= 0 && id < VALUES.length ? VALUES[id] : null;
    }
}
