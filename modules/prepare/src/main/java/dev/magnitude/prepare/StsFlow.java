package dev.magnitude.prepare;

import static org.apache.spark.sql.functions.col;

import dev.magnitude.core.config.DatasetSpec;
import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.schema.Tables;
import dev.magnitude.prepare.io.PreparedSchemas;
import dev.magnitude.prepare.io.RawInput;
import dev.magnitude.prepare.io.ShardedTable;
import dev.magnitude.prepare.sts.StsInput;
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
 * STS (format sts): per split a {@code pairs} table, both sentences tokenized. The vocabulary is counted over
 * both sentences of the training split's pairs.
 */
final class StsFlow implements TaskFlow {
  private static final Logger LOG = LoggerFactory.getLogger(StsFlow.class);

  private final DatasetSpec dataset;
  private final WorkDir work;
  private final StsInput input;
  private final Map<String, Long> pairs = new LinkedHashMap<>();

  StsFlow(DatasetSpec dataset, WorkDir work, StsInput input) {
    this.dataset = dataset;
    this.work = work;
    this.input = input;
    for (String split : dataset.splits()) {
      long n = input.pairs(split).count();
      pairs.put(split, n);
      if (n == 0) {
        LOG.warn("prepare {}: split {} has no valid pairs in {}; its table will be empty", dataset.name(), split,
            input.file(split));
      }
    }
  }

  @Override
  public RawInput input() {
    return input;
  }

  @Override
  public String unusable() {
    String train = dataset.trainSplit();
    return pairs.get(train) == 0 ? "no valid pair in the training split's file " + input.file(train) : null;
  }

  @Override
  public Dataset<String> vocabularyTexts() {
    Dataset<Row> train = input.pairs(dataset.trainSplit());
    LOG.info("prepare {}: vocabulary over both sentences of {} {} pairs", dataset.name(),
        pairs.get(dataset.trainSplit()), dataset.trainSplit());
    return train.select(col("text_a").as("text")).union(train.select(col("text_b").as("text"))).as(Encoders.STRING());
  }

  @Override
  public List<Output> outputs(Broadcast<TextTokenizer> tokenizer) {
    List<Output> out = new ArrayList<>();
    for (String split : dataset.splits()) {
      out.add(new Output(split + "/" + Tables.PAIRS, work.table(dataset.name(), split, Tables.PAIRS),
          PreparedSchemas.PAIRS, TaskFlow.tokenize(input.pairs(split), PreparedSchemas.PAIRS, tokenizer),
          pairs.get(split), Tables.ID));
    }
    return out;
  }

  /** A split's file: the pairs written for the split. */
  @Override
  public Map<String, Long> written(Map<String, ShardedTable.Stats> stats, Function<String, Dataset<Row>> read) {
    Map<String, Long> written = new TreeMap<>();
    for (String split : dataset.splits()) {
      written.merge(input.file(split), stats.get(split + "/" + Tables.PAIRS).rows(), Long::sum);
    }
    return written;
  }
}
