package dev.magnitude.worker.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import dev.magnitude.core.run.LearnedNormalization;
import dev.magnitude.core.run.LogitScale;
import dev.magnitude.core.run.TrainingSpec;
import dev.magnitude.core.run.Variant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Variant learned (each side divided by ‖x‖^α, α = sigmoid(θ)) and the learnable logit scale, against the
 * fixed variants at the ends of α and against a second route in plain double arithmetic.
 */
class LearnedLossTest {
  private NDManager manager;

  @BeforeEach
  void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void close() {
    manager.close();
  }

  private static final Random RANDOM = new Random(11);
  private static final float[][] Q = randomMatrix(RANDOM, 5, 3);
  private static final float[][] D = randomMatrix(RANDOM, 5, 3);

  private static double logit(double alpha) {
    return Math.log(alpha / (1 - alpha));
  }

  private NDArray scalar(double value) {
    return manager.create(new float[] {(float) value});
  }

  private double learned(double thetaQuery, double thetaDocument, Double logScale, double tau, boolean symmetric) {
    InfoNceLoss.Scalars s = new InfoNceLoss.Scalars(scalar(thetaQuery), scalar(thetaDocument),
        logScale == null ? null : scalar(logScale));
    return new InfoNceLoss(Variant.LEARNED, tau, symmetric).loss(manager.create(Q), manager.create(D), null, s).getFloat();
  }

  private double fixed(Variant variant, double tau, boolean symmetric) {
    return new InfoNceLoss(variant, tau, symmetric).loss(manager.create(Q), manager.create(D), null).getFloat();
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void alphaOneIsCosineAndAlphaZeroIsDot(boolean symmetric) {
    // θ = ±30: sigmoid is 1 in float32, and 1e-13 (‖x‖^1e-13 = 1 to float precision)
    assertThat(LossScalars.sigmoid(30)).isEqualTo(1.0, within(1e-12));
    assertThat(learned(30, 30, null, 0.1, symmetric)).isCloseTo(fixed(Variant.COSINE, 0.1, symmetric), within(1e-5));
    assertThat(learned(-30, -30, null, 1.0, symmetric)).isCloseTo(fixed(Variant.DOT, 1.0, symmetric), within(1e-5));
    assertThat(learned(30, -30, null, 0.5, symmetric)).isCloseTo(fixed(Variant.QUERY_NORM, 0.5, symmetric), within(1e-5));
    assertThat(learned(-30, 30, null, 0.5, symmetric)).isCloseTo(fixed(Variant.DOC_NORM, 0.5, symmetric), within(1e-5));
    // and in between it is neither
    assertThat(learned(0, 0, null, 1.0, symmetric)).isNotCloseTo(fixed(Variant.DOT, 1.0, symmetric), within(1e-3));
  }

  @Test
  void partialAlphasMatchASecondRoute() {
    double expected = reference(0.3, 0.7, 1 / 0.5, false);
    assertThat(learned(logit(0.3), logit(0.7), null, 0.5, false)).isCloseTo(expected, within(1e-5));
    double symmetric = reference(0.3, 0.7, 1 / 0.5, true);
    assertThat(symmetric).isNotCloseTo(expected, within(1e-3));
    assertThat(learned(logit(0.3), logit(0.7), null, 0.5, true)).isCloseTo(symmetric, within(1e-5));
  }

  @Test
  void aLearnableLogitScaleAtLogOneOverTauIsTheFixedTemperature() {
    assertThat(learned(logit(0.3), logit(0.7), Math.log(1 / 0.5), 123, false))
        .isCloseTo(learned(logit(0.3), logit(0.7), null, 0.5, false), within(1e-5));
    assertThat(learned(logit(0.4), logit(0.6), Math.log(7), 1, false)).isCloseTo(reference(0.4, 0.6, 7, false), within(1e-5));
    InfoNceLoss.Scalars scale = new InfoNceLoss.Scalars(null, null, scalar(Math.log(20)));
    assertThat((double) new InfoNceLoss(Variant.COSINE, 99).loss(manager.create(Q), manager.create(D), null, scale).getFloat())
        .isCloseTo(fixed(Variant.COSINE, 0.05, false), within(1e-4));
  }

  @Test
  void gradientsOfThetaAndTMatchFiniteDifferences() {
    double thetaQ = logit(0.3);
    double thetaD = logit(0.7);
    double t = Math.log(3);
    for (boolean symmetric : new boolean[] {false, true}) {
      float[] g = autogradScalars(thetaQ, thetaD, t, symmetric);
      double h = 1e-4;
      double dThetaQ = (referenceTheta(thetaQ + h, thetaD, t, symmetric) - referenceTheta(thetaQ - h, thetaD, t, symmetric)) / (2 * h);
      double dThetaD = (referenceTheta(thetaQ, thetaD + h, t, symmetric) - referenceTheta(thetaQ, thetaD - h, t, symmetric)) / (2 * h);
      double dT = (referenceTheta(thetaQ, thetaD, t + h, symmetric) - referenceTheta(thetaQ, thetaD, t - h, symmetric)) / (2 * h);
      assertThat(Math.abs(dThetaQ)).as("a gradient worth checking").isGreaterThan(1e-3);
      assertThat(Math.abs(dThetaD)).isGreaterThan(1e-3);
      assertThat((double) g[0]).as("∂/∂θ_q, symmetric %s", symmetric).isCloseTo(dThetaQ, within(2e-4 + 1e-3 * Math.abs(dThetaQ)));
      assertThat((double) g[1]).as("∂/∂θ_d, symmetric %s", symmetric).isCloseTo(dThetaD, within(2e-4 + 1e-3 * Math.abs(dThetaD)));
      assertThat((double) g[2]).as("∂/∂t, symmetric %s", symmetric).isCloseTo(dT, within(2e-4 + 1e-3 * Math.abs(dT)));
    }
  }

  /** ∂loss/∂(θ_q, θ_d, t) by autograd. */
  private float[] autogradScalars(double thetaQ, double thetaD, double t, boolean symmetric) {
    try (NDManager scope = manager.newSubManager()) {
      NDArray[] scalars = {scope.create(new float[] {(float) thetaQ}), scope.create(new float[] {(float) thetaD}),
          scope.create(new float[] {(float) t})};
      for (NDArray s : scalars) {
        s.setRequiresGradient(true);
      }
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        NDArray value = new InfoNceLoss(Variant.LEARNED, 1, symmetric)
            .loss(scope.create(Q), scope.create(D), null, new InfoNceLoss.Scalars(scalars[0], scalars[1], scalars[2]));
        collector.backward(value);
      }
      return new float[] {scalars[0].getGradient().getFloat(), scalars[1].getGradient().getFloat(),
          scalars[2].getGradient().getFloat()};
    }
  }

