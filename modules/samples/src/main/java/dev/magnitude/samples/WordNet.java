package dev.magnitude.samples;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The noun part of a WordNet 3.0 database as the sample generators need it: synsets with their words,
 * hypernyms (pointers {@code @} and {@code @i}), definition and usage examples from {@code data.noun},
 * and per-sense tag counts and sense numbers from {@code index.sense}.
 *
 * <p>{@code data.noun} line format (wndb(5WN)): {@code synset_offset lex_filenum ss_type w_cnt word lex_id
 * [word lex_id...] p_cnt [ptr...] | gloss}, where w_cnt is two hex digits, p_cnt three decimal digits and
 * each pointer is {@code pointer_symbol synset_offset pos source/target}. Lines starting with two spaces
 * are the licence header. {@code index.sense} lines (senseidx(5WN)): {@code sense_key synset_offset
 * sense_number tag_cnt}; noun sense keys have ss_type 1 ({@code lemma%1:...}).
 *
 * <p>Pointers to synsets that are not in the file are dropped, so a hand-cut excerpt of the database
 * is a valid, smaller hierarchy.
 */
final class WordNet {
  /**
   * A noun synset. Words keep their case from data.noun; examples are without their quotes; lexFile is the
   * lexicographer file number (lex_filenum, 3..28 for nouns: noun.Tops .. noun.time, see lexnames(5WN)).
   */
  record Synset(String offset, int lexFile, List<String> words, List<String> hypernyms, String definition,
      List<String> examples) {
    /** The first word, the synset's head word in WordNet order. */
    String head() {
      return words.get(0);
    }
  }

  /** One noun sense of a lemma. */
  record Sense(String lemma, String offset, int senseNumber, int tagCount) {}

  private final Map<String, Synset> synsets;
  private final Map<String, List<String>> hyponyms;
  private final Map<String, List<Sense>> sensesByLemma;
  private final Map<String, Integer> tagCounts;

  private WordNet(Map<String, Synset> synsets, List<Sense> senses) {
    this.synsets = synsets;
    Map<String, List<String>> hypo = new HashMap<>();
    for (Synset s : synsets.values()) {
      for (String h : s.hypernyms()) {
        hypo.computeIfAbsent(h, k -> new ArrayList<>()).add(s.offset());
      }
    }
    hypo.values().forEach(Collections::sort);
    this.hyponyms = hypo;
    Map<String, List<Sense>> byLemma = new TreeMap<>();
    Map<String, Integer> counts = new HashMap<>();
    for (Sense s : senses) {
      if (synsets.containsKey(s.offset())) {
        byLemma.computeIfAbsent(s.lemma(), k -> new ArrayList<>()).add(s);
        counts.put(key(s.lemma(), s.offset()), s.tagCount());
      }
    }
    byLemma.values().forEach(l -> l.sort(Comparator.comparingInt(Sense::senseNumber)));
    this.sensesByLemma = byLemma;
    this.tagCounts = counts;
  }

