package io.ringwriter;

import io.ringwriter.status.CountersDescriptor;
import io.ringwriter.status.EngineCounter;
import org.agrona.IoUtil;
import org.agrona.concurrent.status.CountersReader;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * What the reliability tests share: process-level probes (descriptors, threads, buffer pools), shell commands for
 * real faults (mount, chattr), a failure handler that records every call, a thread factory that keeps the threads it
 * made, and bounded polling for conditions that have no event to wait on.
 */
final class ReliabilitySupport
{
    private static final Path PROC_FD = Path.of("/proc/self/fd");

    private ReliabilitySupport()
    {
    }

    /**
     * @return the open file descriptors of this process now (the listing's own descriptor included, a constant).
     */
    static int openFds()
    {
        try (Stream<Path> fds = Files.list(PROC_FD))
        {
            return (int)fds.count();
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot list " + PROC_FD, ex);
        }
    }

    /**
     * @return true when this platform lets the process count its descriptors.
     */
    static boolean canCountFds()
    {
        return Files.isDirectory(PROC_FD);
    }

    /**
     * @return the live threads of this JVM now.
     */
    static Set<Thread> liveThreads()
    {
        final Set<Thread> threads = new HashSet<>(Thread.getAllStackTraces().keySet());
        threads.removeIf((thread) -> !thread.isAlive());
        return threads;
    }

    /**
     * @param before threads alive before.
     * @return names of threads alive now that were not alive before.
     */
    static List<String> newThreadNames(final Set<Thread> before)
    {
        final List<String> names = new ArrayList<>();
        for (final Thread thread : liveThreads())
        {
            if (!before.contains(thread))
            {
                names.add(thread.getName());
            }
        }
        Collections.sort(names);
        return names;
    }

