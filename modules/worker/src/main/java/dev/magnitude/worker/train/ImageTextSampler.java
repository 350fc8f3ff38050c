package dev.magnitude.worker.train;

import dev.magnitude.worker.data.ImageCaptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Cuts the images of an image-text training split into batches as {@link BatchSampler} cuts pairs: each
 * epoch a permutation of the images seeded by (run seed, epoch), cut into ⌊N / B⌋ batches (so a batch
 * never holds an image twice). The caption of image i at step s is its caption number
 * mix(seed, s, i) mod (its caption count). The batch of a step is a pure function of (seed, step).
 */
public final class ImageTextSampler {
  private final ImageCaptions data;
  private final int batchSize;
  private final long seed;
  private final int batchesPerEpoch;
  private int cachedEpoch = -1;
  private List<Integer> cachedOrder;

  /** @throws IllegalArgumentException if there are fewer captioned images than one batch */
  public ImageTextSampler(ImageCaptions data, int batchSize, long seed) {
    if (data.size() < batchSize) {
      throw new IllegalArgumentException(
          "the training split has " + data.size() + " images with captions, fewer than batch-size = " + batchSize
              + "; lower batch-size or train on a larger split");
    }
    this.data = data;
    this.batchSize = batchSize;
    this.seed = seed;
    this.batchesPerEpoch = data.size() / batchSize;
  }

  /** @param step 1-based optimizer step */
  public ImageTextBatch batch(int step) {
    if (step < 1) {
      throw new IllegalArgumentException("step = " + step + ": steps count from 1");
    }
    int epoch = (step - 1) / batchesPerEpoch;
    int first = ((step - 1) % batchesPerEpoch) * batchSize;
    List<Integer> order = order(epoch);
    List<int[]> captions = new ArrayList<>(batchSize);
    List<float[]> images = new ArrayList<>(batchSize);
    for (int k = 0; k < batchSize; k++) {
      int image = order.get(first + k);
      List<int[]> options = data.captions(image);
      long pick = BatchSampler.mix(BatchSampler.mix(seed * 0x9E3779B97F4A7C15L + step) + image);
      captions.add(options.get((int) Math.floorMod(pick, (long) options.size())));
      images.add(data.pixels(image));
    }
    boolean[][] excluded = new boolean[batchSize][batchSize];
    for (int i = 0; i < batchSize; i++) {
      for (int j = 0; j < batchSize; j++) {
        excluded[i][j] = i != j && Arrays.equals(captions.get(i), captions.get(j));
      }
    }
    return new ImageTextBatch(captions, images, excluded);
  }

  private List<Integer> order(int epoch) {
    if (epoch != cachedEpoch) {
      List<Integer> order = new ArrayList<>(data.size());
      for (int i = 0; i < data.size(); i++) {
        order.add(i);
      }
      Collections.shuffle(order, new Random(BatchSampler.mix(seed * 0x9E3779B97F4A7C15L + epoch)));
      cachedOrder = order;
      cachedEpoch = epoch;
    }
    return cachedOrder;
  }
}
