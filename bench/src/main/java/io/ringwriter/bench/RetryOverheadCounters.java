package io.ringwriter.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Totals of one iteration of {@link RetryOverheadBenchmark}: the time each of the two engines spent on its half of
 * every operation, and the files each wrote. The report divides the sums: on / off over the same invocations.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class RetryOverheadCounters
{
    /**
     * Nanoseconds the engine with the default retry policy spent in writeAll(...).join().
     */
    public long onNanos;

    /**
     * Nanoseconds the engine with RetryPolicy.none() spent in writeAll(...).join().
     */
    public long offNanos;

    /**
     * Files written by each engine in this iteration.
     */
    public long filesEach;

    /**
     * Operations (pairs) in this iteration.
     */
    public long pairs;

    /**
     * Sum over the pairs of ln(on / off) x 10^6: the geometric mean of the per-pair ratios is
     * exp(logRatioE6 / 10^6 / pairs), which one slow file-system moment cannot tip as it can tip a ratio of sums.
     */
    public long logRatioE6;

    /**
     * Pairs in which the engine with retries was the faster: about half of them when retries cost nothing.
     */
    public long onFaster;

    /**
     * Start each iteration from zero.
     */
    @Setup(Level.Iteration)
    public void reset()
    {
        onNanos = 0;
        offNanos = 0;
        filesEach = 0;
        pairs = 0;
        logRatioE6 = 0;
        onFaster = 0;
    }
}
