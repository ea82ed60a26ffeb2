package io.ringwriter;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Kills a child JVM ({@link CrashChild}) that writes through the engine under {@link Durability#FSYNC} with SIGKILL
 * at random moments and checks that every write it had acknowledged survived whole and in order.
 * <p>
 * What SIGKILL proves: the process dies at an arbitrary instruction, the kernel keeps what was written, so this
 * checks the engine never acknowledges a write before its {@code write}/{@code rename} happened and never leaves a
 * partial or misplaced record inside the acknowledged prefix. It does not cut power: that the forces reach the
 * device is shown by {@link #shouldForceFileAndNewDirectoriesBeforeAcknowledgingUnderFsync()}, not by a crash.
 * <p>
 * Seeds: {@code -Dringwriter.crash.seed=N} replays a run (printed at start and in every failure); kills per test:
 * {@code -Dringwriter.crash.kills=N} (default 20).
 */
class CrashSafetyTest
{
    private static final int FILES = 4;
    private static final int KILLS = Integer.getInteger("ringwriter.crash.kills", 20);
    private static final int MAX_ACKS_BEFORE_KILL = 60;
    private static final long CHILD_TIMEOUT_MS = 60_000;

    @TempDir
    Path dir;

    @AfterEach
    void killLeftoverChildren()
    {
        // A failed assertion leaves the child it was checking alive: never let it outlive the test.
        ProcessHandle.current().children().forEach(ProcessHandle::destroyForcibly);
    }

    @Test
    @Timeout(600)
    void shouldKeepEveryAcknowledgedRecordAcrossKills() throws Exception
    {
        final long seed = Long.getLong("ringwriter.crash.seed", System.nanoTime());
        final Random random = new Random(seed);
        System.out.println("CrashSafetyTest append: seed=" + seed + " kills=" + KILLS);
        long totalAcked = 0;
        long totalFound = 0;
        int tornTails = 0;
        int killsBeforeFirstAck = 0;

        for (int kill = 0; kill < KILLS; kill++)
        {
            final Path runDir = Files.createDirectories(dir.resolve("append-" + kill));
            final long contentSeed = random.nextLong();
            final Child child = Child.start("append", runDir, contentSeed, random.nextLong());
            final int killAfterAcks = random.nextInt(MAX_ACKS_BEFORE_KILL + 1);
            child.awaitAcks(killAfterAcks);
            child.killAfterMicros(random.nextInt(3000));
            final String context = "seed=" + seed + " kill=" + kill + " dir=" + runDir;
            child.assertNoFailure(context);

            long acked = 0;
            long found = 0;
            final StringBuilder perFile = new StringBuilder();
            for (int file = 0; file < FILES; file++)
            {
                final Path path = runDir.resolve(CrashRecords.appendFileName(file));
                final byte[] content = Files.exists(path) ? Files.readAllBytes(path) : new byte[0];
                final CrashRecords.AppendScan scan = CrashRecords.scanAppended(content, contentSeed, file);
                final long ackedThrough = child.maxAck.get(file);
                assertNull(scan.problem(), context + " file=" + path.getFileName() +
                    ": corrupt record (acked through " + ackedThrough + "): " + scan.problem());
                assertTrue(scan.records() > ackedThrough, context + " file=" + path.getFileName() +
                    ": acknowledged record " + ackedThrough + " lost; found " + scan.records() + " whole records");
                acked += ackedThrough + 1;
                found += scan.records();
                tornTails += scan.tornTail() ? 1 : 0;
                perFile.append(' ').append(ackedThrough + 1).append('/').append(scan.records())
                    .append(scan.tornTail() ? "+torn" + scan.tailBytes() : "");
            }
            killsBeforeFirstAck += child.acks == 0 ? 1 : 0;
            totalAcked += acked;
            totalFound += found;
            System.out.println("CrashSafetyTest append kill " + kill + ": after " + child.acks +
                " ack lines, records acked/found per file:" + perFile + " (total " + acked + "/" + found + ")");
        }
        System.out.println("CrashSafetyTest append summary: kills=" + KILLS + " recordsAcked=" + totalAcked +
            " recordsFound=" + totalFound + " tornTails=" + tornTails + " killsBeforeFirstAck=" + killsBeforeFirstAck +
            " lostAcked=0 corrupt=0");
        assertTrue(totalFound >= totalAcked, "seed=" + seed);
    }

    @Test
    @Timeout(600)
    void shouldLeaveEveryFileAWholeVersionAcrossKillsUnderAtomicReplace() throws Exception
    {
        final long seed = Long.getLong("ringwriter.crash.seed", System.nanoTime());
        final Random random = new Random(seed);
        final long contentSeed = random.nextLong();
        System.out.println("CrashSafetyTest replace: seed=" + seed + " kills=" + KILLS);
        final Path stateDir = Files.createDirectories(dir.resolve("state"));

        // Everything the parent learnt from acknowledgements, across kills: a file once acknowledged must exist.
        final AtomicLongArray ackedEver = new AtomicLongArray(FILES);
        for (int file = 0; file < FILES; file++)
        {
            ackedEver.set(file, -1);
        }
        final ConcurrentReader reader = new ConcurrentReader(stateDir, contentSeed, ackedEver);
        final Thread readerThread = new Thread(reader, "crash-reader");
        readerThread.start();

        int leftoverTemps = 0;
        long versionsAcked = 0;
        try
        {
            for (int kill = 0; kill < KILLS; kill++)
            {
                final Child child = Child.start("replace", stateDir, contentSeed, random.nextLong());
                child.ackListener = (file, version) -> ackedEver.accumulateAndGet(file, version, Math::max);
                final int killAfterAcks = random.nextInt(MAX_ACKS_BEFORE_KILL / 2 + 1);
                child.awaitAcks(killAfterAcks);
                child.killAfterMicros(random.nextInt(3000));
                final String context = "seed=" + seed + " kill=" + kill + " dir=" + stateDir;
                child.assertNoFailure(context);

                final StringBuilder perFile = new StringBuilder();
                for (int file = 0; file < FILES; file++)
                {
                    final Path path = stateDir.resolve(CrashRecords.versionFileName(file));
                    final long acked = ackedEver.get(file);
                    if (!Files.exists(path))
                    {
                        assertEquals(-1, acked, context + ": " + path.getFileName() + " missing after version " +
                            acked + " was acknowledged");
                        perFile.append(" -/-");
                        continue;
                    }
                    final CrashRecords.VersionScan scan =
                        CrashRecords.scanVersion(Files.readAllBytes(path), contentSeed, file);
                    assertNull(scan.problem(), context + " " + path.getFileName() + ": " + scan.problem());
                    assertTrue(scan.version() >= acked, context + " " + path.getFileName() + ": acknowledged version " +
                        acked + " lost, found version " + scan.version());
                    perFile.append(' ').append(child.maxAck.get(file)).append('/').append(scan.version());
                }
                final int temps = countTemps(stateDir);
                leftoverTemps = temps;
                versionsAcked += child.acks;
                System.out.println("CrashSafetyTest replace kill " + kill + ": after " + child.acks +
                    " acks, version acked-this-run/found per file:" + perFile + ", leftover temp files=" + temps +
                    ", concurrent reads so far=" + reader.reads.get());
            }
        }
        finally
        {
            reader.stop.set(true);
            readerThread.join();
        }
        System.out.println("CrashSafetyTest replace summary: kills=" + KILLS + " versionsAcked=" + versionsAcked +
            " concurrentReads=" + reader.reads.get() + " partialSeen=" + reader.problems.size() +
            " leftoverTempFilesAtEnd=" + leftoverTemps);
        assertEquals(List.of(), reader.problems, "seed=" + seed + ": a reader saw a partial or stale file");
        assertTrue(reader.reads.get() > 0, "the concurrent reader never read");
    }

    /**
     * The promise behind FSYNC, shown through the I/O seam: when a write to a file the engine creates (in directories
     * it creates) is acknowledged, the file has been forced and so has the directory holding each created entry.
     */
    @Test
    @Timeout(60)
    void shouldForceFileAndNewDirectoriesBeforeAcknowledgingUnderFsync() throws Exception
    {
        final List<String> calls = new CopyOnWriteArrayList<>();
        final ReliabilitySupport.HookedFileIo recording = new ReliabilitySupport.HookedFileIo(
            (path) -> calls.add("open " + path))
        {
            public void force(final FileChannel channel, final boolean metaData) throws IOException
            {
                super.force(channel, metaData);
                calls.add("force " + channels.get(channel));
            }

            public void forceDirectory(final Path d) throws IOException
            {
                super.forceDirectory(d);
                calls.add("forceDirectory " + d);
            }
        };
        final Path root = dir.toRealPath();
        try (WriteEngine engine = WriteEngine.builder().root(root).workers(1).ringSize(64).slotSize(64)
            .durability(Durability.FSYNC).fileIo(recording).build())
        {
            final Path file = Path.of("a", "b", "new.log");
            final WriteResult result = engine.submit(file, "x".getBytes(StandardCharsets.US_ASCII)).get(30,
                TimeUnit.SECONDS);
            // The future completes after the worker resolved the write: every force it needed is in the log.
            final List<String> seen = new ArrayList<>(calls);
            assertEquals(1, result.bytesWritten());
            final Path target = root.resolve(file);
            assertTrue(seen.contains("force " + target), "file not forced before the ack: " + seen);
            assertTrue(seen.contains("forceDirectory " + root.resolve("a/b")), "new file's directory not forced: " +
                seen);
            assertTrue(seen.contains("forceDirectory " + root.resolve("a")), "created directory b's parent not " +
                "forced: " + seen);
            assertTrue(seen.contains("forceDirectory " + root), "created directory a's parent not forced: " + seen);
            assertTrue(seen.indexOf("force " + target) > seen.indexOf("open " + target), "forced before opened: " +
                seen);
        }
    }

    private static int countTemps(final Path stateDir) throws IOException
    {
        try (Stream<Path> list = Files.list(stateDir))
        {
            return (int)list.filter((p) -> p.getFileName().toString().endsWith(".tmp")).count();
        }
    }

    /**
     * Reads the version files over and over while children write and die: each read must be a whole version, and a
     * file's version never goes back.
     */
    private static final class ConcurrentReader implements Runnable
    {
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong reads = new AtomicLong();
        final List<String> problems = new CopyOnWriteArrayList<>();
        private final Path stateDir;
        private final long contentSeed;
        private final AtomicLongArray ackedEver;
        private final long[] lastSeen = new long[FILES];

        ConcurrentReader(final Path stateDir, final long contentSeed, final AtomicLongArray ackedEver)
        {
            this.stateDir = stateDir;
            this.contentSeed = contentSeed;
            this.ackedEver = ackedEver;
            Arrays.fill(lastSeen, -1);
        }

        public void run()
        {
            while (!stop.get() && problems.size() < 10)
            {
                for (int file = 0; file < FILES; file++)
                {
                    final long ackedBefore = ackedEver.get(file);
                    final Path path = stateDir.resolve(CrashRecords.versionFileName(file));
                    final byte[] content;
                    try
                    {
                        content = Files.readAllBytes(path);
                    }
                    catch (final NoSuchFileException ex)
                    {
                        if (ackedBefore >= 0)
                        {
                            problems.add(path.getFileName() + " missing after version " + ackedBefore + " was acked");
                        }
                        continue;
                    }
                    catch (final IOException ex)
                    {
                        problems.add(path.getFileName() + ": " + ex);
                        continue;
                    }
                    reads.incrementAndGet();
                    final CrashRecords.VersionScan scan = CrashRecords.scanVersion(content, contentSeed, file);
                    if (scan.problem() != null)
                    {
                        problems.add(path.getFileName() + ": " + scan.problem());
                    }
                    else if (scan.version() < lastSeen[file] || scan.version() < ackedBefore)
                    {
                        problems.add(path.getFileName() + ": version " + scan.version() + " after version " +
                            Math.max(lastSeen[file], ackedBefore));
                    }
                    else
                    {
                        lastSeen[file] = scan.version();
                    }
                }
            }
        }
    }

    /**
     * A running {@link CrashChild} and what it printed.
     */
    private static final class Child
    {
        private static final String EOF = "\u0000EOF";

        final AtomicLongArray maxAck = new AtomicLongArray(FILES);
        final List<String> failures = new ArrayList<>();
        int acks;
        AckListener ackListener = (file, version) -> { };

        private final Process process;
        private final Path stderr;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final Thread pump;
        private boolean ended;

        interface AckListener
        {
            void onAck(int file, long number);
        }

        private Child(final Process process, final Path stderr)
        {
            this.process = process;
            this.stderr = stderr;
            for (int file = 0; file < FILES; file++)
            {
                maxAck.set(file, -1);
            }
            this.pump = new Thread(this::pumpLines, "crash-child-stdout");
            pump.setDaemon(true);
            pump.start();
        }

        static Child start(final String mode, final Path dir, final long seed, final long choiceSeed)
            throws IOException, InterruptedException
        {
            final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            final Path stderr = Files.createTempFile(dir.getParent(), "child-", ".err");
            final Process process = new ProcessBuilder(
                java,
                "-cp", System.getProperty("java.class.path"),
                "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
                "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
                CrashChild.class.getName(),
                mode, dir.toString(), Long.toString(seed), Long.toString(choiceSeed), Integer.toString(FILES))
                .redirectError(stderr.toFile())
                .start();
            final Child child = new Child(process, stderr);
            child.awaitLine("READY");
            return child;
        }

        /**
         * Lines end with '\n'; a line the kill cut short is not an acknowledgement and is dropped.
         */
        private void pumpLines()
        {
            final ByteArrayOutputStream line = new ByteArrayOutputStream();
            try (InputStream in = process.getInputStream())
            {
                final byte[] buffer = new byte[8192];
                int n;
                while ((n = in.read(buffer)) > 0)
                {
                    for (int i = 0; i < n; i++)
                    {
                        if (buffer[i] == '\n')
                        {
                            lines.add(line.toString(StandardCharsets.US_ASCII));
                            line.reset();
                        }
                        else
                        {
                            line.write(buffer[i]);
                        }
                    }
                }
            }
            catch (final IOException ex)
            {
                lines.add("E stdout: " + ex);
            }
            lines.add(EOF);
        }

        private void awaitLine(final String expected) throws InterruptedException
        {
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CHILD_TIMEOUT_MS);
            while (true)
            {
                final String line = next(deadline);
                if (line.equals(expected))
                {
                    return;
                }
                handle(line);
            }
        }

        void awaitAcks(final int count) throws InterruptedException
        {
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CHILD_TIMEOUT_MS);
            while (acks < count)
            {
                handle(next(deadline));
            }
        }

        private String next(final long deadline) throws InterruptedException
        {
            final String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null)
            {
                process.destroyForcibly();
                fail("child printed nothing for " + CHILD_TIMEOUT_MS + " ms; stderr: " + stderrText());
            }
            if (line.equals(EOF))
            {
                ended = true;
                fail("child exited on its own with " + process.waitFor() + "; failures=" + failures + "; stderr: " +
                    stderrText());
            }
            return line;
        }

        private void handle(final String line)
        {
            if (line.startsWith("A "))
            {
                final String[] parts = line.split(" ");
                final int file = Integer.parseInt(parts[1]);
                final long number = Long.parseLong(parts[2]);
                maxAck.accumulateAndGet(file, number, Math::max);
                ackListener.onAck(file, number);
                acks++;
            }
            else if (!line.equals("READY"))
            {
                failures.add(line);
            }
        }

        /**
         * SIGKILL (destroyForcibly on Linux), a random moment after the last acknowledgement read; then
         * read every line the child finished before it died.
         */
        void killAfterMicros(final int micros) throws InterruptedException
        {
            // Not a synchronisation: a random delay that moves the kill to a random point of the child's work.
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(micros));
            // ProcessHandle sends the same SIGKILL as Process.destroyForcibly() but, unlike it, does not close our
            // end of the stdout pipe: acknowledgements printed just before the kill are still read.
            if (!process.toHandle().destroyForcibly())
            {
                fail("SIGKILL could not be sent to the child");
            }
            if (!process.waitFor(CHILD_TIMEOUT_MS, TimeUnit.MILLISECONDS))
            {
                fail("child did not die after SIGKILL");
            }
            while (!ended)
            {
                final String line = lines.poll(CHILD_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                if (line == null || line.equals(EOF))
                {
                    ended = true;
                }
                else
                {
                    handle(line);
                }
            }
            pump.join();
        }

        void assertNoFailure(final String context) throws IOException
        {
            assertEquals(List.of(), failures, context + ": the child reported failures; stderr: " + stderrText());
            Files.deleteIfExists(stderr);
        }

        private String stderrText()
        {
            try
            {
                return Files.readString(stderr, StandardCharsets.UTF_8);
            }
            catch (final IOException ex)
            {
                return ex.toString();
            }
        }
    }

}
