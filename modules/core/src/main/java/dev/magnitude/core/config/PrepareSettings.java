package dev.magnitude.core.config;

/** {@code magnitude.prepare}: tokenizer and shard size shared by every dataset. */
public record PrepareSettings(int shardMaxRows, TokenizerSpec tokenizer) {}
