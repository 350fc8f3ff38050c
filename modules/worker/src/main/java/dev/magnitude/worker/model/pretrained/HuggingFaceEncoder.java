package dev.magnitude.worker.model.pretrained;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.magnitude.core.run.EncoderSpec;
import dev.magnitude.worker.model.TextTower;
import dev.magnitude.worker.model.TokenPacking;
import java.util.ArrayList;
import java.util.List;

/**
 * A pretrained BERT-family encoder from a model folder ({@link PretrainedModel}), trainable (fine-tuning) and in
 * eval mode: token ids in, the RAW pooled embedding (B, E) out, never normalized (the variant's business; a
 * folder's Normalize module is recorded in {@link SentenceTransformerModules#normalizes()}, not applied).
 *
 * <p>A batch is packed by the model's {@link TokenPacking} (the tokenizer's padding id, masks from the real
 * lengths; the prepare job has already put [CLS] and [SEP] or {@code <s>} and {@code </s>} around each text)
 * and padded to its longest text, at most S = {@code spec.maxLength()} ids (texts are cut after S ids). The
 * padding keys get attention weight exactly 0 and pooling skips them, so a text's embedding does not depend on
 * the other texts of its batch; kernels that see another padded length may round differently in the last bits.
 * The same texts in the same batches give the same bits.
 *
 * <p>Build with {@link #builder()}; the block's first initialization loads the model's weights
 * ({@link BertEncoderBlock}). Not thread-safe.
 */
public final class HuggingFaceEncoder implements TextTower {
  private final EncoderSpec spec;
  private final PretrainedModel model;
  private final TokenPacking packing;
  private final Pooling pooling;
  private final BertEncoderBlock block;

  private HuggingFaceEncoder(Builder b) {
    this.spec = b.spec;
    this.model = b.model;
    this.packing = b.packing != null ? b.packing : b.model.packing();
    this.pooling = b.pooling != null ? b.pooling : b.model.modules().pooling();
    this.block = new BertEncoderBlock(b.model.config(), b.model.weights(), b.dropout);
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public EncoderSpec spec() {
    return spec;
  }

  /** The folder this encoder was read from. */
  public PretrainedModel model() {
    return model;
  }

  public Pooling pooling() {
    return pooling;
  }

  public TokenPacking packing() {
    return packing;
  }

  @Override
  public BertEncoderBlock block() {
    return block;
  }

  /** Token ids (B, S): the initialization shapes. */
  @Override
  public Shape[] inputShapes(int batchSize) {
    return new Shape[] {new Shape(batchSize, spec.maxLength())};
  }

  /**
   * Embeds texts: every array of the forward is attached to {@code manager}, so autograd's saved arrays live
   * until the caller closes it (after backward).
   *
   * @param texts B token-id lists (ids in [0, vocab_size))
   * @return raw pooled embeddings (B, E) float32
   */
  @Override
  public NDArray embed(ParameterStore parameters, NDManager manager, List<int[]> texts, boolean training) {
    TokenPacking.Packed packed = packing.pack(texts, packing.longest(texts, spec.maxLength()));
    NDArray mask = packed.mask(manager);
    NDArray sequence = block.sequence(parameters, packed.ids(manager), mask, training);
    return pooling.pool(sequence, mask);
  }

  /**
   * Builds an encoder: {@code setModel} and {@code setSpec} are required; packing and pooling default to the
   * model folder's, dropout to 0.
   */
  public static final class Builder {
    private PretrainedModel model;
    private EncoderSpec spec;
    private TokenPacking packing;
    private Pooling pooling;
    private float dropout;

    private Builder() {}

    /** The model folder, read. */
    public Builder setModel(PretrainedModel model) {
      this.model = model;
      return this;
    }

    /**
     * The run's encoder spec: E must be the model's hidden size, S at most its longest text, and the data's
     * vocabulary must fit its word embedding.
     */
    public Builder setSpec(EncoderSpec spec) {
      this.spec = spec;
      return this;
    }

    /** Overrides the folder's tokenizer packing (e.g. with the one the data's manifest records). */
    public Builder optPacking(TokenPacking packing) {
      this.packing = packing;
      return this;
    }

    /** Overrides the folder's pooling. */
    public Builder optPooling(Pooling pooling) {
      this.pooling = pooling;
      return this;
    }

    /** Hidden dropout probability in [0, 1), in training only (default 0). */
    public Builder optDropout(float dropout) {
      this.dropout = dropout;
      return this;
    }

    /** @throws IllegalArgumentException naming what is missing, or a spec that does not fit the model */
    public HuggingFaceEncoder build() {
      List<String> missing = new ArrayList<>();
      if (model == null) {
        missing.add("setModel");
      }
      if (spec == null) {
        missing.add("setSpec");
      }
      if (!missing.isEmpty()) {
        throw new IllegalArgumentException("a HuggingFace encoder needs " + String.join(" and ", missing));
      }
      BertConfig c = model.config();
      if (spec.embeddingDim() != c.hiddenSize()) {
        throw new IllegalArgumentException("encoder embedding-dim = " + spec.embeddingDim() + " but " + model.source()
            + " has hidden_size = " + c.hiddenSize() + "; set embedding-dim = " + c.hiddenSize());
      }
      if (spec.maxLength() > c.maxLength()) {
        throw new IllegalArgumentException("encoder max-length = " + spec.maxLength() + " but " + model.source()
            + " embeds at most " + c.maxLength() + " positions (max_position_embeddings = " + c.maxPositions() + ")");
      }
      if (spec.vocabularySize() > c.vocabularySize()) {
        throw new IllegalArgumentException("the data has token ids up to " + (spec.vocabularySize() - 1) + " but "
            + model.source() + " has vocab_size = " + c.vocabularySize() + ": prepare the data with its tokenizer.json");
      }
      TokenPacking p = packing != null ? packing : model.packing();
      p.requireFallbackIn(c.vocabularySize());
      return new HuggingFaceEncoder(this);
    }
  }
}
