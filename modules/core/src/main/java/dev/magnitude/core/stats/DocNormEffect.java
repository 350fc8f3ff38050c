package dev.magnitude.core.stats;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The document-norm effect of one run on one evaluation set: do relevant documents have larger
 * embedding norms than documents relevant to no query?
 *
 * <p>Contrast: relevant vs never-relevant. The relevant group is the multiset of norms over (query,
 * relevant document) pairs: a document relevant to 3 queries counts 3 times, so the group, and d, are
 * a function of the sample of queries. The never-relevant group is every document of the corpus that
 * is relevant to no query, each once; it stays fixed while queries are resampled. d is Cohen's d of
 * relevant minus never-relevant (positive: relevant documents have larger norms), g is Hedges' g, and
 * [ciLow, ciHigh] is the percentile bootstrap interval of d over the queries with at least one relevant
 * document, resampled with replacement ({@link Bootstrap}, seeded). Queries with no relevant document
 * take no part. Every statistic is NaN when undefined (see {@link EffectSize}); resamples where d is
 * NaN are skipped and counted.
 *
 * <p>Reproducibility: queries and their documents are visited in id order, so the same inputs and seed
 * give the same interval whatever the maps' iteration order; the never-relevant moments are summed in
 * {@code docNorms}' iteration order (last-bit differences at most).
 *
 * @param nQueries queries with at least one relevant document: the resampling units
 * @param nRelevantPairs (query, relevant document) pairs: the size of the relevant group
 * @param nNeverRelevant documents relevant to no query: the size of the never-relevant group
 * @param skippedResamples resamples whose d was NaN, left out of the interval
 */
