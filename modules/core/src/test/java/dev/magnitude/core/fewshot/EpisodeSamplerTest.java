package dev.magnitude.core.fewshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class EpisodeSamplerTest {

  /** a0..a4, b0..b3, c0..c5, d0..d1 (d has fewer than K + Q = 3 items: never drawn). */
  static Map<String, String> tiny(Map<String, String> into) {
    for (String[] c : new String[][] {{"a", "5"}, {"b", "4"}, {"c", "6"}, {"d", "2"}}) {
      for (int i = 0; i < Integer.parseInt(c[1]); i++) {
        into.put(c[0] + i, c[0]);
      }
    }
    return into;
  }

  static EpisodeSpec spec(int episodes, long seed) {
    return EpisodeSpec.builder().setWays(2).setShots(1).optQueriesPerClass(2).optEpisodes(episodes).optSeed(seed).build();
  }

  @Test
  void splitMix64IsTheReferenceGenerator() {
    // the reference splitmix64.c seeded with 0 starts 0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4, 0x06c45d188009454f
    EpisodeSampler.SplitMix64 r = new EpisodeSampler.SplitMix64(0);
    assertThat(r.next()).isEqualTo(0xe220a8397b1dcdafL);
    assertThat(r.next()).isEqualTo(0x6e789e6aa1b965f4L);
    assertThat(r.next()).isEqualTo(0x06c45d188009454fL);
  }

  @Test
  void episodesFollowTheContractAsASecondImplementationReadsIt() {
    // printed by src/test/resources/fewshot/episodes_reference.py, the contract written again in Python
    List<Episode> e = new EpisodeSampler(tiny(new TreeMap<>()), spec(3, 7)).episodes();
    assertThat(e).containsExactly(
        new Episode(List.of("b", "c"), List.of(List.of("b1"), List.of("c5")), List.of(List.of("b0", "b3"), List.of("c4", "c2"))),
        new Episode(List.of("a", "b"), List.of(List.of("a2"), List.of("b3")), List.of(List.of("a1", "a4"), List.of("b1", "b0"))),
        new Episode(List.of("a", "b"), List.of(List.of("a4"), List.of("b2")), List.of(List.of("a0", "a3"), List.of("b1", "b3"))));
  }

  @Test
  void theSameSeedGivesTheSameEpisodesWhateverTheInputOrderAndCount() {
    Map<String, String> hashed = tiny(new HashMap<>());
    Map<String, String> reversed = new LinkedHashMap<>();
    List<String> ids = new ArrayList<>(tiny(new TreeMap<>()).keySet());
    for (int i = ids.size() - 1; i >= 0; i--) {
      reversed.put(ids.get(i), hashed.get(ids.get(i)));
    }
    List<Episode> ten = new EpisodeSampler(hashed, spec(10, 99)).episodes();
    assertThat(new EpisodeSampler(reversed, spec(10, 99)).episodes()).isEqualTo(ten);
    // episode e does not depend on how many are drawn
    assertThat(new EpisodeSampler(hashed, spec(4, 99)).episodes()).isEqualTo(ten.subList(0, 4));
    assertThat(new EpisodeSampler(hashed, spec(10, 100)).episodes()).isNotEqualTo(ten);
  }

  @Test
  void everyEpisodeHasDistinctEligibleClassesAndDistinctItemsOfThem() {
    Map<String, String> labels = tiny(new TreeMap<>());
    EpisodeSampler sampler = new EpisodeSampler(labels, spec(200, 5));
    assertThat(sampler.eligibleClasses()).containsExactlyEntriesOf(new TreeMap<>(Map.of("a", 5, "b", 4, "c", 6)));
    assertThat(sampler.classCount()).isEqualTo(4);
    Set<String> classesSeen = new HashSet<>();
    for (Episode e : sampler.episodes()) {
      assertThat(e.classes()).hasSize(2).doesNotHaveDuplicates().doesNotContain("d");
      classesSeen.addAll(e.classes());
      Set<String> items = new HashSet<>();
      for (int k = 0; k < 2; k++) {
        assertThat(e.support().get(k)).hasSize(1);
        assertThat(e.queries().get(k)).hasSize(2);
        for (String id : e.support().get(k)) {
          assertThat(labels.get(id)).isEqualTo(e.classes().get(k));
          assertThat(items.add(id)).isTrue();
        }
        for (String id : e.queries().get(k)) {
          assertThat(labels.get(id)).isEqualTo(e.classes().get(k));
          assertThat(items.add(id)).isTrue();
        }
      }
    }
    assertThat(classesSeen).containsExactlyInAnyOrder("a", "b", "c");
  }

  @Test
  void tooFewEligibleClassesAndBadSpecsAreNamed() {
    EpisodeSpec threeWay = EpisodeSpec.builder().setWays(3).setShots(3).optQueriesPerClass(2).build();
    assertThatThrownBy(() -> new EpisodeSampler(tiny(new TreeMap<>()), threeWay))
        .hasMessageContaining("3-way episodes need 3 classes with at least K + Q = 5 items; 2 of the 4 classes")
        .hasMessageContaining("c 6, a 5, b 4, d 2");
    assertThatThrownBy(() -> EpisodeSpec.builder().setWays(5).build()).hasMessageContaining("setShots is missing");
    assertThatThrownBy(() -> EpisodeSpec.builder().setWays(1).setShots(1).build()).hasMessageContaining("ways = 1: must be >= 2");
    assertThatThrownBy(() -> new EpisodeSampler(Map.of("x", " "), spec(1, 1))).hasMessageContaining("must be non-blank");
    assertThat(EpisodeSpec.builder().setWays(5).setShots(1).build().describe())
        .isEqualTo("5-way 1-shot, 15 queries per class, 600 episodes, seed 20260209");
  }
}
