package dev.magnitude.core.config;

import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * "did you mean magnitude.train.steps?": the known key closest to a key the configuration does not know, by
 * edit distance (Levenshtein: insertions, deletions and substitutions of one character each).
 */
final class KeySuggestions {
  /** The largest edit distance at which a known key is still suggested. */
  static final int MAX_DISTANCE = 3;

  private final Config reference;
  private final List<String> known;

  /** @param reference the defaults: every leaf under {@code magnitude} is a known key */
  KeySuggestions(Config reference) {
    this.reference = reference;
    this.known = reference.hasPath(ConfigLoader.ROOT)
        ? reference.getConfig(ConfigLoader.ROOT).entrySet().stream().map(Map.Entry::getKey)
            .map(k -> ConfigLoader.ROOT + "." + k).sorted().toList()
        : List.of();
  }

  /**
   * {@code "; did you mean <key>?"} for an unknown full key, or "" when no known key is near. A key outside
   * {@code magnitude} whose {@code magnitude.}-prefixed form is known (the wrapper was left out) gets that form.
   */
  String didYouMean(String key) {
    return didYouMean(key, known);
  }

  /** As {@link #didYouMean(String)}, among {@code candidates}. */
  String didYouMean(String key, Collection<String> candidates) {
    String wrapped = ConfigLoader.ROOT + "." + key;
    boolean outside = !key.equals(ConfigLoader.ROOT) && !key.startsWith(ConfigLoader.ROOT + ".");
    if (outside && reference.hasPath(wrapped)) {
      return "; did you mean " + wrapped + "?";
    }
    String best = null;
    int bestDistance = MAX_DISTANCE + 1;
    for (String candidate : candidates) {
      int d = distance(key, candidate);
      if (outside) {
        d = Math.min(d, distance(wrapped, candidate));
      }
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    return best == null ? "" : "; did you mean " + best + "?";
  }

  /** Every known leaf key of the dataset {@code name}: its template's, {@code path}, and magnitude.prepare's. */
  List<String> datasetKeys(String name) {
    List<String> keys = new ArrayList<>();
    String datasets = ConfigLoader.ROOT + ".datasets.";
    String template = datasets + "synthetic.";
    String prepare = ConfigLoader.ROOT + ".prepare.";
    keys.add(datasets + name + ".path");
    for (String k : known) {
      if (k.startsWith(template)) {
        keys.add(datasets + name + "." + k.substring(template.length()));
      } else if (k.startsWith(prepare)) {
        keys.add(datasets + name + "." + k.substring(prepare.length()));
      }
    }
    return keys;
  }

  /** Levenshtein distance of two strings. */
  static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
