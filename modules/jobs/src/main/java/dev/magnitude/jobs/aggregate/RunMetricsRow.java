package dev.magnitude.jobs.aggregate;

import dev.magnitude.core.metrics.ImageTextMetrics;
import dev.magnitude.core.metrics.QueryMetrics;
import dev.magnitude.core.metrics.StsMetrics;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.core.stats.DocNormEffect;

/**
 * One run scored on one evaluation set. A retrieval set has mean metrics over judged queries and the
 * document-norm effect ({@code sts} and {@code imageText} null); an image-text set has
 * {@link ImageTextMetrics} only (every image is relevant to its own captions, so there is no never-relevant
 * group for the document-norm effect); an STS set has its correlations ({@code sts}) and no queries,
 * mean or effect (the document-norm effect needs relevant and non-relevant documents, which STS lacks).
 */
public record RunMetricsRow(
    RunSpec spec,
    String dataset,
    String split,
    int queries,
    int queriesWithoutRelevant,
    QueryMetrics mean,
    DocNormEffect effect,
    StsMetrics sts,
    ImageTextMetrics imageText) {

  /** A retrieval row. */
  public RunMetricsRow(
      RunSpec spec, String dataset, String split, int queries, int queriesWithoutRelevant, QueryMetrics mean,
      DocNormEffect effect) {
    this(spec, dataset, split, queries, queriesWithoutRelevant, mean, effect, null, null);
  }

  /** An STS row. */
  public static RunMetricsRow ofSts(RunSpec spec, String dataset, String split, StsMetrics sts) {
    return new RunMetricsRow(spec, dataset, split, 0, 0, null, null, sts, null);
  }

  /** An image-text row: retrieval metrics in both directions, no queries, mean or effect. */
  public static RunMetricsRow ofImageText(RunSpec spec, String dataset, String split, ImageTextMetrics imageText) {
    return new RunMetricsRow(spec, dataset, split, 0, 0, null, null, null, imageText);
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
}
