package dev.magnitude.core.run;

/**
 * How a run trains on an image-text dataset (images with several captions each) instead of retrieval
 * qrels: the caption is the query side (the run's text encoder), the image the document side (a small
 * CNN over the prepared RGB PNGs scaled to [0, 1]).
 *
 * <p>Each step takes B distinct images of the training split and one caption of each, chosen from
 * (seed, step); the loss is InfoNCE over in-batch negatives in both directions (caption→image and
 * image→caption, averaged, as CLIP trains). Both encoders are trained by one optimizer.
 *
 * <p>The image encoder: Conv2d 3→{@code firstChannels} (3×3) + ReLU + 2×2 max-pool, Conv2d
 * →{@code secondChannels} (3×3) + ReLU + 2×2 max-pool, global average pool, Linear → the text encoder's
 * embedding dimension. Global pooling makes it independent of the image size.
 *
 * @param firstChannels output channels of the first convolution
 * @param secondChannels output channels of the second convolution
 */
public record ImageTextTraining(int firstChannels, int secondChannels) {
  /** The image encoder of this version (no setting chooses another yet). */
  public static final ImageTextTraining SMALL_CNN = new ImageTextTraining(16, 32);

  public ImageTextTraining {
    if (firstChannels < 1 || secondChannels < 1) {
      throw new IllegalArgumentException(
          "image encoder channels = " + firstChannels + ", " + secondChannels + ": both must be >= 1");
    }
  }
}
