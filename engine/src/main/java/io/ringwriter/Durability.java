package io.ringwriter;

/**
 * When a write counts as done.
 */
public enum Durability
{
    /**
     * Done when the bytes are in the operating system's page cache (the {@code write} call returned). A crash of
     * the process loses nothing; a crash of the machine may lose what the kernel had not yet written back.
     */
    NONE,

    /**
     * Done when the bytes are forced to the storage device: each file touched in a batch is forced once
     * ({@code fdatasync}) at the end of the batch, and the directory of every file the engine created is forced
     * once after the creation, so that a created and forced file does not vanish after a power loss.
     */
    FSYNC
}
