package dev.magnitude.core.diagnostic;

import static dev.magnitude.core.diagnostic.InfoNceGradientsTest.objective;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.magnitude.core.run.Variant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The decision rule on given condition numbers, and the diagnostic's run over batches. */
class FisherDiagnosticTest {

  /** A result whose two spectra have the given condition numbers (eigenvalues (κ, 1); κ = NaN: zero matrix). */
  static FisherInformation.Result result(Variant variant, double kappaQuery, double kappaDocument) {
    return new FisherInformation.Result(objective(variant, 1), spectrum(kappaQuery), spectrum(kappaDocument), 10, 10, 1, 1.0);
  }

  private static Spectrum spectrum(double kappa) {
    return Spectrum.ofEigenvalues(Double.isNaN(kappa) ? new double[] {0, 0} : new double[] {kappa, 1});
  }

  @Test
  void predictsTheOneSidedVariantWhoseWorseConditionedSideIsBetter() {
    // query-norm: worse κ 100 (document side); doc-norm: worse κ 60 (document side) → doc-norm, though its
    // better side (50) is worse than query-norm's (10): the worse side decides first
    SidePrediction p = SidePrediction.of(result(Variant.QUERY_NORM, 10, 100), result(Variant.DOC_NORM, 50, 60));
    assertThat(p.isMade()).isTrue();
    assertThat(p.variant()).isEqualTo(Variant.DOC_NORM);
    assertThat(p.side()).isEqualTo(Side.DOCUMENT);
    assertThat(p.reason()).startsWith("normalize the document side (doc-norm)")
        .contains("query-norm κ_q=10, κ_d=100; doc-norm κ_q=50, κ_d=60");
    assertThat(SidePrediction.of(result(Variant.QUERY_NORM, 7, 3), result(Variant.DOC_NORM, 8, 2)).side())
        .isEqualTo(Side.QUERY);
  }

  @Test
  void anExactTieOfTheWorseSideIsDecidedByTheBetterOneAndAFullTieByNothing() {
    // worse sides both 1e9 (floored); better 20 (query-norm) vs 30 (doc-norm) → query-norm
    SidePrediction p = SidePrediction.of(result(Variant.QUERY_NORM, 1e12, 20), result(Variant.DOC_NORM, 30, 1e15));
    assertThat(p.variant()).isEqualTo(Variant.QUERY_NORM);
    assertThat(p.reason()).contains("ties, its better one is better conditioned").contains("κ_q≥1e+09");
    SidePrediction none = SidePrediction.of(result(Variant.QUERY_NORM, 1e12, 1e10), result(Variant.DOC_NORM, 1e11, 1e13));
    assertThat(none.isMade()).isFalse();
    assertThat(none.side()).isNull();
    assertThat(none.reason()).contains("conditioned alike").contains("every κ at the floor");
  }

  @Test
  void noPredictionWithoutAGradient() {
    SidePrediction p = SidePrediction.of(result(Variant.QUERY_NORM, Double.NaN, 2), result(Variant.DOC_NORM, 3, 4));
    assertThat(p.isMade()).isFalse();
    assertThat(p.reason()).contains("no gradient").contains("κ_q n/a");
  }

  @Test
  void refusesResultsOfOtherVariants() {
    assertThatThrownBy(() -> SidePrediction.of(result(Variant.DOC_NORM, 1, 1), result(Variant.DOC_NORM, 1, 1)))
        .hasMessageContaining("expected the Fisher of query-norm");
  }

  @Test
  void theResultIsTheSameOnOneOrTwoThreadsAndHasOneEntryPerObjective() {
    List<EmbeddingBatch> batches = batches(new Random(12), 30, 8, 6);
    List<InfoNceObjective> objectives = InfoNceGradientsTest.allObjectives();
    FisherDiagnostic.Diagnosis one = FisherDiagnostic.builder().setObjectives(objectives).build().run(batches);
    FisherDiagnostic.Diagnosis two = FisherDiagnostic.builder().setObjectives(objectives).optThreads(2).build().run(batches);
    assertThat(one.results()).hasSize(5);
    for (int i = 0; i < 5; i++) {
      assertThat(one.results().get(i).objective()).isEqualTo(objectives.get(i));
      assertThat(two.results().get(i).query().eigenvalues()).containsExactly(one.results().get(i).query().eigenvalues());
      assertThat(two.results().get(i).document().eigenvalues()).containsExactly(one.results().get(i).document().eigenvalues());
    }
    assertThat(one.result(Variant.DOC_NORM).queryRows()).isEqualTo(30 * 8);
    assertThat(one.prediction().isMade()).isTrue();
    assertThat(two.prediction()).isEqualTo(one.prediction());
    // the prediction is the rule applied to the diagnosis' own results
    assertThat(one.prediction())
        .isEqualTo(SidePrediction.of(one.result(Variant.QUERY_NORM), one.result(Variant.DOC_NORM)));
  }

  @Test
  void withoutBothOneSidedVariantsThereIsNoPrediction() {
    FisherDiagnostic.Diagnosis d = FisherDiagnostic.builder()
        .setObjectives(List.of(objective(Variant.COSINE, 0.05), objective(Variant.DOC_NORM, 1))).build()
        .run(batches(new Random(13), 3, 4, 3));
    assertThat(d.prediction().isMade()).isFalse();
    assertThat(d.prediction().reason()).contains("compares query-norm and doc-norm").contains("cosine, doc-norm");
    assertThatThrownBy(() -> d.result(Variant.DOT)).hasMessageContaining("no Fisher of variant dot");
  }

  @Test
  void theBuilderAndTheRunNameWhatIsWrong() {
    assertThatThrownBy(() -> FisherDiagnostic.builder().build()).hasMessageContaining("setObjectives is missing");
    assertThatThrownBy(() -> FisherDiagnostic.builder()
        .setObjectives(List.of(objective(Variant.DOT, 1), objective(Variant.DOT, 2))).build())
        .hasMessageContaining("variant dot is given twice");
    assertThatThrownBy(() -> FisherDiagnostic.builder().setObjectives(List.of(objective(Variant.DOT, 1))).optThreads(0).build())
        .hasMessageContaining("optThreads(0)");
    FisherDiagnostic d = FisherDiagnostic.builder().setObjectives(List.of(objective(Variant.DOT, 1))).build();
    assertThatThrownBy(() -> d.run(List.of())).hasMessageContaining("no training batches");
    List<EmbeddingBatch> mixed = new ArrayList<>(batches(new Random(1), 1, 2, 3));
    mixed.addAll(batches(new Random(2), 1, 2, 4));
    assertThatThrownBy(() -> d.run(mixed)).hasMessageContaining("batch 1 has E = 4, batch 0 has E = 3");
    assertThatThrownBy(() -> InfoNceObjective.builder().setVariant(Variant.LEARNED).setTemperature(1).build())
        .hasMessageContaining("variant learned needs optLearnedAlphas");
    assertThatThrownBy(() -> InfoNceObjective.builder().setVariant(Variant.DOT).build())
        .hasMessageContaining("setTemperature is missing");
    assertThatThrownBy(() -> new InfoNceObjective(Variant.COSINE, 1, 1, 0, false))
        .hasMessageContaining("variant cosine has fixed exponents");
  }

  static List<EmbeddingBatch> batches(Random random, int count, int b, int e) {
    List<EmbeddingBatch> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(InfoNceGradientsTest.randomBatch(random, b, 0, e, false));
    }
    return out;
  }
}
