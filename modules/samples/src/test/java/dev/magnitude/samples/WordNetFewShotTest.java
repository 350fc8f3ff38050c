package dev.magnitude.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.magnitude.samples.WordNetFewShot.Item;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The few-shot generator on wordnet-mini (eight noun.animal synsets, lex_filenum 05, every definition at least
 * three words) plus lines added here in data.noun's format: two noun.person synsets (18), one noun.act (04), two
 * synsets of different files sharing one definition (06 and 13: both left out) and a two-word definition (06:
 * left out).
 */
class WordNetFewShotTest {
  static final String[] EXTRA = {
      "00002000 18 n 01 dog 0 000 | informal term for a man; \"you lucky dog\"  ",
      "00002100 18 n 01 frump 0 000 | a dull unattractive unpleasant girl or woman  ",
      "00002200 04 n 01 trot 0 000 | a gait faster than a walk  ",
      "00002300 06 n 01 thing 0 000 | an object of some kind  ",
      "00002400 13 n 01 dish 0 000 | an object of some kind  ",
      "00002500 06 n 01 box 0 000 | a container  ",
  };

  @TempDir Path tmp;
  WordNet wn;

  @BeforeEach
  void load() throws IOException {
    Path mini = SamplesTestFiles.wordNetMini();
    for (String f : List.of("data.noun", "index.sense")) {
      Files.copy(mini.resolve(f), tmp.resolve(f));
    }
    Files.write(tmp.resolve("data.noun"), (String.join("\n", EXTRA) + "\n").getBytes(StandardCharsets.UTF_8),
        StandardOpenOption.APPEND);
    wn = WordNet.load(tmp);
  }

  @Test
  void labelsAreTheLexicographerFilesAndAmbiguousOrShortDefinitionsAreLeftOut() {
    Map<String, List<Item>> splits = WordNetFewShot.generate(wn, 100, 7L);
    Map<String, Integer> perClass = new TreeMap<>();
    List<Item> all = new ArrayList<>();
    splits.values().forEach(all::addAll);
    all.forEach(i -> perClass.merge(i.label(), 1, Integer::sum));
    assertThat(perClass).containsExactlyEntriesOf(new TreeMap<>(Map.of("noun.animal", 8, "noun.person", 2, "noun.act", 1)));
    assertThat(all).contains(new Item("n00002000", "informal term for a man", "noun.person"));
    assertThat(all).extracting(Item::text).doesNotContain("an object of some kind", "a container");
    assertThat(splits.keySet()).containsExactly("train", "dev", "test");
    splits.forEach((split, items) -> {
      items.forEach(i -> assertThat(SampleFiles.splitOf(i.id())).isEqualTo(split));
      assertThat(items).extracting(Item::id).isSorted();
    });
  }

  @Test
  void aClassAboveTheCapKeepsASeededChoiceOfItsItems() {
    List<String> five = animals(WordNetFewShot.generate(wn, 5, 7L));
    assertThat(five).hasSize(5);
    assertThat(animals(WordNetFewShot.generate(wn, 5, 7L))).isEqualTo(five);
    boolean anotherSeedDiffers = false;
    for (long seed = 8; seed < 20 && !anotherSeedDiffers; seed++) {
      anotherSeedDiffers = !animals(WordNetFewShot.generate(wn, 5, seed)).equals(five);
    }
    assertThat(anotherSeedDiffers).isTrue();
  }

  @Test
  void writesOneJsonObjectPerLineWithIdTextAndLabel() throws IOException {
    WordNetFewShot.write(WordNetFewShot.generate(wn, 100, 7L), tmp.resolve("out"));
    ObjectMapper json = new ObjectMapper();
    int rows = 0;
    for (String split : SampleFiles.SPLITS) {
      for (String line : Files.readAllLines(tmp.resolve("out").resolve(split + ".jsonl"))) {
        var node = json.readTree(line);
        assertThat(node.fieldNames()).toIterable().containsExactly("_id", "text", "label");
        rows++;
      }
    }
    assertThat(rows).isEqualTo(11);
  }

  @Test
  void aLexFileThatIsNoNounFileIsRefused() {
    assertThat(WordNetFewShot.label(3)).isEqualTo("noun.Tops");
    assertThat(WordNetFewShot.label(28)).isEqualTo("noun.time");
    assertThatThrownBy(() -> WordNetFewShot.label(29)).hasMessageContaining("lex_filenum 29 is not a noun file");
  }

  private static List<String> animals(Map<String, List<Item>> splits) {
    List<String> out = new ArrayList<>();
    splits.values().forEach(items -> items.stream().filter(i -> i.label().equals("noun.animal")).forEach(i -> out.add(i.id())));
    out.sort(null);
    return out;
  }
}
