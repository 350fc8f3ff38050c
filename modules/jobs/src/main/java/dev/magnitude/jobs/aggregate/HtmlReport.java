package dev.magnitude.jobs.aggregate;

import dev.magnitude.core.report.Svg;
import dev.magnitude.core.stats.SeedSummary;
import dev.magnitude.core.stats.TaskSymmetry;
import dev.magnitude.jobs.score.Scoring;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * {@code results/<sweep>/report/index.html}: one self-contained page (inline CSS and SVG, no script, no
 * external asset), readable offline and in a sandboxed viewer. At the top the verdicts; then per task and
 * table (evaluation set, training dataset) the variant × scoring heatmap, the headline per variant with its
 * interval, the comparisons, and the norms of relevant vs non-relevant documents per variant; then per
 * training dataset the training curves (loss; α of learned runs). Every piece of text that comes from a
 * dataset, a configuration or a run is escaped ({@link Svg#escape}), so a hostile id renders as text.
 *
 * <p>Each plot is a {@code <figure class="plot" data-plot="…">} with a caption saying what it shows; the
 * kinds are {@code heatmap}, {@code bars}, {@code norms}, {@code loss} and {@code alpha}.
 */
final class HtmlReport {
  private HtmlReport() {}

  /** The norms of one run's documents on one retrieval set: relevant vs all others. */
  record Norms(Comparisons.Key key, String variant, long seed, String runId, double[] relevant, double[] nonRelevant,
      boolean fromHistogram) {}

  /** One run's training curve; {@code alphaQuery}/{@code alphaDocument} null when the run learned no α. */
  record Curve(String trainDataset, String task, String variant, long seed, String runId, double[] step,
      double[] loss, double[] alphaQuery, double[] alphaDocument) {}

  /** Resamples of the percentile bootstrap of a one-seed variant's interval. */
  static final int BOOTSTRAP = 1000;
  static final int HISTOGRAM_BINS = 30;

  static String html(
      String sweepId, List<RunMetricsRow> rows, Map<Comparisons.Key, String> taskOf, Comparisons.Tables tables,
      List<Comparisons.Observation> observations, List<Norms> norms, List<Curve> curves, long seed) {
    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Sweep ")
        .append(e(sweepId)).append("</title>\n<style>\n")
        .append("body{font-family:sans-serif;max-width:1400px;margin:1em auto;padding:0 1em;color:#222}\n")
        .append("table{border-collapse:collapse;margin:.5em 0 1em}td,th{border:1px solid #bbb;padding:2px 6px;")
        .append("font-size:13px;text-align:left}th{background:#eee}td.n{text-align:right}\n")
        .append("figure{display:inline-block;margin:.3em;vertical-align:top}figcaption{max-width:640px;font-size:13px}\n")
        .append(".agrees{color:#1a7f37;font-weight:bold}.contradicts{color:#b42318;font-weight:bold}")
        .append(".inconclusive{color:#555;font-weight:bold}\n</style>\n</head>\n<body>\n");
    h.append("<h1>Sweep ").append(e(sweepId)).append("</h1>\n");
    verdicts(h, tables.verdicts());
    Map<String, List<Comparisons.Key>> byTask = new LinkedHashMap<>();
    Map<Comparisons.Key, List<RunMetricsRow>> rowsByKey = new LinkedHashMap<>();
    for (RunMetricsRow r : rows) {
      Comparisons.Key key = key(r, taskOf);
      rowsByKey.computeIfAbsent(key, k -> new ArrayList<>()).add(r);
    }
    rowsByKey.keySet().forEach(k -> byTask.computeIfAbsent(k.task(), t -> new ArrayList<>()).add(k));
    for (Map.Entry<String, List<Comparisons.Key>> task : byTask.entrySet()) {
      h.append("<h2>Task: ").append(e(task.getKey())).append("</h2>\n");
      for (Comparisons.Key key : task.getValue()) {
        h.append("<h3>").append(e(key.dataset() + "/" + key.split())).append(", trained on ")
            .append(e(key.trainDataset())).append(key.inDomain() ? " (in domain)" : " (out of domain)").append("</h3>\n");
        List<RunMetricsRow> group = rowsByKey.get(key);
        heatmap(h, group);
        bars(h, key, group, observations, seed);
        comparisons(h, key, tables.comparisons());
        for (Norms n : norms) {
          if (n.key().equals(key)) {
            normsPlot(h, n);
          }
        }
      }
      curves(h, task.getKey(), curves);
    }
    h.append("<p>Tables behind this page: run_metrics, query_metrics, comparisons, verdicts, doc_norms, ")
        .append("doc_norm_histograms, doc_norm_effects (Parquet and CSV next to this folder); TREC run files and ")
        .append("qrels in trec/.</p>\n</body>\n</html>\n");
    return h.toString();
  }

  static Comparisons.Key key(RunMetricsRow r, Map<Comparisons.Key, String> taskOf) {
    Comparisons.Key k = new Comparisons.Key(r.task(), r.dataset(), r.split(), r.inDomain(), r.spec().dataset());
    String task = taskOf.get(k);
    return task == null ? k : new Comparisons.Key(task, r.dataset(), r.split(), r.inDomain(), r.spec().dataset());
  }

  private static void verdicts(StringBuilder h, List<Comparisons.VerdictRow> verdicts) {
    h.append("<h2>Task-symmetry verdicts</h2>\n<p>Principle: magnitude helps asymmetric tasks (retrieval, qa) and ")
        .append("hurts symmetric ones (sts, image-text). Each run under its own scoring; headline = mean over seeds; ")
        .append("M = the best variant that keeps some magnitude, C = cosine.</p>\n");
    if (verdicts.isEmpty()) {
      h.append("<p>No complete runs.</p>\n");
      return;
    }
    h.append("<table class=\"verdicts\">\n<tr><th>task</th><th>eval set</th><th>trained on</th><th>winner</th>")
        .append("<th>runner-up</th><th>lead</th><th>p (lead)</th><th>M − C</th><th>p (M vs C)</th><th>outcome</th>")
        .append("<th>explanation</th></tr>\n");
    for (Comparisons.VerdictRow v : verdicts) {
      TaskSymmetry.Verdict x = v.verdict();
      h.append("<tr><td>").append(e(v.key().task())).append("</td><td>").append(e(v.key().dataset() + "/" + v.key().split()))
          .append(v.key().inDomain() ? "" : " (out of domain)").append("</td><td>").append(e(v.key().trainDataset()))
          .append("</td><td>").append(x == null ? "" : e(x.winner())).append("</td><td>")
          .append(x == null ? "" : e(x.runnerUp())).append("</td><td class=\"n\">")
          .append(x == null ? "" : num(x.winnerLead())).append("</td><td class=\"n\">")
          .append(x == null ? "" : p(x.winnerLeadP()) + (x.winnerLeadSignificant() ? " *" : ""))
          .append("</td><td class=\"n\">").append(x == null ? "" : num(x.magnitudeMinusCosine()))
          .append("</td><td class=\"n\">").append(x == null ? "" : p(x.magnitudeVsCosineP()))
          .append("</td><td class=\"").append(v.outcome()).append("\">").append(v.outcome()).append("</td><td>")
          .append(e(v.explanation() + (x != null && !v.note().isEmpty() ? " " + v.note() : ""))).append("</td></tr>\n");
    }
    h.append("</table>\n<p>* the winner beats the runner-up significantly (p &lt; α, same direction in headline and ")
        .append("per-query mean).</p>\n");
  }

  private static void heatmap(StringBuilder h, List<RunMetricsRow> group) {
    List<String> variants = new ArrayList<>(new LinkedHashSet<>(group.stream().map(r -> r.spec().variant().id())
        .sorted(Comparator.comparingInt(Comparisons::order)).toList()));
    List<String> scorings = new ArrayList<>();
    for (Scoring s : Scoring.FIXED) {
      scorings.add(s.id());
    }
    if (group.stream().anyMatch(r -> r.scoring().id().equals(Scoring.LEARNED))) {
      scorings.add(Scoring.LEARNED);
    }
    double[][] values = new double[variants.size()][scorings.size()];
    boolean any = false;
    for (int i = 0; i < variants.size(); i++) {
      for (int j = 0; j < scorings.size(); j++) {
        double sum = 0;
        int n = 0;
        for (RunMetricsRow r : group) {
          if (r.spec().variant().id().equals(variants.get(i)) && r.scoring().id().equals(scorings.get(j))) {
            sum += r.headline();
            n++;
          }
        }
        values[i][j] = n == 0 ? Double.NaN : sum / n;
        any |= Double.isFinite(values[i][j]);
      }
    }
    if (!any) {
      return;
    }
    String metric = group.get(0).headlineName();
    figure(h, "heatmap", Svg.heatmap(metric + ": train variant × scoring", "trained with", variants, "scored with",
        scorings, values), "Variant × scoring: " + metric + " of each training variant (rows) scored under each "
        + "normalization at inference (columns), mean over seeds; the diagonal is each variant scored as trained; "
        + "n/a: not scored or undefined.");
  }

  private static void bars(StringBuilder h, Comparisons.Key key, List<RunMetricsRow> group,
      List<Comparisons.Observation> observations, long seed) {
    Map<String, List<Double>> byVariant = new TreeMap<>(Comparator.comparingInt(Comparisons::order)
        .thenComparing(Comparator.naturalOrder()));
    for (RunMetricsRow r : group) {
      if (r.ownScoring() && Double.isFinite(r.headline())) {
        byVariant.computeIfAbsent(r.spec().variant().id(), v -> new ArrayList<>()).add(r.headline());
      }
    }
    if (byVariant.isEmpty()) {
      return;
    }
    List<Svg.Bar> bars = new ArrayList<>();
    boolean anyBootstrap = false;
    boolean anySd = false;
    boolean anyBare = false;
    for (Map.Entry<String, List<Double>> v : byVariant.entrySet()) {
      double[] values = v.getValue().stream().mapToDouble(Double::doubleValue).toArray();
      SeedSummary s = SeedSummary.of(values);
      if (values.length > 1) {
        bars.add(new Svg.Bar(v.getKey(), s.mean(), s.mean() - s.sd(), s.mean() + s.sd()));
        anySd = true;
        continue;
      }
      double[] perQuery = observations.stream()
          .filter(o -> o.key().equals(key) && o.variant().equals(v.getKey()))
          .findFirst().map(o -> o.perQuery().values().stream().mapToDouble(Double::doubleValue).toArray())
          .orElse(new double[0]);
      if (key.task().equals("sts") || perQuery.length == 0) {
        bars.add(new Svg.Bar(v.getKey(), s.mean(), s.mean(), s.mean()));
        anyBare = true;
      } else {
        double[] ci = bootstrap(perQuery, seed);
        bars.add(new Svg.Bar(v.getKey(), s.mean(), Math.min(ci[0], s.mean()), Math.max(ci[1], s.mean())));
        anyBootstrap = true;
      }
    }
    String metric = group.get(0).headlineName();
    List<String> how = new ArrayList<>();
    if (anySd) {
      how.add("mean ± sd over seeds for variants with several seeds");
    }
    if (anyBootstrap) {
      how.add("a 95% percentile bootstrap interval over queries (" + BOOTSTRAP + " resamples) for one seed");
    }
    if (anyBare) {
      how.add("no interval for an STS variant with one seed (Spearman has no per-pair terms to resample cheaply)");
    }
    figure(h, "bars", Svg.barChart(metric + " per training variant (own scoring)", metric, bars),
        metric + " of each training variant scored as trained; error bars: " + String.join("; ", how) + ".");
  }

  /** Percentile bootstrap 95% interval of the mean of {@code values}. */
  static double[] bootstrap(double[] values, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    double[] means = new double[BOOTSTRAP];
    for (int b = 0; b < BOOTSTRAP; b++) {
      double sum = 0;
      for (int i = 0; i < values.length; i++) {
        sum += values[random.nextInt(values.length)];
      }
      means[b] = sum / values.length;
    }
    java.util.Arrays.sort(means);
    return new double[] {means[(int) Math.floor(0.025 * (BOOTSTRAP - 1))], means[(int) Math.ceil(0.975 * (BOOTSTRAP - 1))]};
  }

  private static void comparisons(StringBuilder h, Comparisons.Key key, List<Comparisons.Comparison> all) {
    List<Comparisons.Comparison> rows = all.stream().filter(c -> c.key().equals(key)).toList();
    if (rows.isEmpty()) {
      return;
    }
    h.append("<table class=\"comparisons\">\n<caption>Paired randomization tests on per-query ")
        .append(e(rows.get(0).measure())).append(" (each run under its own scoring; Holm within this table)</caption>\n")
        .append("<tr><th>a</th><th>b</th><th>a (seeds)</th><th>b (seeds)</th><th>mean a − b</th><th>p</th>")
        .append("<th>p Holm</th><th>significant</th><th>queries</th></tr>\n");
    for (Comparisons.Comparison c : rows) {
      h.append("<tr><td>").append(e(c.row().a())).append("</td><td>").append(e(c.row().b())).append("</td><td>")
          .append(e(c.a().format())).append("</td><td>").append(e(c.b().format())).append("</td><td class=\"n\">")
          .append(num(c.row().meanDifference())).append("</td><td class=\"n\">").append(p(c.row().p()))
          .append(c.row().exact() ? " (exact)" : "").append("</td><td class=\"n\">").append(p(c.row().pHolm()))
          .append("</td><td>").append(c.significant() ? "yes" : "no").append("</td><td class=\"n\">")
          .append(c.row().queries()).append("</td></tr>\n");
    }
    h.append("</table>\n");
  }

  private static void normsPlot(StringBuilder h, Norms n) {
    // a diverged run's non-finite norms cannot be binned (the aggregate reports them elsewhere)
    double[] relevant = java.util.Arrays.stream(n.relevant()).filter(Double::isFinite).toArray();
    double[] others = java.util.Arrays.stream(n.nonRelevant()).filter(Double::isFinite).toArray();
    if (relevant.length == 0 || others.length == 0) {
      return;
    }
    figure(h, "norms", Svg.histogram("Document norms, " + n.variant() + " (seed " + n.seed() + ")",
        "norm of the raw document embedding", "relevant", relevant, "non-relevant", others,
        HISTOGRAM_BINS), "Norms of the raw document embeddings of the run trained with " + n.variant() + " (seed "
        + n.seed() + ", run " + n.runId() + "): documents relevant to some query vs all others, each as a fraction of "
        + "its own group" + (n.fromHistogram() ? " (large corpus: redrawn from doc_norm_histograms at bin centres)" : "")
        + ".");
  }

  private static void curves(StringBuilder h, String task, List<Curve> curves) {
    Map<String, List<Curve>> byDataset = new LinkedHashMap<>();
    for (Curve c : curves) {
      if (c.task().equals(task) && c.step().length > 0) {
        byDataset.computeIfAbsent(c.trainDataset(), d -> new ArrayList<>()).add(c);
      }
    }
    for (Map.Entry<String, List<Curve>> d : byDataset.entrySet()) {
      h.append("<h3>Training on ").append(e(d.getKey())).append("</h3>\n");
      List<Svg.Series> loss = new ArrayList<>();
      List<Svg.Series> alpha = new ArrayList<>();
      for (Curve c : d.getValue()) {
        String name = c.variant() + " s" + c.seed();
        loss.add(new Svg.Series(name, c.step(), c.loss()));
        if (c.alphaQuery() != null) {
          alpha.add(new Svg.Series(name + " αq", c.step(), c.alphaQuery()));
          alpha.add(new Svg.Series(name + " αd", c.step(), c.alphaDocument()));
        }
      }
      figure(h, "loss", Svg.lineChart("Training loss on " + d.getKey(), "step", "loss", loss),
          "Contrastive training loss per logged step of each run trained on " + d.getKey() + " (one line per variant "
          + "and seed: s1 = seed 1).");
      if (!alpha.isEmpty()) {
        figure(h, "alpha", Svg.lineChart("Learned α on " + d.getKey(), "step", "α", alpha),
            "The exponents α of the learned normalization per step, αq of the query side and αd of the document "
            + "side (each side divided by ‖x‖^α; 1 = normalized as cosine, 0 = raw as dot) of the learned runs "
            + "trained on " + d.getKey() + ".");
      }
    }
  }

  private static void figure(StringBuilder h, String kind, String svg, String caption) {
    h.append("<figure class=\"plot\" data-plot=\"").append(kind).append("\">\n").append(svg).append('\n')
        .append("<figcaption>").append(e(caption)).append("</figcaption>\n</figure>\n");
  }

  private static String e(String text) {
    return Svg.escape(text);
  }

  private static String num(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%+.4f", v) : "n/a";
  }

  private static String p(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4g", v) : "n/a";
  }
}
