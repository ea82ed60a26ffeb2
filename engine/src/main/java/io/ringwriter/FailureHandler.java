package io.ringwriter;

import org.agrona.DirectBuffer;

import java.nio.file.Path;

/**
 * Receives every write that ends as failed, exactly once, after its last attempt.
 * <p>
 * Called on an engine thread (a worker or the retry agent): it must not block and must not call back into the
 * engine's blocking methods ({@code write}, {@code flush}, {@code close}). The buffer is valid only during the call;
 * copy what must outlive it.
 */
@FunctionalInterface
public interface FailureHandler
{
    /**
     * A write failed for good.
     *
     * @param path     the path as the producer gave it.
     * @param buffer   holds the bytes of the write.
     * @param offset   of the first byte in {@code buffer}.
     * @param length   of the write in bytes.
     * @param attempts made, at least 1 (0 when the write never reached the file system, for example when the
     *                 engine closed first).
     * @param cause    of the last failure.
     */
    void onFailure(Path path, DirectBuffer buffer, int offset, int length, int attempts, Throwable cause);
}
