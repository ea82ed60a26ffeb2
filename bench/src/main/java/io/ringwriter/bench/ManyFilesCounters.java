package io.ringwriter.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Totals of one iteration of a many-files benchmark, reported by JMH beside the score: files written and the bytes
 * the writer allocated for them (its own threads plus the caller inside the timed call, see {@link AllocationMeter}).
 * The report divides one by the other for bytes per file.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class ManyFilesCounters
{
    /**
     * Bytes the writer allocated in this iteration.
     */
    public long allocBytes;

    /**
     * Files written in this iteration (each checked for its size).
     */
    public long filesWritten;

    /**
     * Start each iteration from zero.
     */
    @Setup(Level.Iteration)
    public void reset()
    {
        allocBytes = 0;
        filesWritten = 0;
    }
}
