package dev.magnitude.core.config;

/**
 * {@code magnitude.aggregate}.
 *
 * @param topK ranking depth per query
 * @param bootstrapSamples resamples of the document-norm effect CI
 * @param bootstrapSeed seed of those resamples
 * @param level confidence level of the CI, e.g. 0.95
 * @param retrievedDepth the top ranks of a query whose non-relevant documents form the "retrieved non-relevant"
 *     group of the document-norm effect ({@code doc-norms.retrieved-depth}, capped at {@code topK}: a query's
 *     ranking is no deeper)
 * @param maxRawDocNorms an evaluation set's corpus with at most this many documents gets one {@code doc_norms}
 *     row per document and run; a larger one gets {@code doc_norm_histograms} instead ({@code doc-norms.max-raw-rows})
 * @param histogramBins equal-width bins of those histograms ({@code doc-norms.histogram-bins})
 */
public record AggregateSettings(
    int topK, int bootstrapSamples, long bootstrapSeed, double level, int retrievedDepth, int maxRawDocNorms,
    int histogramBins) {
  /** Settings with the reference defaults for the document-norm tables. */
  public AggregateSettings(int topK, int bootstrapSamples, long bootstrapSeed, double level) {
    this(topK, bootstrapSamples, bootstrapSeed, level, Math.min(10, topK), 100_000, 50);
  }

  public AggregateSettings {
    if (retrievedDepth < 1 || retrievedDepth > topK) {
      // Settings caps the configured depth at top-k; a record built by hand must do the same
      throw new IllegalArgumentException(
          "doc-norms.retrieved-depth = " + retrievedDepth + ": must be in [1, top-k = " + topK + "]");
    }
  }
}
