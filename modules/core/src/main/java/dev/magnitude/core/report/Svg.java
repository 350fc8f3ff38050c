package dev.magnitude.core.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Self-contained SVG plots for the report: pure functions from data to an SVG document string, no
 * scripts, fonts, images or stylesheets from outside, so a report is one HTML file that opens offline.
 * Every piece of text (titles, axis names, labels, series names) is XML-escaped by {@link #escape}.
 *
 * <p>Geometry shared by every plot: a {@value #WIDTH} × {@value #HEIGHT} canvas, a plot area inset by
 * {@link #LEFT}, {@link #RIGHT}, {@link #TOP} and {@link #BOTTOM}, and linear axes: a data value v in
 * [lo, hi] maps to x = LEFT + (v − lo)/(hi − lo)·plotWidth and to y = TOP + plotHeight − (v − lo)/(hi −
 * lo)·plotHeight (up is larger). Coordinates are written with 2 decimals. Elements carry a
 * {@code class} (bar, error, hist-a, hist-b, series, cell, cell-label, legend) so tests and CSS can find
 * them. Non-finite data values are refused with an error naming them, except in the heatmap, where a
 * NaN cell is drawn grey and labelled "n/a" (a variant pair that was not run).
 */
public final class Svg {

  public static final int WIDTH = 640;
  public static final int HEIGHT = 400;
  public static final int LEFT = 70;
  public static final int RIGHT = 150;
  public static final int TOP = 40;
  public static final int BOTTOM = 60;
  static final double PLOT_WIDTH = WIDTH - LEFT - RIGHT;
  static final double PLOT_HEIGHT = HEIGHT - TOP - BOTTOM;

  /** Colours of the series, in order (colour-blind safe Okabe–Ito palette), reused cyclically. */
  static final String[] PALETTE = {"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"};

  private Svg() {}

  /** One bar of {@link #barChart}: a value and its interval (e.g. a 95% CI), low ≤ value ≤ high. */
  public record Bar(String label, double value, double low, double high) {}

  /** One series of {@link #lineChart}: points (x[i], y[i]), x ascending or not (drawn in the given order). */
  public record Series(String name, double[] x, double[] y) {}

  /**
   * XML-escapes text for element content and attribute values: &amp; &lt; &gt; " ' become entities;
   * characters XML 1.0 forbids (controls other than tab, newline, carriage return; lone surrogates;
   * U+FFFE, U+FFFF) become U+FFFD so the document stays well-formed.
   */
  public static String escape(String text) {
    if (text == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> {
          if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
            out.append(c).append(text.charAt(++i));
          } else if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || Character.isSurrogate(c)
              || c == '\uFFFE' || c == '\uFFFF') {
            out.append('\uFFFD');
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.toString();
  }

  /**
   * Two distributions overlaid as semi-transparent histograms over the same bins, e.g. the norms of
   * relevant vs non-relevant documents. Bins: {@code bins} equal-width bins from the smallest to the
   * largest value of both samples (the last bin closed); each bar's height is the FRACTION of its own
   * sample in the bin, so samples of different sizes compare (y axis 0 to the largest fraction).
   *
   * @param a first sample (class hist-a), at least one value
   * @param b second sample (class hist-b), at least one value
   * @param bins number of bins, > 0
   */
  public static String histogram(
      String title, String xLabel, String aName, double[] a, String bName, double[] b, int bins) {
    checkFinite(a, aName);
    checkFinite(b, bName);
    if (a.length == 0 || b.length == 0) {
      throw new IllegalArgumentException(
          "histogram needs values in both samples; " + aName + " has " + a.length + ", " + bName + " has " + b.length);
    }
    if (bins <= 0) {
      throw new IllegalArgumentException("bins must be > 0, got " + bins + "; 30 is a good start");
    }
    double lo = Math.min(min(a), min(b));
    double hi = Math.max(max(a), max(b));
    if (hi == lo) {
      lo -= 0.5;
      hi += 0.5;
    }
    double[] fa = binFractions(a, lo, hi, bins);
    double[] fb = binFractions(b, lo, hi, bins);
    double top = Math.max(max(fa), max(fb));
    StringBuilder svg = open(title);
    axes(svg, lo, hi, 0, top, xLabel, "fraction of sample");
    double binWidth = PLOT_WIDTH / bins;
    String[] names = {aName, bName};
    double[][] fractions = {fa, fb};
    for (int s = 0; s < 2; s++) {
      for (int i = 0; i < bins; i++) {
        double h = fractions[s][i] / top * PLOT_HEIGHT;
        rect(svg, "hist-" + (s == 0 ? "a" : "b"), LEFT + i * binWidth, TOP + PLOT_HEIGHT - h, binWidth, h,
            PALETTE[s], 0.5, names[s] + ": " + fmt(fractions[s][i]));
      }
    }
    legend(svg, List.of(aName, bName));
    return close(svg);
  }

  /** Fraction of the values in each of {@code bins} equal bins over [lo, hi]; hi falls in the last bin. */
  static double[] binFractions(double[] values, double lo, double hi, int bins) {
    double[] fractions = new double[bins];
    for (double v : values) {
      int bin = (int) Math.floor((v - lo) / (hi - lo) * bins);
      fractions[Math.max(0, Math.min(bins - 1, bin))] += 1.0 / values.length;
    }
    return fractions;
  }

  /**
   * Bars with error bars, e.g. a metric per variant with its CI. The y axis spans min(0, lowest low) to
   * max(0, highest high); bars rise from 0, so a bar's height is |value|/(hi − lo)·plotHeight.
   *
   * @param bars at least one; finite values with low ≤ value ≤ high
   */
  public static String barChart(String title, String yLabel, List<Bar> bars) {
    Objects.requireNonNull(bars, "bars must not be null");
    if (bars.isEmpty()) {
      throw new IllegalArgumentException("bar chart '" + title + "' has no bars");
    }
    double lo = 0;
    double hi = 0;
    for (Bar bar : bars) {
      if (!Double.isFinite(bar.value()) || !Double.isFinite(bar.low()) || !Double.isFinite(bar.high())) {
        throw new IllegalArgumentException("bar '" + bar.label() + "' has a non-finite value or interval: " + bar);
      }
      if (bar.low() > bar.value() || bar.value() > bar.high()) {
        throw new IllegalArgumentException(
            "bar '" + bar.label() + "' needs low <= value <= high, got " + bar.low() + ", " + bar.value() + ", " + bar.high());
      }
      lo = Math.min(lo, bar.low());
      hi = Math.max(hi, bar.high());
    }
    if (hi == lo) {
      hi = 1;
    }
    StringBuilder svg = open(title);
    axes(svg, Double.NaN, Double.NaN, lo, hi, "", yLabel);
    double slot = PLOT_WIDTH / bars.size();
    double width = slot * 0.6;
    for (int i = 0; i < bars.size(); i++) {
      Bar bar = bars.get(i);
      double x = LEFT + i * slot + (slot - width) / 2;
      double y0 = y(0, lo, hi);
      double yv = y(bar.value(), lo, hi);
      rect(svg, "bar", x, Math.min(y0, yv), width, Math.abs(y0 - yv), PALETTE[i % PALETTE.length], 1,
          bar.label() + ": " + fmt(bar.value()) + " [" + fmt(bar.low()) + ", " + fmt(bar.high()) + "]");
      double cx = x + width / 2;
      double yl = y(bar.low(), lo, hi);
      double yh = y(bar.high(), lo, hi);
      svg.append("<path class=\"error\" stroke=\"#000\" fill=\"none\" d=\"M").append(c(cx)).append(' ').append(c(yl))
          .append(" V").append(c(yh)).append(" M").append(c(cx - 6)).append(' ').append(c(yh)).append(" H").append(c(cx + 6))
          .append(" M").append(c(cx - 6)).append(' ').append(c(yl)).append(" H").append(c(cx + 6)).append("\"/>\n");
      text(svg, "tick-label", cx, TOP + PLOT_HEIGHT + 16, "middle", bar.label());
    }
    return close(svg);
  }

  /**
   * Several series as polylines with a legend, e.g. training loss per variant over steps. Axes span the
   * smallest to the largest x and y of all series.
   *
   * @param series at least one, each with at least one point and x, y of equal length
   */
  public static String lineChart(String title, String xLabel, String yLabel, List<Series> series) {
    Objects.requireNonNull(series, "series must not be null");
    if (series.isEmpty()) {
      throw new IllegalArgumentException("line chart '" + title + "' has no series");
    }
    double xlo = Double.POSITIVE_INFINITY;
    double xhi = Double.NEGATIVE_INFINITY;
    double ylo = Double.POSITIVE_INFINITY;
    double yhi = Double.NEGATIVE_INFINITY;
    for (Series s : series) {
      if (s.x().length != s.y().length || s.x().length == 0) {
        throw new IllegalArgumentException(
            "series '" + s.name() + "' has " + s.x().length + " x and " + s.y().length + " y values; need equal, > 0");
      }
      checkFinite(s.x(), s.name() + " x");
      checkFinite(s.y(), s.name() + " y");
      xlo = Math.min(xlo, min(s.x()));
      xhi = Math.max(xhi, max(s.x()));
      ylo = Math.min(ylo, min(s.y()));
      yhi = Math.max(yhi, max(s.y()));
    }
    if (xhi == xlo) {
      xlo -= 0.5;
      xhi += 0.5;
    }
    if (yhi == ylo) {
      ylo -= 0.5;
      yhi += 0.5;
    }
    StringBuilder svg = open(title);
    axes(svg, xlo, xhi, ylo, yhi, xLabel, yLabel);
    List<String> names = new ArrayList<>();
    for (int k = 0; k < series.size(); k++) {
      Series s = series.get(k);
      names.add(s.name());
      svg.append("<polyline class=\"series\" fill=\"none\" stroke-width=\"2\" stroke=\"")
          .append(PALETTE[k % PALETTE.length]).append("\" points=\"");
      for (int i = 0; i < s.x().length; i++) {
        svg.append(i == 0 ? "" : " ").append(c(x(s.x()[i], xlo, xhi))).append(',').append(c(y(s.y()[i], ylo, yhi)));
      }
      svg.append("\"><title>").append(escape(s.name())).append("</title></polyline>\n");
    }
    legend(svg, names);
    return close(svg);
  }

  /**
   * A matrix of values as coloured cells with their value written in each, e.g. a metric per (train
   * variant, scoring). Colour: linear from white (smallest finite value) to dark blue (largest),
   * channel by channel; the colour scale is drawn at the right with its two ends labelled. A NaN cell is
   * grey and labelled "n/a". Cell labels use 3 decimals.
   *
   * @param values rows × columns, matching the label lists; at least one finite value
   */
  public static String heatmap(
      String title, String rowAxis, List<String> rowLabels, String columnAxis, List<String> columnLabels, double[][] values) {
    Objects.requireNonNull(rowLabels, "rowLabels must not be null");
    Objects.requireNonNull(columnLabels, "columnLabels must not be null");
    Objects.requireNonNull(values, "values must not be null");
    if (values.length != rowLabels.size() || rowLabels.isEmpty() || columnLabels.isEmpty()) {
      throw new IllegalArgumentException(
          "heatmap '" + title + "' has " + values.length + " rows of values for " + rowLabels.size()
              + " row labels and " + columnLabels.size() + " column labels; need matching, non-empty");
    }
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (int r = 0; r < values.length; r++) {
      if (values[r].length != columnLabels.size()) {
        throw new IllegalArgumentException(
            "heatmap row " + rowLabels.get(r) + " has " + values[r].length + " values for " + columnLabels.size() + " columns");
      }
      for (double v : values[r]) {
        if (Double.isInfinite(v)) {
          throw new IllegalArgumentException("heatmap row " + rowLabels.get(r) + " has an infinite value");
        }
        if (!Double.isNaN(v)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    }
    if (lo > hi) {
      throw new IllegalArgumentException("heatmap '" + title + "' has no finite value to colour");
    }
    StringBuilder svg = open(title);
    double cw = PLOT_WIDTH / columnLabels.size();
    double ch = PLOT_HEIGHT / rowLabels.size();
    for (int r = 0; r < rowLabels.size(); r++) {
      text(svg, "tick-label", LEFT - 6, TOP + (r + 0.5) * ch + 4, "end", rowLabels.get(r));
      for (int k = 0; k < columnLabels.size(); k++) {
        double v = values[r][k];
        double x = LEFT + k * cw;
        double y = TOP + r * ch;
        double t = Double.isNaN(v) ? Double.NaN : hi == lo ? 1 : (v - lo) / (hi - lo);
        rect(svg, "cell", x, y, cw, ch, Double.isNaN(t) ? "#bbbbbb" : colour(t), 1,
            rowLabels.get(r) + " × " + columnLabels.get(k) + ": " + (Double.isNaN(v) ? "n/a" : fmt(v)));
        text(svg, "cell-label", x + cw / 2, y + ch / 2 + 4, "middle",
            Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.3f", v), !Double.isNaN(t) && t > 0.5 ? "#fff" : "#000");
      }
    }
    for (int k = 0; k < columnLabels.size(); k++) {
      text(svg, "tick-label", LEFT + (k + 0.5) * cw, TOP + PLOT_HEIGHT + 16, "middle", columnLabels.get(k));
    }
    text(svg, "axis-label", LEFT + PLOT_WIDTH / 2, HEIGHT - 14, "middle", columnAxis);
    // the row axis name sits above the row labels, from the left edge: rotated at the left edge it ran
    // into long row labels such as "query-norm"
    text(svg, "axis-label", 6, TOP - 8, "start", rowAxis);
    // colour scale: a vertical gradient, largest value on top
    double sx = WIDTH - RIGHT + 30;
    // ids are document-wide in HTML: derive it from the plot's content so two inlined heatmaps differ
    String gradient = "scale-" + Integer.toHexString(
        java.util.Objects.hash(title, rowAxis, rowLabels, columnAxis, columnLabels, java.util.Arrays.deepHashCode(values)));
    svg.append("<defs><linearGradient id=\"").append(gradient).append("\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">")
        .append("<stop offset=\"0\" stop-color=\"").append(colour(0)).append("\"/>")
        .append("<stop offset=\"1\" stop-color=\"").append(colour(1)).append("\"/>")
        .append("</linearGradient></defs>\n");
    svg.append("<rect class=\"legend\" x=\"").append(c(sx)).append("\" y=\"").append(c(TOP)).append("\" width=\"16\" height=\"")
        .append(c(PLOT_HEIGHT)).append("\" fill=\"url(#").append(gradient).append(")\" stroke=\"#000\"/>\n");
    text(svg, "legend", sx + 22, TOP + 10, "start", String.format(Locale.ROOT, "%.3f", hi));
    text(svg, "legend", sx + 22, TOP + PLOT_HEIGHT, "start", String.format(Locale.ROOT, "%.3f", lo));
    return close(svg);
  }

  /** White (t = 0) to #08306B (t = 1), each RGB channel linear in t. */
  static String colour(double t) {
    int r = (int) Math.round(255 + (8 - 255) * t);
    int g = (int) Math.round(255 + (48 - 255) * t);
    int b = (int) Math.round(255 + (107 - 255) * t);
    return String.format(Locale.ROOT, "#%02x%02x%02x", r, g, b);
  }

  // ---- drawing helpers ----

  static double x(double v, double lo, double hi) {
    return LEFT + (v - lo) / (hi - lo) * PLOT_WIDTH;
  }

  static double y(double v, double lo, double hi) {
    return TOP + PLOT_HEIGHT - (v - lo) / (hi - lo) * PLOT_HEIGHT;
  }

  private static StringBuilder open(String title) {
    StringBuilder svg = new StringBuilder(4096);
    svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"").append(HEIGHT)
        .append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(HEIGHT)
        .append("\" font-family=\"sans-serif\" role=\"img\">\n");
    svg.append("<title>").append(escape(title)).append("</title>\n");
    svg.append("<rect x=\"0\" y=\"0\" width=\"").append(WIDTH).append("\" height=\"").append(HEIGHT).append("\" fill=\"#fff\"/>\n");
    text(svg, "title", WIDTH / 2.0, 22, "middle", title);
    return svg;
  }

  private static String close(StringBuilder svg) {
    return svg.append("</svg>\n").toString();
  }

  /** Axis lines, 5 ticks on each axis that has a range (NaN x range: no x ticks), and axis names. */
  private static void axes(StringBuilder svg, double xlo, double xhi, double ylo, double yhi, String xLabel, String yLabel) {
    svg.append("<path class=\"axis\" stroke=\"#000\" fill=\"none\" d=\"M").append(LEFT).append(' ').append(TOP)
        .append(" V").append(c(TOP + PLOT_HEIGHT)).append(" H").append(c(LEFT + PLOT_WIDTH)).append("\"/>\n");
    for (int i = 0; i <= 4; i++) {
      double v = ylo + (yhi - ylo) * i / 4;
      double yy = y(v, ylo, yhi);
      svg.append("<path class=\"tick\" stroke=\"#000\" d=\"M").append(LEFT - 4).append(' ').append(c(yy))
          .append(" H").append(LEFT).append("\"/>\n");
      text(svg, "tick-label", LEFT - 6, yy + 4, "end", fmt(v));
      if (!Double.isNaN(xlo)) {
        double xv = xlo + (xhi - xlo) * i / 4;
        double xx = x(xv, xlo, xhi);
        svg.append("<path class=\"tick\" stroke=\"#000\" d=\"M").append(c(xx)).append(' ').append(c(TOP + PLOT_HEIGHT))
            .append(" V").append(c(TOP + PLOT_HEIGHT + 4)).append("\"/>\n");
        text(svg, "tick-label", xx, TOP + PLOT_HEIGHT + 16, "middle", fmt(xv));
      }
    }
    text(svg, "axis-label", LEFT + PLOT_WIDTH / 2, HEIGHT - 14, "middle", xLabel);
    svg.append("<text class=\"axis-label\" font-size=\"12\" text-anchor=\"middle\" transform=\"translate(16 ")
        .append(c(TOP + PLOT_HEIGHT / 2)).append(") rotate(-90)\">").append(escape(yLabel)).append("</text>\n");
  }

  private static void legend(StringBuilder svg, List<String> names) {
    double x = WIDTH - RIGHT + 16;
    for (int i = 0; i < names.size(); i++) {
      double y = TOP + 10 + i * 18;
      svg.append("<rect class=\"legend\" x=\"").append(c(x)).append("\" y=\"").append(c(y - 9)).append("\" width=\"10\" height=\"10\" fill=\"")
          .append(PALETTE[i % PALETTE.length]).append("\"/>\n");
      text(svg, "legend", x + 14, y, "start", names.get(i));
    }
  }

  private static void rect(StringBuilder svg, String cls, double x, double y, double w, double h, String fill,
      double opacity, String tooltip) {
    svg.append("<rect class=\"").append(cls).append("\" x=\"").append(c(x)).append("\" y=\"").append(c(y))
        .append("\" width=\"").append(c(w)).append("\" height=\"").append(c(h)).append("\" fill=\"").append(fill).append('"');
    if (opacity < 1) {
      svg.append(" fill-opacity=\"").append(opacity).append('"');
    }
    svg.append("><title>").append(escape(tooltip)).append("</title></rect>\n");
  }

  private static void text(StringBuilder svg, String cls, double x, double y, String anchor, String content) {
    text(svg, cls, x, y, anchor, content, "#000");
  }

  private static void text(StringBuilder svg, String cls, double x, double y, String anchor, String content, String fill) {
    svg.append("<text class=\"").append(cls).append("\" x=\"").append(c(x)).append("\" y=\"").append(c(y))
        .append("\" font-size=\"12\" text-anchor=\"").append(anchor).append("\" fill=\"").append(fill).append("\">")
        .append(escape(content)).append("</text>\n");
  }

  /** A coordinate with 2 decimals. */
  static String c(double v) {
    return String.format(Locale.ROOT, "%.2f", v);
  }

  /** A data value in 4 significant digits. */
  static String fmt(double v) {
    return String.format(Locale.ROOT, "%.4g", v);
  }

  private static void checkFinite(double[] values, String name) {
    Objects.requireNonNull(values, name + " must not be null");
    for (int i = 0; i < values.length; i++) {
      if (!Double.isFinite(values[i])) {
        throw new IllegalArgumentException(name + " has a non-finite value " + values[i] + " at index " + i);
      }
    }
  }

  private static double min(double[] v) {
    double m = Double.POSITIVE_INFINITY;
    for (double x : v) {
      m = Math.min(m, x);
    }
    return m;
  }

  private static double max(double[] v) {
    double m = Double.NEGATIVE_INFINITY;
    for (double x : v) {
      m = Math.max(m, x);
    }
    return m;
  }
}
