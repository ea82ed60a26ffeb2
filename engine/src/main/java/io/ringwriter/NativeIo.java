package io.ringwriter;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.Locale;

/**
 * The C library's {@code open}, {@code write}, {@code fdatasync}, {@code close} and friends, bound with JNA's direct
 * mapping: a worker that opens a file through them keeps a plain file descriptor in its handle, where
 * {@code FileChannel.open} allocates about 360 bytes per file (the channel, its file descriptor object, a cleaner
 * registration, option sets) and costs 2 to 3 us more per file (measured side by side: 12.4 against 9.5 us to open,
 * append 64 bytes to and close an existing file; 22.9 against 20.3 us creating one). A call allocates nothing; an
 * error raises JNA's {@link LastErrorException}, which {@link #openFailure} and {@link #ioFailure} turn into the
 * exceptions the JDK's own file system throws for the same errors, so the failure classifier and the open logic
 * (missing parents, files that exist) see no difference.
 * <p>
 * Linux only (the flag values below are Linux's, the same on x86-64 and AArch64); elsewhere, or when JNA cannot load,
 * {@link #AVAILABLE} is false and the engine uses {@code FileChannel}s.
 */
final class NativeIo
{
    static final int O_WRONLY = 0x1;
    static final int O_CREAT = 0x40;
    static final int O_EXCL = 0x80;
    static final int O_TRUNC = 0x200;
    static final int O_APPEND = 0x400;
    static final int O_CLOEXEC = 0x80000;
    static final int SEEK_SET = 0;
    static final int SEEK_CUR = 1;
    static final int SEEK_END = 2;
    static final int EINTR = 4;

    private static final int ENOENT = 2;
    private static final int EACCES = 13;
    private static final int EPERM = 1;
    private static final int EEXIST = 17;

    /**
     * True when the calls below are bound and may be used.
     */
    static final boolean AVAILABLE;

    /**
     * Why {@link #AVAILABLE} is false, or null.
     */
    static final String UNAVAILABLE_REASON;

    static
    {
        String reason = null;
        final String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        final String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.startsWith("linux"))
        {
            reason = "not Linux: os.name=" + os;
        }
        else if (!arch.equals("amd64") && !arch.equals("x86_64") && !arch.equals("aarch64"))
        {
            reason = "flag values unchecked on this architecture: os.arch=" + arch;
        }
        else
        {
            try
            {
                Native.register(NativeIo.class, NativeLibrary.getInstance("c"));
            }
            catch (final Throwable ex)
            {
                reason = "JNA could not bind the C library: " + ex;
            }
        }
        AVAILABLE = reason == null;
        UNAVAILABLE_REASON = reason;
    }

    private NativeIo()
    {
    }

    static native int open(long path, int flags, int mode) throws LastErrorException;

    static native long write(int fd, long buffer, long count) throws LastErrorException;

    static native int close(int fd) throws LastErrorException;

    static native int fsync(int fd) throws LastErrorException;

    static native int fdatasync(int fd) throws LastErrorException;

    static native int ftruncate(int fd, long length) throws LastErrorException;

    static native long lseek(int fd, long offset, int whence) throws LastErrorException;

    /**
     * {@code open(2)} for a worker: through {@link JdkSyscalls} when they are usable (a cheaper call), else JNA.
     *
     * @param path  address of the NUL-terminated path.
     * @param flags {@code O_*}.
     * @param mode  for a file it creates.
     * @return the file descriptor.
     * @throws LastErrorException with the error number.
     */
    static int openFile(final long path, final int flags, final int mode)
    {
        return JdkSyscalls.AVAILABLE ? JdkSyscalls.open(path, flags, mode) : open(path, flags, mode);
    }

    /**
     * {@code write(2)} for a worker, as {@link #openFile}.
     *
     * @param fd      to write to.
     * @param address of the first byte.
     * @param count   bytes.
     * @return bytes written.
     * @throws LastErrorException with the error number.
     */
    static long writeFile(final int fd, final long address, final int count)
    {
        return JdkSyscalls.AVAILABLE ? JdkSyscalls.write(fd, address, count) : write(fd, address, count);
    }

    /**
     * {@code close(2)} for a worker, as {@link #openFile}.
     *
     * @param fd to close.
     * @throws LastErrorException with the error number.
     */
    static void closeFile(final int fd)
    {
        if (JdkSyscalls.AVAILABLE)
        {
            JdkSyscalls.close(fd);
        }
        else
        {
            close(fd);
        }
    }

    /**
     * For {@link RingMemory}: advice on the ring's pages.
     */
    static native int madvise(long addr, long length, int advice) throws LastErrorException;

    /**
     * @param ex   as JNA raised it.
     * @param file the path that was opened.
     * @return what {@code FileChannel.open} throws for the same error.
     */
    static IOException openFailure(final LastErrorException ex, final String file)
    {
        final int errno = ex.getErrorCode();
        final IOException failure;
        switch (errno)
        {
            case ENOENT:
                failure = new NoSuchFileException(file);
                break;
            case EEXIST:
                failure = new FileAlreadyExistsException(file);
                break;
            case EACCES:
            case EPERM:
                failure = new AccessDeniedException(file);
                break;
            default:
                failure = new FileSystemException(file, null, reason(ex));
                break;
        }
        failure.initCause(ex);
        return failure;
    }

    /**
     * @param ex as JNA raised it.
     * @return what a {@code FileChannel}'s write, force or truncate throws for the same error (an IOException whose
     * message is the error's text, e.g. "No space left on device").
     */
    static IOException ioFailure(final LastErrorException ex)
    {
        return new IOException(reason(ex), ex);
    }

    /**
     * @return the error's text without JNA's "[errno] " prefix.
     */
    private static String reason(final LastErrorException ex)
    {
        final String message = String.valueOf(ex.getMessage());
        final int at = message.indexOf("] ");
        return message.startsWith("[") && at > 0 ? message.substring(at + 2) : message;
    }
}
