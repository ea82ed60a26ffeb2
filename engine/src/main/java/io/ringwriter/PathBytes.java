package io.ringwriter;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * The bytes the JDK hands to the kernel for a path, without making its String. A Unix {@link Path} keeps them (the
 * path as encoded with the platform's file name encoding) and builds its String only when first asked, at about 90
 * bytes per path; a worker that opens files natively needs the bytes, not the String. Reading them needs the JVM
 * option {@code --add-opens java.base/sun.nio.fs=ALL-UNNAMED}; without it {@link #AVAILABLE} is false and the worker
 * encodes {@code path.toString()} instead (ASCII paths only).
 */
final class PathBytes
{
    /**
     * True when {@link #of(Path)} can read a Unix path's bytes.
     */
    static final boolean AVAILABLE;

    private static final Class<?> UNIX_PATH;
    private static final VarHandle BYTES;

    static
    {
        Class<?> type = null;
        VarHandle bytes = null;
        try
        {
            type = Class.forName("sun.nio.fs.UnixPath");
            bytes = MethodHandles.privateLookupIn(type, MethodHandles.lookup())
                .findVarHandle(type, "path", byte[].class);
        }
        catch (final ReflectiveOperationException | RuntimeException ex)
        {
            // Not a Unix JDK, or java.base does not open sun.nio.fs to us: the String way.
            bytes = null;
        }
        UNIX_PATH = type;
        BYTES = bytes;
        AVAILABLE = bytes != null;
    }

    private PathBytes()
    {
    }

    /**
     * @param path any path.
     * @return its encoded bytes as the JDK passes them to system calls (the JDK's own array: read, never write), or
     * null when they cannot be read or the path is empty.
     */
    static byte[] of(final Path path)
    {
        if (BYTES == null || path.getClass() != UNIX_PATH)
        {
            return null;
        }
        final byte[] bytes = (byte[])BYTES.get(path);
        return bytes.length == 0 ? null : bytes;
    }
}
