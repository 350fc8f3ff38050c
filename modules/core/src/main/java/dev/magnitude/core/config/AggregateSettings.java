package dev.magnitude.core.config;

/**
 * {@code magnitude.aggregate}.
 *
 * @param topK ranking depth per query
 * @param bootstrapSamples resamples of the document-norm effect CI
 * @param bootstrapSeed seed of those resamples
 * @param level confidence level of the CI, e.g. 0.95
 */
public record AggregateSettings(int topK, int bootstrapSamples, long bootstrapSeed, double level) {}
