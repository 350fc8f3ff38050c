package dev.magnitude.jobs.aggregate;

import dev.magnitude.core.config.SignificanceSettings;
import dev.magnitude.core.metrics.Correlation;
import dev.magnitude.core.stats.PairedRandomizationTest;
import dev.magnitude.core.stats.SeedSummary;
import dev.magnitude.core.stats.TaskSymmetry;
import dev.magnitude.core.stats.VariantComparisons;
import dev.magnitude.jobs.support.JobError;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * The comparisons and verdicts tables: within one table = (task, evaluation set, training dataset), every run
 * under its own scoring (the variant it trained with), paired randomization tests between the training
 * variants on per-query values, Holm across the table, and the task-symmetry verdict
 * ({@link TaskSymmetry}). Plain Java over what the aggregate gathered, so it is tested without Spark.
 *
 * <p>Per-query values (the {@link #measure}): retrieval and qa nDCG@10 per judged query (their mean is the
 * headline); image-text text→image hit@1 per caption (mean = R@1, the headline); STS −|rank(gold) −
 * rank(similarity)| / pairs per pair, with average ranks for ties. Spearman is a set-level statistic with no
 * per-pair terms, and ρ = 1 − 6·Σ(rank difference)²/(n(n²−1)) without ties, so the per-pair rank distance is
 * the natural unit that moves with it; a bootstrap over pairs would test the same hypothesis at ~n times
 * the cost per resample. Its mean need not order the variants as Spearman does; then {@link TaskSymmetry}
 * calls no "beat" (it requires the headline and the per-query mean to agree).
 *
 * <p>Several seeds: each variant's per-query values are averaged over its seeds
 * ({@link SeedSummary#perQueryMeans}) before the test (queries are the units; seeds are not resampled), and
 * the headline is reported as mean ± sd over seeds.
 */
final class Comparisons {
  private Comparisons() {}

  /** The measure of a task's per-query values, as named in the tables. */
  static String measure(String task) {
    return switch (task) {
      case "sts" -> "neg-abs-rank-diff";
      case "image-text" -> "t2i-hit@1";
      default -> "ndcg@10";
    };
  }

  /** Where a table's runs were scored and trained. */
  record Key(String task, String dataset, String split, boolean inDomain, String trainDataset) {
    String describe() {
      return task + " " + dataset + "/" + split + ", trained on " + trainDataset + " ("
          + (inDomain ? "in domain" : "out of domain") + ")";
    }
  }

  /**
   * One run on one evaluation set under its own scoring.
   *
   * @param headline the headline metric (nDCG@10, Spearman, text→image R@1)
   * @param perQuery query (pair, caption) id → value of {@link #measure}
   */
  record Observation(Key key, String variant, long seed, String runId, double headline, Map<String, Double> perQuery) {
    Observation {
      Objects.requireNonNull(key, "key");
      perQuery = new TreeMap<>(perQuery);
    }
  }

  /** One row of the comparisons table. */
  record Comparison(
      Key key, String measure, VariantComparisons.Row row, SeedSummary a, SeedSummary b, boolean significant,
      int permutations, double alpha) {}

  /**
   * One verdict; {@code verdict} null when fewer than two variants have a finite headline (then
   * {@code note} says why and the outcome is inconclusive).
   */
  record VerdictRow(Key key, String measure, List<String> variants, int queries, TaskSymmetry.Verdict verdict,
      String note, Map<String, SeedSummary> headline, double alpha) {
    String outcome() {
      return verdict == null ? TaskSymmetry.Outcome.INCONCLUSIVE.id() : verdict.outcome().id();
    }

    String explanation() {
      return verdict == null ? note : verdict.explanation();
    }
  }

  /** What both tables hold. */
  record Tables(List<Comparison> comparisons, List<VerdictRow> verdicts) {}

  /** The per-pair STS measure: −|rank(gold_i) − rank(similarity_i)| / n, average ranks for ties. */
  static double[] stsPerPair(double[] gold, double[] similarity) {
    double[] rg = Correlation.ranks(gold);
    double[] rs = Correlation.ranks(similarity);
    double[] out = new double[gold.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = -Math.abs(rg[i] - rs[i]) / gold.length;
    }
    return out;
  }

  static Tables compute(List<Observation> observations, SignificanceSettings significance) {
    PairedRandomizationTest.Settings test =
        new PairedRandomizationTest.Settings(significance.permutations(), significance.seed());
    Map<Key, Map<String, List<Observation>>> groups = new LinkedHashMap<>();
    for (Observation o : observations) {
      groups.computeIfAbsent(o.key(), k -> new TreeMap<>(Comparator.comparingInt(Comparisons::order).thenComparing(Comparator.naturalOrder())))
          .computeIfAbsent(o.variant(), v -> new ArrayList<>()).add(o);
    }
    List<Comparison> comparisons = new ArrayList<>();
    List<VerdictRow> verdicts = new ArrayList<>();
    for (Map.Entry<Key, Map<String, List<Observation>>> group : groups.entrySet()) {
      Key key = group.getKey();
      String measure = measure(key.task());
      Map<String, SeedSummary> headline = new LinkedHashMap<>();
      Map<String, Map<String, Double>> means = new LinkedHashMap<>();
      List<String> undefined = new ArrayList<>();
      for (Map.Entry<String, List<Observation>> v : group.getValue().entrySet()) {
        List<Observation> seeds = new ArrayList<>(v.getValue());
        seeds.sort(Comparator.comparingLong(Observation::seed));
        double[] values = seeds.stream().mapToDouble(Observation::headline).toArray();
        if (!java.util.Arrays.stream(values).allMatch(Double::isFinite)) {
          undefined.add(v.getKey());
          continue;
        }
        headline.put(v.getKey(), SeedSummary.of(values));
        try {
          means.put(v.getKey(), SeedSummary.perQueryMeans(seeds.stream().map(Observation::perQuery).toList()));
        } catch (IllegalArgumentException e) {
          throw new JobError(key.describe() + ": the seeds of variant " + v.getKey() + " were scored on different "
              + "queries (" + e.getMessage() + "); their embeddings disagree with the prepared eval set, aggregate again");
        }
      }
      Map<String, double[]> perQuery = new LinkedHashMap<>();
      TreeSet<String> queries = null;
      String first = null;
      for (Map.Entry<String, Map<String, Double>> v : means.entrySet()) {
        if (queries == null) {
          queries = new TreeSet<>(v.getValue().keySet());
          first = v.getKey();
        } else if (!queries.equals(v.getValue().keySet())) {
          throw new JobError(key.describe() + ": variant " + v.getKey() + " was scored on " + v.getValue().size()
              + " queries, variant " + first + " on " + queries.size() + "; the runs of one table must share the "
              + "eval set's queries");
        }
        perQuery.put(v.getKey(), v.getValue().values().stream().mapToDouble(Double::doubleValue).toArray());
      }
      int n = queries == null ? 0 : queries.size();
      List<String> variants = new ArrayList<>(group.getValue().keySet());
      if (perQuery.size() < 2 || n == 0) {
        String note = String.format(Locale.ROOT,
            "On %s only %s %s a finite %s, so no variants are compared (inconclusive).", key.describe(),
            perQuery.isEmpty() ? "no variant" : "variant " + String.join(", ", perQuery.keySet()),
            perQuery.size() == 1 ? "has" : "have", measure)
            + (undefined.isEmpty() ? "" : " Undefined headline: " + String.join(", ", undefined) + ".");
        verdicts.add(new VerdictRow(key, measure, variants, n, null, note, headline, significance.alpha()));
        continue;
      }
      for (VariantComparisons.Row r : VariantComparisons.pairwise(perQuery, test)) {
        comparisons.add(new Comparison(key, measure, r, headline.get(r.a()), headline.get(r.b()),
            r.pHolm() < significance.alpha(), significance.permutations(), significance.alpha()));
      }
      Map<String, Double> headlineMeans = new LinkedHashMap<>();
      headline.forEach((v, s) -> headlineMeans.put(v, s.mean()));
      TaskSymmetry.Verdict verdict =
          TaskSymmetry.judge(key.task(), headlineMeans, perQuery, significance.alpha(), test);
      String note = undefined.isEmpty() ? "" : "Left out (undefined headline): " + String.join(", ", undefined) + ".";
      verdicts.add(new VerdictRow(key, measure, variants, n, verdict, note, headline, significance.alpha()));
    }
    return new Tables(comparisons, verdicts);
  }

  /** Position of a variant in tables: cosine, query-norm, doc-norm, dot, learned, then others. */
  static int order(String variant) {
    int i = TaskSymmetry.VARIANT_ORDER.indexOf(variant);
    return i < 0 ? TaskSymmetry.VARIANT_ORDER.size() : i;
  }

  static List<Row> comparisonRows(List<Comparison> comparisons) {
    List<Row> out = new ArrayList<>();
    for (Comparison c : comparisons) {
      Key k = c.key();
      VariantComparisons.Row r = c.row();
      out.add(RowFactory.create(k.task(), k.dataset(), k.split(), k.inDomain(), k.trainDataset(), c.measure(),
          r.a(), r.b(), (long) c.a().seeds(), (long) c.b().seeds(), c.a().mean(), finiteOrNull(c.a().sd()),
          c.b().mean(), finiteOrNull(c.b().sd()), r.meanA(), r.meanB(), r.meanDifference(), r.p(), r.pHolm(),
          c.significant(), (long) r.queries(), r.exact(), (long) c.permutations(), c.alpha()));
    }
    return out;
  }

  static List<Row> verdictRows(List<VerdictRow> verdicts) {
    List<Row> out = new ArrayList<>();
    for (VerdictRow v : verdicts) {
      Key k = v.key();
      TaskSymmetry.Verdict x = v.verdict();
      String explanation = v.explanation() + (x != null && !v.note().isEmpty() ? " " + v.note() : "");
      out.add(RowFactory.create(k.task(), k.dataset(), k.split(), k.inDomain(), k.trainDataset(), v.measure(),
          String.join(" ", v.variants()), (long) v.queries(),
          x == null ? null : x.winner(), x == null ? null : x.runnerUp(),
          x == null ? null : x.winnerLead(), x == null ? null : finiteOrNull(x.winnerLeadP()),
          x == null ? null : x.winnerLeadSignificant(),
          x == null ? null : x.magnitude(), x == null ? null : finiteOrNull(x.magnitudeMinusCosine()),
          x == null ? null : finiteOrNull(x.magnitudeVsCosineP()),
          v.outcome(), v.alpha(), explanation));
    }
    return out;
  }

  /** The verdicts as the first section of summary.md. */
  static String markdown(List<VerdictRow> verdicts) {
    StringBuilder sb = new StringBuilder();
    sb.append("\n## Task-symmetry verdicts\n\n");
    if (verdicts.isEmpty()) {
      sb.append("No complete runs, no verdict.\n");
      return sb.toString();
    }
    sb.append("Principle: magnitude helps asymmetric tasks (retrieval, qa) and hurts symmetric ones (sts, image-text). ")
        .append("Each run under its own scoring; headline = mean over seeds; paired randomization test on per-query ")
        .append("values (table comparisons, Holm within each table).\n\n");
    sb.append("| task | eval set | trained on | winner | runner-up | lead significant | outcome |\n");
    sb.append("|---|---|---|---|---|---|---|\n");
    for (VerdictRow v : verdicts) {
      TaskSymmetry.Verdict x = v.verdict();
      sb.append(String.format(Locale.ROOT, "| %s | %s/%s%s | %s | %s | %s | %s | **%s** |%n", md(v.key().task()),
          md(v.key().dataset()), md(v.key().split()), v.key().inDomain() ? "" : " (out of domain)",
          md(v.key().trainDataset()), x == null ? "" : x.winner(), x == null ? "" : x.runnerUp(),
          x == null ? "" : x.winnerLeadSignificant() ? String.format(Locale.ROOT, "yes (p = %.4g)", x.winnerLeadP())
              : String.format(Locale.ROOT, "no (p = %.4g)", x.winnerLeadP()),
          v.outcome()));
    }
    sb.append('\n');
    for (VerdictRow v : verdicts) {
      sb.append("- ").append(md(v.explanation())).append(v.verdict() != null && !v.note().isEmpty() ? " " + md(v.note()) : "")
          .append('\n');
    }
    return sb.toString();
  }

  /** Markdown table cell text: a pipe would end the cell, a newline the row. */
  private static String md(String s) {
    return s.replace("|", "\\|").replace('\n', ' ').replace('\r', ' ');
  }

  private static Double finiteOrNull(double v) {
    return Double.isFinite(v) ? v : null;
  }
}
