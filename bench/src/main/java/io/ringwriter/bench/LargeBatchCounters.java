package io.ringwriter.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Scope;

/**
 * Totals of one iteration of {@link LargeBatchBenchmark}: the time spent on the large batch and on the same number
 * of files in small batches, over the same pairs.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class LargeBatchCounters
{
    /**
     * Nanoseconds in writeAll(...).join() for the large batches.
     */
    public long largeNanos;

    /**
     * Nanoseconds in the small batches' writeAll(...).join() calls, all of them.
     */
    public long smallNanos;

    /**
     * Files written by each half in this iteration.
     */
    public long filesEach;

    /**
     * Operations (pairs) in this iteration.
     */
    public long pairs;

    /**
     * Sum over the pairs of ln(large / small) x 10^6: the geometric mean of the per-pair ratios is
     * exp(logRatioE6 / 10^6 / pairs).
     */
    public long logRatioE6;

    /**
     * Pairs in which the large batch was the faster half.
     */
    public long largeFaster;

    /**
     * Start each iteration from zero.
     */
    @Setup(Level.Iteration)
    public void reset()
    {
        largeNanos = 0;
        smallNanos = 0;
        filesEach = 0;
        pairs = 0;
        logRatioE6 = 0;
        largeFaster = 0;
    }
}
