package dev.magnitude.worker.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.magnitude.core.run.Variant;
import dev.magnitude.worker.ForcedGc;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class InfoNceLossTest {
  private NDManager manager;

  @BeforeEach
  void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void close() {
    manager.close();
  }

  // Toy batch: q0 = (3, 4), q1 = (0, 2); d0 = (2, 0), d1 = (1, 1).
  // With two columns the per-row loss has a closed form: −log(e^a / (e^a + e^b)) = log(1 + e^(b − a)),
  // a = the positive's logit, b = the negative's.
  private static final float[][] Q = {{3, 4}, {0, 2}};
  private static final float[][] D = {{2, 0}, {1, 1}};

  private static double twoColumn(double positive, double negative) {
    return Math.log1p(Math.exp(negative - positive));
  }

  @Test
  void dotUsesRawVectors() {
    // logits: row 0 = (3·2, 3+4) = (6, 7); row 1 = (0, 2); targets on the diagonal.
    double expected = (twoColumn(6, 7) + twoColumn(2, 0)) / 2;
    assertThat(expected).isCloseTo(0.7200948492805977, within(1e-12));
    assertThat(loss(Variant.DOT, 1.0, Q, D, null)).isCloseTo(expected, within(1e-5));
  }

  @Test
  void queryNormNormalizesQueriesOnly() {
    // q̂0 = (0.6, 0.8), q̂1 = (0, 1): row 0 = (1.2, 1.4), row 1 = (0, 1).
    double expected = (twoColumn(1.2, 1.4) + twoColumn(1, 0)) / 2;
    assertThat(expected).isCloseTo(0.5557002784499073, within(1e-12));
    assertThat(loss(Variant.QUERY_NORM, 1.0, Q, D, null)).isCloseTo(expected, within(1e-5));
  }

  @Test
  void docNormNormalizesDocumentsOnly() {
    // d̂0 = (1, 0), d̂1 = (1, 1)/√2: row 0 = (3, 7/√2), row 1 = (0, 2/√2).
    double r = Math.sqrt(2);
    double expected = (twoColumn(3, 7 / r) + twoColumn(2 / r, 0)) / 2;
    assertThat(loss(Variant.DOC_NORM, 1.0, Q, D, null)).isCloseTo(expected, within(1e-5));
  }

  @Test
  void cosineNormalizesBothAndTemperatureScales() {
    // row 0 = (0.6, 1.4/√2), row 1 = (0, 1/√2); τ = 0.5 doubles every logit.
    double r = Math.sqrt(2);
    double expected = (twoColumn(1.2, 2.8 / r) + twoColumn(2 / r, 0)) / 2;
    assertThat(loss(Variant.COSINE, 0.5, Q, D, null)).isCloseTo(expected, within(1e-5));
  }

  @Test
  void excludedColumnIsNotANegative() {
    // Three pairs, dot, τ = 1. q = e0, e1, e0 + e1; d = 2e0, e1, e0.
    // Row 0 logits (2, 0, 1); column 2 (say the same document as row 0's positive) is excluded, so
    // row 0 sees only (2, 0): log(1 + e^−2). Rows 1 and 2 are unmasked: row 1 logits (0, 1, 0), target
    // 1 → −log(e/(e + 2)); row 2 logits (2, 1, 1), target column 2 → −log(e/(e^2 + 2e)).
    float[][] q = {{1, 0}, {0, 1}, {1, 1}};
    float[][] d = {{2, 0}, {0, 1}, {1, 0}};
    boolean[][] excluded = {{false, false, true}, {false, false, false}, {false, false, false}};
    double e = Math.E;
    double row0 = Math.log1p(Math.exp(-2));
    double row1 = -Math.log(e / (e + 2));
    double row2 = -Math.log(e / (e * e + 2 * e));
    double expected = (row0 + row1 + row2) / 3;
    assertThat(loss(Variant.DOT, 1.0, q, d, excluded)).isCloseTo(expected, within(1e-5));
    // Without the mask row 0 would also count column 2: −log(e^2/(e^2 + 1 + e)).
    double unmasked = (-Math.log(e * e / (e * e + 1 + e)) + row1 + row2) / 3;
    assertThat(loss(Variant.DOT, 1.0, q, d, null)).isCloseTo(unmasked, within(1e-5));
  }

  @Test
  void symmetricAveragesBothDirectionsOfOneSimilarityMatrix() {
    // dot logits L = ((6, 7), (0, 2)); the transposed direction reads Lᵀ = ((6, 0), (7, 2)):
    // row 0 positive 6 vs 0, row 1 positive 2 vs 7.
    double forward = (twoColumn(6, 7) + twoColumn(2, 0)) / 2;
    double backward = (twoColumn(6, 0) + twoColumn(2, 7)) / 2;
    double loss = new InfoNceLoss(Variant.DOT, 1.0, true).loss(manager.create(Q), manager.create(D), null).getFloat();
    assertThat(loss).isCloseTo((forward + backward) / 2, within(1e-5));
  }

  /**
   * The symmetric loss equals the mean of the one-directional loss and the one-directional loss with the
   * sides swapped: documents as queries, the mask transposed, and the variant mirrored (query-norm on the
   * swapped sides normalizes what was the document side, so it becomes doc-norm).
   */
  @ParameterizedTest
  @EnumSource(value = Variant.class, names = "LEARNED", mode = EnumSource.Mode.EXCLUDE) // learned: LearnedLossTest
  void symmetricEqualsTheMeanOfBothDirectionsOnRandomBatches(Variant variant) {
    Random random = new Random(variant.ordinal() + 29);
    Variant mirrored = switch (variant) {
      case QUERY_NORM -> Variant.DOC_NORM;
      case DOC_NORM -> Variant.QUERY_NORM;
      default -> variant;
    };
    for (int trial = 0; trial < 5; trial++) {
      int b = 2 + random.nextInt(6);
      float[][] q = randomMatrix(random, b, 3);
      float[][] d = randomMatrix(random, b, 3);
      boolean[][] excluded = new boolean[b][b];
      boolean[][] transposed = new boolean[b][b];
      for (int i = 0; i < b; i++) {
        for (int j = 0; j < b; j++) {
          excluded[i][j] = i != j && random.nextInt(4) == 0;
          transposed[j][i] = excluded[i][j];
        }
      }
      double expected = (loss(variant, 0.5, q, d, excluded) + loss(mirrored, 0.5, d, q, transposed)) / 2;
      double symmetric = new InfoNceLoss(variant, 0.5, true)
          .loss(manager.create(q), manager.create(d), manager.create(excluded)).getFloat();
      assertThat(symmetric).as("%s trial %d", variant, trial).isCloseTo(expected, within(1e-4));
    }
  }

  @ParameterizedTest
  @EnumSource(value = Variant.class, names = "LEARNED", mode = EnumSource.Mode.EXCLUDE) // learned: LearnedLossTest
  void matchesPlainJavaOnRandomBatches(Variant variant) {
    Random random = new Random(variant.ordinal() + 11);
    for (int trial = 0; trial < 5; trial++) {
      int b = 2 + random.nextInt(6);
      int e = 1 + random.nextInt(5);
      float[][] q = randomMatrix(random, b, e);
      float[][] d = randomMatrix(random, b, e);
      boolean[][] excluded = new boolean[b][b];
      for (int i = 0; i < b; i++) {
        for (int j = 0; j < b; j++) {
          excluded[i][j] = i != j && random.nextInt(4) == 0;
        }
      }
      double tau = 0.05 + random.nextDouble();
      assertThat(loss(variant, tau, q, d, excluded))
          .as("variant %s, B = %d, E = %d", variant, b, e)
          .isCloseTo(referenceLoss(variant, tau, q, d, excluded), within(1e-4));
    }
  }

  @Test
  void normalizedSideGetsGradientsOrthogonalToItsRows() {
    // Normalization makes the loss invariant to each row's scale, so ∂loss/∂q_i ⟂ q_i for query-norm,
    // while dot has no such constraint.
    Random random = new Random(5);
    float[][] q = randomMatrix(random, 4, 3);
    float[][] d = randomMatrix(random, 4, 3);
    assertThat(gradientDotRow(Variant.QUERY_NORM, q, d)).containsExactly(new double[4], within(1e-5));
    assertThat(Arrays.stream(gradientDotRow(Variant.DOT, q, d)).map(Math::abs).max().getAsDouble())
        .isGreaterThan(1e-3);
  }

  @ParameterizedTest
  @EnumSource(value = Variant.class, names = "LEARNED", mode = EnumSource.Mode.EXCLUDE) // learned: LearnedLossTest
  void gradientDoesNotDependOnAGarbageCollectionBeforeBackward(Variant variant) {
    // The loss's constants (τ, the norm floor) are saved by autograd for backward. Were they Java
    // numbers (div(Number) and the like wrap them in a tensor over a direct ByteBuffer and close it at
    // once), a GC between forward and backward would free that memory and backward would read garbage:
    // huge, zero or NaN gradients with a perfectly normal loss.
    Random random = new Random(variant.ordinal() + 3);
    float[][] q = randomMatrix(random, 6, 4);
    float[][] d = randomMatrix(random, 6, 4);
    float[][] reference = gradients(variant, q, d, false);
    float[][] afterGc = gradients(variant, q, d, true);
    for (int side = 0; side < 2; side++) {
      for (float g : reference[side]) {
        assertThat(g).isFinite();
      }
      assertThat(afterGc[side]).as("side %d", side).containsExactly(reference[side]);
    }
  }

  @Test
  void zeroRowHasFiniteLossAndGradient() {
    // ‖x‖ is floored before dividing and PyTorch's norm backward is 0 at 0: a zero row embeds as a
    // zero row with a finite (if large: 1/NORM_FLOOR) gradient, not NaN.
    float[][] q = {{0, 0}, {0, 2}};
    float[][] d = {{2, 0}, {1, 1}};
    float[][] g = gradients(Variant.COSINE, q, d, false);
    for (float[] side : g) {
      for (float v : side) {
        assertThat(v).isFinite();
      }
    }
  }

  /** ∂loss/∂queries and ∂loss/∂documents, optionally with a garbage collection before backward. */
  private float[][] gradients(Variant variant, float[][] q, float[][] d, boolean collectBeforeBackward) {
    try (NDManager scope = manager.newSubManager()) {
      NDArray qa = scope.create(q);
      NDArray da = scope.create(d);
      qa.setRequiresGradient(true);
      da.setRequiresGradient(true);
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        NDArray value = new InfoNceLoss(variant, 0.05).loss(qa, da, null);
        assertThat(value.getFloat()).isFinite();
        if (collectBeforeBackward) {
          ForcedGc.collect();
        }
        collector.backward(value);
      }
      return new float[][] {qa.getGradient().toFloatArray(), da.getGradient().toFloatArray()};
    }
  }

  /** Hard negatives: documents has B + X rows, the first B the positives; a plain-Java softmax over B + X columns. */
  @ParameterizedTest
  @EnumSource(value = Variant.class, names = "LEARNED", mode = EnumSource.Mode.EXCLUDE) // learned: LearnedLossTest
  void extraDocumentColumnsMatchPlainJava(Variant variant) {
    Random random = new Random(variant.ordinal() + 31);
    for (int trial = 0; trial < 5; trial++) {
      int b = 2 + random.nextInt(5);
      int x = 1 + random.nextInt(2 * b);
      int e = 1 + random.nextInt(5);
      float[][] q = randomMatrix(random, b, e);
      float[][] d = randomMatrix(random, b + x, e);
      boolean[][] excluded = new boolean[b][b + x];
      for (int i = 0; i < b; i++) {
        for (int j = 0; j < b + x; j++) {
          excluded[i][j] = i != j && random.nextInt(4) == 0;
        }
      }
      double tau = 0.05 + random.nextDouble();
      assertThat(loss(variant, tau, q, d, excluded))
          .as("variant %s, B = %d, X = %d, E = %d", variant, b, x, e)
          .isCloseTo(referenceLoss(variant, tau, q, d, excluded), within(1e-4));
      assertThat(loss(variant, tau, q, d, null)).isCloseTo(referenceLoss(variant, tau, q, d, null), within(1e-4));
    }
  }

  /** By hand: an extra column adds its exp to the denominator, and an excluded one adds nothing. */
  @Test
  void anExtraColumnIsOneMoreNegative() {
    // q0 = (1, 0), q1 = (0, 1); d0 = (1, 0), d1 = (0, 1), extra d2 = (2, 0). Dot, τ = 1.
    // Row 0 logits (1, 0, 2): −log(e / (e + 1 + e²)). Row 1 logits (0, 1, 0): −log(e / (1 + e + 1)).
    float[][] q = {{1, 0}, {0, 1}};
    float[][] d = {{1, 0}, {0, 1}, {2, 0}};
    double e = Math.E;
    double row0 = -Math.log(e / (e + 1 + e * e));
    double row1 = -Math.log(e / (2 + e));
    assertThat(loss(Variant.DOT, 1, q, d, null)).isCloseTo((row0 + row1) / 2, within(1e-5));
    // Excluding the extra column for row 0 leaves it the two-column loss.
    boolean[][] excluded = {{false, false, true}, {false, false, false}};
    assertThat(loss(Variant.DOT, 1, q, d, excluded))
        .isCloseTo((twoColumn(1, 0) + row1) / 2, within(1e-5));
  }

  @Test
  void rejectsMismatchedShapes() {
    InfoNceLoss loss = new InfoNceLoss(Variant.DOT, 1);
    NDArray q = manager.ones(new Shape(2, 3));
    NDArray d = manager.ones(new Shape(2, 4));
    assertThatThrownBy(() -> loss.loss(q, d, null)).hasMessageContaining("(B, E)");
    assertThatThrownBy(() -> loss.loss(q, manager.ones(new Shape(1, 3)), null)).hasMessageContaining("X >= 0");
    assertThatThrownBy(() -> new InfoNceLoss(Variant.DOT, 1, true).loss(q, manager.ones(new Shape(3, 3)), null))
        .hasMessageContaining("X = 0 for the symmetric loss");
    assertThatThrownBy(() -> loss.loss(q, manager.ones(new Shape(3, 3)), manager.create(new boolean[2][2])))
        .hasMessageContaining("must be (B, B + X) = (2, 3)");
    assertThatThrownBy(() -> new InfoNceLoss(Variant.DOT, 0)).hasMessageContaining("temperature = 0.0");
  }

  private double loss(Variant variant, double tau, float[][] q, float[][] d, boolean[][] excluded) {
    NDArray mask = excluded == null ? null : manager.create(excluded);
    return new InfoNceLoss(variant, tau).loss(manager.create(q), manager.create(d), mask).getFloat();
  }

  private double[] gradientDotRow(Variant variant, float[][] q, float[][] d) {
    try (NDManager scope = manager.newSubManager()) {
      NDArray qa = scope.create(q);
      qa.setRequiresGradient(true);
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        collector.backward(new InfoNceLoss(variant, 0.5).loss(qa, scope.create(d), null));
      }
      float[] g = qa.getGradient().toFloatArray();
      double[] dots = new double[q.length];
      for (int i = 0; i < q.length; i++) {
        for (int k = 0; k < q[i].length; k++) {
          dots[i] += g[i * q[i].length + k] * q[i][k];
        }
      }
      return dots;
    }
  }

  /** Second route: the same loss in plain double arithmetic. */
  static double referenceLoss(Variant variant, double tau, float[][] q, float[][] d, boolean[][] excluded) {
    int b = q.length;
    double total = 0;
    for (int i = 0; i < b; i++) {
      double[] logits = new double[d.length];
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < d.length; j++) {
        if (excluded != null && excluded[i][j]) {
          logits[j] = Double.NEGATIVE_INFINITY;
          continue;
        }
        double dot = 0;
        for (int k = 0; k < q[i].length; k++) {
          dot += q[i][k] * d[j][k];
        }
        if (variant.normalizesQuery()) {
          dot /= norm(q[i]);
        }
        if (variant.normalizesDocument()) {
          dot /= norm(d[j]);
        }
        logits[j] = dot / tau;
        max = Math.max(max, logits[j]);
      }
      double sum = 0;
      for (double l : logits) {
        sum += Math.exp(l - max);
      }
      total += -(logits[i] - max - Math.log(sum));
    }
    return total / b;
  }

  private static double norm(float[] x) {
    double s = 0;
    for (float v : x) {
      s += (double) v * v;
    }
    return Math.sqrt(s);
  }

  private static float[][] randomMatrix(Random random, int rows, int cols) {
    float[][] m = new float[rows][cols];
    for (float[] row : m) {
      for (int k = 0; k < cols; k++) {
        row[k] = (float) (random.nextGaussian() * 2);
      }
    }
    return m;
  }
}
