package dev.magnitude.core.diagnostic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Condition number, floor, rank and effective rank of given spectra, and the second moment they come from. */
class SpectrumTest {

  @Test
  void conditionNumberRankAndEffectiveRankByHand() {
    // κ = 4/1; p = (0.8, 0.2): H = −(0.8 ln 0.8 + 0.2 ln 0.2) = 0.500402, exp(H) = 1.649385
    Spectrum s = Spectrum.ofEigenvalues(new double[] {4, 1});
    assertThat(s.conditionNumber()).isEqualTo(4.0);
    assertThat(s.rank()).isEqualTo(2);
    assertThat(s.rankDeficient()).isFalse();
    assertThat(s.effectiveRank()).isCloseTo(1.649385, within(1e-6));
    assertThat(s.floor()).isEqualTo(4e-9);
  }

  @Test
  void eigenvaluesBelowTheFloorClampToIt() {
    // 1e-12 and a rounding negative are below 1e-9 · λ_max: κ = 1 / 1e-9 exactly
    for (double smallest : new double[] {1e-12, 0, -3e-17}) {
      Spectrum s = Spectrum.ofEigenvalues(new double[] {1, 0.5, smallest});
      assertThat(s.conditionNumber()).isEqualTo(Spectrum.MAX_CONDITION_NUMBER);
      assertThat(s.rank()).isEqualTo(2);
      assertThat(s.rankDeficient()).isTrue();
      assertThat(s.describe()).startsWith("κ≥1e+09 rank 2/3");
    }
    // just above the floor it is the ratio itself
    assertThat(Spectrum.ofEigenvalues(new double[] {1, 2e-9}).conditionNumber()).isCloseTo(5e8, within(1e-3));
  }

  @Test
  void kappaIsFormattedToThreeSignificantDigits() {
    assertThat(Spectrum.ofEigenvalues(new double[] {10, 1}).formatKappa()).isEqualTo("=10");
    assertThat(Spectrum.ofEigenvalues(new double[] {42.54, 1}).formatKappa()).isEqualTo("=42.5");
    assertThat(Spectrum.ofEigenvalues(new double[] {1.2e10, 1}).formatKappa()).isEqualTo("≥1e+09");
    assertThat(Spectrum.ofEigenvalues(new double[] {1.5e5, 1}).formatKappa()).isEqualTo("=1.5e+05");
    assertThat(Spectrum.ofEigenvalues(new double[] {2e8, 1}).formatKappa()).isEqualTo("=2e+08");
  }

  @Test
  void theZeroMatrixHasNoConditionNumber() {
    Spectrum s = Spectrum.ofEigenvalues(new double[] {0, 0});
    assertThat(s.conditionNumber()).isNaN();
    assertThat(s.rank()).isZero();
    assertThat(s.effectiveRank()).isZero();
    assertThat(s.describe()).contains("no gradient");
  }

  @Test
  void refusesUnsortedOrNonFiniteEigenvalues() {
    assertThatThrownBy(() -> Spectrum.ofEigenvalues(new double[] {1, 2})).hasMessageContaining("sorted descending");
    assertThatThrownBy(() -> Spectrum.ofEigenvalues(new double[] {Double.NaN})).hasMessageContaining("finite");
  }

  @Test
  void theSecondMomentIsTheMeanOuterProductInFourRowBlocksAndTheRest() {
    Random random = new Random(9);
    double[][] rows = new double[7][5]; // one block of four, three single rows
    for (double[] row : rows) {
      for (int k = 0; k < 5; k++) {
        row[k] = random.nextGaussian();
      }
    }
    SecondMoment m = new SecondMoment(5);
    m.add(rows);
    m.add(new double[][] {rows[0]});
    double[][] f = m.matrix();
    for (int a = 0; a < 5; a++) {
      for (int b = 0; b < 5; b++) {
        double expected = rows[0][a] * rows[0][b];
        for (double[] row : rows) {
          expected += row[a] * row[b];
        }
        assertThat(f[a][b]).isCloseTo(expected / 8, within(1e-14));
      }
    }
    assertThat(m.count()).isEqualTo(8);
    assertThat(new SecondMoment(2).matrix()[0]).containsExactly(0, 0);
  }
}
