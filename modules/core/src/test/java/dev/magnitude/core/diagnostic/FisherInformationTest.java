package dev.magnitude.core.diagnostic;

import static dev.magnitude.core.diagnostic.InfoNceGradientsTest.SIGMA_1;
import static dev.magnitude.core.diagnostic.InfoNceGradientsTest.SIGMA_2;
import static dev.magnitude.core.diagnostic.InfoNceGradientsTest.objective;
import static dev.magnitude.core.diagnostic.InfoNceGradientsTest.unitPairs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.magnitude.core.run.Variant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The Fisher of hand-worked batches: rank-deficient ones give the floor, isotropic ones κ = 1. */
class FisherInformationTest {

  static FisherInformation.Result fisher(InfoNceObjective objective, List<EmbeddingBatch> batches) {
    FisherInformation f = new FisherInformation(objective, batches.get(0).dimension());
    batches.forEach(f::add);
    return f.result();
  }

  @Test
  void twoOrthogonalPairsUnderDotGiveARankOneFisherAtTheFloor() {
    // Both query gradients are ±(1 − σ)(−1, 1) (InfoNceGradientsTest), so
    // F_q = ½ Σ g gᵀ = (1 − σ)² [[1, −1], [−1, 1]]: eigenvalues 2(1 − σ)² and 0, κ at the floor 1e9, rank 1.
    FisherInformation f = new FisherInformation(objective(Variant.DOT, 1), 2);
    f.add(unitPairs(1));
    double c2 = (1 - SIGMA_1) * (1 - SIGMA_1);
    assertThat(f.matrix(Side.QUERY)[0]).containsExactly(new double[] {c2, -c2}, within(1e-15));
    assertThat(f.matrix(Side.QUERY)[1]).containsExactly(new double[] {-c2, c2}, within(1e-15));
    FisherInformation.Result r = f.result();
    for (Spectrum s : List.of(r.query(), r.document())) {
      assertThat(s.largest()).isCloseTo(2 * c2, within(1e-15));
      assertThat(s.smallest()).isCloseTo(0, within(1e-15));
      assertThat(s.conditionNumber()).isEqualTo(Spectrum.MAX_CONDITION_NUMBER);
      assertThat(s.rank()).isEqualTo(1);
      assertThat(s.rankDeficient()).isTrue();
      assertThat(s.effectiveRank()).isCloseTo(1, within(1e-9));
    }
    assertThat(r.queryRows()).isEqualTo(2);
    assertThat(r.documentRows()).isEqualTo(2);
    assertThat(r.batches()).isEqualTo(1);
  }

  @Test
  void theSameBatchUnderCosineIsIsotropic() {
    // g_q1 = (0, 2(1 − σ₂)), g_q2 = (2(1 − σ₂), 0) (τ = 0.5, InfoNceGradientsTest), so
    // F_q = ½ · 4(1 − σ₂)² I = 2(1 − σ₂)² I: κ = 1, effective rank 2. The projection removes the shared
    // component that made the dot Fisher singular.
    FisherInformation.Result r = fisher(objective(Variant.COSINE, 0.5), List.of(unitPairs(1)));
    double expected = 2 * (1 - SIGMA_2) * (1 - SIGMA_2);
    for (Spectrum s : List.of(r.query(), r.document())) {
      assertThat(s.eigenvalues()).containsExactly(new double[] {expected, expected}, within(1e-15));
      assertThat(s.conditionNumber()).isCloseTo(1, within(1e-12));
      assertThat(s.effectiveRank()).isCloseTo(2, within(1e-12));
    }
  }

