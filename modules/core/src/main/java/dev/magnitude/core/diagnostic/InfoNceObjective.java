package dev.magnitude.core.diagnostic;

import dev.magnitude.core.run.Variant;
import java.util.Locale;
import java.util.Objects;

/**
 * The InfoNCE objective a variant trains with, as far as its gradients with respect to the embeddings depend on
 * it: which sides are normalized (and how strongly), the temperature, and whether the loss is symmetric.
 *
 * <p>Each side's row x is divided by max(‖x‖, {@link #NORM_FLOOR})^α before the dot product: α = 1 is the L2
 * normalization, α = 0 the raw vector. A fixed variant has α ∈ {0, 1} per side ({@code cosine}: 1 and 1,
 * {@code query-norm}: 1 and 0, {@code doc-norm}: 0 and 1, {@code dot}: 0 and 0); variant {@code learned} has the
 * α of a run ({@code sigmoid(θ)} of the worker's loss scalars), set with {@link Builder#optLearnedAlphas}.
 * Logits are {@code q̃ · d̃ / τ}; a learnable logit scale s is τ = 1/s. These are the worker's {@code
 * InfoNceLoss} semantics.
 *
 * @param variant the variant whose objective this is
 * @param temperature τ &gt; 0
 * @param alphaQuery α of the query side in [0, 1]
 * @param alphaDocument α of the document side in [0, 1]
 * @param symmetric the loss averages the query→document and document→query directions (STS)
 */
public record InfoNceObjective(
    Variant variant, double temperature, double alphaQuery, double alphaDocument, boolean symmetric) {

  /** Lower bound of a row norm before it is raised to α, as the worker's loss floors it. */
  public static final double NORM_FLOOR = 1e-12;

  public InfoNceObjective {
    Objects.requireNonNull(variant, "variant");
    if (!(temperature > 0) || !Double.isFinite(temperature)) {
      throw new IllegalArgumentException("temperature = " + temperature + ": must be a finite number > 0");
    }
    for (double alpha : new double[] {alphaQuery, alphaDocument}) {
      if (!(alpha >= 0 && alpha <= 1)) {
        throw new IllegalArgumentException("α = " + alpha + " (variant " + variant + "): must be in [0, 1]");
      }
    }
    if (!variant.isLearned()
        && (alphaQuery != (variant.normalizesQuery() ? 1 : 0) || alphaDocument != (variant.normalizesDocument() ? 1 : 0))) {
      throw new IllegalArgumentException("variant " + variant + " has fixed exponents α = (" + (variant.normalizesQuery() ? 1 : 0)
          + ", " + (variant.normalizesDocument() ? 1 : 0) + "), got (" + alphaQuery + ", " + alphaDocument + ")");
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** α of one side. */
  public double alpha(Side side) {
    return side == Side.QUERY ? alphaQuery : alphaDocument;
  }

  /** E.g. {@code doc-norm τ=1} or {@code learned α=(0.31, 0.72) τ=0.5 symmetric}. */
  public String describe() {
    String alphas = variant.isLearned()
        ? String.format(Locale.ROOT, " α=(%.3g, %.3g)", alphaQuery, alphaDocument) : "";
    return variant + alphas + String.format(Locale.ROOT, " τ=%.3g", temperature) + (symmetric ? " symmetric" : "");
  }

  /** {@code set*} is required, {@code opt*} optional; {@link #build} names what is missing. */
  public static final class Builder {
    private Variant variant;
    private Double temperature;
    private Double alphaQuery;
    private Double alphaDocument;
    private boolean symmetric;

    private Builder() {}

    public Builder setVariant(Variant variant) {
      this.variant = variant;
      return this;
    }

    /** τ of the variant ({@code magnitude.train.temperature.<variant>}), or 1/s for a learned logit scale s. */
    public Builder setTemperature(double temperature) {
      this.temperature = temperature;
      return this;
    }

    /** α of each side; required for variant {@code learned}, refused for the fixed variants. */
    public Builder optLearnedAlphas(double alphaQuery, double alphaDocument) {
      this.alphaQuery = alphaQuery;
      this.alphaDocument = alphaDocument;
      return this;
    }

    /** The symmetric loss (both directions averaged), as STS trains; default false. */
    public Builder optSymmetric(boolean symmetric) {
      this.symmetric = symmetric;
      return this;
    }

    public InfoNceObjective build() {
      if (variant == null) {
        throw new IllegalArgumentException("InfoNceObjective: setVariant is missing");
      }
      if (temperature == null) {
        throw new IllegalArgumentException("InfoNceObjective (variant " + variant + "): setTemperature is missing");
      }
      if (variant.isLearned() != (alphaQuery != null)) {
        throw new IllegalArgumentException(variant.isLearned()
            ? "InfoNceObjective: variant learned needs optLearnedAlphas(α_query, α_document), the run's α per side"
            : "InfoNceObjective: variant " + variant + " has fixed exponents; optLearnedAlphas is for variant learned");
      }
      double q = variant.isLearned() ? alphaQuery : variant.normalizesQuery() ? 1 : 0;
      double d = variant.isLearned() ? alphaDocument : variant.normalizesDocument() ? 1 : 0;
      return new InfoNceObjective(variant, temperature, q, d, symmetric);
    }
  }
}
