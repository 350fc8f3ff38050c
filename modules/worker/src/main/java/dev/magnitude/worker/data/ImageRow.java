package dev.magnitude.worker.data;

import java.util.Objects;

/** A row of a prepared images table as the trainer sees it: the image id and its PNG bytes. */
public record ImageRow(String id, byte[] png) {
  public ImageRow {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(png, "png");
  }
}
