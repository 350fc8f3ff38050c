package dev.magnitude.worker.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import dev.magnitude.core.run.ImageTextTraining;
import java.util.List;

/**
 * The image (document-side) encoder of image-text runs: Conv2d 3→C1 (3×3, padding 1) + ReLU + 2×2 max
 * pool, Conv2d C1→C2 (3×3, padding 1) + ReLU + 2×2 max pool, global average pool, Linear C2→E. Input
 * (B, 3, H, W) float32 in [0, 1] ({@link ImageTensors}); output the RAW embedding (B, E), never
 * normalized here (the variant's business). Any H, W ≥ 4 works: the global pool removes the size.
 *
 * <p>No dropout or batch normalization, so training and inference forwards are the same function. Not
 * thread-safe (like DJL blocks).
 */
public final class ImageEncoder {
  private final SequentialBlock block;
  private final int embeddingDim;

  public ImageEncoder(ImageTextTraining spec, int embeddingDim) {
    this.embeddingDim = embeddingDim;
    this.block = new SequentialBlock()
        .add(conv(spec.firstChannels()))
        .add(Activation.reluBlock())
        .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
        .add(conv(spec.secondChannels()))
        .add(Activation.reluBlock())
        .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
        .add(Pool.globalAvgPool2dBlock())
        .add(Blocks.batchFlattenBlock())
        .add(Linear.builder().setUnits(embeddingDim).build());
  }

  private static Conv2d conv(int filters) {
    return Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(filters).build();
  }

  public SequentialBlock block() {
    return block;
  }

  public int embeddingDim() {
    return embeddingDim;
  }

  /** The input shape for initialization: (B, 3, size, size). */
  public static Shape inputShape(int batchSize, int size) {
    return new Shape(batchSize, 3, size, size);
  }

  /** Makes every parameter array require gradients; call after initialization and after loading. */
  public void prepareParameters() {
    for (Pair<String, Parameter> p : block.getParameters()) {
      if (p.getValue().getArray() != null) {
        p.getValue().getArray().setRequiresGradient(p.getValue().requiresGradient());
      }
    }
  }

  /**
   * Embeds images of one size.
   *
   * @param images B CHW arrays of 3 × size × size values
   * @return raw embeddings (B, E) float32, on {@code manager}
   */
  public NDArray embed(ParameterStore parameters, NDManager manager, List<float[]> images, int size, boolean training) {
    int b = images.size();
    int each = 3 * size * size;
    float[] data = new float[b * each];
    for (int i = 0; i < b; i++) {
      float[] image = images.get(i);
      if (image.length != each) {
        throw new IllegalArgumentException(
            "image " + i + " has " + image.length + " values; expected 3 × " + size + " × " + size + " = " + each);
      }
      System.arraycopy(image, 0, data, i * each, each);
    }
    NDArray input = manager.create(data, inputShape(b, size));
    return block.forward(parameters, new NDList(input), training).singletonOrThrow();
  }
}
