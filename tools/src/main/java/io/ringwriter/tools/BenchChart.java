package io.ringwriter.tools;

import org.knowm.xchart.ChartEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The bench chart: microseconds per file against files, for ringwriter (retries on, retries off) and the baseline,
 * drawn with XChart off screen and saved as PNG and SVG.
 */
final class BenchChart
{
    private BenchChart()
    {
    }

    /**
     * Draw the chart of the create-and-write cases.
     *
     * @param report  the results.
     * @param title   of the chart.
     * @param png     file to write the PNG to.
     * @param svg     file to write the SVG to, or null for none.
     * @return true when there was something to draw (at least one create-and-write case).
     * @throws IOException when a file cannot be written.
     */
    static boolean write(final BenchReport report, final String title, final Path png, final Path svg)
        throws IOException
    {
        System.setProperty("java.awt.headless", "true");
        final Map<Integer, Double> retriesOn = new TreeMap<>();
        final Map<Integer, Double> retriesOff = new TreeMap<>();
        final Map<Integer, List<Double>> baseline = new TreeMap<>();
        for (final BenchRunner.CaseResult r : report.results())
        {
            final BenchCase c = r.benchCase();
            if (c.isStream())
            {
                continue;
            }
            final double rw = r.ringwriter().medianNs() / 1e3 / c.files();
            (c.retries() ? retriesOn : retriesOff).put(c.files(), rw);
            baseline.computeIfAbsent(c.files(), (k) -> new ArrayList<>())
                .add(r.baseline().medianNs() / 1e3 / c.files());
        }
        if (baseline.isEmpty())
        {
            return false;
        }

        final XYChart chart = new XYChartBuilder().width(960).height(600).title(title)
            .xAxisTitle("files per operation").yAxisTitle("us per file (median)").build();
        final var styler = chart.getStyler();
        styler.setXAxisLogarithmic(true);
        styler.setLegendPosition(Styler.LegendPosition.OutsideS);
        styler.setLegendLayout(Styler.LegendLayout.Horizontal);
        styler.setChartBackgroundColor(java.awt.Color.WHITE);
        styler.setPlotGridLinesVisible(true);
        styler.setMarkerSize(7);
        styler.setYAxisMin(0.0);

        add(chart, "ringwriter, retries on", retriesOn, SeriesMarkers.CIRCLE);
        add(chart, "ringwriter, retries off", retriesOff, SeriesMarkers.DIAMOND);
        final Map<Integer, Double> base = new TreeMap<>();
        for (final Map.Entry<Integer, List<Double>> e : baseline.entrySet())
        {
            base.put(e.getKey(), e.getValue().stream().mapToDouble(Double::doubleValue).average().orElse(0));
        }
        add(chart, "baseline: fixed pool, Files.write per file", base, SeriesMarkers.SQUARE);

        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(png)))
        {
            ChartEncoder.saveChart(chart, os, "png");
        }
        if (svg != null)
        {
            try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(svg)))
            {
                ChartEncoder.saveChart(chart, os, "svg");
            }
        }
        return true;
    }

    private static void add(
        final XYChart chart, final String name, final Map<Integer, Double> points,
        final org.knowm.xchart.style.markers.Marker marker)
    {
        if (points.isEmpty())
        {
            return;
        }
        final double[] x = new double[points.size()];
        final double[] y = new double[points.size()];
        int i = 0;
        for (final Map.Entry<Integer, Double> e : points.entrySet())
        {
            x[i] = e.getKey();
            y[i] = e.getValue();
            i++;
        }
        final XYSeries series = chart.addSeries(name, x, y);
        series.setMarker(marker);
        series.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
    }
}
