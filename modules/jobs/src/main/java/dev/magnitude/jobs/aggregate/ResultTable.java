package dev.magnitude.jobs.aggregate;

import dev.magnitude.core.metrics.ImageTextMetrics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Markdown summary: the runs and their status; per task and evaluation set (and the dataset the runs
 * trained on, which makes the set in domain or out of domain) the headline metric as a train variant ×
 * scoring matrix; then the detailed tables, each run under its own scoring: a row per run and retrieval
 * evaluation set, a table for STS evaluation sets (Spearman and Pearson), one for image-text sets (recall
 * and ranks in both directions). Full numbers under every scoring are in run_metrics.
 */
final class ResultTable {
  private ResultTable() {}

  static String markdown(String sweepId, List<RunMetricsRow> all, List<RunStatus> statuses) {
    return markdown(sweepId, all, statuses, "");
  }

  /** The summary with the task-symmetry verdicts ({@code verdicts}, Markdown) first, after the run count. */
  static String markdown(String sweepId, List<RunMetricsRow> all, List<RunStatus> statuses, String verdicts) {
    List<RunMetricsRow> own = all.stream().filter(RunMetricsRow::ownScoring).toList();
    List<RunMetricsRow> rows = own.stream().filter(RunMetricsRow::isRetrieval).toList();
    List<RunMetricsRow> sts = own.stream().filter(RunMetricsRow::isSts).toList();
    List<RunMetricsRow> images = own.stream().filter(RunMetricsRow::isImageText).toList();
    StringBuilder sb = new StringBuilder();
    sb.append("# Sweep ").append(sweepId).append("\n\n");
    runs(sb, statuses);
    sb.append(verdicts);
    matrices(sb, all);
    // A sweep of STS or image-text sets only has no retrieval table; otherwise (even without rows) it
    // comes first. Each table has a heading.
    if (!rows.isEmpty() || (sts.isEmpty() && images.isEmpty())) {
      sb.append("\n## Retrieval evaluation sets\n\n");
      retrieval(sb, rows);
    }
    if (!sts.isEmpty()) {
      sts(sb, sts, true);
    }
    if (!images.isEmpty()) {
      imageText(sb, images, true);
    }
    return sb.toString();
  }

  /**
   * How many runs are scored, and every one that is not with its status and reason: a run left out of the
   * comparisons is never left out silently.
   */
  private static void runs(StringBuilder sb, List<RunStatus> statuses) {
    long complete = statuses.stream().filter(RunStatus::complete).count();
    sb.append(String.format(Locale.ROOT, "%d of %d planned runs are complete and scored.%n", complete, statuses.size()));
    if (complete < statuses.size()) {
      sb.append("\n## Runs left out\n\n");
      sb.append("Not in any table of metrics (status and reason also in the `runs` table):\n\n");
      for (RunStatus s : statuses) {
        if (!s.complete()) {
          sb.append("- ").append(s.spec().id()).append(": ").append(s.describe()).append('\n');
        }
      }
    }
  }

