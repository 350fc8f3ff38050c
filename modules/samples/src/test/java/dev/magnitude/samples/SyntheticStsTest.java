package dev.magnitude.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnitude.samples.SyntheticSts.Pair;
import dev.magnitude.samples.SyntheticSts.Scene;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticStsTest {
  private static final Map<String, Integer> SMALL = Map.of("train", 60, "dev", 12, "test", 12);

  @TempDir Path tmp;

  @Test
  void scoreCountsSharedComponents() {
    // old man eating apple in the kitchen vs old woman eating car in the kitchen: adjective, verb and
    // place shared, subject and object differ → 3
    Scene a = new Scene(2, 0, 1, 1, 0);
    Scene b = new Scene(2, 1, 1, 2, 0);
    assertThat(SyntheticSts.overlap(a, b)).isEqualTo(3);
    assertThat(SyntheticSts.overlap(a, a)).isEqualTo(5);
    assertThat(SyntheticSts.overlap(new Scene(0, 0, 0, 0, 0), new Scene(1, 1, 1, 1, 1))).isZero();
  }

  @Test
  void paraphrasesDifferInWordingAndOrderOnly() {
    Scene s = new Scene(2, 0, 1, 1, 0);
    assertThat(SyntheticSts.render(s, new int[] {0, 0, 0, 0, 0}, 0))
        .isEqualTo("An old man is eating an apple in the kitchen.");
    assertThat(SyntheticSts.render(s, new int[] {1, 1, 1, 0, 0}, 1))
        .isEqualTo("In the kitchen, an elderly gentleman is consuming an apple.");
  }

  @Test
  void everyPairScoresItsOverlapAndScoresAreBalanced() {
    Map<String, List<Pair>> splits = SyntheticSts.generate(SMALL, 5L);
    assertThat(splits.keySet()).containsExactly("train", "dev", "test");
    assertThat(splits.get("train")).hasSize(60);
    for (List<Pair> pairs : splits.values()) {
      pairs.forEach(p -> assertThat(p.score()).isEqualTo(SyntheticSts.overlap(p.scene1(), p.scene2())));
    }
    // 60 train pairs cycle through k = 0..5: ten of each score
    assertThat(splits.get("train").stream().collect(Collectors.groupingBy(Pair::score, Collectors.counting())))
        .containsOnlyKeys(0, 1, 2, 3, 4, 5)
        .allSatisfy((k, n) -> assertThat(n).isEqualTo(10L));
  }

  @Test
  void writesStsbFilesByteIdenticallyTwice() throws IOException {
    SyntheticSts.write(SyntheticSts.generate(SMALL, 5L), tmp.resolve("a"));
    SyntheticSts.write(SyntheticSts.generate(SMALL, 5L), tmp.resolve("b"));
    Map<String, byte[]> a = SamplesTestFiles.contents(tmp.resolve("a"));
    assertThat(a).containsOnlyKeys("train.tsv", "dev.tsv", "test.tsv", "LICENSE");
    assertThat(SamplesTestFiles.contents(tmp.resolve("b"))).containsExactlyEntriesOf(a);
    List<String> lines = Files.readAllLines(tmp.resolve("a/dev.tsv"));
    assertThat(lines).hasSize(13);
    assertThat(lines.get(0)).isEqualTo(SampleFiles.STS_HEADER);
    assertThat(lines.get(1)).matches("synthetic\tscenes\t2026\t0000\t[0-5]\\.00\t[^\t]+\\.\t[^\t]+\\.");
    assertThat(SyntheticSts.generate(SMALL, 6L).get("train").get(0))
        .isNotEqualTo(SyntheticSts.generate(SMALL, 5L).get("train").get(0));
  }
}
