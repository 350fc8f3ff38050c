package dev.magnitude.prepare.sts;

import static org.apache.spark.sql.functions.col;

import dev.magnitude.prepare.io.RawInput;
import dev.magnitude.prepare.io.RowCounts;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A validated STS dataset ({@link StsReader}): the valid sentence pairs per split and every rejected row.
 * Holds a cached Spark dataset; {@link #close()} releases it.
 */
public final class StsInput implements RawInput {
  private final Dataset<Row> pairs;
  private final Map<String, String> files;
  private final RowCounts counts;

  StsInput(Dataset<Row> pairs, Map<String, String> files, RowCounts counts) {
    this.pairs = pairs;
    this.files = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(files));
    this.counts = counts;
  }

  /**
   * The valid pairs of {@code split}: {@code id} (string: the row's 1-based line number in its file), {@code
   * text_a}, {@code text_b}, {@code score} (double, the gold score as read, in [score-min, score-max]).
   */
  public Dataset<Row> pairs(String split) {
    requireSplit(split);
    return pairs.filter(col("reason").isNull().and(col("split").equalTo(split)))
        .select("id", "text_a", "text_b", "score");
  }

  /** The file of {@code split}, relative to the dataset folder. */
  public String file(String split) {
    requireSplit(split);
    return files.get(split);
  }

  /** The splits read, in order. */
  public List<String> splits() {
    return List.copyOf(files.keySet());
  }

  /** Every rejected row of every file: {@code file, line, reason, raw} (file relative to the folder). */
  @Override
  public Dataset<Row> quarantine() {
    return pairs.filter(col("reason").isNotNull()).select("file", "line", "reason", "raw");
  }

  /** Rows read per file: non-blank lines but the header row. */
  @Override
  public Map<String, Long> rowsIn() {
    return counts.rowsIn();
  }

  @Override
  public Map<String, Long> rejectedIn() {
    return counts.rejectedIn();
  }

  private void requireSplit(String split) {
    if (!files.containsKey(split)) {
      throw new IllegalArgumentException(
          "split '" + split + "' was not read; this input has splits " + String.join(", ", files.keySet()));
    }
  }

  @Override
  public void close() {
    pairs.unpersist();
  }
}
