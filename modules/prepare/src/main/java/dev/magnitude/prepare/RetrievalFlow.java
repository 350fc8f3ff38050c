package dev.magnitude.prepare;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;

import dev.magnitude.core.config.DatasetSpec;
import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.schema.Tables;
import dev.magnitude.prepare.beir.BeirInput;
import dev.magnitude.prepare.io.PreparedSchemas;
import dev.magnitude.prepare.io.RawInput;
import dev.magnitude.prepare.io.ShardedTable;
import dev.magnitude.prepare.qa.QaInput;
import dev.magnitude.prepare.tokenize.TextTokenizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retrieval and QA (formats synthetic, beir, msmarco, qa): {@code corpus/documents}, and per split {@code
 * queries} (the queries judged in it), {@code qrels} and, for QA, {@code answers}. The vocabulary is counted
 * over the documents and the training split's queries.
 */
final class RetrievalFlow implements TaskFlow {
  private static final Logger LOG = LoggerFactory.getLogger(RetrievalFlow.class);

  private final DatasetSpec dataset;
  private final WorkDir work;
  private final RawInput raw;
  private final BeirInput input;
  private final QaInput qa;
  private final long documents;
  private final Map<String, long[]> perSplit;

  /**
   * @param work the work directory (the final paths of the tables)
   * @param input the BEIR input, or a {@link QaInput} (format qa)
   */
  RetrievalFlow(DatasetSpec dataset, WorkDir work, RawInput input) {
    this.dataset = dataset;
    this.work = work;
    this.raw = input;
    this.qa = input instanceof QaInput q ? q : null;
    this.input = qa != null ? qa.beir() : (BeirInput) input;
    String corpus = this.input.files().corpus();
    this.documents = this.input.rowsIn().get(corpus) - this.input.rejectedIn().get(corpus);
    this.perSplit = splitCounts();
  }

  @Override
  public RawInput input() {
    return raw;
  }

  @Override
  public String unusable() {
    if (documents == 0) {
      return "no valid documents in " + input.files().corpus();
    }
    String train = dataset.trainSplit();
    if (perSplit.get(train)[0] == 0) {
      return "no query of the training split '" + train + "' has a valid judgement in "
          + input.files().qrels().get(train);
    }
    return null;
  }

  @Override
  public Dataset<String> vocabularyTexts() {
    LOG.info("prepare {}: vocabulary over {} documents and {} {} queries", dataset.name(), documents,
        perSplit.get(dataset.trainSplit())[0], dataset.trainSplit());
    return input.documents().select("text").union(input.queries(dataset.trainSplit()).select("text"))
        .as(Encoders.STRING());
  }

  @Override
  public List<Output> outputs(Broadcast<TextTokenizer> tokenizer) {
    String name = dataset.name();
    List<Output> out = new ArrayList<>();
    out.add(new Output("corpus/documents", work.documents(name), PreparedSchemas.DOCUMENTS,
        TaskFlow.tokenize(input.documents(), PreparedSchemas.DOCUMENTS, tokenizer), documents, Tables.ID));
    for (String split : dataset.splits()) {
      out.add(new Output(split + "/" + Tables.QUERIES, work.table(name, split, Tables.QUERIES),
          PreparedSchemas.QUERIES, TaskFlow.tokenize(input.queries(split), PreparedSchemas.QUERIES, tokenizer),
          perSplit.get(split)[0], Tables.ID));
      out.add(new Output(split + "/" + Tables.QRELS, work.table(name, split, Tables.QRELS),
          PreparedSchemas.QRELS, input.qrels(split), perSplit.get(split)[1], Tables.QUERY_ID, Tables.DOC_ID));
      if (qa != null) {
        Dataset<Row> answers = qa.answers(split);
        out.add(new Output(split + "/" + Tables.ANSWERS, work.table(name, split, Tables.ANSWERS),
            PreparedSchemas.ANSWERS, answers, answers.count(), Tables.QUERY_ID, "answer"));
      }
    }
    return out;
  }

  /**
   * The documents' file: the documents written. A queries file: the distinct ids of the query tables of the
   * splits it serves (BEIR: one file for every split; MS MARCO: one file per split). A qrels file: its
   * split's judgements.
   */
  @Override
  public Map<String, Long> written(Map<String, ShardedTable.Stats> stats, Function<String, Dataset<Row>> read) {
    BeirInput.Files files = input.files();
    Map<String, Dataset<Row>> queryIds = new TreeMap<>();
    for (String split : dataset.splits()) {
      queryIds.merge(files.queries().get(split), read.apply(split + "/" + Tables.QUERIES).select(Tables.ID),
          Dataset::union);
    }
    Map<String, Long> written = new TreeMap<>();
    written.put(files.corpus(), stats.get("corpus/documents").rows());
    queryIds.forEach((file, ids) -> written.put(file, ids.distinct().count()));
    dataset.splits().forEach(s -> written.put(files.qrels().get(s), stats.get(s + "/" + Tables.QRELS).rows()));
    return written;
  }

  /** Per split: {queries judged in it, valid judgements}, in one Spark job. */
  private Map<String, long[]> splitCounts() {
    Map<String, long[]> counts = new LinkedHashMap<>();
    dataset.splits().forEach(split -> counts.put(split, new long[2]));
    input.judgements().groupBy("split").agg(countDistinct(col(Tables.QUERY_ID)), count("*")).collectAsList()
        .forEach(r -> counts.put(r.getString(0), new long[] {r.getLong(1), r.getLong(2)}));
    counts.forEach((split, n) -> {
      if (n[1] == 0) {
        LOG.warn("prepare {}: split {} has no valid judgements; its tables will be empty", dataset.name(), split);
      }
    });
    return counts;
  }
}
