package dev.magnitude.worker.data;

import java.util.Objects;

/** A row of a prepared captions table: caption id, the id of its image, token ids (unpadded). */
public record CaptionRow(String id, String imageId, int[] tokens) {
  public CaptionRow {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(imageId, "image id");
    Objects.requireNonNull(tokens, "token ids");
  }

  public TokenizedText text() {
    return new TokenizedText(id, tokens);
  }
}
