package dev.magnitude.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.magnitude.samples.WordNetRetrieval.Document;
import dev.magnitude.samples.WordNetRetrieval.Judgement;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The WordNet generators on wordnet-mini: eight real noun synsets of WordNet 3.0 (carnivore → canine →
 * dog, wolf; carnivore → feline → cat → domestic cat; domestic animal → dog, domestic cat), offsets
 * renumbered. Depths (root = 1): domestic animal 1, carnivore 1, canine 2, feline 2, dog 3, wolf 3, cat 3,
 * domestic cat 4. Tagged synsets (the candidates): dog (dog 42), cat (cat 18), domestic animal 1, wolf 1.
 */
class WordNetSamplesTest {
  static final String DOMESTIC_ANIMAL = "00000342";
  static final String CARNIVORE = "00000524";
  static final String CANINE = "00000713";
  static final String DOG = "00000893";
  static final String WOLF = "00001173";
  static final String CAT = "00001494";
  static final String HOUSE_CAT = "00001664";

  static WordNet wn;

  @TempDir Path tmp;

  @BeforeAll
  static void load() throws IOException {
    wn = WordNet.load(SamplesTestFiles.wordNetMini());
  }

  @Test
  void readsSynsetsWithDefinitionExamplesAndHypernyms() {
    WordNet.Synset dog = wn.synset(DOG);
    assertThat(dog.lexFile()).isEqualTo(5);
    assertThat(dog.words()).containsExactly("dog", "domestic_dog", "Canis_familiaris");
    assertThat(dog.hypernyms()).containsExactly(CANINE, DOMESTIC_ANIMAL);
    assertThat(dog.definition())
        .isEqualTo("a member of the genus Canis (probably descended from the common wolf) that has been"
            + " domesticated by man since prehistoric times; occurs in many breeds");
    assertThat(dog.examples()).containsExactly("the dog barked all night");
    assertThat(wn.hyponyms(CANINE)).containsExactly(DOG, WOLF);
    assertThat(wn.tagCount("Dog", DOG)).isEqualTo(42);
    assertThat(wn.tagCount("domestic_dog", DOG)).isZero();
  }

  @Test
  void wuPalmerMatchesHandComputedScores() {
    WuPalmer wup = new WuPalmer(wn);
    // subsumer canine, depth 2, one step from each: 2·2 / (3 + 3)
    assertThat(wup.similarity(DOG, WOLF)).isCloseTo(2.0 / 3, within(1e-12));
    // subsumer carnivore, depth 1, two steps from each: 2·1 / (3 + 3)
    assertThat(wup.similarity(DOG, CAT)).isCloseTo(1.0 / 3, within(1e-12));
    // carnivore and domestic animal both have depth 1; through domestic animal (one step each) 2/4 beats
    // carnivore (two and three steps) 2/7, and the higher one is taken
    assertThat(wup.similarity(DOG, HOUSE_CAT)).isCloseTo(0.5, within(1e-12));
    assertThat(wup.similarity(HOUSE_CAT, DOG)).isEqualTo(wup.similarity(DOG, HOUSE_CAT));
    // parent: subsumer canine itself, 2·2 / (3 + 2)
    assertThat(wup.similarity(DOG, CANINE)).isCloseTo(0.8, within(1e-12));
    // different roots share no hypernym
    assertThat(wup.similarity(WOLF, DOMESTIC_ANIMAL)).isZero();
    assertThat(wup.similarity(DOG, DOG)).isEqualTo(1.0);
    assertThat(wup.depth(HOUSE_CAT)).isEqualTo(4);
    assertThat(wup.depth(CARNIVORE)).isEqualTo(1);
  }

  @Test
  void retrievalGradesTheMostFrequentWordTwoAndItsSynonymsOne() {
    WordNetRetrieval.Result r = WordNetRetrieval.generate(wn, 10, 3, 1L);
    Map<String, String> qrels = new TreeMap<>();
    r.qrels().values().forEach(js -> js.forEach(j -> qrels.put(j.queryId() + " " + j.docId(), "" + j.grade())));
    assertThat(qrels)
        .containsExactlyInAnyOrderEntriesOf(Map.of(
            "q00000893 dog", "2", "q00000893 domestic_dog", "1", "q00000893 canis_familiaris", "1",
            "q00001494 cat", "2", "q00001494 true_cat", "1",
            "q00000342 domestic_animal", "2", "q00000342 domesticated_animal", "1",
            "q00001173 wolf", "2"));
    r.qrels().forEach((split, js) -> js.forEach(j -> assertThat(SampleFiles.splitOf(j.queryId())).isEqualTo(split)));
    assertThat(r.queries()).extracting(WordNetRetrieval.Query::id)
        .containsExactly("q00000342", "q00000893", "q00001173", "q00001494");
  }

