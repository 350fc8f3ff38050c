package dev.magnitude.core.run;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;

/**
 * The encoder of a run: what turns a text's token ids into its RAW embedding of size {@code embeddingDim}.
 *
 * <ul>
 *   <li>{@code transformer}: a post-norm transformer encoder of the trainer's own (fused Q/K/V projection,
 *       LayerNorm, GELU, no dropout on the attention probabilities; DJL's BertBlock until trainer version 2) over
 *       token ids, with mean pooling over the non-padding positions.
 *   <li>{@code bag}: a mean-pooled embedding bag (a vocabulary × E table averaged over the non-padding
 *       positions), the fast baseline; {@code layers} and {@code heads} are not used.
 *   <li>{@code torchscript}: a TorchScript module read from {@code path} and fine-tuned; its contract is
 *       forward(input_ids int64 (B, S), attention_mask int64 (B, S)) → float32 (B, E). {@code layers} and
 *       {@code heads} are not used; E must be the module's output size.
 * </ul>
 *
 * <p>{@code path}, {@code towers} and {@code dropout} are left out of the JSON when they have their default (no
 * path, shared towers, {@link #DEFAULT_DROPOUT}), so the specs and ids of runs that do not use them are what they
 * were before they existed.
 *
 * @param kind {@link #KINDS}
 * @param embeddingDim hidden and output size E
 * @param layers transformer blocks
 * @param heads attention heads; must divide {@code embeddingDim} (transformer)
 * @param maxLength token positions per text S; longer texts are truncated, shorter ones padded with id 0
 * @param vocabularySize token id space of the prepared data (from its manifest)
 * @param tokenizerId identity of the tokenizer the data was prepared with; the worker refuses other data
 * @param path the TorchScript module (local path or Hadoop FileSystem URI); null for the other kinds
 * @param towers {@link #SHARED} (one encoder embeds queries and documents) or {@link #SEPARATE} (a query
 *     encoder and a document encoder of the same kind, trained together); null means shared
 * @param dropout {@code transformer}: the hidden dropout probability in [0, 1) on the embeddings and both
 *     sublayer outputs of every layer (never on the attention probabilities); null means
 *     {@link #DEFAULT_DROPOUT}. The other kinds have no dropout and accept only the default
 * @param moduleSha256 {@code torchscript}: the SHA-256 (64 lowercase hex digits) of the module file's bytes when
 *     the run was planned, so a run's id names the module's content, not only its path: replacing the file at the
 *     same path plans new runs instead of taking the old module's finished runs for them, and a worker refuses a
 *     module whose bytes no longer match. The sweep's planner always sets it for a torchscript encoder; null
 *     (left out of the JSON) for the other kinds, and for a spec built by hand that does not pin the content
 */
