package io.ringwriter;

/**
 * How idle worker threads wait for new writes. The choice trades latency for CPU.
 * <p>
 * An idle worker looks at least once per millisecond for work handed to it from outside the ring (retries that could
 * not enter a full ring), except a {@link #SLEEPING} worker in a deep sleep, which the hand-over wakes instead. A
 * worker whose recent batches held none of its own messages backs off further (parks, except under
 * {@link #BUSY_SPIN}) while others' events stream past it. Batch calls ({@code writeAll}, {@code submitBatch}) unpark
 * the workers once per call under every strategy.
 */
public enum WaitStrategyType
{
    /**
     * Park on a lock and condition; producers signal. Lowest CPU, highest latency, and a signal per publish.
     */
    BLOCKING,

    /**
     * Spin, then yield, then park for 100 us at a time, with no signal from producers (no system call on the write
     * path at any rate that keeps a worker from idling); a worker idle for a few milliseconds sleeps deeply (10 ms
     * parks) and the next write wakes it. The default: near-zero producer cost and about 1% of a CPU when idle.
     */
    SLEEPING,

    /**
     * Spin, then yield. Low latency; an idle worker keeps a core busy at low priority.
     */
    YIELDING,

    /**
     * Spin. Lowest latency; an idle worker keeps a core fully busy. Only for dedicated, pinned cores.
     */
    BUSY_SPIN
}
