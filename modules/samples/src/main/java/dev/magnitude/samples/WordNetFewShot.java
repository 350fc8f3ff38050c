package dev.magnitude.samples;

import dev.magnitude.samples.WordNet.Synset;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * A few-shot classification set from WordNet nouns: the definition of a noun synset, labelled by the
 * lexicographer file it belongs to ({@code noun.animal}, {@code noun.artifact}, ... 26 classes).
 *
 * <ul>
 *   <li><b>Items</b> ({@code n<offset>}): a synset's definition (its gloss without the usage examples) of at least
 *       {@link #MIN_DEFINITION_WORDS} words. A definition shared by several synsets is left out, all copies: its
 *       label would be ambiguous.
 *   <li><b>Labels</b>: the name of the synset's lexicographer file, from its lex_filenum by the table of
 *       lexnames(5WN) ({@link #NOUN_FILES}).
 *   <li><b>Selection</b>: per class, in lex_filenum order, the candidates by offset are shuffled by one
 *       {@code java.util.Random(seed)} (Collections.shuffle, class after class) and the first {@code perClass}
 *       kept; smaller classes keep all.
 *   <li><b>Splits</b>: an item's split is {@link SampleFiles#splitOf} of its id, so a class's share of each split
 *       varies around 70 / 15 / 15.
 * </ul>
 */
final class WordNetFewShot {
  static final int MIN_DEFINITION_WORDS = 3;
  /** lexnames(5WN): lex_filenum 3..28 are the noun files, in this order. */
  static final List<String> NOUN_FILES = List.of(
      "noun.Tops", "noun.act", "noun.animal", "noun.artifact", "noun.attribute", "noun.body", "noun.cognition",
      "noun.communication", "noun.event", "noun.feeling", "noun.food", "noun.group", "noun.location", "noun.motive",
      "noun.object", "noun.person", "noun.phenomenon", "noun.plant", "noun.possession", "noun.process",
      "noun.quantity", "noun.relation", "noun.shape", "noun.state", "noun.substance", "noun.time");
  static final int FIRST_NOUN_FILE = 3;

  record Item(String id, String text, String label) {}

  private WordNetFewShot() {}

  /** The label of a lex_filenum of a noun synset. */
  static String label(int lexFile) {
    int i = lexFile - FIRST_NOUN_FILE;
    if (i < 0 || i >= NOUN_FILES.size()) {
      throw new IllegalArgumentException("lex_filenum " + lexFile + " is not a noun file; nouns have 3..28 (lexnames(5WN))");
    }
    return NOUN_FILES.get(i);
  }

  /** Items by split (train, dev, test), each by id ascending. */
  static Map<String, List<Item>> generate(WordNet wn, int perClass, long seed) {
    Map<String, Integer> definitionCounts = new HashMap<>();
    wn.synsets().values().forEach(s -> definitionCounts.merge(s.definition(), 1, Integer::sum));
    Map<Integer, List<Synset>> byFile = new TreeMap<>();
    for (Synset s : wn.synsets().values()) { // offset order
      if (s.definition().split("\\s+").length >= MIN_DEFINITION_WORDS && definitionCounts.get(s.definition()) == 1) {
        byFile.computeIfAbsent(s.lexFile(), k -> new ArrayList<>()).add(s);
      }
    }
    Random random = new Random(seed);
    Map<String, List<Item>> splits = new LinkedHashMap<>();
    SampleFiles.SPLITS.forEach(split -> splits.put(split, new ArrayList<>()));
    for (Map.Entry<Integer, List<Synset>> e : byFile.entrySet()) {
      String label = label(e.getKey());
      List<Synset> picked = new ArrayList<>(e.getValue());
      Collections.shuffle(picked, random);
      for (Synset s : picked.subList(0, Math.min(perClass, picked.size()))) {
        String id = "n" + s.offset();
        splits.get(SampleFiles.splitOf(id)).add(new Item(id, s.definition(), label));
      }
    }
    splits.values().forEach(items -> items.sort(Comparator.comparing(Item::id)));
    return splits;
  }

  /** Writes {train,dev,test}.jsonl, one {@code {"_id","text","label"}} object per line, into {@code dir}. */
  static void write(Map<String, List<Item>> splits, Path dir) throws IOException {
    for (Map.Entry<String, List<Item>> e : splits.entrySet()) {
      List<String> lines = new ArrayList<>();
      for (Item item : e.getValue()) {
        lines.add(SampleFiles.jsonObject("_id", item.id(), "text", item.text(), "label", item.label()));
      }
      SampleFiles.writeLines(dir.resolve(e.getKey() + ".jsonl"), lines);
    }
  }
}
