package dev.magnitude.worker.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.transformer.IdEmbedding;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import dev.magnitude.core.config.TokenizerSpec;
import dev.magnitude.core.run.EncoderSpec;
import java.util.List;

/**
 * The {@code bag} encoder, the fast baseline: a token embedding table (vocabulary × E) whose rows are
 * averaged over a text's non-padding positions. Nothing follows the mean: no position information, no
 * normalization layer, no dropout, so training and inference forwards are the same function and an
 * embedding never depends on its batch.
 *
 * <p>Inputs are packed as for {@link TextEncoder} ({@link TextEncoder#packIds}): padded with 0 ([PAD]) or
 * truncated to S, a text without tokens becomes [UNK]; the mask is id ≠ 0, so the [PAD] row never reaches an
 * embedding (and gets no gradient). Not thread-safe (like DJL blocks).
 */
public final class BagEncoder implements TextTower {
  private final EncoderSpec spec;
  private final IdEmbedding table;

  public BagEncoder(EncoderSpec spec) {
    if (!EncoderSpec.BAG.equals(spec.kind())) {
      throw new IllegalArgumentException("BagEncoder builds encoder kind = bag, not " + spec.kind());
    }
    if (spec.vocabularySize() <= TextEncoder.FALLBACK_TOKEN) {
      throw new IllegalArgumentException(
          "encoder vocabulary-size = " + spec.vocabularySize() + ": must be > " + TextEncoder.FALLBACK_TOKEN
              + " ([UNK])");
    }
    this.spec = spec;
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
  public void prepareParameters() {
    for (Pair<String, Parameter> p : table.getParameters()) {
      if (p.getValue().getArray() != null) {
        p.getValue().getArray().setRequiresGradient(p.getValue().requiresGradient());
      }
    }
  }

  @Override
  public NDArray embed(ParameterStore parameters, NDManager manager, List<int[]> texts, boolean training) {
    int s = spec.maxLength();
    NDArray ids = manager.create(TextEncoder.packIds(texts, s), new Shape(texts.size(), s));
    NDArray rows = table.forward(parameters, new NDList(ids), training).singletonOrThrow();
    return TextEncoder.meanPool(rows, ids.neq(TokenizerSpec.PAD));
  }
}
