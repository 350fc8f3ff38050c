package dev.magnitude.prepare;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Small views of Spark tables that tests compare with expected values written by hand. */
public final class TestRows {
  private TestRows() {}

  /** Rows as "a|b|c" (columns in order), sorted. */
  public static List<String> joined(Dataset<Row> ds) {
    return ds.collectAsList().stream()
        .map(r -> {
          StringBuilder b = new StringBuilder();
          for (int i = 0; i < r.length(); i++) {
            b.append(i == 0 ? "" : "|").append(r.get(i));
          }
          return b.toString();
        })
        .sorted()
        .toList();
  }

  /** Quarantined rows counted by reason. */
  public static Map<String, Long> byReason(Dataset<Row> quarantine) {
    Map<String, Long> byReason = new TreeMap<>();
    quarantine.groupBy("reason").count().collectAsList().forEach(r -> byReason.put(r.getString(0), r.getLong(1)));
    return byReason;
  }

  /** Quarantined rows as "file:line reason", in file and line order. */
  public static List<String> locations(Dataset<Row> quarantine) {
    return quarantine.orderBy("file", "line").collectAsList().stream()
        .map(r -> r.getString(0) + ":" + r.getLong(1) + " " + r.getString(2))
        .toList();
  }
}
