package io.ringwriter;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;

/**
 * Pins the calling thread to one CPU with {@code sched_setaffinity(2)} through JNA. Linux only; elsewhere, or when
 * the call is refused, {@link #pinCurrentThread(int)} returns the reason and the caller runs unpinned.
 * <p>
 * Workers pin themselves with {@link #pinToAllowedCpu(int)}: the n-th CPU of the set the thread may already run on
 * (inherited from the thread that built the engine, so {@code taskset}, a container's cpuset or the application's
 * own affinity plan is kept), not CPU n, which such a set may not contain.
 */
final class Affinity
{
    private Affinity()
    {
    }

    /**
     * libc's sched_setaffinity.
     */
    public interface CLibrary extends Library
    {
        /**
         * @param pid        0 for the calling thread.
         * @param cpuSetSize bytes in mask.
         * @param mask       CPU bit set.
         * @return 0 on success, -1 on error.
         */
        int sched_setaffinity(int pid, NativeLong cpuSetSize, byte[] mask);

        /**
         * @param pid        0 for the calling thread.
         * @param cpuSetSize bytes in mask.
         * @param mask       filled with the CPU bit set.
         * @return 0 on success, -1 on error.
         */
        int sched_getaffinity(int pid, NativeLong cpuSetSize, byte[] mask);
    }

    /**
     * Bytes of a CPU mask: 1024 CPUs, glibc's {@code CPU_SETSIZE}.
     */
    static final int MASK_BYTES = 128;

    private static final class Holder
    {
        static final CLibrary LIBC = load();

        private static CLibrary load()
        {
            try
            {
                return Native.load("c", CLibrary.class);
            }
            catch (final Throwable ex)
            {
                return null;
            }
        }
    }

    /**
     * @param cpu to pin the calling thread to.
     * @return null when pinned, else why not.
     */
    static String pinCurrentThread(final int cpu)
    {
        if (!isLinux())
        {
            return "pinning needs Linux: os.name=" + System.getProperty("os.name");
        }
        try
        {
            final CLibrary libc = Holder.LIBC;
            if (libc == null)
            {
                return "libc could not be loaded through JNA";
            }
            final byte[] mask = new byte[MASK_BYTES];
            mask[cpu / 8] |= (byte)(1 << (cpu % 8));
            final int rc = libc.sched_setaffinity(0, new NativeLong(mask.length), mask);
            return rc == 0 ? null : "sched_setaffinity failed: cpu=" + cpu + ", errno=" + Native.getLastError();
        }
        catch (final Throwable ex)
        {
            return "sched_setaffinity unavailable: " + ex;
        }
    }

    /**
     * Pin the calling thread to the {@code index}-th CPU (modulo their count) of the set it may run on now.
     *
     * @param index of the worker.
     * @return null when pinned, else why not.
     */
    static String pinToAllowedCpu(final int index)
    {
        final int[] cpus = allowedCpus();
        if (cpus == null)
        {
            return isLinux() ? "the calling thread's CPU set could not be read (sched_getaffinity)" :
                "pinning needs Linux: os.name=" + System.getProperty("os.name");
        }
        return pinCurrentThread(cpus[index % cpus.length]);
    }

    /**
     * @return the CPUs the calling thread may run on, ascending, or null when they cannot be read.
     */
    static int[] allowedCpus()
    {
        try
        {
            final CLibrary libc = isLinux() ? Holder.LIBC : null;
            if (libc == null)
            {
                return null;
            }
            final byte[] mask = new byte[MASK_BYTES];
            if (libc.sched_getaffinity(0, new NativeLong(mask.length), mask) != 0)
            {
                return null;
            }
            return cpusOf(mask);
        }
        catch (final Throwable ex)
        {
            return null;
        }
    }

    /**
     * @param mask a CPU bit set, CPU 0 in the low bit of byte 0.
     * @return the CPUs set in it, ascending, or null when none is.
     */
    static int[] cpusOf(final byte[] mask)
    {
        int count = 0;
        for (final byte b : mask)
        {
            count += Integer.bitCount(b & 0xFF);
        }
        if (count == 0)
        {
            return null;
        }
        final int[] cpus = new int[count];
        int n = 0;
        for (int cpu = 0; cpu < mask.length * 8; cpu++)
        {
            if ((mask[cpu / 8] & (1 << (cpu % 8))) != 0)
            {
                cpus[n++] = cpu;
            }
        }
        return cpus;
    }

    private static boolean isLinux()
    {
        return System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux");
    }
}
