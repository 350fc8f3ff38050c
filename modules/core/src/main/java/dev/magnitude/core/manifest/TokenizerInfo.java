package dev.magnitude.core.manifest;

/**
 * The identity of the tokenizer a dataset was prepared with.
 *
 * @param kind {@code builtin} (or, later, {@code huggingface})
 * @param id stable identity: kind plus a hash of the vocabulary and settings; a trainer compares it with
 *     the tokenizer its encoder expects
 * @param vocabularySize size of the id space (specials + vocabulary + hash buckets)
 * @param maxLength texts were truncated to this many ids
 */
public record TokenizerInfo(String kind, String id, int vocabularySize, int maxLength) {}
