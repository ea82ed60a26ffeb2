package io.ringwriter;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.openjdk.jcstress.infra.results.ZI_Result;
import org.openjdk.jcstress.infra.results.ZZI_Result;

import java.nio.file.Path;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * jcstress cases for {@link Tracker}'s state machine: a worker beginning the write, a user cancelling the future and
 * the agent firing the deadline race on one CAS each, and exactly one of them wins. Lives in package io.ringwriter
 * (in the bench module) because Tracker is package-private.
 */
public final class TrackerStress
{
    static final Path PATH = Path.of("stress", "tracker");
    static final EngineCounters COUNTERS = new EngineCounters(null);

    private TrackerStress()
    {
    }

    /**
     * Worker against canceller from PENDING (jcstress runs at most as many actors as CPUs: these machines have 2, so
     * the three-way race of worker, canceller and deadline is checked pairwise).
     */
    @JCStressTest
    @Description("beginWrite vs cancel from PENDING: exactly one wins, and the state says which")
    @Outcome(id = "1, 0, 1", expect = ACCEPTABLE, desc = "the write began: cancel loses, the write is finished")
    @Outcome(id = "0, 1, 5", expect = ACCEPTABLE, desc = "cancelled before the write: never written")
    @Outcome(expect = FORBIDDEN, desc = "no winner, two winners, or a state that disagrees with the winner")
    @State
    public static class BeginVsCancel
    {
        final SingleTracker tracker = new SingleTracker(PATH, Tracker.NO_DEADLINE, COUNTERS, null);

        /**
         * @param r r1: 1 when the worker's CAS won.
         */
        @Actor
        public void worker(final III_Result r)
        {
            r.r1 = tracker.tryBeginWrite() ? 1 : 0;
        }

        /**
         * @param r r2: 1 when the user's cancel (through the public future) won.
         */
        @Actor
        public void canceller(final III_Result r)
        {
            r.r2 = tracker.future.cancel(false) ? 1 : 0;
        }

        /**
         * @param r r3: the final state.
         */
        @Arbiter
        public void state(final III_Result r)
        {
            r.r3 = tracker.state();
        }
    }

    /**
     * Worker against the deadline from PENDING.
     */
    @JCStressTest
    @Description("beginWrite vs timeout from PENDING: exactly one wins, and the state says which")
    @Outcome(id = "1, 0, 1", expect = ACCEPTABLE, desc = "the write began: the deadline loses")
    @Outcome(id = "0, 1, 4", expect = ACCEPTABLE, desc = "timed out before the write: never written")
    @Outcome(expect = FORBIDDEN, desc = "no winner, two winners, or a state that disagrees with the winner")
    @State
    public static class BeginVsTimeout
    {
        final SingleTracker tracker = new SingleTracker(PATH, 0, COUNTERS, null);

        /**
         * @param r r1: 1 when the worker's CAS won.
         */
        @Actor
        public void worker(final III_Result r)
        {
            r.r1 = tracker.tryBeginWrite() ? 1 : 0;
        }

        /**
         * @param r r2: 1 when the agent's deadline won.
         */
        @Actor
        public void deadline(final III_Result r)
        {
            r.r2 = tracker.tryTimeout() ? 1 : 0;
        }

        /**
         * @param r r3: the final state.
         */
        @Arbiter
        public void state(final III_Result r)
        {
            r.r3 = tracker.state();
        }
    }

    /**
     * Canceller against the deadline from PENDING: the write is never begun, and one of them counts it.
     */
    @JCStressTest
    @Description("cancel vs timeout from PENDING: exactly one ends the write")
    @Outcome(id = "1, 0, 5", expect = ACCEPTABLE, desc = "cancelled")
    @Outcome(id = "0, 1, 4", expect = ACCEPTABLE, desc = "timed out")
    @Outcome(expect = FORBIDDEN, desc = "both, neither, or a state that disagrees")
    @State
    public static class CancelVsTimeout
    {
        final SingleTracker tracker = new SingleTracker(PATH, 0, COUNTERS, null);

        /**
         * @param r r1: 1 when cancel won.
         */
        @Actor
        public void canceller(final III_Result r)
        {
            r.r1 = tracker.future.cancel(false) ? 1 : 0;
        }

        /**
         * @param r r2: 1 when the deadline won.
         */
        @Actor
        public void deadline(final III_Result r)
        {
            r.r2 = tracker.tryTimeout() ? 1 : 0;
        }

        /**
         * @param r r3: the final state.
         */
        @Arbiter
        public void state(final III_Result r)
        {
            r.r3 = tracker.state();
        }
    }

