package io.ringwriter;

import java.nio.file.Path;

/**
 * A write that is done, as the engine's {@link Durability} defines done.
 *
 * @param path         as given in the request.
 * @param bytesWritten the length of the write.
 * @param attempts     made, at least 1.
 */
public record WriteResult(Path path, long bytesWritten, int attempts)
{
}
