package dev.magnitude.jobs.aggregate;

import dev.magnitude.core.metrics.ScoredDoc;
import dev.magnitude.core.metrics.TopK;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Exhaustive scoring: every query against every document, under one {@link Scoring} (how far each side
 * is normalized). Document shards × broadcast queries: each partition keeps a top-k per query, then the
 * partitions' top-k lists are merged (Lucene's collect-per-segment, then TopDocs.merge). Scores are
 * double precision; ties are broken by document id descending (trec_eval), see
 * {@link ScoredDoc#RANKING_ORDER}.
 */
public final class ExhaustiveScorer {
  private ExhaustiveScorer() {}

  /**
   * @param documents rows with a string column {@code id} and a float array column {@code vector}
   * @param queries the queries, prepared for their scoring
   * @return query id → its top k documents, best first (queries in input order)
   */
  public static Map<String, List<ScoredDoc>> score(
      JavaSparkContext jsc, Dataset<Row> documents, QueryBlock queries, int k) {
    Broadcast<QueryBlock> block = jsc.broadcast(queries);
    double documentExponent = queries.scoring().documentExponent();
    FlatMapFunction<Iterator<Row>, TopK[]> perShard =
        rows -> List.<TopK[]>of(scorePartition(rows, block.value(), documentExponent, k)).iterator();
    JavaRDD<TopK[]> shards = documents.select("id", "vector").javaRDD().mapPartitions(perShard);
    TopK[] merged;
    try {
      // fold, not reduce: a corpus without rows (or partitions) still gives an empty top-k per query
      merged = shards.fold(empty(queries.size(), k), ExhaustiveScorer::merge);
    } finally {
      block.destroy();
    }
    Map<String, List<ScoredDoc>> out = new LinkedHashMap<>();
    for (int q = 0; q < queries.size(); q++) {
      out.put(queries.ids()[q], merged[q].result());
    }
    return out;
  }

  static TopK[] empty(int queries, int k) {
    TopK[] top = new TopK[queries];
    for (int q = 0; q < top.length; q++) {
      top[q] = new TopK(k);
    }
    return top;
  }

  /** One shard: a top-k per query over the shard's documents. */
  static TopK[] scorePartition(Iterator<Row> rows, QueryBlock queries, double documentExponent, int k) {
    TopK[] top = empty(queries.size(), k);
    double[][] qv = queries.vectors();
    while (rows.hasNext()) {
      Row row = rows.next();
      String id = row.getString(0);
      double[] d = Vectors.toDouble(floats(row.getList(1)), documentExponent);
      for (int q = 0; q < qv.length; q++) {
        top[q].offer(id, Vectors.dot(qv[q], d));
      }
    }
    return top;
  }

  static TopK[] merge(TopK[] a, TopK[] b) {
    for (int q = 0; q < a.length; q++) {
      a[q].merge(b[q]);
    }
    return a;
  }

  static float[] floats(List<?> values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = ((Number) values.get(i)).floatValue();
    }
    return out;
  }
}
