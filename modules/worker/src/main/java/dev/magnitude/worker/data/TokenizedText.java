package dev.magnitude.worker.data;

import java.util.Objects;

/**
 * A query or document as the trainer sees it: its id and its token ids, unpadded, each in
 * [0, vocabularySize).
 */
public record TokenizedText(String id, int[] tokenIds) {
  public TokenizedText {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(tokenIds, "token ids");
  }
}
