package dev.magnitude.core.fewshot;

import java.util.List;

/**
 * One N-way K-shot episode: N classes, K support items and Q query items of each, all distinct.
 *
 * @param classes the N labels, in the order they were drawn
 * @param support support ids per class, parallel to {@code classes}: K each
 * @param queries query ids per class, parallel to {@code classes}: Q each
 */
public record Episode(List<String> classes, List<List<String>> support, List<List<String>> queries) {
  public Episode {
    classes = List.copyOf(classes);
    support = support.stream().map(List::copyOf).toList();
    queries = queries.stream().map(List::copyOf).toList();
    if (support.size() != classes.size() || queries.size() != classes.size()) {
      throw new IllegalArgumentException("an episode has " + classes.size() + " classes but support for " + support.size()
          + " and queries for " + queries.size());
    }
  }

  /** N. */
  public int ways() {
    return classes.size();
  }
}