  @Test
  void batchesClosedUnderSignedPermutationsGiveKappaOneForEveryVariant() {
    // InfoNCE under any normalization is equivariant under an orthogonal R applied to every row (logits keep,
    // gradients rotate: g → Rg). Over a batch and its images under the 48 signed permutations of R³, the
    // Fisher is the group average of R F₀ Rᵀ = (tr F₀ / 3) I: κ = 1, whatever the batch F₀ is.
    EmbeddingBatch base = InfoNceGradientsTest.randomBatch(new Random(3), 4, 2, 3, true);
    List<EmbeddingBatch> orbit = new ArrayList<>();
    for (int[] p : new int[][] {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}}) {
      for (int signs = 0; signs < 8; signs++) {
        orbit.add(new EmbeddingBatch(transform(base.queries(), p, signs), transform(base.documents(), p, signs),
            base.excluded()));
      }
    }
    for (InfoNceObjective o : InfoNceGradientsTest.allObjectives()) {
      FisherInformation.Result single = fisher(o, List.of(base));
      FisherInformation.Result r = fisher(o, orbit);
      for (Side side : Side.values()) {
        double trace = sum(single.side(side).eigenvalues());
        assertThat(single.side(side).conditionNumber()).as("one batch alone is not isotropic").isGreaterThan(1.01);
        assertThat(r.side(side).eigenvalues()).as("%s %s", o.describe(), side)
            .containsExactly(new double[] {trace / 3, trace / 3, trace / 3}, within(1e-12 * trace));
        assertThat(r.side(side).conditionNumber()).isCloseTo(1, within(1e-9));
      }
    }
  }

  @Test
  void queriesOnOneRayMakeANormalizedQuerySideRankDeficientButNotTheRawOne() {
    // Every query is a multiple of u = (1, 1, 1)/√3. With the query side normalized each g_i ⊥ q̂_i = u, so
    // F_q u = 0: κ at the floor. Raw (dot, doc-norm), g_i lies in the span of document differences, which four
    // generic documents in R³ span: full rank.
    Random random = new Random(4);
    float[][] q = new float[4][3];
    for (int i = 0; i < 4; i++) {
      float norm = 0.5f + i;
      q[i] = new float[] {norm, norm, norm};
    }
    EmbeddingBatch batch = new EmbeddingBatch(q, InfoNceGradientsTest.randomBatch(random, 4, 0, 3, false).documents(), null);
    for (Variant normalized : List.of(Variant.COSINE, Variant.QUERY_NORM)) {
      Spectrum s = fisher(objective(normalized, 0.2), List.of(batch)).query();
      assertThat(s.conditionNumber()).as("%s", normalized).isEqualTo(Spectrum.MAX_CONDITION_NUMBER);
      assertThat(s.rank()).isEqualTo(2);
    }
    for (Variant raw : List.of(Variant.DOT, Variant.DOC_NORM)) {
      Spectrum s = fisher(objective(raw, 1), List.of(batch)).query();
      assertThat(s.rank()).as("%s", raw).isEqualTo(3);
      assertThat(s.conditionNumber()).isLessThan(1e6);
    }
  }

  @Test
  void aSinglePairWithoutNegativesHasNoGradient() {
    EmbeddingBatch one = new EmbeddingBatch(new float[][] {{1, 2}}, new float[][] {{3, 4}}, null);
    FisherInformation.Result r = fisher(objective(Variant.DOT, 1), List.of(one));
    assertThat(r.query().conditionNumber()).isNaN();
    assertThat(r.query().rank()).isZero();
    assertThat(r.meanLoss()).isZero();
  }

  @Test
  void refusesABatchOfAnotherDimensionAndAResultBeforeAnyBatch() {
    FisherInformation f = new FisherInformation(objective(Variant.DOT, 1), 3);
    assertThatThrownBy(f::result).isInstanceOf(IllegalStateException.class).hasMessageContaining("no batch");
    assertThatThrownBy(() -> f.add(unitPairs(1))).hasMessageContaining("E = 2 added to a Fisher of E = 3");
  }

  private static float[][] transform(float[][] rows, int[] permutation, int signs) {
    float[][] out = new float[rows.length][3];
    for (int r = 0; r < rows.length; r++) {
      for (int k = 0; k < 3; k++) {
        out[r][permutation[k]] = ((signs >> k) & 1) == 1 ? -rows[r][k] : rows[r][k];
      }
    }
    return out;
  }

  private static double sum(double[] values) {
    double s = 0;
    for (double v : values) {
      s += v;
    }
    return s;
  }
}
