package dev.magnitude.worker.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.magnitude.core.diagnostic.EmbeddingBatch;
import dev.magnitude.core.diagnostic.InfoNceGradients;
import dev.magnitude.core.diagnostic.InfoNceObjective;
import dev.magnitude.core.run.Variant;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The Fisher diagnostic's closed-form row gradients (core, {@link InfoNceGradients}) against PyTorch's
 * autograd of the loss the worker trains with ({@link InfoNceLoss}): the gradient of the worker's mean loss
 * times B is the gradient of the summed loss the diagnostic takes.
 */
class FisherGradientsAutogradTest {
  private static final double THETA_QUERY = -0.8; // α_q = sigmoid(−0.8) ≈ 0.31
  private static final double THETA_DOCUMENT = 1.1; // α_d ≈ 0.75

  private NDManager manager;

  @BeforeEach
  void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void close() {
    manager.close();
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void withHardNegativesAndExclusions(Variant variant) {
    compare(variant, false, 6, 3, new Random(21));
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void symmetric(Variant variant) {
    compare(variant, true, 6, 0, new Random(22));
  }

  private void compare(Variant variant, boolean symmetric, int b, int extra, Random random) {
    int e = 8;
    float[][] q = rows(random, b, e);
    float[][] d = rows(random, b + extra, e);
    boolean[][] excluded = new boolean[b][b + extra];
    excluded[0][2] = true;
    excluded[3][b + extra - 1] = true;
    excluded[5][1] = true;
    double tau = variant == Variant.COSINE ? 0.05 : 0.7;
    InfoNceObjective.Builder objective = InfoNceObjective.builder().setVariant(variant).setTemperature(tau)
        .optSymmetric(symmetric);
    if (variant.isLearned()) {
      objective.optLearnedAlphas(sigmoid(THETA_QUERY), sigmoid(THETA_DOCUMENT));
    }
    InfoNceGradients.Result closedForm = InfoNceGradients.of(objective.build(), new EmbeddingBatch(q, d, excluded));

    try (NDManager scope = manager.newSubManager()) {
      NDArray qa = scope.create(q);
      NDArray da = scope.create(d);
      qa.setRequiresGradient(true);
      da.setRequiresGradient(true);
      InfoNceLoss.Scalars scalars = variant.isLearned()
          ? new InfoNceLoss.Scalars(scope.create(new float[] {(float) THETA_QUERY}),
              scope.create(new float[] {(float) THETA_DOCUMENT}), null)
          : InfoNceLoss.Scalars.NONE;
      float loss;
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        NDArray value = new InfoNceLoss(variant, tau, symmetric).loss(qa, da, scope.create(excluded), scalars);
        loss = value.getFloat();
        collector.backward(value);
      }
      assertThat(closedForm.meanLoss()).as("loss").isCloseTo(loss, within(1e-5 * (1 + Math.abs(loss))));
      assertClose(closedForm.query(), qa.getGradient().toFloatArray(), b, variant + " query");
      assertClose(closedForm.document(), da.getGradient().toFloatArray(), b, variant + " document");
    }
  }

  /** closed form (rows) vs B × autograd of the mean loss (flat, row-major). */
  private static void assertClose(double[][] closedForm, float[] autograd, int b, String what) {
    double largest = 0;
    for (float g : autograd) {
      largest = Math.max(largest, Math.abs(g) * b);
    }
    assertThat(largest).as("a gradient worth comparing").isGreaterThan(1e-2);
    int e = closedForm[0].length;
    for (int r = 0; r < closedForm.length; r++) {
      for (int k = 0; k < e; k++) {
        assertThat(closedForm[r][k]).as("%s row %d dim %d", what, r, k)
            .isCloseTo(b * (double) autograd[r * e + k], within(2e-5 * largest));
      }
    }
  }

  private static float[][] rows(Random random, int n, int e) {
    float[][] out = new float[n][e];
    for (float[] row : out) {
      double scale = 0.5 + 2 * random.nextDouble();
      for (int k = 0; k < e; k++) {
        row[k] = (float) (scale * random.nextGaussian() / Math.sqrt(e));
      }
    }
    return out;
  }

  private static double sigmoid(double theta) {
    return 1 / (1 + Math.exp(-(float) theta));
  }
}
