package io.ringwriter;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/**
 * The file system as the engine sees it: every open, write, force, rename and directory operation the engine makes
 * goes through one instance of this interface. {@link #system()} is the real one; a different implementation
 * (given to {@link WriteEngine.Builder#fileIo(FileIo)}) can inject faults for tests or count calls.
 * <p>
 * Called from the engine's worker threads concurrently, each on its own files: implementations must be thread safe.
 */
public interface FileIo
{
    /**
     * @return the real file system.
     */
    static FileIo system()
    {
        return SystemFileIo.INSTANCE;
    }

    /**
     * Open a file.
     *
     * @param path    to open.
     * @param options as for {@link FileChannel#open(Path, Set, java.nio.file.attribute.FileAttribute[])}.
     * @return the channel.
     * @throws IOException as the file system reports it.
     */
    default FileChannel open(final Path path, final Set<? extends OpenOption> options) throws IOException
    {
        return FileChannel.open(path, options);
    }

    /**
     * Write once; may write fewer bytes than remain (the engine loops).
     *
     * @param channel to write to.
     * @param src     bytes between position and limit.
     * @return bytes written.
     * @throws IOException as the file system reports it.
     */
    default int write(final FileChannel channel, final ByteBuffer src) throws IOException
    {
        return channel.write(src);
    }

    /**
     * Force a file's content (and metadata when asked) to the device.
     *
     * @param channel  to force.
     * @param metaData also the metadata.
     * @throws IOException as the file system reports it.
     */
    default void force(final FileChannel channel, final boolean metaData) throws IOException
    {
        channel.force(metaData);
    }

    /**
     * @param channel to query.
     * @return the size of the file.
     * @throws IOException as the file system reports it.
     */
    default long size(final FileChannel channel) throws IOException
    {
        return channel.size();
    }

    /**
     * Cut a file back, used to remove the part of a write that failed half way.
     *
     * @param channel to truncate.
     * @param size    new size.
     * @throws IOException as the file system reports it.
     */
    default void truncate(final FileChannel channel, final long size) throws IOException
    {
        channel.truncate(size);
    }

    /**
     * @param dir to create with its missing parents.
     * @throws IOException as the file system reports it.
     */
    default void createDirectories(final Path dir) throws IOException
    {
        Files.createDirectories(dir);
    }

    /**
     * Force a directory's entries to the device (open it read only and {@code fsync} it).
     *
     * @param dir to force.
     * @throws IOException as the file system reports it.
     */
    default void forceDirectory(final Path dir) throws IOException
    {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ))
        {
            channel.force(true);
        }
    }

    /**
     * Rename atomically, replacing the target.
     *
     * @param source to rename.
     * @param target to replace.
     * @throws IOException as the file system reports it.
     */
    default void moveAtomically(final Path source, final Path target) throws IOException
    {
        Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * @param path to delete if it exists.
     * @throws IOException as the file system reports it.
     */
    default void deleteIfExists(final Path path) throws IOException
    {
        Files.deleteIfExists(path);
    }

    /**
     * Open a directory beneath a root without following any symbolic link on the way: each component is opened
     * relative to the one before ({@code openat} with {@code O_NOFOLLOW}), so a directory swapped for a link after
     * any check cannot lead outside. The engine opens files and replaces them through the returned stream when it
     * has a root.
     *
     * @param root        the real path of the root.
     * @param relativeDir a relative path of directories beneath the root, or null for the root itself.
     * @return the directory, to be closed by the caller.
     * @throws IOException as the file system reports it ({@code NoSuchFileException} when a component is missing).
     * @throws UnsupportedOperationException where the platform has no {@link SecureDirectoryStream}.
     */
    default SecureDirectoryStream<Path> openDirectory(final Path root, final Path relativeDir) throws IOException
    {
        final DirectoryStream<Path> stream = Files.newDirectoryStream(root);
        if (!(stream instanceof SecureDirectoryStream))
        {
            stream.close();
            throw new UnsupportedOperationException("no SecureDirectoryStream on this platform: root=" + root);
        }
        SecureDirectoryStream<Path> dir = (SecureDirectoryStream<Path>)stream;
        if (relativeDir != null)
        {
            for (final Path name : relativeDir)
            {
                final SecureDirectoryStream<Path> parent = dir;
                try
                {
                    dir = parent.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS);
                }
                finally
                {
                    parent.close();
                }
            }
        }
        return dir;
    }

    /**
     * @param path an existing path.
     * @return the path with symbolic links resolved.
     * @throws IOException as the file system reports it.
     */
    default Path realPath(final Path path) throws IOException
    {
        return path.toRealPath();
    }
}

final class SystemFileIo implements FileIo
{
    static final SystemFileIo INSTANCE = new SystemFileIo();
}
