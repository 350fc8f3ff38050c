package dev.magnitude.core.fewshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.magnitude.core.run.Variant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Prototypes, scorings, ties and the episode metrics on a toy worked by hand.
 *
 * <p>E = 2. Class a: supports (4, 0), (2, 0), prototype c_a = (3, 0), ‖c_a‖ = 3. Class b: supports (0, 1),
 * (0, 1), c_b = (0, 1), ‖c_b‖ = 1. Queries, with (dot a, dot b | doc-norm a, b | −euclidean² a, b):
 *
 * <pre>
 *   qa1 (1, 1)    true a:  3, 1   → a | 1, 1 tie → a (smaller label) | −5, −1     → b
 *   qa2 (1, 0.5)  true a:  3, 0.5 → a | 1, 0.5   → a                  | −4.25, −1.25 → b
 *   qb1 (0.5, 1)  true b:  1.5, 1 → a | 0.5, 1   → b                  | −7.25, −0.25 → b
 *   qb2 (1, 2)    true b:  3, 2   → a | 1, 2     → b                  | −8, −2     → b
 * </pre>
 *
 * dot: a a a a, accuracy 2/4; F1_a = 2·2/(2·2 + 2 + 0) = 2/3, F1_b = 0 (no TP), macro-F1 1/3.
 * doc-norm: a a b b, accuracy 1, macro-F1 1. euclidean: b b b b, accuracy 1/2, F1_a = 0, F1_b = 2/3, macro 1/3.
 * query-norm divides each row of a query's scores by its own norm (decides as dot), cosine as doc-norm.
 */
class PrototypeClassifierTest {
  static final Map<String, float[]> TOY = Map.of(
      "sa1", new float[] {4, 0}, "sa2", new float[] {2, 0}, "sb1", new float[] {0, 1}, "sb2", new float[] {0, 1},
      "qa1", new float[] {1, 1}, "qa2", new float[] {1, 0.5f}, "qb1", new float[] {0.5f, 1}, "qb2", new float[] {1, 2});

  static Episode toy(boolean bFirst) {
    List<String> classes = bFirst ? List.of("b", "a") : List.of("a", "b");
    List<List<String>> support = new ArrayList<>();
    List<List<String>> queries = new ArrayList<>();
    for (String c : classes) {
      support.add(List.of("s" + c + "1", "s" + c + "2"));
      queries.add(List.of("q" + c + "1", "q" + c + "2"));
    }
    return new Episode(classes, support, queries);
  }

  @Test
  void predictionsUnderEachScoringByHand() {
    Map<PrototypeScoring, List<String>> p = new PrototypeClassifier(TOY, PrototypeScoring.all()).predict(toy(false));
    assertThat(p.get(PrototypeScoring.DOT)).containsExactly("a", "a", "a", "a");
    assertThat(p.get(PrototypeScoring.QUERY_NORM)).containsExactly("a", "a", "a", "a");
    assertThat(p.get(PrototypeScoring.DOC_NORM)).containsExactly("a", "a", "b", "b");
    assertThat(p.get(PrototypeScoring.COSINE)).containsExactly("a", "a", "b", "b");
    assertThat(p.get(PrototypeScoring.EUCLIDEAN)).containsExactly("b", "b", "b", "b");
  }

  @Test
  void accuracyAndMacroF1ByHand() {
    FewShotResult r = new PrototypeClassifier(TOY, PrototypeScoring.all()).evaluate(List.of(toy(false)));
    assertThat(r.of(PrototypeScoring.DOT).accuracy()).containsExactly(0.5);
    assertThat(r.of(PrototypeScoring.DOT).macroF1()[0]).isCloseTo(1.0 / 3, within(1e-15));
    assertThat(r.of(PrototypeScoring.DOC_NORM).accuracy()).containsExactly(1.0);
    assertThat(r.of(PrototypeScoring.DOC_NORM).macroF1()).containsExactly(1.0);
    assertThat(r.of(PrototypeScoring.EUCLIDEAN).accuracy()).containsExactly(0.5);
    assertThat(r.of(PrototypeScoring.EUCLIDEAN).macroF1()[0]).isCloseTo(1.0 / 3, within(1e-15));
    assertThat(r.scorings()).extracting(FewShotResult.Scoring::scoring).containsExactlyElementsOf(PrototypeScoring.all());
  }

  @Test
  void anExactTieGoesToTheSmallerLabelWhateverTheEpisodeOrder() {
    // qa1 under doc-norm: (1,1)·(3,0)/3 = 1 and (1,1)·(0,1)/1 = 1 exactly; "a" < "b" wins in both orders
    for (boolean bFirst : new boolean[] {false, true}) {
      Episode e = toy(bFirst);
      List<String> truth = PrototypeClassifier.truth(e);
      List<String> predicted = new PrototypeClassifier(TOY, List.of(PrototypeScoring.DOC_NORM)).predict(e)
          .get(PrototypeScoring.DOC_NORM);
      assertThat(predicted.get(truth.indexOf("a"))).isEqualTo("a");
    }
  }

