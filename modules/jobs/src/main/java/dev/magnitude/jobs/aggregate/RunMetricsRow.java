package dev.magnitude.jobs.aggregate;

import dev.magnitude.core.metrics.ImageTextMetrics;
import dev.magnitude.core.metrics.QueryMetrics;
import dev.magnitude.core.metrics.StsMetrics;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.core.stats.DocNormEffect;
import dev.magnitude.jobs.score.Scoring;

/**
 * One run scored on one evaluation set under one {@link Scoring}. A retrieval set has mean metrics over
 * judged queries and the document-norm effect, relevant vs never-relevant ({@code sts} and {@code imageText}
 * null; the effect depends on the norms only, so it is the same under every scoring); an image-text set has
 * {@link ImageTextMetrics} only (every image is relevant to its own captions, so there is no never-relevant
 * group for the document-norm effect); an STS set has its correlations ({@code sts}) and no queries, mean or
 * effect (the document-norm effect needs relevant and non-relevant documents, which STS lacks).
 *
 * @param inDomain whether the set is of the run's own dataset (false: another dataset of the sweep's
 *     {@code evaluate-on})
 */
public record RunMetricsRow(
    RunSpec spec,
    String dataset,
    String split,
    Scoring scoring,
    boolean inDomain,
    int queries,
    int queriesWithoutRelevant,
    QueryMetrics mean,
    DocNormEffect effect,
    StsMetrics sts,
    ImageTextMetrics imageText,
    AnswerRecalls answers) {

  /**
   * QA answer recall of a retrieval row on a qa set (null for other sets): the fraction of the queries with
   * gold answers whose top k passages contain one, for k = 5, 20, 100 (capped at the ranking depth).
   */
  public record AnswerRecalls(int queries, double at5, double at20, double at100) {}

  /** The same row with the answer recall of a qa set. */
  public RunMetricsRow withAnswers(AnswerRecalls recalls) {
    return new RunMetricsRow(spec, dataset, split, scoring, inDomain, queries, queriesWithoutRelevant, mean, effect,
        sts, imageText, recalls);
  }

  /** A retrieval row. */
  public static RunMetricsRow ofRetrieval(
      RunSpec spec, String dataset, String split, Scoring scoring, boolean inDomain, int queries,
      int queriesWithoutRelevant, QueryMetrics mean, DocNormEffect effect) {
    return new RunMetricsRow(
        spec, dataset, split, scoring, inDomain, queries, queriesWithoutRelevant, mean, effect, null, null, null);
  }

  /** An STS row. */
  public static RunMetricsRow ofSts(
      RunSpec spec, String dataset, String split, Scoring scoring, boolean inDomain, StsMetrics sts) {
    return new RunMetricsRow(spec, dataset, split, scoring, inDomain, 0, 0, null, null, sts, null, null);
  }

  /** An image-text row: retrieval metrics in both directions, no queries, mean or effect. */
  public static RunMetricsRow ofImageText(
      RunSpec spec, String dataset, String split, Scoring scoring, boolean inDomain, ImageTextMetrics imageText) {
    return new RunMetricsRow(spec, dataset, split, scoring, inDomain, 0, 0, null, null, null, imageText, null);
  }

  public boolean isImageText() {
    return imageText != null;
  }

  /** A retrieval row (neither STS nor image-text). */
  public boolean isRetrieval() {
    return sts == null && imageText == null;
  }

  public boolean isSts() {
    return sts != null;
  }

  /** Whether the row scores the run the way it was trained (the diagonal of the train × scoring matrix). */
  public boolean ownScoring() {
    return scoring.id().equals(spec.variant().id());
  }

  /** The task of the row, as in the summary: retrieval, sts or image-text. */
  public String task() {
    return isSts() ? "sts" : isImageText() ? "image-text" : "retrieval";
  }

  /** The metric the summary's train × scoring matrices show: nDCG@10, Spearman, text→image R@1. */
  public String headlineName() {
    return isSts() ? "Spearman" : isImageText() ? "text→image R@1" : "nDCG@10";
  }

  /** The value of {@link #headlineName()}. */
  public double headline() {
    return isSts() ? sts.spearman() : isImageText() ? imageText.textToImageR1() : mean.ndcgAt10();
  }
}
