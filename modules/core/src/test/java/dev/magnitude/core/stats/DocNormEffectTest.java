package dev.magnitude.core.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class DocNormEffectTest {

  private static final Offset<Double> EPS = within(1e-9);

  @Test
  void pointEstimateByHandOnAToyCorpus() {
    Map<String, Double> norms =
        Map.of("d1", 4.0, "d2", 6.0, "d3", 8.0, "d4", 1.0, "d5", 2.0, "d6", 3.0);
    Map<String, Set<String>> relevant = Map.of(
        "q1", Set.of("d1", "d2"),
        "q2", Set.of("d2", "d3"),
        "q3", Set.of()); // no relevant document: takes no part
    DocNormEffect effect = DocNormEffect.compute(norms, relevant, 200, 1L, 0.95);
    // Relevant pairs: d1, d2 (q1), d2, d3 (q2) → {4, 6, 6, 8}: mean 6, var (4+0+0+4)/3 = 8/3.
    // Never relevant: d4, d5, d6 → {1, 2, 3}: mean 2, var 1.
    // pooled var = (3·8/3 + 2·1) / (4 + 3 − 2) = 10/5 = 2; d = (6 − 2)/sqrt(2) = 2.8284.
    assertThat(effect.d()).isCloseTo(2.82842712474619, EPS);
    // J = 1 − 3/(4·7 − 9) = 16/19; g = 2.8284 · 16/19 = 2.3818.
    assertThat(effect.g()).isCloseTo(2.381833368207318, EPS);
    assertThat(effect.nQueries()).isEqualTo(2);
    assertThat(effect.nRelevantPairs()).isEqualTo(4);
    assertThat(effect.nNeverRelevant()).isEqualTo(3);
    assertThat(effect.meanRelevantNorm()).isCloseTo(6.0, EPS);
    assertThat(effect.meanNeverRelevantNorm()).isCloseTo(2.0, EPS);
  }

  @Test
  void resamplesWithUndefinedDAreSkippedAndCounted() {
    // q1 → a (5), q2 → b (7); never relevant n1, n2 both 1 (variance 0).
    // All queries: relevant {5, 7}, pooled var = (2 + 0)/(2 + 2 − 2) = 1, d = (6 − 1)/1 = 5.
    // A resample {q1, q1} or {q2, q2} has both groups constant: pooled sd 0, d NaN, skipped.
    // Every other resample is {q1, q2} in some order: d = 5, so the interval is [5, 5].
    Map<String, Double> norms = Map.of("a", 5.0, "b", 7.0, "n1", 1.0, "n2", 1.0);
    Map<String, Set<String>> relevant = Map.of("q1", Set.of("a"), "q2", Set.of("b"));
    int samples = 400;
    long seed = 99L;
    DocNormEffect effect = DocNormEffect.compute(norms, relevant, samples, seed, 0.95);
    assertThat(effect.d()).isCloseTo(5.0, EPS);
    assertThat(effect.ciLow()).isCloseTo(5.0, EPS);
    assertThat(effect.ciHigh()).isCloseTo(5.0, EPS);
    // Second route: replay the documented draws (2 indices per resample, in order) and count
    // the resamples that drew the same query twice.
    SplittableRandom replay = new SplittableRandom(seed);
    int sameQueryTwice = 0;
    for (int s = 0; s < samples; s++) {
      if (replay.nextInt(2) == replay.nextInt(2)) {
        sameQueryTwice++;
      }
    }
    assertThat(effect.skippedResamples()).isEqualTo(sameQueryTwice).isBetween(1, samples - 1);
  }

  @Test
  void intervalOfAClearEffectContainsTheEstimateAndFollowsTheSeed() {
    ToyRun run = toyRun(new SplittableRandom(5), 60, 400);
    DocNormEffect effect = DocNormEffect.compute(run.norms, run.relevant, 1000, 42L, 0.95);
    // Relevant norms ~ U(2.5, 3.5), never relevant ~ U(0.5, 1.5): a large positive d.
    assertThat(effect.d()).isGreaterThan(3);
    assertThat(effect.ciLow()).isPositive().isLessThan(effect.d());
    assertThat(effect.ciHigh()).isGreaterThan(effect.d());
    assertThat(effect.skippedResamples()).isZero();

    DocNormEffect again = DocNormEffect.compute(run.norms, run.relevant, 1000, 42L, 0.95);
    assertThat(again).isEqualTo(effect);
    DocNormEffect otherSeed = DocNormEffect.compute(run.norms, run.relevant, 1000, 43L, 0.95);
    assertThat(otherSeed.d()).isEqualTo(effect.d());
    assertThat(List.of(otherSeed.ciLow(), otherSeed.ciHigh()))
        .isNotEqualTo(List.of(effect.ciLow(), effect.ciHigh()));
  }

  @Test
  void intervalDoesNotDependOnTheIterationOrderOfTheQueries() {
    ToyRun run = toyRun(new SplittableRandom(8), 30, 100);
    List<String> queryIds = new ArrayList<>(run.relevant.keySet());
    Collections.shuffle(queryIds, new java.util.Random(3));
    Map<String, Set<String>> reordered = new LinkedHashMap<>();
    queryIds.forEach(id -> reordered.put(id, run.relevant.get(id)));
    assertThat(DocNormEffect.compute(run.norms, reordered, 300, 7L, 0.9))
        .isEqualTo(DocNormEffect.compute(run.norms, run.relevant, 300, 7L, 0.9));
  }

  @Test
  void rejectsRelevantDocumentsWithoutANormAndNonFiniteNorms() {
    assertThatThrownBy(() -> DocNormEffect.compute(
            Map.of("a", 1.0, "b", 2.0), Map.of("q1", Set.of("a", "ghost")), 10, 1L, 0.95))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'ghost'")
        .hasMessageContaining("'q1'");
    assertThatThrownBy(() -> DocNormEffect.compute(
            Map.of("a", 1.0, "b", Double.NaN), Map.of("q1", Set.of("a")), 10, 1L, 0.95))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'b' is NaN");
    assertThatThrownBy(() -> DocNormEffect.compute(Map.of("a", 1.0), Map.of(), 10, 1L, 1.0))
        .hasMessageContaining("got 1.0");
  }

  @Test
  void noRelevantDocumentGivesNaNEverywhere() {
    DocNormEffect effect = DocNormEffect.compute(
        Map.of("a", 1.0, "b", 2.0), Map.of("q1", Set.of()), 50, 1L, 0.95);
    assertThat(effect.nQueries()).isZero();
    assertThat(effect.d()).isNaN();
    assertThat(effect.ciLow()).isNaN();
    assertThat(effect.ciHigh()).isNaN();
    assertThat(effect.skippedResamples()).isEqualTo(50);
  }

  private record ToyRun(Map<String, Double> norms, Map<String, Set<String>> relevant) {}

  /** Each query has 1 to 3 relevant documents of its own, norms in [2.5, 3.5]; the rest in [0.5, 1.5]. */
  private static ToyRun toyRun(SplittableRandom random, int queries, int neverRelevant) {
    Map<String, Double> norms = new HashMap<>();
    Map<String, Set<String>> relevant = new HashMap<>();
    for (int q = 0; q < queries; q++) {
      Set<String> docs = new java.util.HashSet<>();
      for (int r = 0, n = 1 + random.nextInt(3); r < n; r++) {
        String id = "rel-" + q + "-" + r;
        norms.put(id, random.nextDouble(2.5, 3.5));
        docs.add(id);
      }
      relevant.put("q" + q, docs);
    }
    for (int i = 0; i < neverRelevant; i++) {
      norms.put("doc-" + i, random.nextDouble(0.5, 1.5));
    }
    return new ToyRun(norms, relevant);
  }

  @Test
  void momentsRouteForLargeCorporaEqualsTheMapRoute() {
    // Same toy corpus as above; the never-relevant group {1, 2, 3} given as moments, the map holding
    // only the relevant documents: every field must agree with the all-documents route.
    Map<String, Double> all = Map.of("d1", 4.0, "d2", 6.0, "d3", 8.0, "d4", 1.0, "d5", 2.0, "d6", 3.0);
    Map<String, Double> relevantOnly = Map.of("d1", 4.0, "d2", 6.0, "d3", 8.0);
    Map<String, Set<String>> relevant = Map.of("q1", Set.of("d1", "d2"), "q2", Set.of("d2", "d3"));
    Moments never = Moments.EMPTY.add(1.0).add(2.0).add(3.0);
    DocNormEffect viaMap = DocNormEffect.compute(all, relevant, 300, 5L, 0.95);
    DocNormEffect viaMoments = DocNormEffect.compute(relevantOnly, relevant, never, 300, 5L, 0.95);
    assertThat(viaMoments.d()).isCloseTo(2.82842712474619, EPS);
    assertThat(viaMoments).usingRecursiveComparison().withComparatorForType(
        (a, b) -> Math.abs(a - b) < 1e-12 ? 0 : Double.compare(a, b), Double.class).isEqualTo(viaMap);
  }

  @Test
  void relevantVsRetrievedNonRelevantResamplesBothGroupsWithTheirQuery() {
    // q1: relevant d1 (4), d2 (6); retrieved d1, d4 (1), d5 (2): d1 is relevant to q1 and skipped.
    // q2: relevant d3 (8); retrieved d3, d2 (6, relevant to q1 but not to q2, so it counts), d4 (1).
    // q3: no relevant document: takes no part even though it retrieved d5.
    // Relevant [4, 6, 8]: mean 6, M2 8. Other [1, 2, 6, 1]: mean 2.5, M2 2.25 + 0.25 + 12.25 + 2.25 = 17.
    // Pooled variance (8 + 17) / (3 + 4 − 2) = 5, d = 3.5 / √5.
    Map<String, Double> norms = Map.of("d1", 4.0, "d2", 6.0, "d3", 8.0, "d4", 1.0, "d5", 2.0);
    Map<String, Set<String>> relevant = Map.of("q1", Set.of("d1", "d2"), "q2", Set.of("d3"), "q3", Set.of());
    Map<String, List<String>> retrieved = Map.of(
        "q1", List.of("d1", "d4", "d5"), "q2", List.of("d3", "d2", "d4"), "q3", List.of("d5"));
    DocNormEffect e = DocNormEffect.relevantVsRetrieved(norms, relevant, retrieved, 400, 3L, 0.95);
    assertThat(e.d()).isCloseTo(3.5 / Math.sqrt(5), EPS);
    assertThat(e.g()).isCloseTo(EffectSize.hedgesG(3.5 / Math.sqrt(5), 3, 4), EPS);
    assertThat(e.nQueries()).isEqualTo(2);
    assertThat(e.nRelevantPairs()).isEqualTo(3);
    assertThat(e.nNeverRelevant()).isEqualTo(4);
    assertThat(e.meanRelevantNorm()).isCloseTo(6.0, EPS);
    assertThat(e.meanNeverRelevantNorm()).isCloseTo(2.5, EPS);
    // Resamples: {q1, q1}: [4, 6, 4, 6] vs [1, 2, 1, 2] → 3.5 / √((4 + 1) / 6) = 3.5 / √(5/6);
    // {q2, q2}: [8, 8] vs [6, 1, 6, 1] → 4.5 / √(25 / 4) = 1.8, each with probability 1/4; {q1, q2} (1/2) is
    // the full sample, 3.5 / √5 ≈ 1.565, the smallest: the 95% interval is [3.5 / √5, 3.5 / √(5/6)].
    assertThat(e.ciLow()).isCloseTo(3.5 / Math.sqrt(5), EPS);
    assertThat(e.ciHigh()).isCloseTo(3.5 / Math.sqrt(5.0 / 6), EPS);
    // a retrieved document without a norm is an error naming it
    assertThatThrownBy(() -> DocNormEffect.relevantVsRetrieved(
        Map.of("d1", 4.0, "d2", 6.0, "d3", 8.0), relevant, retrieved, 10, 3L, 0.95))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("retrieved doc id 'd4'");
  }
}
