package dev.magnitude.samples;

import dev.magnitude.samples.WordNet.Synset;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * A symmetric graded-similarity set from WordNet nouns, in STS-B layout.
 *
 * <p>A pair is two noun synsets, each written as {@code "<head word>: <definition>"}; its score is 5 ×
 * {@link WuPalmer} similarity rounded to two decimals, in [0, 5]. Pair members come from {@link
 * WordNetRetrieval#candidates} (tagged synsets). Candidate pairs are drawn in a seeded round robin of four
 * kinds — siblings (a shared direct hypernym), cousins (a shared grandparent), parent and child, and
 * random pairs — and a pair is kept while its score bin ([0,1), [1,2), [2,3), [3,4), [4,5]) holds fewer than
 * {@code pairs / 5}, so scores spread over the range (the lowest bin is rare in WordNet and may stay
 * short). The split of a pair is {@link SampleFiles#splitOf} of its id {@code <offsetA>-<offsetB>}.
 */
final class WordNetSimilarity {
  static final int BINS = 5;
  private static final int MAX_DRAWS_PER_PAIR = 200;

  record Pair(String id, Synset a, Synset b, double score) {}

  private WordNetSimilarity() {}

  static List<Pair> generate(WordNet wn, int pairs, long seed) {
    List<Synset> pool = WordNetRetrieval.candidates(wn);
    Set<String> inPool = new HashSet<>();
    pool.forEach(s -> inPool.add(s.offset()));
    WuPalmer wup = new WuPalmer(wn);
    Random random = new Random(seed);
    int cap = (pairs + BINS - 1) / BINS;
    int[] filled = new int[BINS];
    Set<String> seen = new HashSet<>();
    List<Pair> out = new ArrayList<>();
    long draws = (long) pairs * MAX_DRAWS_PER_PAIR;
    for (long draw = 0; draw < draws && out.size() < pairs; draw++) {
      Synset a = pool.get(random.nextInt(pool.size()));
      String b = partner(wn, a.offset(), (int) (draw % 4), pool, random);
      if (b == null || b.equals(a.offset()) || !inPool.contains(b)) {
        continue;
      }
      String first = a.offset().compareTo(b) < 0 ? a.offset() : b;
      String second = first.equals(b) ? a.offset() : b;
      String id = first + "-" + second;
      if (!seen.add(id)) {
        continue;
      }
      double score = Math.round(500 * wup.similarity(first, second)) / 100.0;
      int bin = Math.min(BINS - 1, (int) score);
      if (filled[bin] < cap) {
        filled[bin]++;
        out.add(new Pair(id, wn.synset(first), wn.synset(second), score));
      }
    }
    return out;
  }

  /** 0 sibling, 1 cousin, 2 parent or child, 3 random; null when the synset has no such relative. */
  private static String partner(WordNet wn, String a, int kind, List<Synset> pool, Random random) {
    switch (kind) {
      case 0:
        return down(wn, up(wn, a, random), random);
      case 1:
        return down(wn, down(wn, up(wn, up(wn, a, random), random), random), random);
      case 2:
        return random.nextBoolean() ? up(wn, a, random) : down(wn, a, random);
      default:
        return pool.get(random.nextInt(pool.size())).offset();
    }
  }

  private static String up(WordNet wn, String s, Random random) {
    if (s == null) {
      return null;
    }
    List<String> h = wn.synset(s).hypernyms();
    return h.isEmpty() ? null : h.get(random.nextInt(h.size()));
  }

  private static String down(WordNet wn, String s, Random random) {
    if (s == null) {
      return null;
    }
    List<String> h = wn.hyponyms(s);
    return h.isEmpty() ? null : h.get(random.nextInt(h.size()));
  }

  static String sentence(Synset s) {
    return WordNet.display(s.head()) + ": " + s.definition();
  }

  /** Writes {train,dev,test}.tsv with the STS-B header; row ids count from 0 within each file. */
  static void write(List<Pair> pairs, Path dir) throws IOException {
    Map<String, List<String>> rows = new LinkedHashMap<>();
    for (String split : SampleFiles.SPLITS) {
      rows.put(split, new ArrayList<>(List.of(SampleFiles.STS_HEADER)));
    }
    for (Pair p : pairs) {
      List<String> lines = rows.get(SampleFiles.splitOf(p.id()));
      String rowId = String.format(java.util.Locale.ROOT, "%04d", lines.size() - 1);
      lines.add(SampleFiles.stsRow("wordnet", "wup-" + p.id(), "wn30", rowId, p.score(), sentence(p.a()), sentence(p.b())));
    }
    for (Map.Entry<String, List<String>> e : rows.entrySet()) {
      SampleFiles.writeLines(dir.resolve(e.getKey() + ".tsv"), e.getValue());
    }
  }
}
