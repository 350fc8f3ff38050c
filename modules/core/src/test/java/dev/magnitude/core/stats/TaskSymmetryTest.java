package dev.magnitude.core.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.magnitude.core.stats.TaskSymmetry.Kind;
import dev.magnitude.core.stats.TaskSymmetry.Outcome;
import dev.magnitude.core.stats.TaskSymmetry.Verdict;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TaskSymmetryTest {

  // Budget 2^20 ≥ 2^8, so every test below is the exact enumeration.
  private static final PairedRandomizationTest.Settings EXACT = new PairedRandomizationTest.Settings(1 << 20, 1);

  /** 8 queries all scoring v: a constant difference of 8 queries has exact p = 2/2^8 = 0.0078125 < 0.05. */
  private static double[] constant(double v) {
    double[] values = new double[8];
    Arrays.fill(values, v);
    return values;
  }

  private static Verdict judge(String task, Object... variantHeadlineValues) {
    Map<String, Double> headline = new HashMap<>();
    Map<String, double[]> perQuery = new HashMap<>();
    for (int i = 0; i < variantHeadlineValues.length; i += 3) {
      headline.put((String) variantHeadlineValues[i], (Double) variantHeadlineValues[i + 1]);
      perQuery.put((String) variantHeadlineValues[i], (double[]) variantHeadlineValues[i + 2]);
    }
    return TaskSymmetry.judge(task, headline, perQuery, EXACT);
  }

  @Test
  void asymmetricTaskAgreesWhenMagnitudeBeatsCosine() {
    // doc-norm 0.5 > dot 0.4 > cosine 0.3 on every query: winner doc-norm, runner-up dot, lead 0.1 with
    // p = 2/256 = 0.0078125; M = doc-norm beats C by 0.2 with p = 0.0078125 < 0.05 → agrees.
    Verdict v = judge("retrieval",
        "cosine", 0.3, constant(0.3), "doc-norm", 0.5, constant(0.5), "dot", 0.4, constant(0.4));
    assertThat(v.kind()).isEqualTo(Kind.ASYMMETRIC);
    assertThat(v.winner()).isEqualTo("doc-norm");
    assertThat(v.runnerUp()).isEqualTo("dot");
    assertThat(v.winnerLeadP()).isEqualTo(0.0078125);
    assertThat(v.winnerLeadSignificant()).isTrue();
    assertThat(v.magnitude()).isEqualTo("doc-norm");
    assertThat(v.magnitudeMinusCosine()).isEqualTo(0.2, org.assertj.core.api.Assertions.within(1e-12));
    assertThat(v.outcome()).isEqualTo(Outcome.AGREES);
    assertThat(v.explanation())
        .contains("doc-norm wins with 0.5000 ahead of dot at 0.4000")
        .contains("p = 0.007813")
        .contains("agrees with the principle that magnitude helps asymmetric tasks");
  }

  @Test
  void asymmetricTaskContradictsWhenCosineBeatsMagnitude() {
    // qa: cosine 0.5 vs dot 0.3 on every query: C beats M, p = 0.0078125 → contradicts
    Verdict v = judge("qa", "cosine", 0.5, constant(0.5), "dot", 0.3, constant(0.3));
    assertThat(v.winner()).isEqualTo("cosine");
    assertThat(v.runnerUp()).isEqualTo("dot");
    assertThat(v.magnitude()).isEqualTo("dot");
    assertThat(v.outcome()).isEqualTo(Outcome.CONTRADICTS);
    assertThat(v.explanation()).contains("contradicts");
  }

  @Test
  void inconclusiveWhenTheDifferenceIsNotSignificant() {
    // dot − cosine per query = (0.2, 0.3, −0.1): exact p = 4/8 = 0.5 (hand-enumerated in
    // PairedRandomizationTestTest) ≥ 0.05 → neither beats the other → inconclusive, lead not significant.
    Verdict v = judge("retrieval",
        "cosine", 0.3, new double[] {0.3, 0.3, 0.3}, "dot", 0.4333, new double[] {0.5, 0.6, 0.2});
    assertThat(v.winner()).isEqualTo("dot");
    assertThat(v.winnerLeadP()).isEqualTo(0.5);
    assertThat(v.magnitudeVsCosineP()).isEqualTo(0.5);
    assertThat(v.winnerLeadSignificant()).isFalse();
    assertThat(v.outcome()).isEqualTo(Outcome.INCONCLUSIVE);
    assertThat(v.explanation()).contains("not significant").contains("is inconclusive on");
  }

  @Test
  void symmetricTaskAgreesWhenCosineBeatsMagnitude() {
    // sts: cosine 0.8 > query-norm 0.7 > dot 0.6 on every query; M = query-norm (best magnitude variant);
    // C − M = 0.1 everywhere, p = 0.0078125 → agrees
    Verdict v = judge("sts",
        "cosine", 0.8, constant(0.8), "query-norm", 0.7, constant(0.7), "dot", 0.6, constant(0.6));
    assertThat(v.kind()).isEqualTo(Kind.SYMMETRIC);
    assertThat(v.winner()).isEqualTo("cosine");
    assertThat(v.runnerUp()).isEqualTo("query-norm");
    assertThat(v.magnitude()).isEqualTo("query-norm");
    assertThat(v.outcome()).isEqualTo(Outcome.AGREES);
    assertThat(v.explanation()).contains("hurts symmetric tasks");
  }

  @Test
  void symmetricTaskContradictsWhenMagnitudeBeatsCosine() {
    // image-text: learned 0.6 > cosine 0.5 everywhere → M = learned beats C, p = 0.0078125 → contradicts
    Verdict v = judge("image-text", "cosine", 0.5, constant(0.5), "learned", 0.6, constant(0.6));
    assertThat(v.winner()).isEqualTo("learned");
    assertThat(v.outcome()).isEqualTo(Outcome.CONTRADICTS);
  }

  @Test
  void headlineAndPerQueryDirectionsMustAgreeForABeat() {
    // headline says dot 0.6 > cosine 0.5 but per query dot is 0.2 lower everywhere (as can happen when the
    // headline is a corpus statistic such as Spearman): dot does not beat cosine (mean difference < 0),
    // cosine does not beat dot (lower headline) → inconclusive
    Verdict v = judge("retrieval", "cosine", 0.5, constant(0.5), "dot", 0.6, constant(0.3));
    assertThat(v.outcome()).isEqualTo(Outcome.INCONCLUSIVE);
    assertThat(v.winnerLeadSignificant()).isFalse();
  }

  @Test
  void withoutCosineThePrincipleIsNotTested() {
    Verdict v = judge("retrieval", "dot", 0.5, constant(0.5), "doc-norm", 0.4, constant(0.4));
    assertThat(v.winner()).isEqualTo("dot");
    assertThat(v.winnerLeadSignificant()).isTrue();
    assertThat(v.outcome()).isEqualTo(Outcome.INCONCLUSIVE);
    assertThat(v.magnitudeVsCosineP()).isNaN();
    assertThat(v.explanation()).contains("no cosine run");
  }

  @Test
  void equalHeadlinesFollowTheVariantOrder() {
    // tie at 0.5: cosine before dot in VARIANT_ORDER → winner cosine; tie cannot be significant → inconclusive
    Verdict v = judge("sts", "dot", 0.5, constant(0.5), "cosine", 0.5, constant(0.5));
    assertThat(v.winner()).isEqualTo("cosine");
    assertThat(v.winnerLeadP()).isEqualTo(1.0);
    assertThat(v.outcome()).isEqualTo(Outcome.INCONCLUSIVE);
  }

  @Test
  void refusesBadInput() {
    assertThatThrownBy(() -> judge("ranking", "cosine", 0.5, constant(0.5), "dot", 0.4, constant(0.4)))
        .hasMessageContaining("unknown task 'ranking'");
    assertThatThrownBy(() -> judge("sts", "cosine", 0.5, constant(0.5), "l2", 0.4, constant(0.4)))
        .hasMessageContaining("unknown variant 'l2'");
    assertThatThrownBy(() -> judge("sts", "cosine", 0.5, constant(0.5), "dot", 0.4, new double[] {0.4}))
        .hasMessageContaining("same queries");
    assertThatThrownBy(() -> judge("sts", "cosine", 0.5, constant(0.5)))
        .hasMessageContaining("at least two");
  }
}
