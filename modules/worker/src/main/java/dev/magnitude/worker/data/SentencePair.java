package dev.magnitude.worker.data;

import java.util.Objects;

/**
 * A row of a prepared STS pairs table as the trainer sees it: the pair id, both sentences' token ids
 * (unpadded, each in [0, vocabularySize)) and the gold score in the dataset's own scale.
 */
public record SentencePair(String id, int[] tokensA, int[] tokensB, double score) {
  public SentencePair {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(tokensA, "token ids a");
    Objects.requireNonNull(tokensB, "token ids b");
  }

  /** The first sentence (query side) or the second (document side), under the pair's id. */
  public TokenizedText side(boolean first) {
    return new TokenizedText(id, first ? tokensA : tokensB);
  }
}