  @Test
  void eachEpisodeGetsItsOwnValues() {
    // a 1-shot episode: prototypes (4, 0) and (0, 1). dot: qa1 → a (4 vs 1), qb1 → a (2 vs 1): accuracy 1/2.
    // doc-norm: qa1 → 4/4 = 1 vs 1, a tie → a; qb1 → 2/4 = 0.5 vs 1 → b: accuracy 1
    Episode oneShot = new Episode(List.of("a", "b"), List.of(List.of("sa1"), List.of("sb1")),
        List.of(List.of("qa1"), List.of("qb1")));
    FewShotResult r = new PrototypeClassifier(TOY, List.of(PrototypeScoring.DOT, PrototypeScoring.DOC_NORM))
        .evaluate(List.of(oneShot, toy(false)));
    assertThat(r.of(PrototypeScoring.DOT).accuracy()).containsExactly(0.5, 0.5);
    assertThat(r.of(PrototypeScoring.DOC_NORM).accuracy()).containsExactly(1.0, 1.0);
    assertThat(r.of(PrototypeScoring.DOC_NORM).accuracySummary().mean()).isEqualTo(1.0);
    assertThat(r.of(PrototypeScoring.DOC_NORM).accuracySummary().sd()).isEqualTo(0.0);
    assertThatThrownBy(() -> r.of(PrototypeScoring.EUCLIDEAN)).hasMessageContaining("scoring euclidean was not evaluated");
  }

  @Test
  void summariesOverEpisodesUseTheNormalIntervalOfTheMean() {
    // values 0.5 and 1.0: mean 0.75, sd √((0.25² + 0.25²)/1) = √0.125, half-width 1.96 · √0.125 / √2 = 0.49
    EpisodeSummary s = EpisodeSummary.of(new double[] {0.5, 1.0});
    assertThat(s.mean()).isEqualTo(0.75);
    assertThat(s.sd()).isCloseTo(Math.sqrt(0.125), within(1e-15));
    assertThat(s.halfWidth()).isCloseTo(EpisodeSummary.Z_95 * Math.sqrt(0.125) / Math.sqrt(2), within(1e-15));
    assertThat(s.low()).isCloseTo(0.75 - 0.49, within(1e-4));
    assertThat(s.format()).isEqualTo("0.7500 ± 0.4900");
    assertThat(EpisodeSummary.of(new double[] {0.4}).format()).isEqualTo("0.4000");
  }

  @Test
  void queryNormDecidesAsDotAndCosineAsDocNormOnRandomEpisodes() {
    Random random = new Random(3);
    Map<String, float[]> embeddings = new HashMap<>();
    Map<String, String> labels = new HashMap<>();
    for (int c = 0; c < 6; c++) {
      for (int i = 0; i < 12; i++) {
        float[] v = new float[5];
        for (int k = 0; k < 5; k++) {
          v[k] = (float) ((k == c % 5 ? 1.5 : 0) + random.nextGaussian() * Math.exp(random.nextGaussian()));
        }
        embeddings.put("c" + c + "-" + i, v);
        labels.put("c" + c + "-" + i, "class" + c);
      }
    }
    EpisodeSpec spec = EpisodeSpec.builder().setWays(4).setShots(3).optQueriesPerClass(5).optEpisodes(40).optSeed(2).build();
    FewShotResult r = new PrototypeClassifier(embeddings, PrototypeScoring.all())
        .evaluate(new EpisodeSampler(labels, spec).episodes());
    assertThat(r.of(PrototypeScoring.QUERY_NORM).accuracy()).containsExactly(r.of(PrototypeScoring.DOT).accuracy());
    assertThat(r.of(PrototypeScoring.QUERY_NORM).macroF1()).containsExactly(r.of(PrototypeScoring.DOT).macroF1());
    assertThat(r.of(PrototypeScoring.COSINE).accuracy()).containsExactly(r.of(PrototypeScoring.DOC_NORM).accuracy());
    assertThat(r.of(PrototypeScoring.DOC_NORM).accuracy()).isNotEqualTo(r.of(PrototypeScoring.DOT).accuracy());
    assertThat(r.of(PrototypeScoring.EUCLIDEAN).accuracy()).isNotEqualTo(r.of(PrototypeScoring.DOT).accuracy());
  }

  @Test
  void missingOrBadEmbeddingsAndScoringNamesAreNamed() {
    Map<String, float[]> missing = new HashMap<>(TOY);
    missing.remove("qb2");
    assertThatThrownBy(() -> new PrototypeClassifier(missing, PrototypeScoring.all()).predict(toy(false)))
        .hasMessageContaining("no embedding for item 'qb2'");
    Map<String, float[]> mixed = new HashMap<>(TOY);
    mixed.put("qb2", new float[] {1, 2, 3});
    assertThatThrownBy(() -> new PrototypeClassifier(mixed, PrototypeScoring.all())).hasMessageContaining("dimensions");
    assertThatThrownBy(() -> PrototypeScoring.of("l2")).hasMessageContaining("allowed: cosine, query-norm, doc-norm, dot, euclidean");
    assertThat(PrototypeScoring.of(Variant.DOC_NORM)).isEqualTo(PrototypeScoring.DOC_NORM);
    assertThatThrownBy(() -> PrototypeScoring.of(Variant.LEARNED)).hasMessageContaining("no fixed prototype scoring");
  }
}
