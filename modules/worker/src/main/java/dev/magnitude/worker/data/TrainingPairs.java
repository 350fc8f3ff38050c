package dev.magnitude.worker.data;

import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.schema.Tables;
import dev.magnitude.worker.RunFailure;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training examples of a run: every (query, document) judged relevant (relevance ≥ 1) in the
 * training split's qrels, with the token ids of exactly the queries and documents they use. For an STS
 * dataset ({@link #loadSts}): every sentence pair whose gold score reaches the positive threshold, the
 * first sentence on the query side and the second on the document side.
 *
 * <p>The judged non-relevant documents (relevance 0) of each training query are kept as its hard
 * negatives ({@link #hardNegatives}), except those also judged relevant to it (a duplicate judgement the
 * prepare job would have quarantined). STS training pairs have none.
 *
 * <p>Pairs are sorted by (query id, document id), so their order does not depend on how the prepare job
 * sharded the qrels; a query's hard negatives are sorted by document id for the same reason. Judgements naming a query or document that the prepared tables do not hold are
 * dropped (and counted in the log): the prepare job quarantines such rows, so this only guards against
 * partial data.
 */
public final class TrainingPairs {
  private static final Logger LOG = LoggerFactory.getLogger(TrainingPairs.class);

  /** One training example: indexes into {@link #queryTokens} and {@link #documentTokens}. */
  public record Pair(int query, int document) {}

  private final List<Pair> pairs;
  private final List<String> queryIds;
  private final List<String> documentIds;
  private final List<int[]> queryTokens;
  private final List<int[]> documentTokens;
  private final List<Set<Integer>> relevantDocuments;
  private final List<int[]> hardNegatives;

  private TrainingPairs(
      List<Pair> pairs,
      List<String> queryIds,
      List<String> documentIds,
      List<int[]> queryTokens,
      List<int[]> documentTokens,
      List<Set<Integer>> relevantDocuments,
      List<int[]> hardNegatives) {
    this.pairs = List.copyOf(pairs);
    this.queryIds = queryIds;
    this.documentIds = documentIds;
    this.queryTokens = queryTokens;
    this.documentTokens = documentTokens;
    this.relevantDocuments = relevantDocuments;
    this.hardNegatives = hardNegatives;
  }

  /**
   * Reads the training split's qrels and queries and the dataset's corpus.
   *
   * @throws RunFailure if a table is missing, a token id is out of range, or no relevant pair remains
   */
  public static TrainingPairs load(
      PreparedTables tables, WorkDir work, String dataset, String split, int vocabularySize) throws IOException {
    String qrelsFolder = work.table(dataset, split, Tables.QRELS);
    List<Qrel> qrels = tables.readQrels(qrelsFolder);
    Set<String> wantedQueries = new HashSet<>();
    Set<String> wantedDocuments = new HashSet<>();
    for (Qrel q : qrels) {
      if (q.relevant()) {
        wantedQueries.add(q.queryId());
        wantedDocuments.add(q.docId());
      }
    }
    for (Qrel q : qrels) {
      if (!q.relevant() && wantedQueries.contains(q.queryId())) {
        wantedDocuments.add(q.docId());
      }
    }
    Map<String, int[]> queries = new HashMap<>();
    tables.readTexts(work.table(dataset, split, Tables.QUERIES), vocabularySize, t -> {
      if (wantedQueries.contains(t.id())) {
        queries.put(t.id(), t.tokenIds());
      }
    });
    Map<String, int[]> documents = new HashMap<>();
    tables.readTexts(work.documents(dataset), vocabularySize, t -> {
      if (wantedDocuments.contains(t.id())) {
        documents.put(t.id(), t.tokenIds());
      }
    });
    return build(qrels, queries, documents, qrelsFolder);
  }

  /**
   * Builds from judgements already read; pairs with unknown ids are dropped, and so are non-relevant
   * judgements of queries without a training pair or of unknown documents. Visible for tests.
   */
  public static TrainingPairs build(
      Iterable<Qrel> judgements, Map<String, int[]> queries, Map<String, int[]> documents, String source) {
    TreeSet<Qrel> relevant =
        new TreeSet<>(Comparator.comparing(Qrel::queryId).thenComparing(Qrel::docId));
    TreeSet<Qrel> nonRelevant =
        new TreeSet<>(Comparator.comparing(Qrel::queryId).thenComparing(Qrel::docId));
    judgements.forEach(q -> {
      if (q.relevant()) {
        relevant.add(q);
      } else {
        nonRelevant.add(q);
      }
    });
    Map<String, Integer> queryIndex = new HashMap<>();
    Map<String, Integer> documentIndex = new HashMap<>();
    List<String> queryIds = new ArrayList<>();
    List<String> documentIds = new ArrayList<>();
    List<int[]> queryTokens = new ArrayList<>();
    List<int[]> documentTokens = new ArrayList<>();
    List<Set<Integer>> relevantDocuments = new ArrayList<>();
    List<Pair> pairs = new ArrayList<>();
    int dropped = 0;
    for (Qrel qrel : relevant) {
      int[] q = queries.get(qrel.queryId());
      int[] d = documents.get(qrel.docId());
      if (q == null || d == null) {
        dropped++;
        continue;
      }
      int qi = queryIndex.computeIfAbsent(qrel.queryId(), id -> {
        queryIds.add(id);
        queryTokens.add(q);
        relevantDocuments.add(new HashSet<>());
        return queryIds.size() - 1;
      });
      int di = documentIndex.computeIfAbsent(qrel.docId(), id -> {
        documentIds.add(id);
        documentTokens.add(d);
        return documentIds.size() - 1;
      });
      relevantDocuments.get(qi).add(di);
      pairs.add(new Pair(qi, di));
    }
    if (dropped > 0) {
      LOG.warn("{}: dropped {} relevant judgements whose query or document is not in the prepared tables",
          source, dropped);
    }
    if (pairs.isEmpty()) {
      throw new RunFailure(source + " holds no relevant (relevance >= 1) pair of a known query and document");
    }
    // Hard negatives: documents judged non-relevant to a training query, in (query id, document id) order.
    List<List<Integer>> negatives = new ArrayList<>();
    queryIds.forEach(id -> negatives.add(new ArrayList<>()));
    int kept = 0;
    for (Qrel qrel : nonRelevant) {
      Integer qi = queryIndex.get(qrel.queryId());
      int[] d = documents.get(qrel.docId());
      if (qi == null || d == null) {
        continue;
      }
      int di = documentIndex.computeIfAbsent(qrel.docId(), id -> {
        documentIds.add(id);
        documentTokens.add(d);
        return documentIds.size() - 1;
      });
      if (!relevantDocuments.get(qi).contains(di)) {
        negatives.get(qi).add(di);
        kept++;
      }
    }
    List<int[]> hardNegatives = new ArrayList<>(negatives.size());
    negatives.forEach(list -> hardNegatives.add(list.stream().mapToInt(Integer::intValue).toArray()));
    if (kept > 0) {
      LOG.info("{}: {} judged non-relevant documents of {} training queries are hard negatives",
          source, kept, negatives.stream().filter(list -> !list.isEmpty()).count());
    }
    return new TrainingPairs(
        pairs, queryIds, documentIds, queryTokens, documentTokens, relevantDocuments, hardNegatives);
  }

  /**
   * Reads an STS training split's pairs and keeps those with score ≥ {@code threshold} as positives.
   *
   * @param batchSize the run's batch size: fewer positives than one batch cannot train
   * @throws RunFailure naming the dataset, the threshold and the counts when fewer than {@code batchSize}
   *     pairs (or none) reach the threshold
   */
  public static TrainingPairs loadSts(
      PreparedTables tables, WorkDir work, String dataset, String split, int vocabularySize, double threshold,
      int batchSize) throws IOException {
    String folder = work.table(dataset, split, Tables.PAIRS);
    List<SentencePair> all = new ArrayList<>();
    tables.readPairs(folder, vocabularySize, all::add);
    TrainingPairs pairs = fromSts(all, threshold, folder);
    if (pairs.size() < batchSize) {
      throw new RunFailure(
          "dataset " + dataset + ": " + folder + " has " + pairs.size() + " of " + all.size() + " pairs with score >= "
              + threshold + " (magnitude.train.sts.positive-threshold), fewer than batch-size = " + batchSize
              + "; lower the threshold or batch-size, or train on a larger split");
    }
    return pairs;
  }

  /**
   * The positives of STS pairs already read. Pairs are taken in pair-id order. Sentences with equal token
   * ids are one query (or one document): the batch then never uses a copy of a positive as a negative,
   * in either direction. Visible for tests.
   *
   * @throws RunFailure if no pair reaches the threshold, naming the source, the threshold and the score range
   */
  public static TrainingPairs fromSts(List<SentencePair> all, double threshold, String source) {
    List<SentencePair> positives = new ArrayList<>();
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (SentencePair p : all) {
      min = Math.min(min, p.score());
      max = Math.max(max, p.score());
      if (p.score() >= threshold) {
        positives.add(p);
      }
    }
    if (positives.isEmpty()) {
      throw new RunFailure(source + " holds no pair with score >= " + threshold + " (of " + all.size()
          + " pairs" + (all.isEmpty() ? "" : ", scores " + min + " to " + max)
          + "); lower magnitude.train.sts.positive-threshold to the dataset's score scale");
    }
    positives.sort(Comparator.comparing(SentencePair::id));
    Map<String, Integer> queryIndex = new HashMap<>();
    Map<String, Integer> documentIndex = new HashMap<>();
    List<String> queryIds = new ArrayList<>();
    List<String> documentIds = new ArrayList<>();
    List<int[]> queryTokens = new ArrayList<>();
    List<int[]> documentTokens = new ArrayList<>();
    List<Set<Integer>> relevantDocuments = new ArrayList<>();
    List<Pair> pairs = new ArrayList<>();
    for (SentencePair p : positives) {
      int qi = queryIndex.computeIfAbsent(Arrays.toString(p.tokensA()), key -> {
        queryIds.add(p.id());
        queryTokens.add(p.tokensA());
        relevantDocuments.add(new HashSet<>());
        return queryIds.size() - 1;
      });
      int di = documentIndex.computeIfAbsent(Arrays.toString(p.tokensB()), key -> {
        documentIds.add(p.id());
        documentTokens.add(p.tokensB());
        return documentIds.size() - 1;
      });
      relevantDocuments.get(qi).add(di);
      pairs.add(new Pair(qi, di));
    }
    LOG.info("{}: {} of {} pairs have score >= {} and train the run", source, pairs.size(), all.size(), threshold);
    List<int[]> none = new ArrayList<>();
    queryIds.forEach(id -> none.add(new int[0]));
    return new TrainingPairs(pairs, queryIds, documentIds, queryTokens, documentTokens, relevantDocuments, none);
  }

  public int size() {
    return pairs.size();
  }

  public Pair pair(int index) {
    return pairs.get(index);
  }

  public int[] queryTokens(int query) {
    return queryTokens.get(query);
  }

  public int[] documentTokens(int document) {
    return documentTokens.get(document);
  }

  public String queryId(int query) {
    return queryIds.get(query);
  }

  public String documentId(int document) {
    return documentIds.get(document);
  }

  /**
   * The hard negatives of a query: indexes of the documents judged non-relevant (relevance 0) to it and
   * not relevant, ascending by document id; empty when it has none. The caller must not modify it.
   */
  public int[] hardNegatives(int query) {
    return hardNegatives.get(query);
  }

  /** Whether document (index) is judged relevant to query (index). */
  public boolean isRelevant(int query, int document) {
    return relevantDocuments.get(query).contains(document);
  }
}