  @Test
  void theLossRefusesScalarsThatDoNotFitTheVariant() {
    NDArray q = manager.create(Q);
    NDArray d = manager.create(D);
    assertThatThrownBy(() -> new InfoNceLoss(Variant.LEARNED, 1).loss(q, d, null))
        .hasMessageContaining("variant learned needs θ_query and θ_document");
    InfoNceLoss.Scalars thetas = new InfoNceLoss.Scalars(scalar(0), scalar(0), null);
    assertThatThrownBy(() -> new InfoNceLoss(Variant.DOT, 1).loss(q, d, null, thetas))
        .hasMessageContaining("variant dot has fixed normalization");
  }

  @Test
  void scalarsStartAtTheirInitialValuesAndTheLogitScaleIsClampedToItsMax() {
    TrainingSpec training = new TrainingSpec(10, 4, 1e-3, 0, 0.05, 5, 0, 1)
        .withLearned(new LearnedNormalization(0.25))
        .withLogitScale(new LogitScale(25));
    LossScalars scalars = LossScalars.of(Variant.LEARNED, training);
    Block block = scalars.wrap(Linear.builder().setUnits(2).build());
    block.initialize(manager, DataType.FLOAT32, new Shape(1, 3));
    List<String> names = new ArrayList<>();
    for (Pair<String, Parameter> p : block.getParameters()) {
      names.add(p.getKey());
    }
    assertThat(names).contains(LossScalars.THETA_QUERY, LossScalars.THETA_DOCUMENT, LossScalars.LOG_LOGIT_SCALE);
    assertThat(scalars.alphaQuery()).isCloseTo(0.25, within(1e-6));
    assertThat(scalars.alphaDocument()).isCloseTo(0.25, within(1e-6));
    assertThat(scalars.logitScale()).isCloseTo(20, within(1e-4));

    NDArray t = scalars.values().logLogitScale();
    t.set(new float[] {(float) Math.log(24)});
    scalars.clamp();
    assertThat(scalars.logitScale()).as("below max: unchanged").isCloseTo(24, within(1e-4));
    t.set(new float[] {(float) Math.log(60)});
    assertThat(scalars.logitScale()).isCloseTo(60, within(1e-3));
    scalars.clamp();
    assertThat(scalars.logitScale()).as("clamped").isCloseTo(25, within(1e-4));
    assertThat(scalars.trained(7).logitScale()).isCloseTo(25, within(1e-4));
    assertThat(scalars.trained(7).alphaQuery()).isCloseTo(0.25, within(1e-6));

    // a fixed variant with a fixed temperature trains no scalar, and its block is the encoders' own
    LossScalars none = LossScalars.of(Variant.DOT, new TrainingSpec(10, 4, 1e-3, 0, 0.5, 5, 0, 1));
    Block encoders = Linear.builder().setUnits(2).build();
    assertThat(none.isEmpty()).isTrue();
    assertThat(none.wrap(encoders)).isSameAs(encoders);
    assertThat(none.logitScale()).isEqualTo(2.0);
    assertThat(none.alphaQuery()).isNull();
  }

  /** The loss at (θ_q, θ_d, t) by the second route. */
  private static double referenceTheta(double thetaQ, double thetaD, double t, boolean symmetric) {
    return reference(LossScalars.sigmoid(thetaQ), LossScalars.sigmoid(thetaD), Math.exp(t), symmetric);
  }

  /** Second route: q_i/‖q_i‖^αq · d_j/‖d_j‖^αd · scale, InfoNCE in plain double arithmetic. */
  static double reference(double alphaQ, double alphaD, double scale, boolean symmetric) {
    int b = Q.length;
    double[][] logits = new double[b][b];
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < b; j++) {
        double dot = 0;
        for (int k = 0; k < Q[i].length; k++) {
          dot += (double) Q[i][k] * D[j][k];
        }
        logits[i][j] = dot / Math.pow(norm(Q[i]), alphaQ) / Math.pow(norm(D[j]), alphaD) * scale;
      }
    }
    double forward = rowLoss(logits);
    if (!symmetric) {
      return forward;
    }
    double[][] transposed = new double[b][b];
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < b; j++) {
        transposed[i][j] = logits[j][i];
      }
    }
    return (forward + rowLoss(transposed)) / 2;
  }

  private static double rowLoss(double[][] logits) {
    double total = 0;
    for (int i = 0; i < logits.length; i++) {
      double sum = 0;
      for (double l : logits[i]) {
        sum += Math.exp(l);
      }
      total += Math.log(sum) - logits[i][i];
    }
    return total / logits.length;
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
