package io.ringwriter;

import com.sun.jna.LastErrorException;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The JDK's own bindings of {@code open}, {@code write} and {@code close} ({@code sun.nio.fs.UnixNativeDispatcher},
 * the natives under {@code Files.newByteChannel}), for the calls a worker makes once or more per file. A JNI call
 * through them costs less than JNA's generic dispatch (libffi, its thread-local error slot, an exception check):
 * measured side by side on one thread, opening an existing file, appending 64 bytes and closing it took 9.6 against
 * 10.6 us, the C library's own loop 9.2 us. They need {@code --add-opens java.base/sun.nio.fs=ALL-UNNAMED} (as
 * {@link PathBytes} does); without it, or on a JDK that lacks them, {@link #AVAILABLE} is false and {@link NativeIo}'s
 * JNA bindings are used.
 * <p>
 * Errors arrive as the JDK's {@code UnixException} and leave as JNA's {@link LastErrorException} with the same error
 * number and text, so callers handle one kind of failure whichever binding ran.
 */
final class JdkSyscalls
{
    /**
     * True when the JDK's bindings are usable.
     */
    static final boolean AVAILABLE;

    private static final MethodHandle OPEN;
    private static final MethodHandle WRITE;
    private static final MethodHandle CLOSE;
    private static final MethodHandle ERRNO;
    private static final MethodHandle ERROR_STRING;
    private static final Class<?> UNIX_EXCEPTION;

    static
    {
        MethodHandle open = null;
        MethodHandle write = null;
        MethodHandle close = null;
        MethodHandle errno = null;
        MethodHandle errorString = null;
        Class<?> unixException = null;
        try
        {
            final Class<?> dispatcher = Class.forName("sun.nio.fs.UnixNativeDispatcher");
            final MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(dispatcher, MethodHandles.lookup());
            open = lookup.findStatic(dispatcher, "open0", MethodType.methodType(int.class, long.class, int.class,
                int.class));
            write = lookup.findStatic(dispatcher, "write", MethodType.methodType(int.class, int.class, long.class,
                int.class));
            close = lookup.findStatic(dispatcher, "close0", MethodType.methodType(void.class, int.class));
            unixException = Class.forName("sun.nio.fs.UnixException");
            errno = lookup.findVirtual(unixException, "errno", MethodType.methodType(int.class));
            errorString = lookup.findVirtual(unixException, "errorString", MethodType.methodType(String.class));
        }
        catch (final ReflectiveOperationException | RuntimeException | LinkageError ex)
        {
            // Not a Unix JDK, a JDK whose natives differ, or java.base does not open sun.nio.fs to us: JNA's way.
            open = null;
        }
        AVAILABLE = open != null;
        OPEN = open;
        WRITE = write;
        CLOSE = close;
        ERRNO = errno;
        ERROR_STRING = errorString;
        UNIX_EXCEPTION = unixException;
    }

    private JdkSyscalls()
    {
    }

    /**
     * {@code open(2)}, restarted by the JDK when interrupted by a signal.
     *
     * @param path  address of the NUL-terminated path.
     * @param flags {@code O_*}.
     * @param mode  for a file it creates.
     * @return the file descriptor.
     * @throws LastErrorException with the error number and its text.
     */
    static int open(final long path, final int flags, final int mode)
    {
        try
        {
            return (int)OPEN.invokeExact(path, flags, mode);
        }
        catch (final Throwable ex)
        {
            throw lastError(ex);
        }
    }

    /**
     * {@code write(2)}, restarted by the JDK when interrupted by a signal.
     *
     * @param fd      to write to.
     * @param address of the first byte.
     * @param count   bytes.
     * @return bytes written.
     * @throws LastErrorException with the error number and its text.
     */
    static int write(final int fd, final long address, final int count)
    {
        try
        {
            return (int)WRITE.invokeExact(fd, address, count);
        }
        catch (final Throwable ex)
        {
            throw lastError(ex);
        }
    }

    /**
     * {@code close(2)}.
     *
     * @param fd to close.
     * @throws LastErrorException with the error number and its text.
     */
    static void close(final int fd)
    {
        try
        {
            CLOSE.invokeExact(fd);
        }
        catch (final Throwable ex)
        {
            throw lastError(ex);
        }
    }

    private static LastErrorException lastError(final Throwable ex)
    {
        if (!UNIX_EXCEPTION.isInstance(ex))
        {
            if (ex instanceof RuntimeException)
            {
                throw (RuntimeException)ex;
            }
            if (ex instanceof Error)
            {
                throw (Error)ex;
            }
            throw new IllegalStateException("unexpected failure of a system call", ex);
        }
        final int errno;
        final String text;
        try
        {
            errno = (int)ERRNO.invoke(ex);
            text = (String)ERROR_STRING.invoke(ex);
        }
        catch (final Throwable unexpected)
        {
            throw new IllegalStateException("could not read the error of a system call", ex);
        }
        // JNA's own form, "[errno] text": the error code is parsed from it and NativeIo.reason strips it.
        final LastErrorException error = new LastErrorException("[" + errno + "] " + text);
        error.initCause(ex);
        return error;
    }
}
