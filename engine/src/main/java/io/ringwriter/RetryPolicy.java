package io.ringwriter;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How often and how late a failed write is tried again. Immutable and thread safe.
 * <p>
 * Attempt {@code n} (the first retry is attempt 2) is due {@code min(cap, base * 2^(n-2))} after the failure of
 * attempt {@code n-1}, less a random part of at most {@code jitter} of that delay. Which failures are retried at all
 * is decided by the {@link FailureClassifier}.
 */
public final class RetryPolicy
{
    private static final RetryPolicy NONE = new RetryPolicy(1, 0, 0, 0.0, FailureClassifier.DEFAULT);

    private final int maxAttempts;
    private final long baseNs;
    private final long capNs;
    private final double jitter;
    private final FailureClassifier classifier;

    private RetryPolicy(
        final int maxAttempts, final long baseNs, final long capNs, final double jitter,
        final FailureClassifier classifier)
    {
        this.maxAttempts = maxAttempts;
        this.baseNs = baseNs;
        this.capNs = capNs;
        this.jitter = jitter;
        this.classifier = classifier;
    }

    /**
     * @return a policy that never retries: each write is attempted once.
     */
    public static RetryPolicy none()
    {
        return NONE;
    }

    /**
     * The default: {@value Configuration#RETRY_MAX_ATTEMPTS_DEFAULT} attempts, base 100 ms, cap 1000 ms, no jitter.
     *
     * @return the default policy.
     */
    public static RetryPolicy defaultPolicy()
    {
        return exponential(
            Configuration.RETRY_MAX_ATTEMPTS_DEFAULT,
            Duration.ofNanos(Configuration.RETRY_BASE_DEFAULT_NS),
            Duration.ofNanos(Configuration.RETRY_CAP_DEFAULT_NS));
    }

    /**
     * @param maxAttempts the number of attempts including the first, at least 1.
     * @param base        delay before the first retry, not negative.
     * @param cap         largest delay between two attempts, at least {@code base}.
     * @return a policy with exponential backoff.
     * @throws IllegalArgumentException naming the offending value.
     */
    public static RetryPolicy exponential(final int maxAttempts, final Duration base, final Duration cap)
    {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(cap, "cap");
        if (maxAttempts < 1)
        {
            throw new IllegalArgumentException("maxAttempts must be at least 1: maxAttempts=" + maxAttempts);
        }
        if (base.isNegative())
        {
            throw new IllegalArgumentException("base must not be negative: base=" + base);
        }
        if (cap.compareTo(base) < 0)
        {
            throw new IllegalArgumentException("cap must be at least base: cap=" + cap + ", base=" + base);
        }
        return new RetryPolicy(maxAttempts, base.toNanos(), cap.toNanos(), 0.0, FailureClassifier.DEFAULT);
    }

    /**
     * @param jitter fraction of each delay, in [0, 1], by which it is shortened at random.
     * @return a copy of this policy with the jitter.
     */
    public RetryPolicy withJitter(final double jitter)
    {
        if (!(jitter >= 0.0 && jitter <= 1.0))
        {
            throw new IllegalArgumentException("jitter must be in [0, 1]: jitter=" + jitter);
        }
        return new RetryPolicy(maxAttempts, baseNs, capNs, jitter, classifier);
    }

    /**
     * @param classifier deciding which failures are retried.
     * @return a copy of this policy with the classifier.
     */
    public RetryPolicy withClassifier(final FailureClassifier classifier)
    {
        return new RetryPolicy(maxAttempts, baseNs, capNs, jitter, Objects.requireNonNull(classifier, "classifier"));
    }

    /**
     * @return the number of attempts including the first.
     */
    public int maxAttempts()
    {
        return maxAttempts;
    }

    /**
     * @return the delay before the first retry.
     */
    public Duration base()
    {
        return Duration.ofNanos(baseNs);
    }

    /**
     * @return the largest delay between two attempts.
     */
    public Duration cap()
    {
        return Duration.ofNanos(capNs);
    }

    /**
     * @return the jitter fraction.
     */
    public double jitter()
    {
        return jitter;
    }

    /**
     * @return the classifier.
     */
    public FailureClassifier classifier()
    {
        return classifier;
    }

    /**
     * @param failedAttempts attempts made so far, at least 1.
     * @return the delay in nanoseconds before the next attempt.
     */
    public long delayNs(final int failedAttempts)
    {
        final int shift = Math.min(Math.max(failedAttempts - 1, 0), 62);
        long delay = baseNs << shift;
        if (delay < 0 || (shift > 0 && (delay >> shift) != baseNs) || delay > capNs)
        {
            delay = capNs;
        }
        if (jitter > 0.0 && delay > 0)
        {
            delay -= (long)(delay * jitter * ThreadLocalRandom.current().nextDouble());
        }
        return delay;
    }

    boolean isRetryable(final Throwable cause, final int attemptsMade)
    {
        return attemptsMade < maxAttempts && classifier.isTransient(cause);
    }

    /**
     * {@inheritDoc}
     */
    public String toString()
    {
        return "RetryPolicy{maxAttempts=" + maxAttempts + ", baseNs=" + baseNs + ", capNs=" + capNs +
            ", jitter=" + jitter + '}';
    }
}
