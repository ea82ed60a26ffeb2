package io.ringwriter;

import java.nio.file.Path;

/**
 * A write failed after its last attempt. The cause is the failure of the last attempt.
 */
public final class WriteFailedException extends Exception
{
    private static final long serialVersionUID = 1L;

    private final transient Path path;
    private final int attempts;

    /**
     * @param path     as given in the request.
     * @param attempts made.
     * @param cause    of the last failure.
     */
    public WriteFailedException(final Path path, final int attempts, final Throwable cause)
    {
        super("write failed after " + attempts + " attempt(s): path=" + path + ", cause=" + cause, cause);
        this.path = path;
        this.attempts = attempts;
    }

    /**
     * @return the path as given in the request.
     */
    public Path path()
    {
        return path;
    }

    /**
     * @return the attempts made.
     */
    public int attempts()
    {
        return attempts;
    }
}
