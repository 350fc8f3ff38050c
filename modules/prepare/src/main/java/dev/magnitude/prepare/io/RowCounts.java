package dev.magnitude.prepare.io;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Rows read and rejected per input file, the counts behind {@link RawInput#rowsIn()} and {@link
 * RawInput#rejectedIn()}.
 */
public record RowCounts(Map<String, Long> rowsIn, Map<String, Long> rejectedIn) {
  public RowCounts {
    rowsIn = Map.copyOf(rowsIn);
    rejectedIn = Map.copyOf(rejectedIn);
  }

  /**
   * Counts checked rows per file in one Spark job (which also fills the caches the rows come from); only
   * the per-file counts reach the driver.
   *
   * @param checked rows with columns {@code file} and {@code reason} (null while the row is valid)
   * @param files every input file, each a key of the result even when it has no rows
   */
  public static RowCounts of(Dataset<Row> checked, List<String> files) {
    Map<String, Long> rowsIn = new LinkedHashMap<>();
    Map<String, Long> rejected = new LinkedHashMap<>();
    files.forEach(f -> {
      rowsIn.put(f, 0L);
      rejected.put(f, 0L);
    });
    Column isRejected = when(col("reason").isNotNull(), 1L).otherwise(0L);
    checked.select(col("file"), isRejected.as("rejected"))
        .groupBy("file").agg(count("*"), sum("rejected")).collectAsList()
        .forEach(r -> {
          rowsIn.put(r.getString(0), r.getLong(1));
          rejected.put(r.getString(0), r.getLong(2));
        });
    return new RowCounts(rowsIn, rejected);
  }
}
