package io.ringwriter;

/**
 * How a write treats the file it targets.
 */
public enum WriteMode
{
    /**
     * Create the file if it is absent, then append. The default.
     */
    APPEND,

    /**
     * The first write to a file in this engine truncates it; later writes by the same engine append.
     */
    TRUNCATE,

    /**
     * The first write to a file in this engine fails if the file already exists; later writes by the same engine
     * append to the file it created.
     */
    CREATE_NEW,

    /**
     * Each write replaces the whole file: the bytes go to a temporary file in the same directory, which is forced
     * when the durability asks and then renamed over the target. A reader sees the old file or the whole new one,
     * never a part.
     */
    ATOMIC_REPLACE;

    private static final WriteMode[] VALUES = values();

    static WriteMode fromOrdinal(final int ordinal)
    {
        return VALUES[ordinal];
    }
}
