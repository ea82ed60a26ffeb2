package io.ringwriter;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The process {@link CrashSafetyTest} kills: writes to a few files through a {@link WriteEngine} under
 * {@link Durability#FSYNC} until it is killed, and prints on stdout each write the engine has acknowledged, after
 * {@link WriteEngine#flush()} or a completed future, one line each:
 * <pre>
 * READY              the engine runs
 * A file number      record (append) or version (replace) number of file is acknowledged
 * F path ...         a write failed (the parent fails the test)
 * E ...              the child broke (the parent fails the test)
 * </pre>
 * Arguments: {@code append|replace dir seed choiceSeed files}. Two producer threads, each the only writer of half the
 * files, so that each file's order is one thread's order.
 */
public final class CrashChild
{
    private static final PrintStream OUT =
        new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.US_ASCII);
    private static final AtomicLong FAILURES = new AtomicLong();
    private static final int PRODUCERS = 2;

    private CrashChild()
    {
    }

    /**
     * @param args mode, directory, content seed, choice seed, file count.
     * @throws Exception when the engine cannot start.
     */
    public static void main(final String[] args) throws Exception
    {
        final boolean replace = args[0].equals("replace");
        final Path dir = Path.of(args[1]);
        final long seed = Long.parseLong(args[2]);
        final long choiceSeed = Long.parseLong(args[3]);
        final int files = Integer.parseInt(args[4]);

        final long[] versions = new long[files];
        if (replace)
        {
            for (int f = 0; f < files; f++)
            {
                versions[f] = currentVersion(dir, seed, f);
            }
        }

        final WriteEngine engine = WriteEngine.builder()
            .root(dir)
            .ringSize(64)
            .slotSize(replace ? 512 : 128)
            .workers(2)
            .durability(Durability.FSYNC)
            .writeMode(replace ? WriteMode.ATOMIC_REPLACE : WriteMode.APPEND)
            .failureHandler((path, buffer, offset, length, attempts, cause) ->
            {
                FAILURES.incrementAndGet();
                emit("F " + path + " attempts=" + attempts + " " + String.valueOf(cause).replace('\n', ' '));
            })
            .build();
        emit("READY");

        for (int t = 0; t < PRODUCERS; t++)
        {
            final int producer = t;
            final Thread thread = new Thread(() ->
            {
                try
                {
                    if (replace)
                    {
                        replaceLoop(engine, seed, new Random(choiceSeed + producer), producer, files, versions);
                    }
                    else
                    {
                        appendLoop(engine, seed, new Random(choiceSeed + producer), producer, files);
                    }
                }
                catch (final Throwable ex)
                {
                    emit("E producer " + producer + ": " + String.valueOf(ex).replace('\n', ' '));
                    Runtime.getRuntime().halt(2);
                }
            }, "crash-producer-" + t);
            thread.start();
        }
    }

    private static long currentVersion(final Path dir, final long seed, final int file)
    {
        try
        {
            final byte[] content = Files.readAllBytes(dir.resolve(CrashRecords.versionFileName(file)));
            final CrashRecords.VersionScan scan = CrashRecords.scanVersion(content, seed, file);
            if (scan.problem() != null)
            {
                emit("E corrupt " + CrashRecords.versionFileName(file) + " at start: " + scan.problem());
                Runtime.getRuntime().halt(3);
            }
            return scan.version();
        }
        catch (final NoSuchFileException ex)
        {
            return -1;
        }
        catch (final java.io.IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
    }

    private static void appendLoop(
        final WriteEngine engine, final long seed, final Random random, final int producer, final int files)
    {
        final long[] next = new long[files];
        final long[] pending = new long[files];
        java.util.Arrays.fill(pending, -1);
        while (true)
        {
            final int records = 1 + random.nextInt(6);
            for (int i = 0; i < records; i++)
            {
                final int file = ownedFile(random, producer, files);
                final long seq = next[file]++;
                final byte[] record = CrashRecords.record(seed, file, seq);
                final Path path = Path.of(CrashRecords.appendFileName(file));
                switch (random.nextInt(4))
                {
                    case 0:
                        engine.submit(path, record).whenComplete((result, failure) ->
                            emit(failure == null ? "A " + file + " " + seq : "F " + path + " " + failure));
                        break;
                    case 1:
                        engine.write(path, new UnsafeBuffer(record), 0, record.length);
                        pending[file] = seq;
                        break;
                    default:
                        engine.write(path, record);
                        pending[file] = seq;
                        break;
                }
            }
            if (random.nextBoolean())
            {
                engine.flush();
                // flush() also returns for writes that failed: acknowledge only when none did.
                if (FAILURES.get() == 0)
                {
                    for (int file = 0; file < files; file++)
                    {
                        if (pending[file] >= 0)
                        {
                            emit("A " + file + " " + pending[file]);
                            pending[file] = -1;
                        }
                    }
                }
            }
        }
    }

    private static void replaceLoop(
        final WriteEngine engine,
        final long seed,
        final Random random,
        final int producer,
        final int files,
        final long[] versions)
    {
        while (true)
        {
            final int file = ownedFile(random, producer, files);
            final long version = ++versions[file];
            final byte[] content = CrashRecords.version(seed, file, version);
            final Path path = Path.of(CrashRecords.versionFileName(file));
            if (random.nextBoolean())
            {
                engine.submit(WriteRequest.of(path, content).withMode(WriteMode.ATOMIC_REPLACE))
                    .whenComplete((result, failure) ->
                        emit(failure == null ? "A " + file + " " + version : "F " + path + " " + failure));
            }
            else
            {
                engine.write(path, content);
                engine.flush();
                if (FAILURES.get() == 0)
                {
                    emit("A " + file + " " + version);
                }
            }
        }
    }

    private static int ownedFile(final Random random, final int producer, final int files)
    {
        final int owned = (files - producer + PRODUCERS - 1) / PRODUCERS;
        return producer + PRODUCERS * random.nextInt(owned);
    }

    private static void emit(final String line)
    {
        synchronized (OUT)
        {
            OUT.print(line);
            OUT.print('\n');
            OUT.flush();
        }
    }
}
