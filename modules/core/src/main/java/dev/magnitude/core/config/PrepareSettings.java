package dev.magnitude.core.config;

/**
 * {@code magnitude.prepare}: the defaults every dataset takes unless it sets its own (see {@link
 * Settings#datasets()}).
 *
 * @param maxQuarantinedFraction the prepare job fails when any input file has more than this fraction of
 *     its rows quarantined ({@code max-quarantined-fraction}, in [0, 1])
 */
public record PrepareSettings(
    int shardMaxRows, TokenizerSpec tokenizer, double maxQuarantinedFraction, StsSpec sts, ImageSpec images) {}
