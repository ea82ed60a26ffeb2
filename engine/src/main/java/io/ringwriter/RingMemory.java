package io.ringwriter;

import com.sun.jna.LastErrorException;
import org.agrona.BufferUtil;

import java.nio.ByteBuffer;

/**
 * The ring's bytes: one direct buffer of {@code ringSize x slotSize}, allocated and zeroed once at build.
 * <p>
 * On Linux, a ring of at least {@link #HUGE_PAGE} bytes is placed on 2 MiB pages when asked ({@code hugePages}):
 * the buffer is allocated {@link #HUGE_PAGE} larger, its view starts at the first 2 MiB boundary, and
 * {@code madvise(MADV_HUGEPAGE)} then {@code madvise(MADV_COLLAPSE)} (Linux 6.1) turn the view's whole 2 MiB ranges
 * into huge pages at once; the slack on either side is given back with {@code MADV_DONTNEED}, so it costs address
 * space, not memory. Why: a worker reads the messages of a stream in ring order, one per slot, so with 256-byte
 * slots and 64-byte messages it touches a new 4 KiB page every 16 messages; the hardware prefetchers stop at each
 * 4 KiB boundary and the TLB covers a few MiB of a 16 MiB ring. Measured with the default ring (16 MiB), 64-byte
 * messages from one producer to one file: 8.5 to 12.3 M messages/s on 2 MiB pages against 6.2 to 8.6 on 4 KiB pages,
 * alternating runs (README, "Settings and memory").
 * <p>
 * Anything refused (not Linux, no JNA, an older kernel, transparent huge pages disabled) leaves the ring on ordinary
 * pages, logged once at INFO: huge pages are an optimisation, never a condition of running.
 */
final class RingMemory
{
    static final int HUGE_PAGE = 2 << 20;

    private static final int PAGE = 4096;
    private static final int MADV_DONTNEED = 4;
    private static final int MADV_HUGEPAGE = 14;
    private static final int MADV_COLLAPSE = 25;
    private static final System.Logger LOGGER = System.getLogger(RingMemory.class.getName());
    private static volatile boolean refusalLogged;

    private final ByteBuffer allocation;
    private final ByteBuffer bytes;
    private final boolean onHugePages;
    private final int refusalErrno;

    private RingMemory(
        final ByteBuffer allocation, final ByteBuffer bytes, final boolean onHugePages, final int refusalErrno)
    {
        this.refusalErrno = refusalErrno;
        this.allocation = allocation;
        this.bytes = bytes;
        this.onHugePages = onHugePages;
    }

    /**
     * @param size      of the ring in bytes.
     * @param hugePages whether to try 2 MiB pages.
     * @return the ring's memory.
     */
    static RingMemory allocate(final int size, final boolean hugePages)
    {
        if (!hugePages || size < HUGE_PAGE || size > Integer.MAX_VALUE - HUGE_PAGE)
        {
            final ByteBuffer plain = ByteBuffer.allocateDirect(size);
            return new RingMemory(plain, plain, false, 0);
        }
        if (!NativeIo.AVAILABLE)
        {
            logRefusal(NativeIo.UNAVAILABLE_REASON);
            final ByteBuffer plain = ByteBuffer.allocateDirect(size);
            return new RingMemory(plain, plain, false, 0);
        }

        final ByteBuffer allocation = ByteBuffer.allocateDirect(size + HUGE_PAGE);
        final long address = BufferUtil.address(allocation);
        final long aligned = (address + HUGE_PAGE - 1) & -HUGE_PAGE;
        final int offset = (int)(aligned - address);
        final ByteBuffer bytes = allocation.duplicate().position(offset).limit(offset + size).slice();
        final long hugeLength = (long)size / HUGE_PAGE * HUGE_PAGE;

        boolean collapsed = false;
        int refusal = 0;
        try
        {
            NativeIo.madvise(aligned, hugeLength, MADV_HUGEPAGE);
            NativeIo.madvise(aligned, hugeLength, MADV_COLLAPSE);
            collapsed = true;
        }
        catch (final LastErrorException ex)
        {
            refusal = ex.getErrorCode();
            logRefusal("madvise(MADV_HUGEPAGE, MADV_COLLAPSE) refused: " + ex.getMessage());
        }
        catch (final Throwable ex)
        {
            refusal = -1;
            logRefusal("madvise(MADV_HUGEPAGE, MADV_COLLAPSE) refused: " + ex);
        }
        giveBack(roundUp(address), aligned);
        giveBack(roundUp(aligned + size), (address + size + HUGE_PAGE) & -PAGE);
        return new RingMemory(allocation, bytes, collapsed, refusal);
    }

    /**
     * @return the errno with which the kernel refused huge pages at build (EAGAIN or ENOMEM: no free 2 MiB page
     * then; EINVAL: a kernel without MADV_COLLAPSE), -1 when the call could not be made, 0 when not refused.
     */
    int refusalErrno()
    {
        return refusalErrno;
    }

    /**
     * @return the ring's bytes, 2 MiB aligned when on huge pages.
     */
    ByteBuffer bytes()
    {
        return bytes;
    }

    /**
     * @return whether the kernel collapsed the ring's whole 2 MiB ranges into huge pages at build.
     */
    boolean onHugePages()
    {
        return onHugePages;
    }

    /**
     * Free the memory; nothing may read the ring after this.
     */
    void free()
    {
        BufferUtil.free(allocation);
    }

    private static long roundUp(final long address)
    {
        return (address + PAGE - 1) & -PAGE;
    }

    private static void giveBack(final long from, final long to)
    {
        if (to > from)
        {
            try
            {
                NativeIo.madvise(from, to - from, MADV_DONTNEED);
            }
            catch (final Throwable ex)
            {
                // The slack stays resident: at most 2 MiB, never read.
            }
        }
    }

    private static void logRefusal(final String reason)
    {
        if (!refusalLogged)
        {
            refusalLogged = true;
            LOGGER.log(System.Logger.Level.INFO, "ring on ordinary pages: " + reason);
        }
    }
}
