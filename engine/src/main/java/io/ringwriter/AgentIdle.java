package io.ringwriter;

import org.agrona.concurrent.IdleStrategy;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The retry agent's idle strategy: spin and yield briefly after work, then park for 1 ms while something is due with
 * time alone (a retry's backoff, a timeout, the counters mirror), and for {@link #QUIET_PARK_NS} otherwise. The other
 * inputs unpark the agent (a failed write and a deadline at once; completions and resumes when the worker's batch
 * ends), so a quiet agent costs the producers and workers little: on a machine with as many busy threads as CPUs, an
 * agent waking every millisecond takes a CPU from one of them a thousand times a second. The quiet park bounds how
 * late a completion is when its worker is held inside a batch (a slow open).
 */
final class AgentIdle implements IdleStrategy
{
    static final long BUSY_PARK_NS = TimeUnit.MILLISECONDS.toNanos(1);
    static final long QUIET_PARK_NS = TimeUnit.MILLISECONDS.toNanos(20);

    private static final int SPINS = 10;
    private static final int YIELDS = 10;

    private final RetryAgent agent;
    private int idles;

    AgentIdle(final RetryAgent agent)
    {
        this.agent = agent;
    }

    /**
     * {@inheritDoc}
     */
    public void idle(final int workCount)
    {
        if (workCount > 0)
        {
            idles = 0;
        }
        else
        {
            idle();
        }
    }

    /**
     * {@inheritDoc}
     */
    public void idle()
    {
        if (idles < SPINS)
        {
            Thread.onSpinWait();
        }
        else if (idles < SPINS + YIELDS)
        {
            Thread.yield();
        }
        else
        {
            LockSupport.parkNanos(agent.hasTimedWork() ? BUSY_PARK_NS : QUIET_PARK_NS);
        }
        idles++;
    }

    /**
     * {@inheritDoc}
     */
    public void reset()
    {
        idles = 0;
    }

    /**
     * {@inheritDoc}
     */
    public String alias()
    {
        return "ringwriter-agent";
    }
}
