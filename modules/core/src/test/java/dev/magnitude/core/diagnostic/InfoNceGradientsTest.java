package dev.magnitude.core.diagnostic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.magnitude.core.run.Variant;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The closed-form row gradients against hand-worked batches and against central finite differences of a
 * second, direct implementation of the loss (written from the definition in double precision).
 */
class InfoNceGradientsTest {
  static final double SIGMA_1 = Math.E / (1 + Math.E); // softmax(1, 0)[0]
  static final double SIGMA_2 = Math.exp(2) / (1 + Math.exp(2)); // softmax(2, 0)[0]

  /** q1 = d1 = e1, q2 = d2 = e2 (E = 2): the logits are I/τ. */
  static EmbeddingBatch unitPairs(float scaleOfQuery1) {
    return new EmbeddingBatch(new float[][] {{scaleOfQuery1, 0}, {0, 1}}, new float[][] {{1, 0}, {0, 1}}, null);
  }

  static InfoNceObjective objective(Variant variant, double tau) {
    return InfoNceObjective.builder().setVariant(variant).setTemperature(tau).build();
  }

  @Test
  void dotProductGradientsOfTwoOrthogonalPairsByHand() {
    // L = I; P_11 = σ = e/(1+e), P_12 = 1 − σ. g_q1 = P_11 d1 + P_12 d2 − d1 = (1 − σ)(−1, 1), and by symmetry
    // g_q2 = (1 − σ)(1, −1). g_d1 = (P_11 − 1) q1 + P_21 q2 = (1 − σ)(−1, 1). ℓ_i = log(e + 1) − 1 for both.
    InfoNceGradients.Result r = InfoNceGradients.of(objective(Variant.DOT, 1), unitPairs(1));
    double c = 1 - SIGMA_1;
    assertThat(r.query()[0]).containsExactly(new double[] {-c, c}, within(1e-15));
    assertThat(r.query()[1]).containsExactly(new double[] {c, -c}, within(1e-15));
    assertThat(r.document()[0]).containsExactly(new double[] {-c, c}, within(1e-15));
    assertThat(r.document()[1]).containsExactly(new double[] {c, -c}, within(1e-15));
    assertThat(r.meanLoss()).isCloseTo(Math.log(Math.E + 1) - 1, within(1e-15));
  }

  @Test
  void cosineProjectsOutTheRowAndDividesByItsNorm() {
    // τ = 0.5: L = 2I whatever the norm of q1 (both sides normalized), σ₂ = e²/(1+e²). Before the Jacobian
    // g̃_q1 = 2(σ₂ d1 + (1 − σ₂) d2 − d1) = 2(1 − σ₂)(−1, 1); (I − q̂q̂ᵀ)/‖q‖ with q̂ = e1, ‖q1‖ = 3 keeps
    // (0, 2(1 − σ₂)/3). Query 2 (norm 1): (2(1 − σ₂), 0).
    InfoNceGradients.Result r = InfoNceGradients.of(objective(Variant.COSINE, 0.5), unitPairs(3));
    double c = 2 * (1 - SIGMA_2);
    assertThat(r.query()[0]).containsExactly(new double[] {0, c / 3}, within(1e-15));
    assertThat(r.query()[1]).containsExactly(new double[] {c, 0}, within(1e-15));
    assertThat(r.meanLoss()).isCloseTo(Math.log(Math.exp(2) + 1) - 2, within(1e-15));
  }

  static List<InfoNceObjective> allObjectives() {
    return List.of(objective(Variant.COSINE, 0.05), objective(Variant.QUERY_NORM, 0.7), objective(Variant.DOC_NORM, 1.3),
        objective(Variant.DOT, 1), InfoNceObjective.builder().setVariant(Variant.LEARNED).setTemperature(0.4)
            .optLearnedAlphas(0.3, 0.8).build());
  }

  @Test
  void matchesFiniteDifferencesForEveryVariantWithHardNegativesAndExclusions() {
    Random random = new Random(5);
    EmbeddingBatch batch = randomBatch(random, 4, 2, 5, true);
    for (InfoNceObjective o : allObjectives()) {
      checkAgainstFiniteDifferences(o, batch);
    }
  }

  @Test
  void matchesFiniteDifferencesForTheSymmetricLoss() {
    Random random = new Random(6);
    EmbeddingBatch batch = randomBatch(random, 5, 0, 4, true);
    for (InfoNceObjective o : allObjectives()) {
      InfoNceObjective symmetric = new InfoNceObjective(o.variant(), o.temperature(), o.alphaQuery(), o.alphaDocument(), true);
      checkAgainstFiniteDifferences(symmetric, batch);
    }
  }

  @Test
  void aNormalizedSidesRowGradientIsOrthogonalToItsRow() {
    EmbeddingBatch batch = randomBatch(new Random(7), 6, 3, 8, false);
    InfoNceGradients.Result r = InfoNceGradients.of(objective(Variant.COSINE, 0.1), batch);
    for (int i = 0; i < 6; i++) {
      assertThat(InfoNceGradients.dot(r.query()[i], toDouble(batch.queries()[i]))).isCloseTo(0, within(1e-12));
    }
    for (int j = 0; j < 9; j++) {
      assertThat(InfoNceGradients.dot(r.document()[j], toDouble(batch.documents()[j]))).isCloseTo(0, within(1e-12));
    }
  }

