package io.ringwriter.bench.stress;

import io.ringwriter.EngineException;
import io.ringwriter.FileIo;
import io.ringwriter.RetryPolicy;
import io.ringwriter.WriteEngine;
import io.ringwriter.WriteFailedException;
import io.ringwriter.WriteResult;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.openjdk.jcstress.infra.results.III_Result;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * jcstress cases for the engine's close handshake, through the public API only: a write racing
 * {@link WriteEngine#close()} is either accepted and written, or refused with {@link IllegalStateException}; it is
 * never accepted and lost, nor written after being refused. Each case runs a tiny engine (one worker, 8 slots)
 * whose file layer writes to {@code /dev/null} and counts the bytes, so the arbiter knows what reached the file.
 * <p>
 * Engines are heavy for jcstress (two threads each): run these with a small stride, as {@code bench/stress.sh}
 * does.
 */
public final class WriteEngineCloseStress
{
    static final int LENGTH = 8;
    static final byte[] MESSAGE = new byte[LENGTH];
    static final Path PATH = Path.of("ringwriter-stress", "close");
    static final Path DEV_NULL = Path.of("/dev/null");
    static final Set<OpenOption> WRITE = Set.of(StandardOpenOption.WRITE);

    private WriteEngineCloseStress()
    {
    }

    /**
     * A tiny engine whose writes are counted, not stored.
     */
    public static class Engine
    {
        final AtomicLong bytes = new AtomicLong();
        final WriteEngine engine = WriteEngine.builder()
            .ringSize(8)
            .slotSize(16)
            .workers(1)
            .retrySlots(1)
            .stageBufferSize(4096)
            .retryPolicy(RetryPolicy.none())
            .closeTimeout(Duration.ofSeconds(10))
            .fileIo(new FileIo()
            {
                public FileChannel open(final Path path, final Set<? extends OpenOption> options) throws IOException
                {
                    return FileChannel.open(DEV_NULL, WRITE);
                }

                public int write(final FileChannel channel, final ByteBuffer src)
                {
                    final int n = src.remaining();
                    src.position(src.limit());
                    bytes.addAndGet(n);
                    return n;
                }
            })
            .build();
    }

    /**
     * write() against close().
     */
    @JCStressTest
    @Description("write vs close: accepted means written, refused means not written")
    @Outcome(id = "1, 8", expect = ACCEPTABLE, desc = "accepted before close and written by close's drain")
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "refused with IllegalStateException; nothing written")
    @Outcome(id = "1, 0", expect = FORBIDDEN, desc = "accepted and lost")
    @Outcome(id = "0, 8", expect = FORBIDDEN, desc = "refused but written")
    @Outcome(expect = FORBIDDEN, desc = "anything else (another exception, a partial write)")
    @State
    public static class WriteVsClose extends Engine
    {
        /**
         * @param r r1: 1 accepted, 0 refused, -1 another exception.
         */
        @Actor
        public void producer(final II_Result r)
        {
            try
            {
                engine.write(PATH, MESSAGE);
                r.r1 = 1;
            }
            catch (final IllegalStateException ex)
            {
                r.r1 = 0;
            }
            catch (final RuntimeException ex)
            {
                r.r1 = -1;
            }
        }

        /**
         * Close while the producer writes.
         */
        @Actor
        public void closer()
        {
            engine.close();
        }

        /**
         * @param r r2: bytes that reached the file layer.
         */
        @Arbiter
        public void written(final II_Result r)
        {
            r.r2 = (int)bytes.get();
        }
    }

    /**
     * tryWrite() against close().
     */
    @JCStressTest
    @Description("tryWrite vs close: true means written, refused (exception) means not written")
    @Outcome(id = "1, 8", expect = ACCEPTABLE, desc = "accepted before close and written")
    @Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "refused with IllegalStateException; nothing written")
    @Outcome(expect = FORBIDDEN, desc = "accepted and lost, refused and written, or false on an empty ring")
    @State
    public static class TryWriteVsClose extends Engine
    {
        /**
         * @param r r1: 1 accepted, 0 refused, 2 returned false, -1 another exception.
         */
        @Actor
        public void producer(final II_Result r)
        {
            try
            {
                r.r1 = engine.tryWrite(PATH, MESSAGE) ? 1 : 2;
            }
            catch (final IllegalStateException ex)
            {
                r.r1 = 0;
            }
            catch (final RuntimeException ex)
            {
                r.r1 = -1;
            }
        }

        /**
         * Close while the producer writes.
         */
        @Actor
        public void closer()
        {
            engine.close();
        }

        /**
         * @param r r2: bytes that reached the file layer.
         */
        @Arbiter
        public void written(final II_Result r)
        {
            r.r2 = (int)bytes.get();
        }
    }

    /**
     * submit() against close(): the future tells the truth about the file.
     */
    @JCStressTest
    @Description("submit vs close: the future's outcome matches what reached the file")
    @Outcome(id = "1, 1, 8", expect = ACCEPTABLE, desc = "accepted, future done, written")
    @Outcome(id = "1, 2, 0", expect = ACCEPTABLE, desc = "accepted, future failed with ENGINE_CLOSED, not written")
    @Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "refused with IllegalStateException; nothing written")
    @Outcome(expect = FORBIDDEN, desc = "a future that disagrees with the file, or another outcome")
    @State
    public static class SubmitVsClose extends Engine
    {
        CompletableFuture<WriteResult> future;

        /**
         * @param r r1: 1 accepted, 0 refused, -1 another exception.
         */
        @Actor
        public void producer(final III_Result r)
        {
            try
            {
                future = engine.submit(PATH, MESSAGE);
                r.r1 = 1;
            }
            catch (final IllegalStateException ex)
            {
                r.r1 = 0;
            }
            catch (final RuntimeException ex)
            {
                r.r1 = -1;
            }
        }

        /**
         * Close while the producer submits.
         */
        @Actor
        public void closer()
        {
            engine.close();
        }

        /**
         * @param r r2: 1 future done, 2 failed with ENGINE_CLOSED, 3 other; r3: bytes written.
         */
        @Arbiter
        public void outcome(final III_Result r)
        {
            r.r3 = (int)bytes.get();
            if (future == null)
            {
                r.r2 = 0;
                return;
            }
            try
            {
                future.join();
                r.r2 = 1;
            }
            catch (final CompletionException ex)
            {
                final Throwable cause = ex.getCause();
                r.r2 = cause instanceof WriteFailedException && cause.getCause() instanceof EngineException &&
                    ((EngineException)cause.getCause()).code() == EngineException.ENGINE_CLOSED ? 2 : 3;
            }
            catch (final RuntimeException ex)
            {
                r.r2 = 3;
            }
        }
    }
}
