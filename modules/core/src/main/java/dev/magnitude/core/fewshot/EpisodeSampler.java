package dev.magnitude.core.fewshot;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Draws N-way K-shot episodes from labelled items, seeded and deterministic: the same items, spec and seed give
 * the same episodes on any machine and Java version, whatever order the items come in.
 *
 * <p>The contract, exactly:
 *
 * <ol>
 *   <li>Classes are the distinct labels, sorted ascending ({@link String#compareTo}); a class's items are its ids,
 *       sorted the same way. A class is eligible when it has at least K + Q items.
 *   <li>Episode e (0-based) draws from its own SplitMix64 generator (Steele, Lea and Flood, 2014, written out
 *       here rather than taken from the JDK, whose generators do not promise their algorithm) whose state starts
 *       at the e-th output of SplitMix64(seed). So episode e does not depend on how many episodes are drawn.
 *   <li>A uniform integer in [0, n) is the generator's output shifted right by one (63 bits) modulo n, redrawn
 *       while it falls in the incomplete last block (no modulo bias).
 *   <li>The episode's classes: a partial Fisher–Yates shuffle of the eligible classes, N steps (step i swaps
 *       position i with i + uniform(C − i)); the first N, in that order. Then, class by class in that order, a
 *       partial Fisher–Yates shuffle of its items, K + Q steps: the first K are its support, the next Q its
 *       queries.
 * </ol>
 */
public final class EpisodeSampler {
  private static final long GOLDEN = 0x9E3779B97F4A7C15L;

  private final TreeMap<String, List<String>> eligible = new TreeMap<>();
  private final int classes;
  private final EpisodeSpec spec;

  /**
   * @param labels item id → class label; ids and labels non-blank
   * @param spec the episodes' shape; at least N classes must have K + Q items
   * @throws IllegalArgumentException naming how many classes are eligible and the largest ones otherwise
   */
  public EpisodeSampler(Map<String, String> labels, EpisodeSpec spec) {
    this.spec = spec;
    TreeMap<String, List<String>> byClass = new TreeMap<>();
    labels.forEach((id, label) -> {
      if (id == null || id.isBlank() || label == null || label.isBlank()) {
        throw new IllegalArgumentException("item '" + id + "' has label '" + label + "'; ids and labels must be non-blank");
      }
      byClass.computeIfAbsent(label, k -> new ArrayList<>()).add(id);
    });
    byClass.forEach((label, ids) -> {
      Collections.sort(ids);
      if (ids.size() >= spec.itemsPerClass()) {
        eligible.put(label, ids);
      }
    });
    this.classes = byClass.size();
    if (eligible.size() < spec.ways()) {
      throw new IllegalArgumentException(spec.ways() + "-way episodes need " + spec.ways() + " classes with at least K + Q = "
          + spec.itemsPerClass() + " items; " + eligible.size() + " of the " + byClass.size() + " classes have that many"
          + " (items per class: " + sizes(byClass) + "); lower ways, shots or queries per class");
    }
  }

  /** The eligible classes, sorted, with their item counts. */
  public Map<String, Integer> eligibleClasses() {
    Map<String, Integer> out = new TreeMap<>();
    eligible.forEach((label, ids) -> out.put(label, ids.size()));
    return out;
  }

  /** All labels seen, eligible or not. */
  public int classCount() {
    return classes;
  }

  /** The spec's episodes, in order. */
  public List<Episode> episodes() {
    List<Episode> out = new ArrayList<>(spec.episodes());
    SplitMix64 seeds = new SplitMix64(spec.seed());
    for (int e = 0; e < spec.episodes(); e++) {
      out.add(episode(new SplitMix64(seeds.next())));
    }
    return out;
  }

  private Episode episode(SplitMix64 random) {
    List<String> labels = new ArrayList<>(eligible.keySet());
    partialShuffle(labels, spec.ways(), random);
    List<String> chosen = labels.subList(0, spec.ways());
    List<List<String>> support = new ArrayList<>();
    List<List<String>> queries = new ArrayList<>();
    for (String label : chosen) {
      List<String> items = new ArrayList<>(eligible.get(label));
      partialShuffle(items, spec.itemsPerClass(), random);
      support.add(items.subList(0, spec.shots()));
      queries.add(items.subList(spec.shots(), spec.itemsPerClass()));
    }
    return new Episode(chosen, support, queries);
  }

  private static void partialShuffle(List<String> items, int steps, SplitMix64 random) {
    for (int i = 0; i < steps; i++) {
      Collections.swap(items, i, i + random.below(items.size() - i));
    }
  }

  private static String sizes(TreeMap<String, List<String>> byClass) {
    StringBuilder sb = new StringBuilder();
    byClass.entrySet().stream().sorted((a, b) -> b.getValue().size() - a.getValue().size()).limit(8)
        .forEach(e -> sb.append(sb.length() == 0 ? "" : ", ").append(e.getKey()).append(' ').append(e.getValue().size()));
    return sb + (byClass.size() > 8 ? ", ..." : "");
  }

  /** SplitMix64: state += golden gamma; output = the state through two xor-shift-multiply rounds. */
  static final class SplitMix64 {
    private long state;

    SplitMix64(long seed) {
      this.state = seed;
    }

    long next() {
      long z = state += GOLDEN;
      z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
      z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
      return z ^ (z >>> 31);
    }

    /** Uniform in [0, n), n ≥ 1. */
    int below(int n) {
      while (true) {
        long r = next() >>> 1;
        long v = r % n;
        if (r - v + (n - 1) >= 0) { // not in the incomplete last block of 2^63
          return (int) v;
        }
      }
    }
  }
}