  @Test
  void refusesHardNegativesForTheSymmetricLoss() {
    EmbeddingBatch batch = randomBatch(new Random(8), 3, 1, 4, false);
    InfoNceObjective symmetric = new InfoNceObjective(Variant.DOT, 1, 0, 0, true);
    assertThatThrownBy(() -> InfoNceGradients.of(symmetric, batch))
        .hasMessageContaining("symmetric loss has no extra negatives");
  }

  private static void checkAgainstFiniteDifferences(InfoNceObjective o, EmbeddingBatch batch) {
    InfoNceGradients.Result r = InfoNceGradients.of(o, batch);
    double[][] q = toDouble(batch.queries());
    double[][] d = toDouble(batch.documents());
    double b = q.length;
    assertThat(r.meanLoss()).as(o.describe()).isCloseTo(summedLoss(o, batch, q, d) / b, within(1e-12));
    double h = 1e-6;
    for (double[][] side : new double[][][] {q, d}) {
      double[][] analytic = side == q ? r.query() : r.document();
      for (int row = 0; row < side.length; row++) {
        for (int k = 0; k < side[row].length; k++) {
          double keep = side[row][k];
          side[row][k] = keep + h;
          double up = summedLoss(o, batch, q, d);
          side[row][k] = keep - h;
          double down = summedLoss(o, batch, q, d);
          side[row][k] = keep;
          double numeric = (up - down) / (2 * h);
          assertThat(analytic[row][k]).as("%s %s row %d dim %d", o.describe(), side == q ? "query" : "document", row, k)
              .isCloseTo(numeric, within(1e-6 * (1 + Math.abs(numeric))));
        }
      }
    }
  }

  /** Σ ℓ (symmetric: ½ (Σ ℓ→ + Σ ℓ←)) from the definition, on double rows; the mask is the batch's. */
  static double summedLoss(InfoNceObjective o, EmbeddingBatch batch, double[][] q, double[][] d) {
    double[][] qs = scaled(q, o.alphaQuery());
    double[][] ds = scaled(d, o.alphaDocument());
    double[][] logits = new double[q.length][d.length];
    for (int i = 0; i < q.length; i++) {
      for (int j = 0; j < d.length; j++) {
        logits[i][j] = InfoNceGradients.dot(qs[i], ds[j]) / o.temperature();
      }
    }
    double forward = anchorLosses(batch, logits, false);
    return o.symmetric() ? (forward + anchorLosses(batch, logits, true)) / 2 : forward;
  }

  /** Σ over anchors of log Σ exp(logits of the anchor's row) − its diagonal logit; transposed: columns as anchors. */
  private static double anchorLosses(EmbeddingBatch batch, double[][] logits, boolean transposed) {
    int anchors = transposed ? logits[0].length : logits.length;
    int others = transposed ? logits.length : logits[0].length;
    double total = 0;
    for (int a = 0; a < anchors; a++) {
      double sum = 0;
      for (int o = 0; o < others; o++) {
        int i = transposed ? o : a;
        int j = transposed ? a : o;
        sum += batch.isExcluded(i, j) ? 0 : Math.exp(logits[i][j]);
      }
      total += Math.log(sum) - logits[a][a];
    }
    return total;
  }

  private static double[][] scaled(double[][] rows, double alpha) {
    double[][] out = new double[rows.length][];
    for (int r = 0; r < rows.length; r++) {
      double norm = Math.sqrt(InfoNceGradients.dot(rows[r], rows[r]));
      double divisor = Math.pow(norm, alpha);
      out[r] = new double[rows[r].length];
      for (int k = 0; k < rows[r].length; k++) {
        out[r][k] = rows[r][k] / divisor;
      }
    }
    return out;
  }

  /** Gaussian rows with norms spread over about 0.5..3; with {@code exclusions} a few off-diagonal cells excluded. */
  static EmbeddingBatch randomBatch(Random random, int b, int extra, int e, boolean exclusions) {
    float[][] q = new float[b][e];
    float[][] d = new float[b + extra][e];
    for (float[][] side : new float[][][] {q, d}) {
      for (float[] row : side) {
        double scale = 0.5 + 2.5 * random.nextDouble();
        for (int k = 0; k < e; k++) {
          row[k] = (float) (scale * random.nextGaussian() / Math.sqrt(e));
        }
      }
    }
    boolean[][] excluded = null;
    if (exclusions) {
      excluded = new boolean[b][b + extra];
      excluded[0][1] = true;
      excluded[2][b + extra - 1] = true;
      excluded[b - 1][0] = true;
    }
    return new EmbeddingBatch(q, d, excluded);
  }

  static double[][] toDouble(float[][] rows) {
    double[][] out = new double[rows.length][];
    for (int r = 0; r < rows.length; r++) {
      out[r] = toDouble(rows[r]);
    }
    return out;
  }

  static double[] toDouble(float[] row) {
    double[] out = new double[row.length];
    for (int k = 0; k < row.length; k++) {
      out[k] = row[k];
    }
    return out;
  }
}
