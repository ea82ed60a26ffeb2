package io.ringwriter;

/**
 * The one unchecked exception of the engine: a category, a numeric code and a message that names the offending
 * path, argument or limit. The original {@link java.io.IOException}, if any, is the cause.
 */
public final class EngineException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /**
     * How bad a failure is.
     */
    public enum Category
    {
        /**
         * The engine cannot go on.
         */
        FATAL,
        /**
         * One write failed; the engine goes on.
         */
        ERROR,
        /**
         * Something worth knowing; nothing failed.
         */
        WARN
    }

    /**
     * An I/O failure of the storage other than those below; transient by default.
     */
    public static final int STORAGE_IO = 1;
    /**
     * The storage is full; transient by default.
     */
    public static final int STORAGE_SPACE = 2;
    /**
     * The path resolves outside the engine's root.
     */
    public static final int PATH_OUTSIDE_ROOT = 3;
    /**
     * The path cannot name a file (empty, a NUL character, too long).
     */
    public static final int INVALID_PATH = 4;
    /**
     * The engine closed before the write could be done.
     */
    public static final int ENGINE_CLOSED = 5;

    private final Category category;
    private final int code;

    /**
     * @param category of the failure.
     * @param code     one of the constants of this class.
     * @param message  naming the path, argument or limit.
     * @param cause    the underlying failure, or null.
     */
    public EngineException(final Category category, final int code, final String message, final Throwable cause)
    {
        super(message, cause);
        this.category = category;
        this.code = code;
    }

    /**
     * @return the category.
     */
    public Category category()
    {
        return category;
    }

    /**
     * @return the code, one of the constants of this class.
     */
    public int code()
    {
        return code;
    }

    /**
     * Is the code {@link #STORAGE_SPACE} or {@link #STORAGE_IO}, that is a failure that may pass.
     *
     * @return true for storage failures.
     */
    public boolean isStorage()
    {
        return code == STORAGE_IO || code == STORAGE_SPACE;
    }
}