  /** Reads {@code data.noun} and {@code index.sense} from a WordNet dict folder such as /usr/share/wordnet. */
  static WordNet load(Path dir) throws IOException {
    Path data = dir.resolve("data.noun");
    Path index = dir.resolve("index.sense");
    for (Path p : List.of(data, index)) {
      if (!Files.isRegularFile(p)) {
        throw new IllegalArgumentException(
            "missing " + p + "; a WordNet 3.0 dict folder holds data.noun and index.sense"
                + " (Debian: apt-get install wordnet-base wordnet-sense-index, folder /usr/share/wordnet)");
      }
    }
    Map<String, Synset> synsets = new TreeMap<>();
    try (BufferedReader r = Files.newBufferedReader(data, StandardCharsets.UTF_8)) {
      String line;
      int n = 0;
      while ((line = r.readLine()) != null) {
        n++;
        if (line.startsWith("  ") || line.isBlank()) {
          continue;
        }
        try {
          Synset s = parseDataLine(line);
          synsets.put(s.offset(), s);
        } catch (RuntimeException e) {
          throw new IllegalArgumentException(data + ":" + n + ": not a data.noun line: " + e.getMessage(), e);
        }
      }
    }
    Map<String, Synset> resolved = new TreeMap<>();
    for (Synset s : synsets.values()) {
      List<String> hypernyms = s.hypernyms().stream().filter(synsets::containsKey).toList();
      resolved.put(s.offset(), new Synset(s.offset(), s.lexFile(), s.words(), hypernyms, s.definition(), s.examples()));
    }
    List<Sense> senses = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(index, StandardCharsets.UTF_8)) {
      String line;
      while ((line = r.readLine()) != null) {
        String[] f = line.split(" ");
        if (f.length == 4 && f[0].contains("%1:")) {
          senses.add(new Sense(f[0].substring(0, f[0].indexOf('%')), f[1], Integer.parseInt(f[2]), Integer.parseInt(f[3])));
        }
      }
    }
    return new WordNet(Collections.unmodifiableMap(resolved), senses);
  }

  static Synset parseDataLine(String line) {
    int bar = line.indexOf(" | ");
    String head = bar < 0 ? line.trim() : line.substring(0, bar);
    String gloss = bar < 0 ? "" : line.substring(bar + 3).trim();
    String[] f = head.trim().split(" ");
    int i = 0;
    String offset = f[i++];
    int lexFile = Integer.parseInt(f[i++]);
    i++; // ss_type
    int wCnt = Integer.parseInt(f[i++], 16);
    List<String> words = new ArrayList<>();
    for (int w = 0; w < wCnt; w++) {
      words.add(f[i]);
      i += 2; // word, lex_id
    }
    int pCnt = Integer.parseInt(f[i++]);
    List<String> hypernyms = new ArrayList<>();
    for (int p = 0; p < pCnt; p++) {
      String symbol = f[i];
      if ((symbol.equals("@") || symbol.equals("@i")) && f[i + 2].equals("n")) {
        hypernyms.add(f[i + 1]);
      }
      i += 4;
    }
    List<String> definition = new ArrayList<>();
    List<String> examples = new ArrayList<>();
    for (String part : gloss.split(";")) {
      String t = part.trim();
      if (t.startsWith("\"")) {
        int close = t.indexOf('"', 1);
        String ex = (close < 0 ? t.substring(1) : t.substring(1, close)).trim();
        if (!ex.isEmpty()) {
          examples.add(ex);
        }
      } else if (!t.isEmpty() && examples.isEmpty()) {
        definition.add(t);
      }
    }
    return new Synset(offset, lexFile, List.copyOf(words), List.copyOf(hypernyms), String.join("; ", definition),
        List.copyOf(examples));
  }

  /** The lemma form of a word: lower case, as in sense keys ("Canis_familiaris" → "canis_familiaris"). */
  static String lemma(String word) {
    return word.toLowerCase(java.util.Locale.ROOT);
  }

  /** A word for people: underscores as spaces. */
  static String display(String word) {
    return word.replace('_', ' ');
  }

  private static String key(String lemma, String offset) {
    return lemma + ' ' + offset;
  }

  /** All noun synsets, by offset ascending. */
  Map<String, Synset> synsets() {
    return synsets;
  }

  Synset synset(String offset) {
    Synset s = synsets.get(offset);
    if (s == null) {
      throw new IllegalArgumentException("no noun synset " + offset);
    }
    return s;
  }

  /** Direct hyponyms (inverse hypernym pointers), by offset ascending. */
  List<String> hyponyms(String offset) {
    return hyponyms.getOrDefault(offset, List.of());
  }

  /** The noun senses of a lemma by sense number (most frequent first); empty when unknown. */
  List<Sense> senses(String lemma) {
    return sensesByLemma.getOrDefault(lemma, List.of());
  }

  /** Tag count of a word in a synset from index.sense; 0 when the sense is not listed. */
  int tagCount(String word, String offset) {
    return tagCounts.getOrDefault(key(lemma(word), offset), 0);
  }

  /** Sum of the tag counts of the synset's words. */
  int tagCount(Synset s) {
    int sum = 0;
    for (String w : s.words()) {
      sum += tagCount(w, s.offset());
    }
    return sum;
  }
}
