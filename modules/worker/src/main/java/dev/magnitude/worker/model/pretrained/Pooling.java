package dev.magnitude.worker.model.pretrained;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import dev.magnitude.worker.model.TextEncoder;

/**
 * How a sequence output becomes one embedding, as sentence-transformers' {@code Pooling} module computes it.
 * Each mode names its {@code 1_Pooling/config.json} key.
 */
public enum Pooling {
  /** The mean over the text's tokens (mask true). */
  MEAN("pooling_mode_mean_tokens", "mean"),
  /** The first position's output ([CLS], {@code <s>}). */
  CLS("pooling_mode_cls_token", "cls"),
  /** The per-dimension maximum over the text's tokens. */
  MAX("pooling_mode_max_tokens", "max");

  /**
   * What sentence-transformers sets masked positions to before the maximum ({@code -1e9}): no real output of
   * a LayerNorm-ed encoder comes near it.
   */
  static final float MASKED_FOR_MAX = -1e9f;

  private final String configKey;
  private final String mode;

  Pooling(String configKey, String mode) {
    this.configKey = configKey;
    this.mode = mode;
  }

  /** The boolean key of {@code 1_Pooling/config.json} that selects this mode. */
  public String configKey() {
    return configKey;
  }

  /** The mode's name in sentence-transformers' {@code pooling_mode} argument. */
  public String mode() {
    return mode;
  }

  /**
   * Pools a batch.
   *
   * @param sequence (B, L, E)
   * @param mask (B, L) boolean; every row has at least one true position, and position 0 is a token
   * @return (B, E) on the manager of {@code sequence}
   */
  public NDArray pool(NDArray sequence, NDArray mask) {
    return switch (this) {
      case MEAN -> TextEncoder.meanPool(sequence, mask);
      case CLS -> sequence.get(new NDIndex(":, 0, :"));
      case MAX -> {
        NDArray keep = mask.toType(DataType.FLOAT32, false).expandDims(2);
        // masked positions: x · 0 + (0 − 1) · 1e9 = −1e9
        yield sequence.mul(keep).add(keep.sub(1f).mul(-MASKED_FOR_MAX)).max(new int[] {1});
      }
    };
  }
}
