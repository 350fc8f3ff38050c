package dev.magnitude.core.run;

import java.util.Objects;

/**
 * The encoder of a run. {@code kind = transformer}: a DJL BertBlock over token ids with mean pooling
 * over the non-padding positions; its output, of size {@code embeddingDim}, is the embedding.
 *
 * @param kind encoder kind; only {@code transformer} so far
 * @param embeddingDim hidden and output size E
 * @param layers transformer blocks
 * @param heads attention heads; must divide {@code embeddingDim}
 * @param maxLength token positions per text S; longer texts are truncated, shorter ones padded with id 0
 * @param vocabularySize token id space of the prepared data (from its manifest)
 * @param tokenizerId identity of the tokenizer the data was prepared with; the worker refuses other data
 */
public record EncoderSpec(
    String kind, int embeddingDim, int layers, int heads, int maxLength, int vocabularySize, String tokenizerId) {
  public EncoderSpec {
    Objects.requireNonNull(kind, "encoder kind");
    if (!kind.equals("transformer")) {
      throw new IllegalArgumentException("encoder kind '" + kind + "' is not supported; allowed: transformer");
    }
    positive("embedding-dim", embeddingDim);
    positive("layers", layers);
    positive("heads", heads);
    positive("max-length", maxLength);
    positive("vocabulary size", vocabularySize);
    if (embeddingDim % heads != 0) {
      throw new IllegalArgumentException(
          "encoder heads = " + heads + " must divide embedding-dim = " + embeddingDim);
    }
  }

  static void positive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " = " + value + ": must be > 0");
    }
  }
}
