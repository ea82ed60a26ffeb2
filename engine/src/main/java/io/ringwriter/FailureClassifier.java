package io.ringwriter;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NotDirectoryException;

/**
 * Decides whether a failed write may succeed if tried again.
 * <p>
 * {@link #DEFAULT} fails at once (permanent) on: a missing permission ({@link AccessDeniedException}), a path whose
 * parent is not a directory ({@link NotDirectoryException}, or "Not a directory"), a path that is a directory
 * ("Is a directory"), an existing file under {@link WriteMode#CREATE_NEW} ({@link FileAlreadyExistsException}), a path
 * outside the root or otherwise refused by the engine ({@link EngineException} with a code other than
 * {@link EngineException#STORAGE_IO} and {@link EngineException#STORAGE_SPACE}). Everything else, a full disk and
 * other {@code IOException}s among them, is transient and retried under the {@link RetryPolicy}.
 * <p>
 * Called on engine threads; implementations must be thread safe and must not block.
 */
@FunctionalInterface
public interface FailureClassifier
{
    /**
     * The classification described on the type.
     */
    FailureClassifier DEFAULT = FailureClassifier::isTransientByDefault;

    /**
     * @param cause of a failed write attempt.
     * @return true when the write may be tried again.
     */
    boolean isTransient(Throwable cause);

    private static boolean isTransientByDefault(final Throwable cause)
    {
        if (cause instanceof EngineException)
        {
            return ((EngineException)cause).isStorage();
        }
        if (cause instanceof AccessDeniedException ||
            cause instanceof NotDirectoryException ||
            cause instanceof FileAlreadyExistsException)
        {
            return false;
        }
        if (cause instanceof FileSystemException)
        {
            final String reason = ((FileSystemException)cause).getReason();
            if (reason != null && (reason.contains("Not a directory") || reason.contains("Is a directory") ||
                reason.contains("File name too long") || reason.contains("Read-only file system")))
            {
                return false;
            }
        }
        return !(cause instanceof IllegalArgumentException) && !(cause instanceof SecurityException);
    }
}
