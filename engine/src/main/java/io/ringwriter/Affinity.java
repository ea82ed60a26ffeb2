package io.ringwriter;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;

/**
 * Pins the calling thread to one CPU with {@code sched_setaffinity(2)} through JNA. Linux only; elsewhere, or when
 * the call is refused, {@link #pinCurrentThread(int)} returns the reason and the caller runs unpinned.
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
    }

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
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux"))
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
            final byte[] mask = new byte[128];
            mask[cpu / 8] |= (byte)(1 << (cpu % 8));
            final int rc = libc.sched_setaffinity(0, new NativeLong(mask.length), mask);
            return rc == 0 ? null : "sched_setaffinity failed: cpu=" + cpu + ", errno=" + Native.getLastError();
        }
        catch (final Throwable ex)
        {
            return "sched_setaffinity unavailable: " + ex;
        }
    }
}