    /**
     * A write that failed and waits for its retry goes back to PENDING: cancel may win again, but only before the
     * retry begins.
     */
    @JCStressTest
    @Description("retry (backToPending then beginWrite) vs cancel: cancel wins only in the PENDING window")
    @Outcome(id = "1, 0, 1", expect = ACCEPTABLE, desc = "the retry began; cancel lost (came during or after it)")
    @Outcome(id = "0, 1, 5", expect = ACCEPTABLE, desc = "cancelled while waiting for the retry: never written")
    @Outcome(expect = FORBIDDEN, desc = "both or neither won, or the state disagrees")
    @State
    public static class RetryVsCancel
    {
        final SingleTracker tracker = new SingleTracker(PATH, Tracker.NO_DEADLINE, COUNTERS, null);

        /**
         * The first attempt is in progress.
         */
        public RetryVsCancel()
        {
            tracker.tryBeginWrite();
        }

        /**
         * @param r r1: 1 when the retry's CAS won.
         */
        @Actor
        public void worker(final III_Result r)
        {
            tracker.backToPending();
            r.r1 = tracker.tryBeginWrite() ? 1 : 0;
        }

        /**
         * @param r r2: 1 when cancel won.
         */
        @Actor
        public void canceller(final III_Result r)
        {
            r.r2 = tracker.future.cancel(false) ? 1 : 0;
        }

        /**
         * @param r r3: the final state.
         */
        @Arbiter
        public void state(final III_Result r)
        {
            r.r3 = tracker.state();
        }
    }

    /**
     * A final failure (tryMarkFailed from WRITING or PENDING) against cancel: whoever wins counts the write.
     */
    @JCStressTest
    @Description("markFailed vs cancel while PENDING (retry waiting, engine aborting): exactly one ends the write")
    @Outcome(id = "true, false, 3", expect = ACCEPTABLE, desc = "failed for good; cancel lost")
    @Outcome(id = "false, true, 5", expect = ACCEPTABLE, desc = "cancelled first; the failure is not reported")
    @Outcome(expect = FORBIDDEN, desc = "both or neither ended it")
    @State
    public static class FailVsCancel
    {
        final SingleTracker tracker = new SingleTracker(PATH, Tracker.NO_DEADLINE, COUNTERS, null);

        /**
         * @param r r1: the failure's CAS.
         */
        @Actor
        public void worker(final ZZI_Result r)
        {
            r.r1 = tracker.tryMarkFailed(1, null);
        }

        /**
         * @param r r2: cancel.
         */
        @Actor
        public void canceller(final ZZI_Result r)
        {
            r.r2 = tracker.future.cancel(false);
        }

        /**
         * @param r r3: the final state.
         */
        @Arbiter
        public void state(final ZZI_Result r)
        {
            r.r3 = tracker.state();
        }
    }

    /**
     * The worker that ends a write hands its completion to the waiting thread while that thread leaves (done
     * waiting, or interrupted): exactly one of them completes the future, the waiter or (after a failed hand-off) the
     * agent.
     */
    @JCStressTest
    @Description("handToWaiter vs the waiter leaving: the completion is finished exactly once")
    @Outcome(id = "true, 1", expect = ACCEPTABLE, desc = "handed off first: the waiter finishes it as it leaves")
    @Outcome(id = "false, 0", expect = ACCEPTABLE, desc = "the waiter left first: the worker queues it for the agent")
    @Outcome(expect = FORBIDDEN, desc = "handed off and never finished, or finished twice")
    @State
    public static class HandOffVsLeave
    {
        // Stands for the waiting thread: registered here, never started (an unpark of it does nothing).
        final Thread waiter = new Thread(() -> { }, "stress-waiter");
        final CountingFuture future = new CountingFuture();

        public HandOffVsLeave()
        {
            future.enter(waiter);
        }

        /**
         * @param r r1: the hand-off's outcome.
         */
        @Actor
        public void worker(final ZI_Result r)
        {
            r.r1 = future.handToWaiter();
        }

        /**
         * @param r unused: the waiter leaves.
         */
        @Actor
        public void waiterLeaves(final ZI_Result r)
        {
            future.leave(waiter);
        }

        /**
         * @param r r2: how often the waiter finished it.
         */
        @Arbiter
        public void finished(final ZI_Result r)
        {
            r.r2 = future.finished;
        }
    }

    /**
     * Counts {@link #finishHandedOff()}.
     */
    static final class CountingFuture extends EngineFuture<Integer>
    {
        int finished;

        void finishHandedOff()
        {
            finished++;
        }
    }
}
