package dev.magnitude.jobs.aggregate;

import dev.magnitude.core.metrics.ImageTextMetrics;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Markdown summary: a row per run and retrieval evaluation set, a second table for STS evaluation
 * sets (Spearman and Pearson), a third for image-text sets (recall and ranks in both directions), then the runs left out and why.
 */
final class ResultTable {
  private ResultTable() {}

  static String markdown(String sweepId, List<RunMetricsRow> all, Map<String, String> leftOut) {
    List<RunMetricsRow> rows = all.stream().filter(RunMetricsRow::isRetrieval).toList();
    List<RunMetricsRow> sts = all.stream().filter(RunMetricsRow::isSts).toList();
    List<RunMetricsRow> images = all.stream().filter(RunMetricsRow::isImageText).toList();
    StringBuilder sb = new StringBuilder();
    sb.append("# Sweep ").append(sweepId).append("\n\n");
    // A sweep of STS or image-text sets only has no retrieval table; otherwise (even without rows) it
    // comes first. Each further table has a heading when a table precedes it.
    if (!rows.isEmpty() || (sts.isEmpty() && images.isEmpty())) {
      retrieval(sb, rows);
    }
    if (!sts.isEmpty()) {
      sts(sb, sts, !rows.isEmpty());
    }
    if (!images.isEmpty()) {
      imageText(sb, images, !rows.isEmpty() || !sts.isEmpty());
    }
    if (!leftOut.isEmpty()) {
      sb.append("\n## Runs left out\n\n");
      leftOut.forEach((run, why) -> sb.append("- ").append(run).append(": ").append(why).append('\n'));
    }
    return sb.toString();
  }

  private static void retrieval(StringBuilder sb, List<RunMetricsRow> rows) {
    sb.append("| variant | seed | eval set | queries | nDCG@10 | MRR@10 | Recall@100 | doc-norm d [95% CI] | run |\n");
    sb.append("|---|---:|---|---:|---:|---:|---:|---|---|\n");
    for (RunMetricsRow r : rows) {
      sb.append(String.format(
          Locale.ROOT,
          "| %s | %d | %s/%s | %d | %.4f | %.4f | %.4f | %s | %s |%n",
          r.spec().variant().id(),
          r.spec().seed(),
          r.dataset(),
          r.split(),
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
    Map<String, Integer> excluded = new TreeMap<>();
    for (RunMetricsRow r : rows) {
      if (r.queriesWithoutRelevant() > 0) {
        excluded.put(r.dataset() + "/" + r.split(), r.queriesWithoutRelevant());
      }
    }
    excluded.forEach((set, n) ->
        sb.append("Queries of ").append(set).append(" without any relevant document are excluded: ").append(n).append(".\n"));
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
          "| %s | %d | %s/%s | %d | %s | %s | %s |%n",
          r.spec().variant().id(),
          r.spec().seed(),
          r.dataset(),
          r.split(),
          r.sts().pairs(),
          correlation(r.sts().spearman()),
          correlation(r.sts().pearson()),
          r.spec().id()));
    }
    sb.append('\n');
    sb.append("Spearman (average ranks for ties) and Pearson between the gold scores and each pair's similarity ")
        .append("under the run's own variant (first sentence = query side, second = document side); n/a where ")
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
          "| %s | %d | %s/%s | %d | %d | %.4f | %.4f | %.4f | %.1f / %.1f | %.4f | %.4f | %.4f | %.1f / %.1f | %s |%n",
          r.spec().variant().id(), r.spec().seed(), r.dataset(), r.split(), t.captions(), t.images(),
          t.textToImageR1(), t.textToImageR5(), t.textToImageR10(), t.textToImageMeanRank(), t.textToImageMedianRank(),
          t.imageToTextR1(), t.imageToTextR5(), t.imageToTextR10(), t.imageToTextMeanRank(), t.imageToTextMedianRank(),
          r.spec().id()));
    }
    sb.append('\n');
    sb.append("Caption = query side, image = document side, scored under the run's own variant. T→I: is a caption's ")
        .append("own image among the top k of all images of the set. I→T: is any caption of an image among the top k ")
        .append("of all captions. Ranks are those of the first correct item (1 = top); ties go to the smaller id. ")
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
