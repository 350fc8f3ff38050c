package dev.magnitude.worker.model.pretrained;

import dev.magnitude.core.run.TrainedNormalization;
import dev.magnitude.core.run.Variant;
import java.util.Locale;

/**
 * How an exported model is to be scored, from the variant it trained with: whether the folder gets
 * sentence-transformers' Normalize module, the {@code similarity_fn_name} of its
 * {@code config_sentence_transformers.json}, and the text of its {@value #FILE}.
 *
 * <p>A sentence-transformers folder runs the same modules on every input, so it can express only symmetric
 * scorings: {@code cosine} (Normalize, then any similarity) and {@code dot} (raw embeddings, dot product). A
 * {@code query-norm} or {@code doc-norm} model, and a {@code learned} one (each side divided by its own power
 * of its norm), need asymmetric scoring: the folder holds the raw encoder and the note says what to do with
 * each side.
 *
 * @param normalization the run's trained normalization (variant, learned α); null for a model exported as
 *     shipped (zero-shot: no training)
 * @param sourceNormalizes whether the source folder ended with a Normalize module (only said in the note)
 */
public record ScoringNote(TrainedNormalization normalization, boolean sourceNormalizes) {
  public static final String FILE = "MAGNITUDE.md";

  /** Whether the folder ends with Normalize: exactly for {@code cosine}, which normalizes both sides alike. */
  public boolean normalizesBothSides() {
    return normalization != null && normalization.variant() == Variant.COSINE;
  }

  /** sentence-transformers' {@code similarity_fn_name}: cosine for a normalized model, else dot. */
  public String similarityFunction() {
    return normalizesBothSides() ? "cosine" : "dot";
  }

  /** The Markdown note. */
  public String text(String runId, Pooling pooling, int maxSequenceLength) {
    StringBuilder out = new StringBuilder("# Magnitude export\n\n");
    if (runId != null) {
      out.append("Run `").append(runId).append("`.\n\n");
    }
    out.append(String.format(Locale.ROOT, "Encoder: %s pooling over at most %d tokens; embeddings are raw unless "
        + "a Normalize module follows (the folder's `modules.json`).%n%n", pooling.mode(), maxSequenceLength));
    out.append("## Scoring\n\n").append(scoring()).append("\n");
    return out.toString();
  }

  private String scoring() {
    if (normalization == null) {
      return "The model as shipped (zero-shot: not trained here). The source folder "
          + (sourceNormalizes ? "ended with a Normalize module (its authors score with cosine)"
              : "had no Normalize module")
          + "; this export holds the raw encoder and leaves normalization to the scoring: Magnitude scored it "
          + "under cosine, query-norm, doc-norm and dot.\n";
    }
    Variant v = normalization.variant();
    return switch (v) {
      case COSINE -> "Trained with `cosine` (both sides normalized). Score with cosine similarity. The folder ends "
          + "with sentence-transformers' Normalize module, so `model.encode` returns unit vectors and "
          + "`model.similarity` (cosine) is the scoring the model was trained for.\n";
      case DOT -> "Trained with `dot` (neither side normalized). Score with the raw dot product and do not "
          + "normalize: `config_sentence_transformers.json` sets `similarity_fn_name` to `dot`, so "
          + "`model.similarity` is the scoring the model was trained for. The embedding norms carry information "
          + "(document norm correlates with relevance).\n";
      case QUERY_NORM, DOC_NORM -> {
        boolean query = v == Variant.QUERY_NORM;
        yield "Trained with `" + v.id() + "`: normalize the " + (query ? "QUERY" : "DOCUMENT")
            + " embedding to unit length, keep the " + (query ? "DOCUMENT" : "QUERY")
            + " embedding raw, and score by dot product.\n\n" + asymmetric()
            + "Encode " + (query ? "queries" : "documents") + " with `normalize_embeddings=True` and "
            + (query ? "documents" : "queries") + " without it, then take the dot product.\n";
      }
      case LEARNED -> String.format(Locale.ROOT, "Trained with `learned` normalization: divide each query "
          + "embedding q by max(‖q‖, 1e-12)^%.6f and each document embedding d by max(‖d‖, 1e-12)^%.6f, then take "
          + "the dot product (α = 1 normalizes a side, α = 0 keeps it raw).%n%n%sEncode both sides raw and apply "
          + "the two powers yourself.%n", normalization.alphaQuery(), normalization.alphaDocument(), asymmetric());
    };
  }

  private static String asymmetric() {
    return "This is an asymmetric scoring, which a plain sentence-transformers folder cannot express (it applies "
        + "the same modules to every input): the folder holds the raw encoder (no Normalize module, "
        + "`similarity_fn_name` = `dot`). ";
  }
}
