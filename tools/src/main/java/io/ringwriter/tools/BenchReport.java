package io.ringwriter.tools;

import io.ringwriter.EngineStats;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The results of a bench run as a table in the seed's shape (one section per Go benchmark), as JSON and as CSV.
 * Every figure is the median of the measured operations; the ratio is the median over the interleaved pairs of
 * baseline time / ringwriter time, so above 1 means ringwriter was faster.
 */
final class BenchReport
{
    private final Map<String, Object> meta;
    private final List<BenchRunner.CaseResult> results;

    /**
     * @param meta    what was run where: printed as the header and put in the JSON as {@code meta}.
     * @param results of the cases, in order.
     */
    BenchReport(final Map<String, Object> meta, final List<BenchRunner.CaseResult> results)
    {
        this.meta = meta;
        this.results = results;
    }

    /**
     * @return the results.
     */
    List<BenchRunner.CaseResult> results()
    {
        return results;
    }

    /**
     * @return the table, one section per group, with a header saying what was measured.
     */
    String text()
    {
        final StringBuilder sb = new StringBuilder();
        sb.append("# ringwriter bench").append('\n').append('\n');
        for (final Map.Entry<String, Object> e : meta.entrySet())
        {
            sb.append("- ").append(e.getKey()).append(": ").append(e.getValue()).append('\n');
        }
        BenchCase.Group group = null;
        for (final BenchRunner.CaseResult r : results)
        {
            final BenchCase c = r.benchCase();
            if (c.group() != group)
            {
                group = c.group();
                sb.append('\n').append("## ").append(group.title()).append('\n').append('\n');
                if (c.isStream())
                {
                    sb.append("| Files | Messages | Time per op | Messages/s | ns per message | B per message | " +
                        "Baseline messages/s | Baseline B per message | Ratio |\n");
                    sb.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
                }
                else
                {
                    sb.append("| Files | Time per op | us per file | B per file | Baseline us per file | " +
                        "Baseline B per file | Ratio |\n");
                    sb.append("|---:|---:|---:|---:|---:|---:|---:|\n");
                }
            }
            sb.append(c.isStream() ? streamRow(r) : filesRow(r)).append('\n');
        }
        return sb.toString();
    }

    private static String filesRow(final BenchRunner.CaseResult r)
    {
        final int files = r.benchCase().files();
        final long rw = r.ringwriter().medianNs();
        final long base = r.baseline().medianNs();
        return String.format(Locale.ROOT, "| %,d | %s | %.1f | %,d | %.1f | %,d | %.2fx |",
            files, time(rw), rw / 1e3 / files, r.ringwriter().medianBytes() / files,
            base / 1e3 / files, r.baseline().medianBytes() / files, r.ratio());
    }

    private static String streamRow(final BenchRunner.CaseResult r)
    {
        final long messages = r.benchCase().messages();
        final long rw = r.ringwriter().medianNs();
        final long base = r.baseline().medianNs();
        return String.format(Locale.ROOT, "| %,d | %,d | %s | %,.0f | %.1f | %.2f | %,.0f | %.2f | %.2fx |",
            r.benchCase().files(), messages, time(rw), messages / (rw / 1e9), (double)rw / messages,
            (double)r.ringwriter().medianBytes() / messages, messages / (base / 1e9),
            (double)r.baseline().medianBytes() / messages, r.ratio());
    }

    private static String time(final long ns)
    {
        return ns >= 1_000_000 ?
            String.format(Locale.ROOT, "%,d ns (%.2f ms)", ns, ns / 1e6) :
            String.format(Locale.ROOT, "%,d ns (%.1f us)", ns, ns / 1e3);
    }

