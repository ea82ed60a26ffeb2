package io.ringwriter;

/**
 * How idle worker threads wait for new writes. The choice trades latency for CPU.
 * <p>
 * Every strategy wakes an idle worker at least once per millisecond, so that work handed to it from outside the
 * ring (retries that could not enter a full ring) is never stranded. A worker whose recent batches held none of its
 * own messages backs off further (parks, except under {@link #BUSY_SPIN}) while others' events stream past it.
 */
public enum WaitStrategyType
{
    /**
     * Park on a lock and condition; producers signal. Lowest CPU, highest latency, and a signal per publish.
     */
    BLOCKING,

    /**
     * Spin, then yield, then park for 100 us at a time; producers never signal (no system call on the write path).
     * The default: near-zero producer cost and modest CPU when idle.
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
