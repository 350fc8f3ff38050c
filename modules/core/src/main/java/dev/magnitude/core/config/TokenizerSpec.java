package dev.magnitude.core.config;

/**
 * The built-in tokenizer of the prepare job: NFKC-normalized, lower-cased words (runs of letters or
 * digits); a vocabulary counted over the training split (corpus + train queries), keeping words seen at
 * least {@code minCount} times, the {@code maxVocabulary} most frequent (ties by word, ascending);
 * words outside it map to one of {@code hashBuckets} buckets by a stable hash.
 *
 * <p>Id space: 0 = [PAD], 1 = [UNK] (only when hashBuckets = 0), 2 = [CLS], 3 = [SEP] (reserved),
 * 4 .. 4+V−1 the vocabulary in order, then the buckets. Texts are truncated to {@code maxLength} ids.
 */
public record TokenizerSpec(int minCount, int maxVocabulary, int hashBuckets, int maxLength) {
  public static final int PAD = 0;
  public static final int UNK = 1;
  public static final int FIRST_WORD = 4;

  public TokenizerSpec {
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
  }
}
