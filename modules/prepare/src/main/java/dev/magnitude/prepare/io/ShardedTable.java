package dev.magnitude.prepare.io;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.xxhash64;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Writes a table as Parquet shards of bounded size, deterministically, and reads back what was written.
 *
 * <p>Layout: {@code ceil(rows / shardMaxRows)} partitions by Spark's Murmur3 hash of the key columns, rows
 * sorted by the key within each partition, and at most {@code shardMaxRows} rows per file ({@code
 * maxRecordsPerFile}; a partition that hashing made larger is cut into several files in key order). So
 * equal rows and settings give the same rows in the same shards, in the same order (file names differ:
 * they carry the write job's id). Keys must be unique for the order within a shard to be total. A global
 * sort is avoided on purpose: its range bounds come from sampling, which need not repeat between runs.
 */
public final class ShardedTable {
  private ShardedTable() {}

  /** Rows and an order-independent content hash of a written table. */
  public record Stats(long rows, long hash) {}

  /**
   * Writes {@code rows}, conformed to {@code schema} (same column names, types that up-cast, all nullable),
   * to {@code path}, which must not exist.
   *
   * @param rowCount the number of rows (it sets the number of partitions)
   * @param keys columns that identify a row
   */
  public static void write(
      Dataset<Row> rows, StructType schema, String path, int shardMaxRows, long rowCount, String... keys) {
    // to(schema) makes every column nullable as the avsc files expect (a non-nullable Spark column would be
    // a required Parquet column) and fails, naming the column, when the rows cannot take the schema.
    Dataset<Row> conformed = rows.to(schema);
    if (!conformed.schema().equals(schema)) {
      // to() keeps a non-nullable source column non-nullable; the source must declare it nullable.
      throw new IllegalStateException(
          "table " + path + " would be written as " + conformed.schema().simpleString() + " with nullability "
              + Arrays.toString(Arrays.stream(conformed.schema().fields()).map(f -> f.name() + "=" + f.nullable()).toArray())
              + "; expected " + schema.simpleString() + " with every column nullable");
    }
    int partitions = (int) Math.max(1, Math.min(Integer.MAX_VALUE, (rowCount + shardMaxRows - 1) / shardMaxRows));
    Column[] keyColumns = Arrays.stream(keys).map(k -> col(k)).toArray(Column[]::new);
    conformed.repartition(partitions, keyColumns)
        .sortWithinPartitions(keyColumns)
        .write()
        .mode(SaveMode.ErrorIfExists)
        .option("maxRecordsPerFile", shardMaxRows)
        .parquet(path);
  }

  /**
   * Reads a written table from its part files, named one by one: Spark ignores (and warns about) a folder
   * whose name starts with '_' or '.', such as {@code _quarantine}, and warns about a glob it cannot stat.
   * A table without part files is empty.
   */
  public static Dataset<Row> read(SparkSession spark, String path, StructType schema) {
    String parts = path + "/part-*";
    FileStatus[] found;
    try {
      Path glob = new Path(parts);
      found = glob.getFileSystem(spark.sparkContext().hadoopConfiguration()).globStatus(glob);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + parts + ": " + e.getMessage(), e);
    }
    if (found == null || found.length == 0) {
      return spark.createDataFrame(List.of(), schema);
    }
    String[] files = Arrays.stream(found).map(f -> f.getPath().toString()).sorted().toArray(String[]::new);
    return spark.read().schema(schema).parquet(files);
  }

  /** A written table to read back: its folder and schema. */
  public record Table(String path, StructType schema) {}

  /**
   * Reads written tables back, in one Spark job: per table its row count and the sum, wrapped to 64 bits,
   * of Spark's {@code xxhash64} over each row's columns, which depends on neither row order nor sharding.
   *
   * @param tables by name
   * @return stats by name (rows 0, hash 0 for an empty table)
   */
  public static Map<String, Stats> stats(SparkSession spark, Map<String, Table> tables) {
    Dataset<Row> hashes = null;
    for (Map.Entry<String, Table> t : tables.entrySet()) {
      StructType schema = t.getValue().schema();
      Column[] all = Arrays.stream(schema.fieldNames()).map(f -> col(f)).toArray(Column[]::new);
      // Summed as decimal(38,0): exact for any realistic row count, where a bigint sum would overflow.
      Dataset<Row> one = read(spark, t.getValue().path(), schema)
          .select(lit(t.getKey()).as("table"), xxhash64(all).cast(DataTypes.createDecimalType(38, 0)).as("hash"));
      hashes = hashes == null ? one : hashes.union(one);
    }
    Map<String, Stats> stats = new TreeMap<>();
    tables.keySet().forEach(name -> stats.put(name, new Stats(0, 0)));
    if (hashes != null) {
      for (Row r : hashes.groupBy("table").agg(count("*"), sum("hash")).collectAsList()) {
        BigDecimal sum = r.getDecimal(2);
        stats.put(r.getString(0), new Stats(r.getLong(1), sum == null ? 0 : sum.toBigInteger().longValue()));
      }
    }
    return stats;
  }
}
