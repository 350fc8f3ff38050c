package dev.magnitude.core.config;

import java.util.List;
import java.util.Objects;

/**
 * The tokenizer of the prepare job ({@code magnitude.prepare.tokenizer}, or a dataset's own {@code tokenizer}).
 *
 * <p>{@code kind = builtin}: NFKC-normalized, lower-cased words (runs of letters or digits); a vocabulary
 * counted over the training split (corpus + train queries), keeping words seen at least {@code minCount}
 * times, the {@code maxVocabulary} most frequent (ties by word, ascending); words outside it map to one of
 * {@code hashBuckets} buckets by a stable hash. Id space: 0 = [PAD], 1 = [UNK] (only when hashBuckets = 0),
 * 2 = [CLS], 3 = [SEP] (reserved), 4 .. 4+V−1 the vocabulary in order, then the buckets.
 *
 * <p>{@code kind = huggingface}: the HuggingFace {@code tokenizer.json} at {@code path} (any Hadoop
 * FileSystem URI or local path), run through DJL's tokenizers binding; {@code minCount}, {@code
 * maxVocabulary} and {@code hashBuckets} do not apply.
 *
 * <p>Both truncate texts to {@code maxLength} ids; {@code padding = max-length} pads every text to exactly
 * {@code maxLength} ids with the tokenizer's padding id, {@code none} stores ids unpadded (the trainer pads
 * per batch).
 *
 * @param kind {@code builtin} or {@code huggingface}
 * @param path tokenizer.json, for kind huggingface; null otherwise
 * @param padding {@code none} or {@code max-length}
 */
public record TokenizerSpec(
    String kind, String path, int minCount, int maxVocabulary, int hashBuckets, int maxLength, String padding) {
  public static final int PAD = 0;
  public static final int UNK = 1;
  public static final int FIRST_WORD = 4;
  public static final String BUILTIN = "builtin";
  public static final String HUGGINGFACE = "huggingface";
  public static final List<String> KINDS = List.of(BUILTIN, HUGGINGFACE);
  public static final List<String> PADDINGS = List.of("none", "max-length");

  /** The built-in tokenizer without padding. */
  public TokenizerSpec(int minCount, int maxVocabulary, int hashBuckets, int maxLength) {
    this(BUILTIN, null, minCount, maxVocabulary, hashBuckets, maxLength, "none");
  }

  public TokenizerSpec {
    Objects.requireNonNull(kind, "tokenizer kind");
    if (!KINDS.contains(kind)) {
      throw new IllegalArgumentException("tokenizer kind = " + kind + ": must be one of " + String.join(", ", KINDS));
    }
    if (path != null && path.isBlank()) {
      path = null;
    }
    if (kind.equals(HUGGINGFACE) && path == null) {
      throw new IllegalArgumentException(
          "tokenizer kind = huggingface needs path = the tokenizer.json file (a local path or Hadoop URI)");
    }
    if (kind.equals(BUILTIN)) {
      path = null;
    }
    if (minCount < 1) {
      throw new IllegalArgumentException("tokenizer min-count = " + minCount + ": must be >= 1");
    }
    if (maxVocabulary < 1) {
      throw new IllegalArgumentException("tokenizer max-vocabulary = " + maxVocabulary + ": must be >= 1");
    }
    if (hashBuckets < 0) {
      throw new IllegalArgumentException("tokenizer hash-buckets = " + hashBuckets + ": must be >= 0");
    }
    if (maxLength < 1) {
      throw new IllegalArgumentException("tokenizer max-length = " + maxLength + ": must be >= 1");
    }
    Objects.requireNonNull(padding, "tokenizer padding");
    if (!PADDINGS.contains(padding)) {
      throw new IllegalArgumentException(
          "tokenizer padding = " + padding + ": must be one of " + String.join(", ", PADDINGS));
    }
  }

  public boolean builtin() {
    return kind.equals(BUILTIN);
  }

  public boolean padToMaxLength() {
    return padding.equals("max-length");
  }
}