public record DocNormEffect(
    double d,
    double g,
    double ciLow,
    double ciHigh,
    double level,
    int nQueries,
    long nRelevantPairs,
    long nNeverRelevant,
    double meanRelevantNorm,
    double meanNeverRelevantNorm,
    int skippedResamples) {

  /**
   * Computes the effect and its bootstrap interval.
   *
   * @param docNorms docId → embedding norm, for every document of the corpus; norms must be finite
   * @param relevantByQuery queryId → ids of its documents with relevance ≥ 1; each id must be in docNorms
   * @param samples bootstrap resamples, > 0 (e.g. 1000)
   * @param seed seed of the {@link java.util.SplittableRandom} that draws the resamples
   * @param level confidence level in (0, 1), e.g. 0.95
   */
  public static DocNormEffect compute(
      Map<String, Double> docNorms,
      Map<String, Set<String>> relevantByQuery,
      int samples,
      long seed,
      double level) {
    Objects.requireNonNull(docNorms, "docNorms must not be null");
    Objects.requireNonNull(relevantByQuery, "relevantByQuery must not be null");
    return compute(docNorms, relevantByQuery, neverRelevantMoments(docNorms, relevantByQuery), samples, seed, level);
  }

  /**
   * The same effect for corpora too large for one map: only the relevant documents' norms, and the
   * never-relevant group as its moments (e.g. summed per document shard in Spark and combined).
   *
   * @param relevantNorms docId → norm for (at least) every document relevant to some query
   * @param neverRelevant moments of the norms of every document relevant to no query
   */
  public static DocNormEffect compute(
      Map<String, Double> relevantNorms,
      Map<String, Set<String>> relevantByQuery,
      Moments neverRelevant,
      int samples,
      long seed,
      double level) {
    Objects.requireNonNull(relevantNorms, "relevantNorms must not be null");
    Objects.requireNonNull(relevantByQuery, "relevantByQuery must not be null");
    Objects.requireNonNull(neverRelevant, "neverRelevant must not be null");
    Bootstrap.checkSamples(samples);
    Bootstrap.checkLevel(level);
    List<Moments> byQuery = relevantMomentsByQuery(relevantNorms, relevantByQuery);
    Moments relevant = union(byQuery);
    double d = EffectSize.cohensD(relevant, neverRelevant);
    double g = EffectSize.hedgesG(d, relevant.count(), neverRelevant.count());
    Bootstrap.Result ci = byQuery.isEmpty()
        ? new Bootstrap.Result(new Bootstrap.Interval(Double.NaN, Double.NaN, level), 0, samples)
        : Bootstrap.percentileInterval(
            byQuery.size(),
            drawn -> EffectSize.cohensD(union(byQuery, drawn), neverRelevant),
            samples, seed, level);
    return new DocNormEffect(
        d, g, ci.interval().low(), ci.interval().high(), level,
        byQuery.size(), relevant.count(), neverRelevant.count(),
        relevant.mean(), neverRelevant.mean(), ci.skippedSamples());
  }

  /**
   * The second contrast of the document-norm effect: relevant vs retrieved non-relevant. Per query, the
   * relevant group is its relevant documents' norms and the other group the norms of the documents it
   * retrieved (its top ranks under one scoring) that are not relevant to it; both groups are multisets over
   * (query, document) pairs, so both are resampled with the queries. d is Cohen's d of relevant minus
   * retrieved non-relevant, g Hedges' g, [ciLow, ciHigh] the percentile bootstrap interval over the queries
   * with at least one relevant document (the same units and seed rule as {@link #compute}). In the result,
   * {@code nNeverRelevant} and {@code meanNeverRelevantNorm} describe the retrieved non-relevant group.
   *
   * <p>Where it differs from the first contrast: a never-relevant document is one the corpus holds but no
   * query wants; a retrieved non-relevant one is a document the model ranks high for a query it does not
   * answer, so this contrast asks whether the norm separates what the ranking confuses.
   *
   * @param docNorms docId → norm, for at least every relevant and every retrieved document
   * @param relevantByQuery queryId → ids of its documents with relevance ≥ 1
   * @param retrievedByQuery queryId → the ids it retrieved (any order; ids relevant to the query are skipped)
   */
  public static DocNormEffect relevantVsRetrieved(
      Map<String, Double> docNorms,
      Map<String, Set<String>> relevantByQuery,
      Map<String, List<String>> retrievedByQuery,
      int samples,
      long seed,
      double level) {
    Objects.requireNonNull(docNorms, "docNorms must not be null");
    Objects.requireNonNull(relevantByQuery, "relevantByQuery must not be null");
    Objects.requireNonNull(retrievedByQuery, "retrievedByQuery must not be null");
    Bootstrap.checkSamples(samples);
    Bootstrap.checkLevel(level);
    List<Moments> relevantByUnit = new ArrayList<>();
    List<Moments> retrievedByUnit = new ArrayList<>();
    for (Map.Entry<String, Set<String>> query : new TreeMap<>(relevantByQuery).entrySet()) {
      Set<String> relevant = query.getValue();
      if (relevant == null || relevant.isEmpty()) {
        continue;
      }
      Moments rel = Moments.EMPTY;
      for (String docId : new TreeSet<>(relevant)) {
        rel = rel.add(norm(docNorms, docId, query.getKey()));
      }
      Moments other = Moments.EMPTY;
      for (String docId : new TreeSet<>(retrievedByQuery.getOrDefault(query.getKey(), List.of()))) {
        if (!relevant.contains(docId)) {
          Double norm = docNorms.get(docId);
          if (norm == null || !Double.isFinite(norm)) {
            throw new IllegalArgumentException("retrieved doc id '" + docId + "' of query '" + query.getKey()
                + "' has norm " + norm + " in docNorms; pass the finite norm of every retrieved document");
          }
          other = other.add(norm);
        }
      }
      relevantByUnit.add(rel);
      retrievedByUnit.add(other);
    }
    Moments relevant = union(relevantByUnit);
    Moments retrieved = union(retrievedByUnit);
    double d = EffectSize.cohensD(relevant, retrieved);
    double g = EffectSize.hedgesG(d, relevant.count(), retrieved.count());
    Bootstrap.Result ci = relevantByUnit.isEmpty()
        ? new Bootstrap.Result(new Bootstrap.Interval(Double.NaN, Double.NaN, level), 0, samples)
        : Bootstrap.percentileInterval(
            relevantByUnit.size(),
            drawn -> EffectSize.cohensD(union(relevantByUnit, drawn), union(retrievedByUnit, drawn)),
            samples, seed, level);
    return new DocNormEffect(
        d, g, ci.interval().low(), ci.interval().high(), level,
        relevantByUnit.size(), relevant.count(), retrieved.count(),
        relevant.mean(), retrieved.mean(), ci.skippedSamples());
  }

  /** The moments of each query's relevant norms, queries in id order; queries with none left out. */
  private static List<Moments> relevantMomentsByQuery(
      Map<String, Double> docNorms, Map<String, Set<String>> relevantByQuery) {
    List<Moments> byQuery = new ArrayList<>();
    for (Map.Entry<String, Set<String>> query : new TreeMap<>(relevantByQuery).entrySet()) {
      if (query.getValue() == null) {
        throw new IllegalArgumentException(
            "relevant set of query '" + query.getKey() + "' is null; pass an empty set for a query with none");
      }
      Moments moments = Moments.EMPTY;
      for (String docId : new TreeSet<>(query.getValue())) {
        moments = moments.add(norm(docNorms, docId, query.getKey()));
      }
      if (moments.count() > 0) {
        byQuery.add(moments);
      }
    }
    return byQuery;
  }

  private static double norm(Map<String, Double> docNorms, String docId, String queryId) {
    Double norm = docNorms.get(docId);
    if (norm == null) {
      throw new IllegalArgumentException(
          "relevant doc id '" + docId + "' of query '" + queryId + "' has no norm in docNorms; "
              + "docNorms must cover every document of the corpus: embed the whole corpus, "
              + "or drop judgements of documents outside it");
    }
    return norm;
  }

  private static Moments neverRelevantMoments(
      Map<String, Double> docNorms, Map<String, Set<String>> relevantByQuery) {
    Set<String> relevantToAny = new HashSet<>();
    relevantByQuery.values().forEach(relevantToAny::addAll);
    Moments moments = Moments.EMPTY;
    for (Map.Entry<String, Double> doc : docNorms.entrySet()) {
      Double norm = doc.getValue();
      if (norm == null || !Double.isFinite(norm)) {
        throw new IllegalArgumentException(
            "norm of doc id '" + doc.getKey() + "' is " + norm + "; norms must be finite, "
                + "check the run's embeddings for overflow (dot-product training can diverge)");
      }
      if (!relevantToAny.contains(doc.getKey())) {
        moments = moments.add(norm);
      }
    }
    return moments;
  }

  /** The relevant group of all queries. */
  private static Moments union(List<Moments> byQuery) {
    Moments union = Moments.EMPTY;
    for (Moments query : byQuery) {
      union = union.combine(query);
    }
    return union;
  }

  /** The relevant group of one resample: each drawn query's group, as often as it was drawn. */
  private static Moments union(List<Moments> byQuery, int[] drawn) {
    Moments union = Moments.EMPTY;
    for (int index : drawn) {
      union = union.combine(byQuery.get(index));
    }
    return union;
  }
}