  @Test
  void documentsDescribeLemmasWithoutAnyDefinition() {
    WordNetRetrieval.Result r = WordNetRetrieval.generate(wn, 10, 3, 1L);
    Map<String, Document> docs = r.corpus().stream().collect(Collectors.toMap(Document::id, d -> d));
    assertThat(docs).containsOnlyKeys("canis_familiaris", "cat", "dog", "domestic_animal", "domestic_dog",
        "domesticated_animal", "true_cat", "wolf");
    assertThat(docs.get("dog").text())
        .isEqualTo("dog: also domestic dog, Canis familiaris; a kind of canine, domestic animal;"
            + " as in \"the dog barked all night\".");
    assertThat(docs.get("cat").text()).isEqualTo("cat: also true cat; a kind of feline; such as domestic cat.");
    assertThat(docs.get("canis_familiaris").title()).isEqualTo("Canis familiaris");
    for (WordNet.Synset s : wn.synsets().values()) {
      for (Document d : r.corpus()) {
        assertThat(d.text()).doesNotContain(s.definition());
      }
    }
  }

  @Test
  void similarityPairsCarryFiveTimesWuPalmerRoundedToTwoDecimals() {
    // the four candidates give six pairs; bins of 10/5 = 2 hold them all:
    // 0.00 ×2 (wolf or cat with domestic animal), 1.67 ×2 (cat with dog or wolf), 3.33 ×2
    List<WordNetSimilarity.Pair> pairs = WordNetSimilarity.generate(wn, 10, 7L);
    Map<String, Double> byId = new TreeMap<>();
    pairs.forEach(p -> byId.put(p.id(), p.score()));
    assertThat(byId).containsExactlyInAnyOrderEntriesOf(Map.of(
        DOMESTIC_ANIMAL + "-" + DOG, 3.33,
        DOMESTIC_ANIMAL + "-" + WOLF, 0.0,
        DOMESTIC_ANIMAL + "-" + CAT, 0.0,
        DOG + "-" + WOLF, 3.33,
        DOG + "-" + CAT, 1.67,
        WOLF + "-" + CAT, 1.67));
  }

  @Test
  void writesBeirAndStsFilesByteIdenticallyTwice() throws IOException {
    WordNetSamples.write(wn, tmp.resolve("a"), 10, 3, 10, 5, 7L);
    WordNetSamples.write(wn, tmp.resolve("b"), 10, 3, 10, 5, 7L);
    Map<String, byte[]> a = SamplesTestFiles.contents(tmp.resolve("a"));
    assertThat(a).containsOnlyKeys(
        "wordnet-retrieval/corpus.jsonl", "wordnet-retrieval/queries.jsonl", "wordnet-retrieval/LICENSE",
        "wordnet-retrieval/qrels/train.tsv", "wordnet-retrieval/qrels/dev.tsv", "wordnet-retrieval/qrels/test.tsv",
        "wordnet-similarity/train.tsv", "wordnet-similarity/dev.tsv", "wordnet-similarity/test.tsv",
        "wordnet-similarity/LICENSE", "wordnet-fewshot/train.jsonl", "wordnet-fewshot/dev.jsonl",
        "wordnet-fewshot/test.jsonl", "wordnet-fewshot/LICENSE");
    assertThat(SamplesTestFiles.contents(tmp.resolve("b"))).containsExactlyEntriesOf(a);

    Path out = tmp.resolve("a");
    List<String> qrelLines = new ArrayList<>();
    for (String split : SampleFiles.SPLITS) {
      List<String> lines = Files.readAllLines(out.resolve("wordnet-retrieval/qrels/" + split + ".tsv"));
      assertThat(lines.get(0)).isEqualTo("query-id\tcorpus-id\tscore");
      qrelLines.addAll(lines.subList(1, lines.size()));
      List<String> sts = Files.readAllLines(out.resolve("wordnet-similarity/" + split + ".tsv"));
      assertThat(sts.get(0)).isEqualTo("genre\tfilename\tyear\tid\tscore\tsentence1\tsentence2");
      sts.subList(1, sts.size()).forEach(l -> assertThat(l.split("\t", -1)).hasSize(7));
    }
    assertThat(qrelLines).contains("q00000893\tdog\t2");
    ObjectMapper json = new ObjectMapper();
    JsonNode dog = Files.readAllLines(out.resolve("wordnet-retrieval/corpus.jsonl")).stream()
        .map(l -> read(json, l)).filter(n -> n.get("_id").asText().equals("dog")).findFirst().orElseThrow();
    assertThat(dog.get("title").asText()).isEqualTo("dog");
    assertThat(Files.readString(out.resolve("wordnet-similarity/LICENSE"))).contains("WordNet 3.0 Copyright 2006");
  }

  @Test
  void aFolderWithoutTheDatabaseFilesSaysWhatIsMissing() {
    assertThatThrownBy(() -> WordNet.load(tmp))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("data.noun")
        .hasMessageContaining("wordnet-sense-index");
  }

  private static JsonNode read(ObjectMapper json, String line) {
    try {
      return json.readTree(line);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
