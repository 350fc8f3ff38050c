package dev.magnitude.worker.train;

import java.util.List;

/**
 * One image-text training batch: B distinct images and one caption of each.
 *
 * @param captions B token-id lists (query side); caption i describes image i
 * @param images B CHW float arrays (document side)
 * @param excluded B × B; true where image j must not act as a negative of caption i (and, transposed,
 *     caption i of image j): j ≠ i and caption j has the same tokens as caption i, so image j fits caption
 *     i just as well (short captions repeat across images). Never true on the diagonal.
 */
public record ImageTextBatch(List<int[]> captions, List<float[]> images, boolean[][] excluded) {
  public int size() {
    return captions.size();
  }
}