    /**
     * @return every figure and every sample as JSON.
     */
    String json()
    {
        final Map<String, Object> root = Json.object();
        root.put("meta", meta);
        final List<Object> cases = new ArrayList<>();
        for (final BenchRunner.CaseResult r : results)
        {
            final BenchCase c = r.benchCase();
            final Map<String, Object> o = Json.object();
            o.put("name", c.name());
            o.put("group", c.group().name());
            o.put("files", c.files());
            o.put("retries", c.retries());
            o.put("batch", c.batch());
            if (c.isStream())
            {
                o.put("messages", c.messages());
            }
            o.put("ringwriter", series(c, r.ringwriter()));
            o.put("baseline", series(c, r.baseline()));
            o.put("ratio", r.ratio());
            o.put("engineStats", stats(r.stats()));
            cases.add(o);
        }
        root.put("cases", cases);
        return Json.write(root) + "\n";
    }

    private static Map<String, Object> series(final BenchCase c, final BenchRunner.Series s)
    {
        final Map<String, Object> o = Json.object();
        o.put("medianNs", s.medianNs());
        o.put("minNs", s.minNs());
        o.put("maxNs", s.maxNs());
        if (c.isStream())
        {
            o.put("messagesPerSecond", c.messages() / (s.medianNs() / 1e9));
            o.put("nsPerMessage", (double)s.medianNs() / c.messages());
            o.put("bytesAllocatedPerMessage", (double)s.medianBytes() / c.messages());
        }
        else
        {
            o.put("usPerFile", s.medianNs() / 1e3 / c.files());
            o.put("bytesAllocatedPerFile", (double)s.medianBytes() / c.files());
        }
        o.put("medianBytesAllocated", s.medianBytes());
        o.put("samplesNs", s.ns());
        o.put("samplesBytesAllocated", s.bytes());
        return o;
    }

    private static Map<String, Object> stats(final EngineStats s)
    {
        final Map<String, Object> o = Json.object();
        o.put("published", s.published());
        o.put("written", s.written());
        o.put("failed", s.failed());
        o.put("timedOut", s.timedOut());
        o.put("retried", s.retried());
        o.put("bytesWritten", s.bytesWritten());
        o.put("batches", s.batches());
        o.put("writeCalls", s.writeCalls());
        o.put("forces", s.forces());
        o.put("maxBatchSize", s.maxBatchSize());
        return o;
    }

    /**
     * @return one line per case, with a header line.
     */
    String csv()
    {
        final StringBuilder sb = new StringBuilder();
        sb.append("case,group,files,messages,retries,reps,ringwriter_median_ns,ringwriter_min_ns,ringwriter_max_ns," +
            "ringwriter_us_per_file,ringwriter_bytes_per_file,baseline_median_ns,baseline_min_ns,baseline_max_ns," +
            "baseline_us_per_file,baseline_bytes_per_file,ringwriter_messages_per_s,baseline_messages_per_s," +
            "ratio\n");
        for (final BenchRunner.CaseResult r : results)
        {
            final BenchCase c = r.benchCase();
            final BenchRunner.Series rw = r.ringwriter();
            final BenchRunner.Series base = r.baseline();
            sb.append(String.format(Locale.ROOT, "%s,%s,%d,%d,%b,%d,%d,%d,%d,%.3f,%.1f,%d,%d,%d,%.3f,%.1f,%s,%s,%.4f%n",
                c.name(), c.group().name().toLowerCase(Locale.ROOT), c.files(), c.messages(), c.retries(),
                rw.ns().length, rw.medianNs(), rw.minNs(), rw.maxNs(), rw.medianNs() / 1e3 / c.files(),
                (double)rw.medianBytes() / c.files(), base.medianNs(), base.minNs(), base.maxNs(),
                base.medianNs() / 1e3 / c.files(), (double)base.medianBytes() / c.files(),
                c.isStream() ? String.format(Locale.ROOT, "%.0f", c.messages() / (rw.medianNs() / 1e9)) : "",
                c.isStream() ? String.format(Locale.ROOT, "%.0f", c.messages() / (base.medianNs() / 1e9)) : "",
                r.ratio()));
        }
        return sb.toString();
    }
}
