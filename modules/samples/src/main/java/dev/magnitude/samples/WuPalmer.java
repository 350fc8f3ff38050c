package dev.magnitude.samples;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Wu–Palmer similarity over the noun hypernym graph, as NLTK computes it without a simulated root.
 *
 * <p>depth(c) = 1 + the longest hypernym path from c up to a root (a root has depth 1). For two synsets a
 * and b and a common hypernym c (a synset counts as its own hypernym), the score through c is
 * {@code 2·depth(c) / ((dist(a,c) + depth(c)) + (dist(b,c) + depth(c)))} with dist the shortest number of
 * hypernym steps. The subsumer is a common hypernym of greatest depth; when several have that depth the
 * highest score among them is taken, so the result does not depend on iteration order. Synsets without a
 * common hypernym (different roots) score 0; a synset with itself scores 1.
 */
final class WuPalmer {
  private final WordNet wordNet;
  private final Map<String, Integer> depth = new HashMap<>();

  WuPalmer(WordNet wordNet) {
    this.wordNet = wordNet;
  }

  /** Similarity in [0, 1]. */
  double similarity(String a, String b) {
    Map<String, Integer> upA = ancestors(a);
    Map<String, Integer> upB = ancestors(b);
    int bestDepth = -1;
    double best = 0;
    for (Map.Entry<String, Integer> e : upA.entrySet()) {
      Integer distB = upB.get(e.getKey());
      if (distB == null) {
        continue;
      }
      int d = depth(e.getKey());
      double score = 2.0 * d / (e.getValue() + d + distB + d);
      if (d > bestDepth || (d == bestDepth && score > best)) {
        bestDepth = d;
        best = score;
      }
    }
    return best;
  }

  /** The synset itself (distance 0) and every hypernym with its shortest distance, breadth first. */
  Map<String, Integer> ancestors(String offset) {
    Map<String, Integer> dist = new LinkedHashMap<>();
    Deque<String> queue = new ArrayDeque<>();
    dist.put(offset, 0);
    queue.add(offset);
    while (!queue.isEmpty()) {
      String s = queue.poll();
      for (String h : wordNet.synset(s).hypernyms()) {
        if (!dist.containsKey(h)) {
          dist.put(h, dist.get(s) + 1);
          queue.add(h);
        }
      }
    }
    return dist;
  }

  /** 1 + longest hypernym path to a root. WordNet's noun hierarchy is acyclic. */
  int depth(String offset) {
    Integer known = depth.get(offset);
    if (known != null) {
      return known;
    }
    int d = 1;
    for (String h : wordNet.synset(offset).hypernyms()) {
      d = Math.max(d, depth(h) + 1);
    }
    depth.put(offset, d);
    return d;
  }
}
