package io.ringwriter;

import com.lmax.disruptor.Sequence;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJ_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * jcstress cases for {@link RetryEntry#originSeqRelease(long)} / {@link RetryEntry#originSeqAcquire()}, the one
 * field of a set-aside write that {@code flush()} reads from another thread. The two hand-offs it must get right:
 * <ul>
 * <li>a worker sets the entry's origin before it advances its progress sequence, so a flush that sees the progress
 * also sees the entry (and waits for it);</li>
 * <li>the agent republishes the message into the ring before it frees the entry, so a flush that sees the entry
 * freed also sees the ring's cursor past the republished message.</li>
 * </ul>
 * The ring's cursor and a worker's progress are Disruptor {@link Sequence}s, used here as the engine uses them.
 */
public final class RetryEntryStress
{
    private RetryEntryStress()
    {
    }

    /**
     * Worker: set aside (origin 41), then advance progress to 41. Flush: read progress, then the entry.
     */
    @JCStressTest
    @Description("origin released before progress: flush never sees progress past the write without the entry")
    @Outcome(id = "-1, " + Long.MAX_VALUE, expect = ACCEPTABLE, desc = "flush came first: sees neither")
    @Outcome(id = "-1, 41", expect = ACCEPTABLE, desc = "sees the entry, progress not yet advanced")
    @Outcome(id = "41, 41", expect = ACCEPTABLE, desc = "sees both: waits for the set-aside write")
    @Outcome(id = "41, " + Long.MAX_VALUE, expect = FORBIDDEN, desc = "progress without the entry: flush returns early")
    @State
    public static class SetAsideBeforeProgress
    {
        final RetryEntry entry = new RetryEntry(0, 16);
        final Sequence progress = new Sequence(-1);

        /**
         * The worker's order in setAside and at batch end.
         */
        @Actor
        public void worker()
        {
            entry.originSeqRelease(41);
            progress.set(41);
        }

        /**
         * The flush's order: progress first, then the entries.
         *
         * @param r r1: progress seen, r2: origin seen.
         */
        @Actor
        public void flush(final JJ_Result r)
        {
            r.r1 = progress.get();
            r.r2 = entry.originSeqAcquire();
        }
    }

    /**
     * Agent: publish the retried message (cursor 100), then free the entry. Flush: read the entry, then the cursor.
     */
    @JCStressTest
    @Description("entry freed after republish: flush never sees the entry gone without the republished message")
    @Outcome(id = "41, 99", expect = ACCEPTABLE, desc = "entry still held: flush waits for it")
    @Outcome(id = "41, 100", expect = ACCEPTABLE, desc = "entry still held, message already in the ring")
    @Outcome(id = Long.MAX_VALUE + ", 100", expect = ACCEPTABLE, desc = "freed and republished: flush waits for 100")
    @Outcome(id = Long.MAX_VALUE + ", 99", expect = FORBIDDEN, desc = "freed but the cursor is old: flush misses it")
    @State
    public static class FreedAfterRepublish
    {
        final RetryEntry entry = new RetryEntry(0, 16);
        final Sequence cursor = new Sequence(99);

        /**
         * Set aside before the test starts.
         */
        public FreedAfterRepublish()
        {
            entry.originSeqRelease(41);
        }

        /**
         * The agent's order in republish: publish, then free.
         */
        @Actor
        public void agent()
        {
            cursor.set(100);
            entry.originSeqRelease(RetryEntry.NULL_ORIGIN);
        }

        /**
         * The flush's second look: the entry, then the cursor.
         *
         * @param r r1: origin seen, r2: cursor seen.
         */
        @Actor
        public void flush(final JJ_Result r)
        {
            r.r1 = entry.originSeqAcquire();
            r.r2 = cursor.get();
        }
    }
}