public record EncoderSpec(
    String kind,
    int embeddingDim,
    int layers,
    int heads,
    int maxLength,
    int vocabularySize,
    String tokenizerId,
    @JsonInclude(JsonInclude.Include.NON_NULL) String path,
    @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = SharedTowers.class) String towers,
    @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = DefaultDropout.class) Double dropout,
    @JsonInclude(JsonInclude.Include.NON_NULL) String moduleSha256) {

  public static final String TRANSFORMER = "transformer";
  public static final String BAG = "bag";
  public static final String TORCHSCRIPT = "torchscript";
  public static final List<String> KINDS = List.of(TRANSFORMER, BAG, TORCHSCRIPT);
  public static final String SHARED = "shared";
  public static final String SEPARATE = "separate";
  public static final List<String> TOWERS = List.of(SHARED, SEPARATE);
  /**
   * {@code encoder.dropout} of the trainer's reference.conf: none. The runs are short (hundreds of steps over
   * data seen a few times at most), the ablation compares variants under one encoder, not regularizers, and
   * dropout's random masks cost a large share of a CPU step; a run that wants it sets the option.
   */
  public static final double DEFAULT_DROPOUT = 0.0;

  /** A shared-tower encoder of a kind without a module file. */
  public EncoderSpec(
      String kind, int embeddingDim, int layers, int heads, int maxLength, int vocabularySize, String tokenizerId) {
    this(kind, embeddingDim, layers, heads, maxLength, vocabularySize, tokenizerId, null, SHARED);
  }

  /** An encoder with the default dropout. */
  public EncoderSpec(
      String kind, int embeddingDim, int layers, int heads, int maxLength, int vocabularySize, String tokenizerId,
      String path, String towers) {
    this(kind, embeddingDim, layers, heads, maxLength, vocabularySize, tokenizerId, path, towers, null);
  }

  /** An encoder whose module content is not pinned (see {@code moduleSha256}). */
  public EncoderSpec(
      String kind, int embeddingDim, int layers, int heads, int maxLength, int vocabularySize, String tokenizerId,
      String path, String towers, Double dropout) {
    this(kind, embeddingDim, layers, heads, maxLength, vocabularySize, tokenizerId, path, towers, dropout, null);
  }

  public EncoderSpec {
    Objects.requireNonNull(kind, "encoder kind");
    if (!KINDS.contains(kind)) {
      throw new IllegalArgumentException(
          "encoder kind '" + kind + "' is not supported; allowed: " + String.join(", ", KINDS));
    }
    towers = towers == null ? SHARED : towers;
    if (!TOWERS.contains(towers)) {
      throw new IllegalArgumentException(
          "encoder towers = '" + towers + "' is not supported; allowed: " + String.join(", ", TOWERS));
    }
    path = path == null || path.isBlank() ? null : path.strip();
    dropout = dropout == null ? DEFAULT_DROPOUT : dropout;
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("encoder dropout = " + dropout + ": must be in [0, 1)");
    }
    if (!kind.equals(TRANSFORMER) && dropout != DEFAULT_DROPOUT) {
      throw new IllegalArgumentException(
          "encoder dropout = " + dropout + " is only used by kind = transformer, not kind = " + kind
              + "; leave it at " + DEFAULT_DROPOUT);
    }
    if (kind.equals(TORCHSCRIPT) && path == null) {
      throw new IllegalArgumentException(
          "encoder kind = torchscript needs encoder.path: the path or URI of the TorchScript module");
    }
    if (!kind.equals(TORCHSCRIPT) && path != null) {
      throw new IllegalArgumentException(
          "encoder path = " + path + " is only read for kind = torchscript, not kind = " + kind);
    }
    if (moduleSha256 != null) {
      if (!kind.equals(TORCHSCRIPT)) {
        throw new IllegalArgumentException(
            "encoder moduleSha256 names a module file's content; only kind = torchscript has one, not kind = " + kind);
      }
      if (!moduleSha256.matches("[0-9a-f]{64}")) {
        throw new IllegalArgumentException(
            "encoder moduleSha256 = '" + moduleSha256 + "': must be 64 lowercase hex digits (a SHA-256)");
      }
    }
    positive("embedding-dim", embeddingDim);
    positive("layers", layers);
    positive("heads", heads);
    positive("max-length", maxLength);
    positive("vocabulary size", vocabularySize);
    if (kind.equals(TRANSFORMER) && embeddingDim % heads != 0) {
      throw new IllegalArgumentException(
          "encoder heads = " + heads + " must divide embedding-dim = " + embeddingDim);
    }
  }

  /** This encoder with its module's content pinned to {@code sha256} (a new spec, so a new run id). */
  public EncoderSpec withModuleSha256(String sha256) {
    return new EncoderSpec(
        kind, embeddingDim, layers, heads, maxLength, vocabularySize, tokenizerId, path, towers, dropout, sha256);
  }

  /** Whether queries and documents have encoders of their own. */
  @JsonIgnore
  public boolean separateTowers() {
    return SEPARATE.equals(towers);
  }

  static void positive(String name, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(name + " = " + value + ": must be > 0");
    }
  }

  /** Jackson value filter: true (leave out) for the default dropout, so older specs keep their JSON. */
  public static final class DefaultDropout {
    @Override
    public boolean equals(Object value) {
      return value == null || Double.valueOf(DEFAULT_DROPOUT).equals(value);
    }

    @Override
    public int hashCode() {
      return 0;
    }
  }

  /** Jackson value filter: true (leave out) for the default towers, so older specs keep their JSON and ids. */
  public static final class SharedTowers {
    @Override
    public boolean equals(Object value) {
      return value == null || SHARED.equals(value);
    }

    @Override
    public int hashCode() {
      return 0;
    }
  }
}
