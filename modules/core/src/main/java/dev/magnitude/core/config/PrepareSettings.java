package dev.magnitude.core.config;

/**
 * {@code magnitude.prepare}: tokenizer, shard size and quarantine limit shared by every dataset.
 *
 * @param maxQuarantinedFraction the prepare job fails when any input file has more than this fraction of
 *     its rows quarantined ({@code max-quarantined-fraction}, in [0, 1])
 */
public record PrepareSettings(int shardMaxRows, TokenizerSpec tokenizer, double maxQuarantinedFraction) {}
