package dev.magnitude.worker.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.transformer.IdEmbedding;
import ai.djl.training.ParameterStore;
import dev.magnitude.core.run.EncoderSpec;
import java.util.List;

/**
 * The {@code bag} encoder, the fast baseline: a token embedding table (vocabulary × E) whose rows are
 * averaged over a text's non-padding positions. Nothing follows the mean: no position information, no
 * normalization layer, no dropout, so training and inference forwards are the same function and an
 * embedding never depends on its batch.
 *
 * <p>Inputs are packed by the encoder's {@link TokenPacking}, as for {@link TextEncoder}: padded with the
 * tokenizer's padding id or truncated to S, a text without tokens becomes the fallback token; the mask comes
 * from each text's real length, so padding never reaches an embedding (and its row gets no gradient from it).
 * Not thread-safe (like DJL blocks).
 */
public final class BagEncoder implements TextTower {
  private final EncoderSpec spec;
  private final TokenPacking packing;
  private final IdEmbedding table;

  /** An encoder of data prepared by the built-in tokenizer ({@link TokenPacking#BUILTIN}). */
  public BagEncoder(EncoderSpec spec) {
    this(spec, TokenPacking.BUILTIN);
  }

  /** @param packing the padding of the data's tokenizer */
  public BagEncoder(EncoderSpec spec, TokenPacking packing) {
    if (!EncoderSpec.BAG.equals(spec.kind())) {
      throw new IllegalArgumentException("BagEncoder builds encoder kind = bag, not " + spec.kind());
    }
    packing.requireFallbackIn(spec.vocabularySize());
    this.spec = spec;
    this.packing = packing;
    this.table =
        new IdEmbedding.Builder()
            .setDictionarySize(spec.vocabularySize())
            .setEmbeddingSize(spec.embeddingDim())
            .build();
  }

  @Override
  public EncoderSpec spec() {
    return spec;
  }

  @Override
  public Block block() {
    return table;
  }

  /** The (vocabulary, E) embedding table. */
  public Parameter table() {
    return table.getParameters().values().get(0);
  }

  /** Token ids (B, S). */
  @Override
  public Shape[] inputShapes(int batchSize) {
    return new Shape[] {new Shape(batchSize, spec.maxLength())};
  }

  @Override
  public NDArray embed(ParameterStore parameters, NDManager manager, List<int[]> texts, boolean training) {
    TokenPacking.Packed packed = packing.pack(texts, spec.maxLength());
    NDArray rows = table.forward(parameters, new NDList(packed.ids(manager)), training).singletonOrThrow();
    return TextEncoder.meanPool(rows, packed.mask(manager));
  }
}
