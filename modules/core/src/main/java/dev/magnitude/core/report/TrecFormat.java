package dev.magnitude.core.report;

import dev.magnitude.core.metrics.ScoredDoc;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Writers of the two TREC text formats trec_eval reads, so anyone can check Magnitude's numbers.
 *
 * <ul>
 *   <li>Run file, one line per retrieved document: {@code qid Q0 docid rank score runtag}. Queries in id
 *       order; within a query the documents in {@link ScoredDoc#RANKING_ORDER} (score descending, ties
 *       by doc id descending, which is also the order trec_eval re-sorts a run into), rank counting
 *       from 1. The score is Java's shortest decimal that reads back as the same double
 *       ({@link Double#toString}, e.g. {@code 0.1}, {@code 1.0E-5}; C's atof reads both), so the order
 *       trec_eval sees is exactly the order ranked here.
 *   <li>Qrels, one line per judgement: {@code qid 0 docid rel}, queries then documents in id order.
 * </ul>
 *
 * Fields are separated by one space and every line ends with {@code \n}. Ids and the run tag must be
 * non-empty and free of white space (trec_eval splits on it); scores must be finite.
 */
public final class TrecFormat {

  private TrecFormat() {}

  /**
   * The run file of one system.
   *
   * @param rankings queryId → its scored documents, in any order (they are sorted here); each doc id
   *     at most once per query
   * @param runTag the run's name in the last column, e.g. the run id and variant
   */
  public static String runFile(Map<String, List<ScoredDoc>> rankings, String runTag) {
    Objects.requireNonNull(rankings, "rankings must not be null");
    checkToken(runTag, "run tag");
    StringBuilder out = new StringBuilder();
    for (Map.Entry<String, List<ScoredDoc>> query : new TreeMap<>(rankings).entrySet()) {
      String qid = query.getKey();
      checkToken(qid, "query id");
      Objects.requireNonNull(query.getValue(), "ranking of query " + qid + " is null; pass an empty list");
      List<ScoredDoc> docs = new ArrayList<>(query.getValue());
      docs.sort(ScoredDoc.RANKING_ORDER);
      java.util.Set<String> seen = new java.util.HashSet<>();
      for (int i = 0; i < docs.size(); i++) {
        ScoredDoc doc = docs.get(i);
        checkToken(doc.docId(), "doc id of query " + qid);
        if (!Double.isFinite(doc.score())) {
          throw new IllegalArgumentException(
              "doc " + doc.docId() + " of query " + qid + " has score " + doc.score()
                  + "; a run file needs finite scores (trec_eval cannot order NaN)");
        }
        if (!seen.add(doc.docId())) {
          throw new IllegalArgumentException(
              "query " + qid + " lists doc " + doc.docId() + " twice; trec_eval rejects duplicates");
        }
        out.append(qid).append(" Q0 ").append(doc.docId()).append(' ').append(i + 1).append(' ')
            .append(Double.toString(doc.score())).append(' ').append(runTag).append('\n');
      }
    }
    return out.toString();
  }

  /**
   * The qrels of one evaluation set.
   *
   * @param qrels queryId → (docId → relevance); relevance may be 0 or negative (judged not relevant)
   */
  public static String qrels(Map<String, Map<String, Integer>> qrels) {
    Objects.requireNonNull(qrels, "qrels must not be null");
    StringBuilder out = new StringBuilder();
    for (Map.Entry<String, Map<String, Integer>> query : new TreeMap<>(qrels).entrySet()) {
      String qid = query.getKey();
      checkToken(qid, "query id");
      Objects.requireNonNull(query.getValue(), "judgements of query " + qid + " are null; pass an empty map");
      for (Map.Entry<String, Integer> judgement : new TreeMap<>(query.getValue()).entrySet()) {
        checkToken(judgement.getKey(), "doc id of query " + qid);
        if (judgement.getValue() == null) {
          throw new IllegalArgumentException(
              "judgement of doc " + judgement.getKey() + " for query " + qid + " is null; give it a relevance");
        }
        out.append(qid).append(" 0 ").append(judgement.getKey()).append(' ').append(judgement.getValue()).append('\n');
      }
    }
    return out.toString();
  }

  private static void checkToken(String value, String what) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException(what + " is " + (value == null ? "null" : "empty") + "; TREC fields must be non-empty");
    }
    for (int i = 0; i < value.length(); i++) {
      if (Character.isWhitespace(value.charAt(i)) || Character.isSpaceChar(value.charAt(i))) {
        throw new IllegalArgumentException(
            what + " '" + value + "' contains white space at index " + i + "; trec_eval splits fields on it");
      }
    }
  }
}
