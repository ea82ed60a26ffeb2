package io.ringwriter.tools;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * A progress bar on stderr, redrawn in place ({@code \r}) on a terminal, one line per case otherwise. Drawn by the
 * thread that runs the bench, between operations, so it never allocates inside a measurement. Not thread safe.
 */
final class Progress implements BenchRunner.Listener
{
    private static final int WIDTH = 30;

    private final PrintWriter err;
    private final boolean interactive;
    private final boolean enabled;
    private final long total;
    private final long startNs = System.nanoTime();
    private long done;
    private String lastCase;
    private int lastLength;

    /**
     * @param err         where to draw.
     * @param interactive redraw one line in place.
     * @param enabled     false draws nothing.
     * @param total       operations expected.
     */
    Progress(final PrintWriter err, final boolean interactive, final boolean enabled, final long total)
    {
        this.err = err;
        this.interactive = interactive;
        this.enabled = enabled;
        this.total = Math.max(1, total);
    }

    @Override
    public void onOperation(final BenchCase benchCase, final String phase)
    {
        done++;
        if (!enabled)
        {
            return;
        }
        final int percent = (int)Math.min(100, done * 100 / total);
        if (interactive)
        {
            final int filled = (int)Math.min(WIDTH, done * WIDTH / total);
            final String line = String.format(Locale.ROOT, "[%s%s] %3d%%  %5.1fs  %s %s",
                "#".repeat(filled), ".".repeat(WIDTH - filled), percent, (System.nanoTime() - startNs) / 1e9,
                benchCase.name(), phase);
            err.print('\r' + line + " ".repeat(Math.max(0, lastLength - line.length())));
            lastLength = line.length();
            err.flush();
        }
        else if (!benchCase.name().equals(lastCase))
        {
            err.printf(Locale.ROOT, "bench: %3d%%  %5.1fs  %s%n", percent, (System.nanoTime() - startNs) / 1e9,
                benchCase.name());
            err.flush();
        }
        lastCase = benchCase.name();
    }

    /**
     * Say something between operations, on its own line.
     *
     * @param text to say.
     */
    void note(final String text)
    {
        if (!enabled)
        {
            return;
        }
        if (interactive && lastLength > 0)
        {
            err.print('\r' + " ".repeat(lastLength) + '\r');
            lastLength = 0;
        }
        err.println(text);
        err.flush();
    }

    /**
     * End the bar's line.
     */
    void finish()
    {
        if (enabled && interactive && lastLength > 0)
        {
            err.println();
            err.flush();
            lastLength = 0;
        }
    }
}
