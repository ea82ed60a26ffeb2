package io.ringwriter;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NotDirectoryException;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RetryPolicyTest
{
    @Test
    void shouldDoubleTheDelayUpToTheCap()
    {
        final RetryPolicy policy = RetryPolicy.exponential(10, Duration.ofMillis(100), Duration.ofMillis(1000));

        assertEquals(100_000_000L, policy.delayNs(1));
        assertEquals(200_000_000L, policy.delayNs(2));
        assertEquals(400_000_000L, policy.delayNs(3));
        assertEquals(800_000_000L, policy.delayNs(4));
        assertEquals(1_000_000_000L, policy.delayNs(5));
        assertEquals(1_000_000_000L, policy.delayNs(63));
        assertEquals(1_000_000_000L, policy.delayNs(Integer.MAX_VALUE));
    }

    @Test
    void shouldKeepJitteredDelaysWithinTheirBounds()
    {
        final RetryPolicy policy = RetryPolicy.exponential(5, Duration.ofMillis(100), Duration.ofMillis(1000))
            .withJitter(0.5);
        for (int i = 0; i < 1000; i++)
        {
            final long delay = policy.delayNs(2);
            assertTrue(delay > 100_000_000L && delay <= 200_000_000L, "delay=" + delay);
        }
    }

    @Test
    void shouldDefaultToThreeAttemptsBase100msCap1000ms()
    {
        final RetryPolicy policy = RetryPolicy.defaultPolicy();

        assertEquals(3, policy.maxAttempts());
        assertEquals(Duration.ofMillis(100), policy.base());
        assertEquals(Duration.ofMillis(1000), policy.cap());
    }

    @Test
    void shouldRetryOnlyTransientFailuresWhileAttemptsRemain()
    {
        final RetryPolicy policy = RetryPolicy.exponential(3, Duration.ZERO, Duration.ZERO);

        assertTrue(policy.isRetryable(new IOException("No space left on device"), 1));
        assertTrue(policy.isRetryable(new IOException("Input/output error"), 2));
        assertFalse(policy.isRetryable(new IOException("Input/output error"), 3));
        assertFalse(policy.isRetryable(new AccessDeniedException("/x"), 1));
        assertFalse(policy.isRetryable(new NotDirectoryException("/x"), 1));
        assertFalse(policy.isRetryable(new FileAlreadyExistsException("/x"), 1));
        assertFalse(policy.isRetryable(new FileSystemException("/x", null, "Is a directory"), 1));
        assertFalse(policy.isRetryable(new FileSystemException("/x", null, "Not a directory"), 1));
        assertFalse(policy.isRetryable(new EngineException(
            EngineException.Category.ERROR, EngineException.PATH_OUTSIDE_ROOT, "outside", null), 1));
        assertTrue(policy.isRetryable(new EngineException(
            EngineException.Category.ERROR, EngineException.STORAGE_SPACE, "full", null), 1));
        assertFalse(RetryPolicy.none().isRetryable(new IOException("Input/output error"), 1));
    }

    @Test
    void shouldUseAReplacedClassifier()
    {
        final RetryPolicy policy = RetryPolicy.exponential(3, Duration.ZERO, Duration.ZERO)
            .withClassifier((cause) -> cause instanceof AccessDeniedException);

        assertTrue(policy.isRetryable(new AccessDeniedException("/x"), 1));
        assertFalse(policy.isRetryable(new IOException("No space left on device"), 1));
    }

    @Test
    void shouldNameTheOffendingValue()
    {
        final IllegalArgumentException attempts = assertThrows(IllegalArgumentException.class,
            () -> RetryPolicy.exponential(0, Duration.ZERO, Duration.ZERO));
        assertEquals("maxAttempts must be at least 1: maxAttempts=0", attempts.getMessage());

        final IllegalArgumentException cap = assertThrows(IllegalArgumentException.class,
            () -> RetryPolicy.exponential(2, Duration.ofMillis(10), Duration.ofMillis(5)));
        assertEquals("cap must be at least base: cap=PT0.005S, base=PT0.01S", cap.getMessage());

        final IllegalArgumentException jitter = assertThrows(IllegalArgumentException.class,
            () -> RetryPolicy.none().withJitter(1.5));
        assertEquals("jitter must be in [0, 1]: jitter=1.5", jitter.getMessage());
    }
}