  /**
   * One matrix per (task, eval set, training dataset): rows the training variants, columns the scorings,
   * cells the mean headline metric over seeds; the diagonal (scored as trained) in bold.
   */
  private static void matrices(StringBuilder sb, List<RunMetricsRow> all) {
    Map<String, List<RunMetricsRow>> groups = new LinkedHashMap<>();
    for (RunMetricsRow r : all) {
      String key = r.task() + "|" + r.dataset() + "/" + r.split() + "|" + r.spec().dataset();
      groups.computeIfAbsent(key, k -> new ArrayList<>()).add(r);
    }
    if (groups.isEmpty()) {
      return;
    }
    sb.append("\n## Train variant × scoring\n\n");
    sb.append("Each run is scored under every normalization at inference. Cells: the metric named in the heading, ")
        .append("mean over seeds; rows: the variant a run trained with, columns: the scoring; **bold**: scored as ")
        .append("trained. n/a: undefined.\n");
    for (List<RunMetricsRow> group : groups.values()) {
      RunMetricsRow first = group.get(0);
      sb.append(String.format(Locale.ROOT, "%n### %s: %s/%s, trained on %s (%s): %s%n%n", first.task(), first.dataset(),
          first.split(), first.spec().dataset(), first.inDomain() ? "in domain" : "out of domain", first.headlineName()));
      List<String> scorings = new ArrayList<>();
      List<String> variants = new ArrayList<>();
      Map<String, List<Double>> cells = new HashMap<>();
      Set<Long> seeds = new TreeSet<>();
      for (RunMetricsRow r : group) {
        if (!scorings.contains(r.scoring().id())) {
          scorings.add(r.scoring().id());
        }
        if (!variants.contains(r.spec().variant().id())) {
          variants.add(r.spec().variant().id());
        }
        seeds.add(r.spec().seed());
        cells.computeIfAbsent(r.spec().variant().id() + "|" + r.scoring().id(), k -> new ArrayList<>()).add(r.headline());
      }
      sb.append("| train \\ scoring |");
      scorings.forEach(s -> sb.append(' ').append(s).append(" |"));
      sb.append("\n|---|");
      scorings.forEach(s -> sb.append("---:|"));
      sb.append('\n');
      for (String v : variants) {
        sb.append("| ").append(v).append(" |");
        for (String s : scorings) {
          List<Double> values = cells.getOrDefault(v + "|" + s, List.of());
          String cell = values.isEmpty() ? "" : number(values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN));
          sb.append(' ').append(v.equals(s) && !cell.isEmpty() && !cell.equals("n/a") ? "**" + cell + "**" : cell).append(" |");
        }
        sb.append('\n');
      }
      if (seeds.size() > 1) {
        sb.append(String.format(Locale.ROOT, "%nSeeds: %s.%n", seeds));
      }
    }
  }

  private static String number(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "n/a";
  }

  /** The eval set as the detailed tables show it, marked when it is another dataset than the run's own. */
  private static String evalSet(RunMetricsRow r) {
    return r.dataset() + "/" + r.split() + (r.inDomain() ? "" : " (out of domain)");
  }

  private static void retrieval(StringBuilder sb, List<RunMetricsRow> rows) {
    sb.append("| variant | seed | eval set | queries | nDCG@10 | MRR@10 | Recall@100 | doc-norm d [95% CI] | run |\n");
    sb.append("|---|---:|---|---:|---:|---:|---:|---|---|\n");
    for (RunMetricsRow r : rows) {
      sb.append(String.format(
          Locale.ROOT,
          "| %s | %d | %s | %d | %.4f | %.4f | %.4f | %s | %s |%n",
          r.spec().variant().id(),
          r.spec().seed(),
          evalSet(r),
          r.queries(),
          r.mean().ndcgAt10(),
          r.mean().mrrAt10(),
          r.mean().recallAt100(),
          effect(r),
          r.spec().id()));
    }
    sb.append('\n');
    sb.append("nDCG@10 and Recall@100 follow trec_eval (ndcg_cut, recall); MRR@10 is MS MARCO's. ")
        .append("doc-norm d is Cohen's d of the raw document-embedding norm, relevant (per query–document pair) ")
        .append("vs never-relevant documents, with a percentile bootstrap interval over queries.\n");
    sb.append("Each run under its own scoring (the variant it trained with); every scoring is in run_metrics. ")
        .append("The document-norm effect in both contrasts (relevant vs never-relevant, relevant vs retrieved ")
        .append("non-relevant under each scoring) is in doc_norm_effects, the norms themselves in doc_norms or ")
        .append("doc_norm_histograms.\n");
    Map<String, Integer> excluded = new TreeMap<>();
    for (RunMetricsRow r : rows) {
      if (r.queriesWithoutRelevant() > 0) {
        excluded.put(r.dataset() + "/" + r.split(), r.queriesWithoutRelevant());
      }
    }
    excluded.forEach((set, n) ->
        sb.append("Queries of ").append(set).append(" without any relevant document are excluded: ").append(n).append(".\n"));
    List<RunMetricsRow> qa = rows.stream().filter(r -> r.answers() != null).toList();
    if (!qa.isEmpty()) {
      sb.append("\n### QA answer recall\n\n");
      sb.append("| variant | seed | eval set | queries with answers | AR@5 | AR@20 | AR@100 | run |\n");
      sb.append("|---|---:|---|---:|---:|---:|---:|---|\n");
      for (RunMetricsRow r : qa) {
        sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %d | %s | %s | %s | %s |%n", r.spec().variant().id(),
            r.spec().seed(), evalSet(r), r.answers().queries(), number(r.answers().at5()), number(r.answers().at20()),
            number(r.answers().at100()), r.spec().id()));
      }
      sb.append("\nA query is a hit at k when one of its top k passages contains a gold answer as whole tokens, both ")
          .append("normalized as SQuAD does (Unicode NFKC, lower case, punctuation deleted, a/an/the dropped); ")
          .append("k is capped at the ranking depth (aggregate.top-k).\n");
    }
  }

  private static void sts(StringBuilder sb, List<RunMetricsRow> rows, boolean afterRetrieval) {
    if (afterRetrieval) {
      sb.append("\n## STS evaluation sets\n\n");
    }
    sb.append("| variant | seed | eval set | pairs | Spearman | Pearson | run |\n");
    sb.append("|---|---:|---|---:|---:|---:|---|\n");
    for (RunMetricsRow r : rows) {
      sb.append(String.format(
          Locale.ROOT,
          "| %s | %d | %s | %d | %s | %s | %s |%n",
          r.spec().variant().id(),
          r.spec().seed(),
          evalSet(r),
          r.sts().pairs(),
          correlation(r.sts().spearman()),
          correlation(r.sts().pearson()),
          r.spec().id()));
    }
    sb.append('\n');
    sb.append("Spearman (average ranks for ties) and Pearson between the gold scores and each pair's similarity ")
        .append("under the run's own scoring (first sentence = query side, second = document side); n/a where ")
        .append("undefined (constant scores or similarities). The document-norm effect is not defined for STS ")
        .append("(no relevant and non-relevant documents), so run_metrics leaves it null for these rows.\n");
  }

  private static void imageText(StringBuilder sb, List<RunMetricsRow> rows, boolean afterAnother) {
    if (afterAnother) {
      sb.append("\n## Image-text evaluation sets\n\n");
    }
    sb.append("| variant | seed | eval set | captions | images | T→I R@1 | R@5 | R@10 | mean/median rank "
        + "| I→T R@1 | R@5 | R@10 | mean/median rank | run |\n");
    sb.append("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for (RunMetricsRow r : rows) {
      ImageTextMetrics t = r.imageText();
      sb.append(String.format(
          Locale.ROOT,
          "| %s | %d | %s | %d | %d | %.4f | %.4f | %.4f | %.1f / %.1f | %.4f | %.4f | %.4f | %.1f / %.1f | %s |%n",
          r.spec().variant().id(), r.spec().seed(), evalSet(r), t.captions(), t.images(),
          t.textToImageR1(), t.textToImageR5(), t.textToImageR10(), t.textToImageMeanRank(), t.textToImageMedianRank(),
          t.imageToTextR1(), t.imageToTextR5(), t.imageToTextR10(), t.imageToTextMeanRank(), t.imageToTextMedianRank(),
          r.spec().id()));
    }
    sb.append('\n');
    sb.append("Caption = query side, image = document side, scored under the run's own scoring. T→I: is a caption's ")
        .append("own image among the top k of all images of the set. I→T: is any caption of an image among the top k ")
        .append("of all captions. Ranks are those of the first correct item (1 = top); ties go to the larger id (id descending, as trec_eval). ")
        .append("The document-norm effect is not computed for image-text sets (every image is relevant to its ")
        .append("captions, so there is no never-relevant group); run_metrics leaves it null.\n");
  }

  private static String correlation(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "n/a";
  }

  private static String effect(RunMetricsRow r) {
    return String.format(Locale.ROOT, "%.2f [%.2f, %.2f]", r.effect().d(), r.effect().ciLow(), r.effect().ciHigh());
  }
}
