package dev.magnitude.jobs.aggregate;

import dev.magnitude.core.metrics.QueryMetrics;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.core.stats.DocNormEffect;

/** One run scored on one evaluation set: mean metrics over judged queries and the document-norm effect. */
public record RunMetricsRow(
    RunSpec spec, String dataset, String split, int queries, int queriesWithoutRelevant, QueryMetrics mean, DocNormEffect effect) {}
