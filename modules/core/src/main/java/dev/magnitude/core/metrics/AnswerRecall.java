package dev.magnitude.core.metrics;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * QA answer recall@k (DPR's "top-k accuracy"): a query is a hit at k when any of its top-k retrieved
 * passages contains any of its gold answer strings, both normalized by {@link #normalize}.
 *
 * <p>"Contains" is a match of whole tokens: the normalized answer must occur in the normalized passage
 * starting and ending at a space or at the passage's ends, so "paris" is found in "in paris france" but
 * not in "parisian" (DPR's has_answer matches token sequences for the same reason). An answer that
 * normalizes to the empty string ("The", "!!") matches nothing. Answer recall@k of a query set is the
 * fraction of its queries that are hits; a query without a retrieved passage is a miss.
 */
public final class AnswerRecall {

  private static final String ASCII_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

  private AnswerRecall() {}

  /**
   * SQuAD's answer normalization, made precise for Unicode, in this order:
   *
   * <ol>
   *   <li>Unicode NFKC, so compatibility forms fold (fullwidth "Ｐａｒｉｓ" → "Paris", "ﬁ" → "fi");
   *       accents are kept ("café" ≠ "cafe"), as in SQuAD;
   *   <li>lower case, {@link Locale#ROOT} (no Turkish dotless-i rules; so "İ" becomes "i" plus a
   *       combining dot above, and "İstanbul" does not match "Istanbul");
   *   <li>delete punctuation: the 32 ASCII punctuation characters of Python's
   *       {@code string.punctuation} (SQuAD's set, which includes symbols such as $ + &lt; = &gt; ^ ` | ~)
   *       and every Unicode punctuation character (general categories Pc Pd Ps Pe Pi Pf Po, e.g.
   *       « » “ ” ‘ ’ – — ¿ 。). Deleted, not replaced by a space: "U.S." → "us", "don't" → "dont",
   *       "well-known" → "wellknown";
   *   <li>drop the whole words "a", "an" and "the" (after lower-casing and punctuation removal, so
   *       "The" and "(the)" go; "theory" and "anna" stay);
   *   <li>collapse every run of whitespace (Unicode white space, including no-break space) into one
   *       space and trim.
   * </ol>
   *
   * Steps 3–5 are SQuAD v1.1's {@code normalize_answer} (lower, remove_punc, remove_articles,
   * white_space_fix) with the punctuation set widened to Unicode.
   */
  public static String normalize(String text) {
    Objects.requireNonNull(text, "text must not be null");
    String folded = Normalizer.normalize(text, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
    StringBuilder noPunctuation = new StringBuilder(folded.length());
    folded.codePoints()
        .filter(cp -> !isPunctuation(cp))
        .forEach(cp -> noPunctuation.appendCodePoint(Character.isWhitespace(cp) || Character.isSpaceChar(cp) ? ' ' : cp));
    StringBuilder out = new StringBuilder(noPunctuation.length());
    for (String token : noPunctuation.toString().split(" ")) {
      if (token.isEmpty() || token.equals("a") || token.equals("an") || token.equals("the")) {
        continue;
      }
      if (out.length() > 0) {
        out.append(' ');
      }
      out.append(token);
    }
    return out.toString();
  }

  /**
   * Whether any of the first k passages contains any answer (see the class javadoc).
   *
   * @param passages texts of the retrieved passages, best first (in {@link ScoredDoc#RANKING_ORDER})
   * @param answers gold answer strings of the query, at least one
   * @param k cutoff, > 0; may exceed the number of passages
   */
  public static boolean hitAt(List<String> passages, List<String> answers, int k) {
    RetrievalMetrics.checkCutoff(k);
    Objects.requireNonNull(passages, "passages must not be null; pass an empty list when nothing was retrieved");
    List<String> normalizedAnswers = normalizedAnswers(answers);
    int depth = Math.min(k, passages.size());
    for (int i = 0; i < depth; i++) {
      String passage = passages.get(i);
      if (passage == null) {
        throw new IllegalArgumentException("passage at rank " + (i + 1) + " is null; look up every retrieved passage's text");
      }
      if (containsAny(" " + normalize(passage) + " ", normalizedAnswers)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The 1-based rank of the first passage that contains an answer, or 0 when none of the passages
   * does; a query is a hit at k iff 0 &lt; rank ≤ k, so one pass serves every cutoff.
   */
  public static int firstHitRank(List<String> passages, List<String> answers) {
    Objects.requireNonNull(passages, "passages must not be null; pass an empty list when nothing was retrieved");
    List<String> normalizedAnswers = normalizedAnswers(answers);
    for (int i = 0; i < passages.size(); i++) {
      String passage = passages.get(i);
      if (passage == null) {
        throw new IllegalArgumentException("passage at rank " + (i + 1) + " is null; look up every retrieved passage's text");
      }
      if (containsAny(" " + normalize(passage) + " ", normalizedAnswers)) {
        return i + 1;
      }
    }
    return 0;
  }

  /**
   * Per-query hits (1.0 or 0.0) at k, by query id (sorted): the per-query input of the paired test;
   * their mean is answer recall@k.
   *
   * @param retrieved queryId → retrieved passage texts, best first; a query absent here is a miss
   * @param answers queryId → gold answers; defines the query set
   */
  public static Map<String, Double> perQuery(
      Map<String, List<String>> retrieved, Map<String, List<String>> answers, int k) {
    RetrievalMetrics.checkCutoff(k);
    Objects.requireNonNull(retrieved, "retrieved must not be null");
    Objects.requireNonNull(answers, "answers must not be null");
    Map<String, Double> hits = new TreeMap<>();
    for (Map.Entry<String, List<String>> query : answers.entrySet()) {
      List<String> passages = retrieved.getOrDefault(query.getKey(), List.of());
      try {
        hits.put(query.getKey(), hitAt(passages, query.getValue(), k) ? 1.0 : 0.0);
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new IllegalArgumentException("query '" + query.getKey() + "': " + e.getMessage(), e);
      }
    }
    return hits;
  }

  /** Mean of {@link #perQuery}; NaN for no query. */
  public static double recallAt(Map<String, List<String>> retrieved, Map<String, List<String>> answers, int k) {
    Map<String, Double> hits = perQuery(retrieved, answers, k);
    return hits.isEmpty() ? Double.NaN : hits.values().stream().mapToDouble(Double::doubleValue).average().orElseThrow();
  }

  private static List<String> normalizedAnswers(List<String> answers) {
    Objects.requireNonNull(answers, "answers must not be null");
    if (answers.isEmpty()) {
      throw new IllegalArgumentException("no gold answer given; a QA query needs at least one answer string");
    }
    List<String> out = new ArrayList<>(answers.size());
    for (String answer : answers) {
      if (answer == null) {
        throw new IllegalArgumentException("a gold answer is null; drop it or give its text");
      }
      String normalized = normalize(answer);
      if (!normalized.isEmpty()) {
        out.add(" " + normalized + " ");
      }
    }
    return out;
  }

  private static boolean containsAny(String paddedPassage, List<String> paddedAnswers) {
    for (String answer : paddedAnswers) {
      if (paddedPassage.contains(answer)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isPunctuation(int cp) {
    if (cp < 128) {
      return ASCII_PUNCTUATION.indexOf(cp) >= 0;
    }
    switch (Character.getType(cp)) {
      case Character.CONNECTOR_PUNCTUATION:
      case Character.DASH_PUNCTUATION:
      case Character.START_PUNCTUATION:
      case Character.END_PUNCTUATION:
      case Character.INITIAL_QUOTE_PUNCTUATION:
      case Character.FINAL_QUOTE_PUNCTUATION:
      case Character.OTHER_PUNCTUATION:
        return true;
      default:
        return false;
    }
  }
}