    /**
     * @param name of the pool: "direct" or "mapped".
     * @return the number of buffers in the pool now.
     */
    static long bufferCount(final String name)
    {
        for (final BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class))
        {
            if (pool.getName().equals(name))
            {
                return pool.getCount();
            }
        }
        throw new IllegalStateException("no buffer pool named " + name);
    }

    /**
     * Poll a condition until it holds or the deadline passes; for conditions that no event announces (a GC cleaner,
     * a counter in another thread). The pause between polls is a polling period, not a synchronisation.
     *
     * @param condition to poll.
     * @param timeoutMs at most this long.
     * @return whether the condition held.
     */
    static boolean awaitCondition(final BooleanSupplier condition, final long timeoutMs)
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                return condition.getAsBoolean();
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
        return true;
    }

    /**
     * The result of an external command.
     *
     * @param exitCode of the command, or -1 when it could not run.
     * @param output   its stdout and stderr together.
     */
    record Command(int exitCode, String output)
    {
        boolean ok()
        {
            return exitCode == 0;
        }
    }

    /**
     * @param command to run, with its arguments.
     * @return how it ended.
     */
    static Command run(final String... command)
    {
        try
        {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            final byte[] output;
            try (InputStream in = process.getInputStream())
            {
                output = in.readAllBytes();
            }
            if (!process.waitFor(30, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                return new Command(-1, "timed out: " + String.join(" ", command));
            }
            return new Command(process.exitValue(), new String(output, StandardCharsets.UTF_8).trim());
        }
        catch (final IOException ex)
        {
            return new Command(-1, ex.toString());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return new Command(-1, ex.toString());
        }
    }

    /**
     * @return true when this process runs as root (uid 0).
     */
    static boolean isRoot()
    {
        final Command id = run("id", "-u");
        return id.ok() && id.output().equals("0");
    }

    /**
     * Mount a tmpfs of the given size on an existing empty directory.
     *
     * @param dir  the mount point.
     * @param size as mount understands it, e.g. "1m".
     * @return null on success, otherwise why it could not be mounted.
     */
    static String mountTmpfs(final Path dir, final String size)
    {
        if (!isRoot())
        {
            return "not running as root: cannot mount a tmpfs";
        }
        final Command mount = run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString());
        return mount.ok() ? null : "mount -t tmpfs failed: " + mount.output();
    }

    /**
     * Unmount; a plain umount fails while a descriptor is open on the mount, which the caller may assert on. Falls
     * back to a lazy unmount so that no mount outlives the test.
     *
     * @param dir the mount point.
     * @return the plain umount's result.
     */
    static Command unmount(final Path dir)
    {
        final Command umount = run("umount", dir.toString());
        if (!umount.ok())
        {
            run("umount", "-l", dir.toString());
        }
        return umount;
    }

    /**
     * Read the engine's counters file (the engine mirrors its counters into it; after close() it holds the final
     * values).
     *
     * @param countersFile the engine's counters file.
     * @param counter      to read.
     * @return the value.
     * @throws IOException when the file cannot be mapped.
     */
    static long counterValue(final Path countersFile, final EngineCounter counter) throws IOException
    {
        try (FileChannel channel = FileChannel.open(countersFile, StandardOpenOption.READ))
        {
            final MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size());
            try
            {
                final CountersReader reader = CountersDescriptor.reader(mapped);
                return reader.getCounterValue(counter.id());
            }
            finally
            {
                IoUtil.unmap(mapped);
            }
        }
    }

    /**
     * One call of a {@link FailureHandler}, with a copy of the message bytes.
     *
     * @param path     as given to the write.
     * @param data     the message.
     * @param attempts made.
     * @param cause    of the last failure.
     * @param thread   that called the handler.
     */
    record Failure(Path path, byte[] data, int attempts, Throwable cause, String thread)
    {
        /**
         * @return the cause's message and the messages of its causes, for "does it name the path".
         */
        String messages()
        {
            final StringBuilder sb = new StringBuilder();
            for (Throwable t = cause; t != null; t = t.getCause())
            {
                sb.append(t).append(" | ");
            }
            return sb.toString();
        }
    }

    /**
     * A failure handler that keeps every call.
     */
    static final class RecordingFailureHandler implements FailureHandler
    {
        final List<Failure> failures = new CopyOnWriteArrayList<>();

        public void onFailure(
            final Path path,
            final org.agrona.DirectBuffer buffer,
            final int offset,
            final int length,
            final int attempts,
            final Throwable cause)
        {
            final byte[] copy = new byte[length];
            buffer.getBytes(offset, copy);
            failures.add(new Failure(path, copy, attempts, cause, Thread.currentThread().getName()));
        }

        List<Failure> drain()
        {
            final List<Failure> copy = new ArrayList<>(failures);
            failures.removeAll(copy);
            return copy;
        }
    }

    /**
     * Called by {@link HookedFileIo} before the engine opens a file or a directory.
     */
    @FunctionalInterface
    interface OpenHook
    {
        /**
         * @param path the absolute path about to be opened (a file, or a directory on the way to one).
         * @throws IOException to make the open fail.
         */
        void beforeOpen(Path path) throws IOException;
    }

    /**
     * The real file system with a hook before every open, on both ways the engine opens files: by path
     * ({@link FileIo#open}) and, with a root, relative to directories walked without following links
     * ({@link FileIo#openDirectory} and the stream's {@code newByteChannel}). It also remembers which file each
     * channel it opened belongs to, so a test can name what the engine forces.
     */
    static class HookedFileIo implements FileIo
    {
        final Map<FileChannel, Path> channels = new ConcurrentHashMap<>();
        private final OpenHook hook;

        HookedFileIo(final OpenHook hook)
        {
            this.hook = hook;
        }

        public FileChannel open(final Path path, final Set<? extends OpenOption> options) throws IOException
        {
            hook.beforeOpen(path);
            final FileChannel channel = FileIo.super.open(path, options);
            channels.put(channel, path);
            return channel;
        }

        public SecureDirectoryStream<Path> openDirectory(final Path root, final Path relativeDir) throws IOException
        {
            final Path dir = relativeDir == null ? root : root.resolve(relativeDir);
            hook.beforeOpen(dir);
            return new HookedDirectory(FileIo.super.openDirectory(root, relativeDir), dir);
        }

        /**
         * Delegates everything; names and hooks the channels it opens.
         */
        private final class HookedDirectory implements SecureDirectoryStream<Path>
        {
            private final SecureDirectoryStream<Path> delegate;
            private final Path dir;

            HookedDirectory(final SecureDirectoryStream<Path> delegate, final Path dir)
            {
                this.delegate = delegate;
                this.dir = dir;
            }

            public SecureDirectoryStream<Path> newDirectoryStream(final Path path, final LinkOption... options)
                throws IOException
            {
                hook.beforeOpen(dir.resolve(path));
                return new HookedDirectory(delegate.newDirectoryStream(path, options), dir.resolve(path));
            }

            public SeekableByteChannel newByteChannel(
                final Path path, final Set<? extends OpenOption> options, final FileAttribute<?>... attrs)
                throws IOException
            {
                hook.beforeOpen(dir.resolve(path));
                final SeekableByteChannel channel = delegate.newByteChannel(path, options, attrs);
                if (channel instanceof FileChannel)
                {
                    channels.put((FileChannel)channel, dir.resolve(path));
                }
                return channel;
            }

            public void deleteFile(final Path path) throws IOException
            {
                delegate.deleteFile(path);
            }

            public void deleteDirectory(final Path path) throws IOException
            {
                delegate.deleteDirectory(path);
            }

            public void move(final Path srcpath, final SecureDirectoryStream<Path> targetdir, final Path targetpath)
                throws IOException
            {
                final SecureDirectoryStream<Path> target = targetdir instanceof HookedDirectory ?
                    ((HookedDirectory)targetdir).delegate : targetdir;
                delegate.move(srcpath, target, targetpath);
            }

            public <V extends FileAttributeView> V getFileAttributeView(final Class<V> type)
            {
                return delegate.getFileAttributeView(type);
            }

            public <V extends FileAttributeView> V getFileAttributeView(
                final Path path, final Class<V> type, final LinkOption... options)
            {
                return delegate.getFileAttributeView(path, type, options);
            }

            public Iterator<Path> iterator()
            {
                return delegate.iterator();
            }

            public void close() throws IOException
            {
                delegate.close();
            }
        }
    }

    /**
     * A thread factory that names its threads with a prefix and keeps them, so a test can check every engine thread
     * is still alive after faults, and gone after close.
     */
    static final class KeepingThreadFactory implements ThreadFactory
    {
        final List<Thread> threads = new CopyOnWriteArrayList<>();
        private final String prefix;
        private final AtomicInteger count = new AtomicInteger();

        KeepingThreadFactory(final String prefix)
        {
            this.prefix = prefix;
        }

        public Thread newThread(final Runnable runnable)
        {
            final Thread thread = new Thread(runnable, prefix + "-" + count.getAndIncrement());
            thread.setDaemon(true);
            threads.add(thread);
            return thread;
        }

        List<String> deadThreads()
        {
            final List<String> dead = new ArrayList<>();
            for (final Thread thread : threads)
            {
                if (!thread.isAlive())
                {
                    dead.add(thread.getName() + " (" + thread.getState() + ")");
                }
            }
            return dead;
        }

        List<String> aliveThreads()
        {
            final List<String> alive = new ArrayList<>();
            for (final Thread thread : threads)
            {
                if (thread.isAlive())
                {
                    alive.add(thread.getName());
                }
            }
            return alive;
        }
    }
}
